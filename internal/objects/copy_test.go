package objects

import (
	"bytes"
	"crypto/md5"
	"testing"
	"testing/iotest"
)

// TestCopyHashingSizes: the copy and its MD5 are right whatever the
// announced length says (buffers are sized from it), across buffer
// boundaries and with a reader that returns one byte at a time.
func TestCopyHashingSizes(t *testing.T) {
	for _, size := range []int{0, 1, 4 << 10, 1<<20 - 1, 1 << 20, 1<<20 + 1, 3<<20 + 7} {
		body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
		sum := md5.Sum(body)
		for _, want := range []int64{-1, 0, int64(size) / 2, int64(size), int64(size) + 10} {
			var dst bytes.Buffer
			var src = bytes.NewReader(body)
			n, got, err := copyHashing(&dst, src, want)
			if err != nil || n != int64(size) || !bytes.Equal(dst.Bytes(), body) || !bytes.Equal(got, sum[:]) {
				t.Errorf("size %d, want %d: n=%d err=%v copied-equal=%v md5-equal=%v", size, want, n, err, bytes.Equal(dst.Bytes(), body), bytes.Equal(got, sum[:]))
			}
		}
		if size > 1<<16 {
			continue
		}
		var dst bytes.Buffer
		n, got, err := copyHashing(&dst, iotest.OneByteReader(bytes.NewReader(body)), int64(size))
		if err != nil || n != int64(size) || !bytes.Equal(dst.Bytes(), body) || !bytes.Equal(got, sum[:]) {
			t.Errorf("size %d, one byte at a time: n=%d err=%v", size, n, err)
		}
	}
}
