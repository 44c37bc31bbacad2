package cleanrooms

import "time"

// Bucket is an S3 bucket of the embedded object store. Names are global
// across accounts, as in AWS: a name belongs to the account that created it.
type Bucket struct {
	Name      string
	AccountID string
	// Region is the bucket's LocationConstraint (the caller's region when
	// the request had none).
	Region     string
	CreateTime time.Time
}

// Object is the metadata of one stored object; its bytes live in a blob
// named BlobID (see internal/objects), written before this row commits.
type Object struct {
	Bucket string
	Key    string
	Size   int64
	// ETag is the unquoted entity tag: the hex MD5 of the bytes, or for a
	// multipart object the hex MD5 of the parts' MD5s followed by "-N".
	ETag        string
	ContentType string
	// Headers are the stored response headers: x-amz-meta-* (user
	// metadata) and the standard ones S3 keeps (Content-Encoding,
	// Cache-Control, ...), keyed by canonical header name. Never nil when
	// read back.
	Headers    map[string]string
	BlobID     string
	ModifyTime time.Time
}

// Upload is a multipart upload in progress.
type Upload struct {
	ID          string
	Bucket      string
	Key         string
	AccountID   string
	ContentType string
	Headers     map[string]string
	CreateTime  time.Time
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	UploadID   string
	Number     int
	Size       int64
	ETag       string // unquoted hex MD5 of the part
	BlobID     string
	ModifyTime time.Time
}

// ObjectQuery asks for one page of a bucket's objects in key order (by the
// keys' UTF-8 bytes, as S3 lists them).
type ObjectQuery struct {
	Bucket string
	// Prefix keeps only keys that start with it ("" keeps all).
	Prefix string
	// After keeps only keys greater than it ("" keeps all). With
	// SkipPrefix, keys that start with After are skipped too: this is how
	// a listing with a delimiter jumps over a common prefix in one seek.
	After      string
	SkipPrefix bool
	// Limit is at least 1.
	Limit int
}
