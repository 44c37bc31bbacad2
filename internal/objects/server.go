package objects

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// Config configures the embedded S3.
type Config struct {
	// Store holds bucket and object metadata (required).
	Store cleanrooms.Store
	// Dir holds the object bytes (created if needed); "" keeps them in
	// memory. Replicas sharing a PostgreSQL store must share Dir too.
	Dir string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives failures that answer 500 (slog.Default when nil).
	Logger *slog.Logger
}

// Server is the embedded S3: its HTTP handler and its Objects data plane.
type Server struct {
	store cleanrooms.Store
	blobs blobStore
	now   func() time.Time
	log   *slog.Logger
}

// New returns the embedded S3 on cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("objects: Config.Store is required")
	}
	s := &Server{store: cfg.Store, now: cfg.Now, log: cfg.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if cfg.Dir == "" {
		s.blobs = newMemBlobs()
	} else {
		b, err := newDiskBlobs(cfg.Dir)
		if err != nil {
			return nil, err
		}
		s.blobs = b
	}
	return s, nil
}

// Limits S3 enforces.
const (
	maxPutSize   = 5 << 30 // PutObject, UploadPart, CopyObject
	minPartSize  = 5 << 20 // every part but the last
	maxParts     = 10000
	maxListKeys  = 1000
	maxDeleteLen = 1000
)

// Handler serves the S3 REST API with path-style addressing. It expects
// an identity.Caller in the request context (set by the server after
// authentication); without one every request is AccessDenied.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// req is one request being served.
type req struct {
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	caller identity.Caller
	bucket string
	key    string
	q      url.Values
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	setRequestID(w, r)
	caller, ok := identity.CallerFrom(r.Context())
	if !ok {
		writeError(w, r, errAccessDenied(), "", "")
		return
	}
	bucket, key, err := splitPath(r.URL)
	if err != nil {
		writeError(w, r, errorf("InvalidURI", 400, "Couldn't parse the specified URI."), "", "")
		return
	}
	q := &req{w: w, r: r, ctx: r.Context(), caller: caller, bucket: bucket, key: key, q: r.URL.Query()}
	// Names and parameters are stored and compared as UTF-8 text
	// (PostgreSQL rejects anything else): reject them here, as a 400.
	if !storableText(bucket) || !storableText(key) {
		writeError(w, r, errorf("InvalidURI", 400, "Couldn't parse the specified URI: bucket and key must be UTF-8 without NUL."), "", "")
		return
	}
	for k, vs := range q.q {
		for _, v := range vs {
			if !storableText(v) {
				writeError(w, r, errorf("InvalidArgument", 400, "Query parameter "+k+" must be UTF-8 without NUL."), bucket, key)
				return
			}
		}
	}
	if err := s.route(q); err != nil {
		s.fail(q, err)
	}
}

// fail answers err: an *s3Error as is, anything else as InternalError
// (logged; the client never sees internals).
func (s *Server) fail(q *req, err error) {
	var e *s3Error
	if !errors.As(err, &e) {
		if errors.Is(err, context.Canceled) {
			e = errorf("RequestTimeout", 400, "Your socket connection to the server was not read from or written to within the timeout period.")
		} else {
			s.log.Error("s3 request failed", "method", q.r.Method, "path", q.r.URL.EscapedPath(), "err", err)
			e = errInternal()
		}
	}
	writeError(q.w, q.r, e, q.bucket, q.key)
}

// splitPath takes the bucket and key from the escaped path, so that a key
// keeps every byte it was sent with (double slashes, %2F).
func splitPath(u *url.URL) (bucket, key string, err error) {
	p := strings.TrimPrefix(u.EscapedPath(), "/")
	b, k, _ := strings.Cut(p, "/")
	if bucket, err = url.PathUnescape(b); err != nil {
		return "", "", err
	}
	if key, err = url.PathUnescape(k); err != nil {
		return "", "", err
	}
	return bucket, key, nil
}

// storableText reports whether s can be stored as TEXT by both engines.
func storableText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func notImplemented(what string) *s3Error {
	return errorf("NotImplemented", 501, "A header or query you provided implies functionality that is not implemented: "+what)
}

// subresources this server serves, by where they apply; any other query
// parameter that S3 treats as a subresource is NotImplemented.
var knownParams = map[string]bool{
	// listing
	"list-type": true, "prefix": true, "delimiter": true, "max-keys": true, "continuation-token": true,
	"start-after": true, "fetch-owner": true, "encoding-type": true, "marker": true,
	"max-buckets": true, "bucket-region": true,
	// multipart
	"uploads": true, "uploadId": true, "partNumber": true, "max-parts": true, "part-number-marker": true,
	"max-uploads": true, "key-marker": true, "upload-id-marker": true,
	// others
	"location": true, "delete": true, "x-id": true,
	"response-content-type": true, "response-content-disposition": true, "response-content-encoding": true,
	"response-content-language": true, "response-cache-control": true, "response-expires": true,
}

