package objects

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// blobStore keeps object bytes. A blob is written once through a
// blobWriter and never changed; Commit makes it durable under its id
// before the metadata row naming it is committed, so a crash leaves at
// most an orphan blob, never a row without bytes.
type blobStore interface {
	create() (blobWriter, error)
	// open returns the blob's bytes; errBlobMissing if it is gone (a
	// concurrent overwrite removed it after the caller read its row).
	open(id string) (blobReader, error)
	remove(id string) error
}

type blobWriter interface {
	io.Writer
	// commit makes the blob durable and returns its id.
	commit() (string, error)
	// abort discards it (after a failed write, or a commit that lost).
	abort()
}

type blobReader interface {
	io.ReaderAt
	io.Closer
}

var errBlobMissing = errors.New("objects: blob missing")

func newBlobID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// diskBlobs keeps blobs as files dir/blobs/ab/<id>, written as
// dir/tmp/<id> and renamed into place after fsync.
type diskBlobs struct{ dir string }

func newDiskBlobs(dir string) (*diskBlobs, error) {
	for _, d := range []string{"blobs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			return nil, fmt.Errorf("objects: %w", err)
		}
	}
	b := &diskBlobs{dir: dir}
	b.sweepTmp(time.Now().Add(-staleTmp))
	return b, nil
}

// staleTmp is how long a temporary blob may go unwritten before it is
// taken for the leftover of a crashed write. Replicas share the directory,
// so a fresh temporary file may be another process's upload in progress
// (its mtime moves with every write).
const staleTmp = time.Hour

// sweepTmp removes temporary blobs not written to since before.
func (b *diskBlobs) sweepTmp(before time.Time) {
	entries, _ := os.ReadDir(filepath.Join(b.dir, "tmp"))
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(before) {
			os.Remove(filepath.Join(b.dir, "tmp", e.Name()))
		}
	}
}

func (b *diskBlobs) path(id string) string { return filepath.Join(b.dir, "blobs", id[:2], id) }

func (b *diskBlobs) create() (blobWriter, error) {
	id := newBlobID()
	f, err := os.OpenFile(filepath.Join(b.dir, "tmp", id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("objects: create blob: %w", err)
	}
	return &diskWriter{b: b, id: id, f: f}, nil
}

type diskWriter struct {
	b  *diskBlobs
	id string
	f  *os.File
}

func (w *diskWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *diskWriter) commit() (string, error) {
	tmp := w.f.Name()
	if err := w.f.Sync(); err != nil {
		w.abort()
		return "", fmt.Errorf("objects: sync blob: %w", err)
	}
	if err := w.f.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("objects: close blob: %w", err)
	}
	final := w.b.path(w.id)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("objects: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("objects: rename blob: %w", err)
	}
	// The rename is durable only once the directory is synced.
	if err := syncDir(filepath.Dir(final)); err != nil {
		return "", err
	}
	return w.id, nil
}

func (w *diskWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("objects: sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("objects: sync dir: %w", err)
	}
	return nil
}

func (b *diskBlobs) open(id string) (blobReader, error) {
	if len(id) < 3 {
		return nil, errBlobMissing
	}
	f, err := os.Open(b.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errBlobMissing
	}
	if err != nil {
		return nil, fmt.Errorf("objects: open blob: %w", err)
	}
	return f, nil
}

// remove deletes a blob after the row that named it is gone. A reader that
// opened it earlier keeps reading it (POSIX unlink semantics).
func (b *diskBlobs) remove(id string) error {
	err := os.Remove(b.path(id))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("objects: remove blob: %w", err)
	}
	return nil
}

// memBlobs keeps blobs in memory (in-memory mode: no data directory).
type memBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemBlobs() *memBlobs { return &memBlobs{m: map[string][]byte{}} }

type memWriter struct {
	b   *memBlobs
	buf bytes.Buffer
}

func (b *memBlobs) create() (blobWriter, error)  { return &memWriter{b: b}, nil }
func (w *memWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }
func (w *memWriter) abort()                      { w.buf = bytes.Buffer{} }
func (w *memWriter) commit() (string, error) {
	id := newBlobID()
	w.b.mu.Lock()
	w.b.m[id] = w.buf.Bytes()
	w.b.mu.Unlock()
	return id, nil
}

type memReader struct{ *bytes.Reader }

func (memReader) Close() error { return nil }

func (b *memBlobs) open(id string) (blobReader, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.m[id]
	if !ok {
		return nil, errBlobMissing
	}
	return memReader{bytes.NewReader(data)}, nil
}

func (b *memBlobs) remove(id string) error {
	b.mu.Lock()
	delete(b.m, id)
	b.mu.Unlock()
	return nil
}
