package objects

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// streamingPrefix starts the x-amz-content-sha256 values of aws-chunked
// bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER],
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, ...).
const streamingPrefix = "STREAMING-"

// payload returns the request's object bytes and their length (-1 if not
// known): the body, or for aws-chunked bodies (x-amz-content-sha256
// STREAMING-...) the decoded chunks, whose length is
// x-amz-decoded-content-length.
func payload(r *http.Request) (io.Reader, int64, *s3Error) {
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), streamingPrefix) ||
		hasToken(r.Header.Get("Content-Encoding"), "aws-chunked") {
		n, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil || n < 0 {
			return nil, 0, errorf("MissingContentLength", 411, "You must provide the Content-Length HTTP header.")
		}
		return &chunkedReader{r: bufio.NewReaderSize(r.Body, 64<<10)}, n, nil
	}
	return r.Body, r.ContentLength, nil
}

func hasToken(header, token string) bool {
	for _, t := range strings.Split(header, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// errChunk is a malformed aws-chunked body.
var errChunk = errors.New("objects: malformed aws-chunked body")

// chunkedReader decodes aws-chunked: "hex-size[;chunk-signature=sig]\r\n"
// data "\r\n", repeated, ending with a zero-size chunk and optional
// trailers ("x-amz-checksum-crc32:...\r\n"), then "\r\n". Chunk
// signatures are not checked (see docs/objects.md).
type chunkedReader struct {
	r    *bufio.Reader
	left int64 // bytes left in the current chunk
	done bool
	err  error
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left == 0 && !c.done {
		if err := c.next(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if c.done {
		c.err = io.EOF
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && c.left == 0 {
		err = c.crlf()
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

func (c *chunkedReader) crlf() error {
	var b [2]byte
	if _, err := io.ReadFull(c.r, b[:]); err != nil {
		return unexpected(err)
	}
	if b != [2]byte{'\r', '\n'} {
		return errChunk
	}
	return nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (c *chunkedReader) line() (string, error) {
	l, err := c.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return "", errChunk
	}
	if err != nil {
		return "", unexpected(err)
	}
	s := string(l)
	if !strings.HasSuffix(s, "\r\n") {
		return "", errChunk
	}
	return s[:len(s)-2], nil
}

func (c *chunkedReader) next() error {
	l, err := c.line()
	if err != nil {
		return err
	}
	size, _, _ := strings.Cut(l, ";")
	n, err := strconv.ParseInt(size, 16, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%w: chunk size %q", errChunk, size)
	}
	if n > 0 {
		c.left = n
		return nil
	}
	// Last chunk: trailers up to an empty line (or the end of the body,
	// which some clients send without the final CRLF).
	for {
		l, err := c.line()
		if err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
		if l == "" {
			break
		}
	}
	c.done = true
	return nil
}
