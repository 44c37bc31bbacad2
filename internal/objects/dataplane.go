package objects

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string // quoted, as S3 sends it
	LastModified time.Time
}

// ErrNotFound is returned by Objects for a missing bucket or key.
var ErrNotFound = errors.New("objects: not found")

// Objects is the data plane of the query engine: it reads the objects
// under a table's location and writes results. Callers check who may read
// what (the embedded S3's bucket owner is Server.BucketOwner); Objects
// itself does not know accounts.
type Objects interface {
	// List yields the objects whose keys start with prefix, in key order.
	List(ctx context.Context, bucket, prefix string) iter.Seq2[ObjectInfo, error]
	// Open returns the object's bytes; the caller closes them.
	Open(ctx context.Context, bucket, key string) (io.ReadCloser, ObjectInfo, error)
	// Put stores r (size bytes, -1 if unknown) as bucket/key and returns
	// the quoted ETag.
	Put(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string) (etag string, err error)
}

var _ Objects = (*Server)(nil)

func notFound(err error) error {
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// BucketOwner returns the account that owns bucket (ErrNotFound if none).
func (s *Server) BucketOwner(ctx context.Context, bucket string) (string, error) {
	var b *cleanrooms.Bucket
	err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
		b, err = tx.Bucket(ctx, bucket)
		return err
	})
	if err != nil {
		return "", notFound(err)
	}
	return b.AccountID, nil
}

// List implements Objects on the embedded store, a page of 1000 at a time.
func (s *Server) List(ctx context.Context, bucket, prefix string) iter.Seq2[ObjectInfo, error] {
	return func(yield func(ObjectInfo, error) bool) {
		if _, err := s.BucketOwner(ctx, bucket); err != nil {
			yield(ObjectInfo{}, err)
			return
		}
		after := ""
		for {
			var page []cleanrooms.Object
			err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
				page, err = tx.ListObjects(ctx, cleanrooms.ObjectQuery{Bucket: bucket, Prefix: prefix, After: after, Limit: 1000})
				return err
			})
			if err != nil {
				yield(ObjectInfo{}, err)
				return
			}
			for _, o := range page {
				if !yield(info(&o), nil) {
					return
				}
			}
			if len(page) < 1000 {
				return
			}
			after = page[len(page)-1].Key
		}
	}
}

func info(o *cleanrooms.Object) ObjectInfo {
	return ObjectInfo{Key: o.Key, Size: o.Size, ETag: quote(o.ETag), LastModified: o.ModifyTime}
}

// Open implements Objects on the embedded store.
func (s *Server) Open(ctx context.Context, bucket, key string) (io.ReadCloser, ObjectInfo, error) {
	for attempt := 0; ; attempt++ {
		var o *cleanrooms.Object
		err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
			o, err = tx.Object(ctx, bucket, key)
			return err
		})
		if err != nil {
			return nil, ObjectInfo{}, notFound(err)
		}
		br, err := s.blobs.open(o.BlobID)
		if errors.Is(err, errBlobMissing) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, ObjectInfo{}, err
		}
		return readCloser{io.NewSectionReader(br, 0, o.Size), br}, info(o), nil
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Put implements Objects on the embedded store: the bucket must exist.
func (s *Server) Put(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string) (string, error) {
	b, err := s.writeBlob(r, size, "")
	if err != nil {
		return "", err
	}
	if contentType == "" {
		contentType = "binary/octet-stream"
	}
	o := cleanrooms.Object{Bucket: bucket, Key: key, Size: b.size, ETag: hex.EncodeToString(b.md5),
		ContentType: contentType, Headers: map[string]string{}, BlobID: b.id, ModifyTime: s.now()}
	var old *cleanrooms.Object
	err = s.store.Transact(ctx, func(tx cleanrooms.Tx) (err error) {
		old, err = tx.PutObject(ctx, o)
		return err
	})
	if err != nil {
		s.removeBlob(b.id)
		return "", notFound(err)
	}
	if old != nil {
		s.removeBlob(old.BlobID)
	}
	return quote(o.ETag), nil
}

// ErrNotLocal is returned by LocalPath when the server keeps object bytes
// in memory: the caller copies them through Open instead.
var ErrNotLocal = errors.New("objects: object bytes are not in a local file")

// LocalPath returns the file that holds the object's bytes, for a server
// whose blobs are on disk: the query engine hard-links it instead of
// copying. The file is never written again (an overwrite makes a new
// blob), but it is removed when the object is overwritten or deleted, so
// the caller links or opens it at once and falls back to Open if it is
// gone. ErrNotFound for a missing bucket or key, ErrNotLocal in memory.
func (s *Server) LocalPath(ctx context.Context, bucket, key string) (string, ObjectInfo, error) {
	db, ok := s.blobs.(*diskBlobs)
	if !ok {
		return "", ObjectInfo{}, ErrNotLocal
	}
	var o *cleanrooms.Object
	err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
		o, err = tx.Object(ctx, bucket, key)
		return err
	})
	if err != nil {
		return "", ObjectInfo{}, notFound(err)
	}
	if len(o.BlobID) < 3 {
		return "", ObjectInfo{}, fmt.Errorf("objects: object %s/%s has no blob", bucket, key)
	}
	return db.path(o.BlobID), info(o), nil
}