func (s *Server) route(q *req) error {
	for k := range q.q {
		if !knownParams[k] && !strings.HasPrefix(k, "X-Amz-") {
			return notImplemented("?" + k)
		}
	}
	m := q.r.Method
	switch {
	case q.bucket == "":
		if m == http.MethodGet {
			return s.listBuckets(q)
		}
	case q.key == "":
		switch m {
		case http.MethodPut:
			return s.createBucket(q)
		case http.MethodHead:
			return s.headBucket(q)
		case http.MethodDelete:
			return s.deleteBucket(q)
		case http.MethodPost:
			if q.q.Has("delete") {
				return s.deleteObjects(q)
			}
		case http.MethodGet:
			switch {
			case q.q.Has("location"):
				return s.getBucketLocation(q)
			case q.q.Has("uploads"):
				return s.listUploads(q)
			case q.q.Get("list-type") == "2":
				return s.listObjects(q, true)
			case q.q.Has("list-type"):
				return errorf("InvalidArgument", 400, "Invalid List Type specified")
			default:
				return s.listObjects(q, false)
			}
		}
	default:
		switch m {
		case http.MethodPut:
			switch {
			case q.q.Has("uploadId") && q.r.Header.Get("X-Amz-Copy-Source") != "":
				return notImplemented("UploadPartCopy")
			case q.q.Has("uploadId"):
				return s.uploadPart(q)
			case q.r.Header.Get("X-Amz-Copy-Source") != "":
				return s.copyObject(q)
			default:
				return s.putObject(q)
			}
		case http.MethodGet:
			if q.q.Has("uploadId") {
				return s.listParts(q)
			}
			return s.getObject(q, true)
		case http.MethodHead:
			return s.getObject(q, false)
		case http.MethodDelete:
			if q.q.Has("uploadId") {
				return s.abortUpload(q)
			}
			return s.deleteObject(q)
		case http.MethodPost:
			switch {
			case q.q.Has("uploads"):
				return s.createUpload(q)
			case q.q.Has("uploadId"):
				return s.completeUpload(q)
			}
		}
	}
	return errorf("MethodNotAllowed", 405, "The specified method is not allowed against this resource.")
}

// ownedBucket returns the bucket if the caller owns it: NoSuchBucket if
// it does not exist, AccessDenied if another account owns it.
func ownedBucket(ctx context.Context, tx cleanrooms.ReadTx, name string, caller identity.Caller) (*cleanrooms.Bucket, error) {
	b, err := tx.Bucket(ctx, name)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, errNoSuchBucket()
	}
	if err != nil {
		return nil, err
	}
	if b.AccountID != caller.AccountID {
		return nil, errAccessDenied()
	}
	return b, nil
}

// checkBucket checks ownership of q.bucket in a one-read view.
func (s *Server) checkBucket(q *req) (*cleanrooms.Bucket, error) {
	var b *cleanrooms.Bucket
	err := s.store.ViewOne(q.ctx, func(tx cleanrooms.ReadTx) (err error) {
		b, err = ownedBucket(q.ctx, tx, q.bucket, q.caller)
		return err
	})
	return b, err
}

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// writeXML answers 200 with v as an XML document.
func writeXML(w http.ResponseWriter, v any) error {
	body, err := xml.Marshal(v)
	if err != nil {
		return fmt.Errorf("objects: encode answer: %w", err)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", fmt.Sprint(len(xml.Header)+len(body)))
	io.WriteString(w, xml.Header)
	w.Write(body)
	return nil
}

// readXML decodes a small request body (at most 2 MiB) into v;
// MalformedXML on failure.
func readXML(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, 2<<20+1))
	if err != nil {
		return bodyError(err)
	}
	if len(data) > 2<<20 {
		return errMalformedXML()
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return errMalformedXML()
	}
	return nil
}

// bodyError maps a failed read of the request body.
func bodyError(err error) error {
	switch {
	case errors.Is(err, ErrContentSHA256Mismatch):
		return errorf("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	case errors.Is(err, errChunk):
		return errorf("IncompleteBody", 400, "The request body is not valid aws-chunked encoding.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	}
	var e *s3Error
	if errors.As(err, &e) {
		return e
	}
	return errorf("IncompleteBody", 400, "The request body could not be read: "+err.Error())
}

// xmlTime is S3's timestamp format in XML bodies.
func xmlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func quote(etag string) string { return `"` + etag + `"` }
