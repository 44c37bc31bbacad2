// Package stage makes the objects of a table's location available to the
// query engine as local files. Files are cached by bucket, key and ETag:
// a query over unchanged objects copies nothing, a changed object (new
// ETag) gets a new file. With the embedded S3 on disk, a cached file is a
// hard link to the object's blob (blobs are immutable, and the link keeps
// the bytes even if the object is overwritten meanwhile); otherwise the
// bytes are streamed through objects.Objects.Open.
package stage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/objects"
)

// localPather is what the embedded S3 on disk offers (objects.Server).
type localPather interface {
	LocalPath(ctx context.Context, bucket, key string) (string, objects.ObjectInfo, error)
}

// DefaultMaxIdle is how long a cached file may go unused before Stage
// sweeps it away.
const DefaultMaxIdle = time.Hour

// Stager stages objects into a cache directory; safe for concurrent use.
type Stager struct {
	objs objects.Objects
	dir  string // dir/files holds the cache, dir/tmp the copies in progress

	// MaxIdle bounds the cache: a file not used by a Stage for this long
	// is removed by the next sweep, which Stage starts at most every
	// MaxIdle/4. 0 is DefaultMaxIdle; negative never sweeps. It must be
	// longer than the longest query, which reads its files after Stage.
	// Set it before the first Stage.
	MaxIdle time.Duration

	mu        sync.Mutex
	made      bool
	lastSweep time.Time
	sweeping  bool

	linked, copied, reused atomic.Int64
}

// New returns a Stager caching into dir (created on first use).
func New(objs objects.Objects, dir string) *Stager {
	return &Stager{objs: objs, dir: dir}
}

// Stats counts what Stage did with the objects it staged.
type Stats struct {
	Linked int64 // hard-linked from the embedded S3's blob
	Copied int64 // streamed through Open
	Reused int64 // already in the cache
}

// Stats returns the counts since New.
func (s *Stager) Stats() Stats {
	return Stats{Linked: s.linked.Load(), Copied: s.copied.Load(), Reused: s.reused.Load()}
}

// Stage returns local files holding the objects under prefix in bucket,
// in key order. prefix is a folder (a table's location): "/" is added
// when missing. Skipped, as Hive and Athena skip them: keys ending in "/"
// (folder markers), keys with a path element under prefix that starts
// with "_" or "." (_SUCCESS, _temporary/, .crc files), and empty objects
// (they hold no rows in any format, and DuckDB refuses an empty Parquet
// file). A missing bucket is an error wrapping objects.ErrNotFound.
func (s *Stager) Stage(ctx context.Context, bucket, prefix string) ([]string, error) {
	if err := s.mkdirs(); err != nil {
		return nil, err
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	s.maybeSweep()
	var files []string
	for info, err := range s.objs.List(ctx, bucket, prefix) {
		if err != nil {
			return nil, fmt.Errorf("stage: list s3://%s/%s: %w", bucket, prefix, err)
		}
		if skip(info, prefix) {
			continue
		}
		f, err := s.stageOne(ctx, bucket, info)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func skip(info objects.ObjectInfo, prefix string) bool {
	if strings.HasSuffix(info.Key, "/") || info.Size == 0 {
		return true
	}
	for _, el := range strings.Split(strings.TrimPrefix(info.Key, prefix), "/") {
		if strings.HasPrefix(el, "_") || strings.HasPrefix(el, ".") {
			return true
		}
	}
	return false
}

func (s *Stager) mkdirs() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.made {
		return nil
	}
	for _, d := range []string{"files", "tmp"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o700); err != nil {
			return fmt.Errorf("stage: %w", err)
		}
	}
	s.made = true
	return nil
}

// cachePath is the cache file of one version of an object: a digest of
// bucket, key, ETag and size, with the key's extension (DuckDB picks a
// CSV file's compression by it: .csv.gz).
func (s *Stager) cachePath(bucket string, info objects.ObjectInfo) string {
	h := sha256.Sum256([]byte(bucket + "\x00" + info.Key + "\x00" + info.ETag + "\x00" + strconv.FormatInt(info.Size, 10)))
	return filepath.Join(s.dir, "files", hex.EncodeToString(h[:16])+extension(info.Key))
}

// extension is the key's extensions (".csv.gz"), kept only if short and
// plain.
func extension(key string) string {
	base := path.Base(key)
	i := strings.IndexByte(base, '.')
	if i < 0 {
		return ""
	}
	ext := strings.ToLower(base[i:])
	if len(ext) > 16 {
		return ""
	}
	for _, r := range ext {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.') {
			return ""
		}
	}
	return ext
}

func (s *Stager) stageOne(ctx context.Context, bucket string, info objects.ObjectInfo) (string, error) {
	p := s.cachePath(bucket, info)
	if touch(p) {
		s.reused.Add(1)
		return p, nil
	}
	if lp, ok := s.objs.(localPather); ok {
		if f, ok := s.link(ctx, lp, bucket, info.Key); ok {
			return f, nil
		}
	}
	return s.copy(ctx, bucket, info.Key)
}

// touch marks a cached file used now; false if it is not there.
func touch(p string) bool {
	now := time.Now()
	return os.Chtimes(p, now, now) == nil
}

// link hard-links the object's blob into the cache; false (and the
// caller copies) when the blob is not local, is gone, or is on another
// file system.
func (s *Stager) link(ctx context.Context, lp localPather, bucket, key string) (string, bool) {
	blob, info, err := lp.LocalPath(ctx, bucket, key)
	if err != nil {
		return "", false
	}
	p := s.cachePath(bucket, info)
	err = os.Link(blob, p)
	if err == nil || errors.Is(err, fs.ErrExist) {
		if err == nil {
			s.linked.Add(1)
		} else {
			s.reused.Add(1)
		}
		touch(p)
		return p, true
	}
	return "", false
}

// copy streams the object into a temporary file and renames it into the
// cache, so that a reader never sees a partial file and two stagers of
// one object each write their own copy (the last rename wins; both hold
// the same bytes).
func (s *Stager) copy(ctx context.Context, bucket, key string) (string, error) {
	rc, info, err := s.objs.Open(ctx, bucket, key)
	if err != nil {
		return "", fmt.Errorf("stage: open s3://%s/%s: %w", bucket, key, err)
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "copy-")
	if err != nil {
		return "", fmt.Errorf("stage: %w", err)
	}
	n, err := io.Copy(tmp, ctxReader{ctx, rc})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != info.Size {
		err = fmt.Errorf("got %d bytes of %d", n, info.Size)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("stage: copy s3://%s/%s: %w", bucket, key, err)
	}
	p := s.cachePath(bucket, info)
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("stage: %w", err)
	}
	s.copied.Add(1)
	return p, nil
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
