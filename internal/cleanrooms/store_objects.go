package cleanrooms

import "context"

// ObjectReads reads the embedded S3's buckets, objects and multipart
// uploads. Lists are keyset-paginated on the natural key (bucket name,
// object key, upload key and id, part number), so a page costs one index
// seek at any depth.
type ObjectReads interface {
	Bucket(ctx context.Context, name string) (*Bucket, error)
	// ListBucketsOf returns the account's buckets by name, names greater
	// than after, at most limit (at least 1).
	ListBucketsOf(ctx context.Context, accountID, after string, limit int) ([]Bucket, error)
	Object(ctx context.Context, bucket, key string) (*Object, error)
	ListObjects(ctx context.Context, q ObjectQuery) ([]Object, error)
	Upload(ctx context.Context, id string) (*Upload, error)
	// ListUploads returns a bucket's uploads whose key starts with prefix,
	// ordered by (key, id), after (afterKey, afterID).
	ListUploads(ctx context.Context, bucket, prefix, afterKey, afterID string, limit int) ([]Upload, error)
	// ListParts returns an upload's parts with numbers above afterNumber.
	ListParts(ctx context.Context, uploadID string, afterNumber, limit int) ([]Part, error)
	// BucketInUse reports whether the bucket has any object or upload.
	BucketInUse(ctx context.Context, bucket string) (bool, error)
}

// ObjectWrites changes them. Writes that replace or delete rows return the
// rows they removed so that the caller can remove their blobs once the
// transaction has committed.
type ObjectWrites interface {
	// CreateBucket returns ErrConflict if the name is taken (by anyone).
	CreateBucket(ctx context.Context, b Bucket) error
	DeleteBucket(ctx context.Context, name string) error
	// PutObject inserts or replaces the object; it returns the replaced
	// row, or nil. ErrNotFound if the bucket does not exist.
	PutObject(ctx context.Context, o Object) (replaced *Object, err error)
	// DeleteObject returns the deleted row; ErrNotFound if there was none.
	DeleteObject(ctx context.Context, bucket, key string) (*Object, error)
	// CreateUpload: ErrNotFound if the bucket does not exist.
	CreateUpload(ctx context.Context, u Upload) error
	// PutPart inserts or replaces a part; ErrNotFound if the upload does
	// not exist.
	PutPart(ctx context.Context, p Part) (replaced *Part, err error)
	// DeleteUpload deletes the upload and its parts and returns the parts;
	// ErrNotFound if there is no such upload.
	DeleteUpload(ctx context.Context, id string) ([]Part, error)
}
