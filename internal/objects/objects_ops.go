package objects

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// storedHeaders are the request headers S3 keeps with an object and
// returns on GET and HEAD, besides Content-Type and x-amz-meta-*.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// objectHeaders takes the headers to store from a PutObject-like request.
func objectHeaders(h http.Header) (contentType string, stored map[string]string, err error) {
	stored = map[string]string{}
	size := 0
	for k, v := range h {
		if strings.HasPrefix(k, "X-Amz-Meta-") && len(v) > 0 {
			stored[k] = strings.Join(v, ",")
			size += len(k) - len("X-Amz-Meta-") + len(stored[k])
		}
	}
	if size > 2<<10 {
		return "", nil, errorf("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.")
	}
	for _, k := range storedHeaders {
		v := h.Get(k)
		if k == "Content-Encoding" {
			v = withoutToken(v, "aws-chunked")
		}
		if v != "" {
			stored[k] = v
		}
	}
	contentType = h.Get("Content-Type")
	for _, v := range append([]string{contentType}, mapValues(stored)...) {
		if !storableText(v) {
			return "", nil, errorf("InvalidArgument", 400, "Header values must be UTF-8 without NUL.")
		}
	}
	if contentType == "" {
		contentType = "binary/octet-stream" // S3's default
	}
	return contentType, stored, nil
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func withoutToken(header, token string) string {
	var keep []string
	for _, t := range strings.Split(header, ",") {
		if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, token) {
			keep = append(keep, t)
		}
	}
	return strings.Join(keep, ", ")
}

// written is a blob that has been written and committed.
type written struct {
	id   string
	md5  []byte
	size int64
}

// writeBlob streams r into a new blob, hashing it. want is the expected
// length (-1 if unknown). On any failure nothing is kept.
func (s *Server) writeBlob(r io.Reader, want int64, contentMD5 string) (written, error) {
	bw, err := s.blobs.create()
	if err != nil {
		return written{}, err
	}
	n, sum, err := copyHashing(bw, io.LimitReader(r, maxPutSize+1), want)
	if err == nil && n > maxPutSize {
		err = errorf("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size")
	}
	if err == nil && want >= 0 && n != want {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		bw.abort()
		return written{}, bodyError(err)
	}
	if contentMD5 != "" {
		if want, derr := base64.StdEncoding.DecodeString(contentMD5); derr != nil || len(want) != md5.Size {
			bw.abort()
			return written{}, errorf("InvalidDigest", 400, "The Content-MD5 you specified was invalid.")
		} else if string(want) != string(sum) {
			bw.abort()
			return written{}, errorf("BadDigest", 400, "The Content-MD5 you specified did not match what we received.")
		}
	}
	id, err := bw.commit()
	if err != nil {
		return written{}, err
	}
	return written{id: id, md5: sum, size: n}, nil
}

// copyHashing copies r to w and returns the MD5 of the bytes. MD5 costs
// about as much CPU as reading and writing the bytes, so it runs on its own
// goroutine, one buffer behind the copy: a PUT then goes at the speed of
// the slower of the two instead of their sum (docs/performance.md).
// want is the expected length (-1 if unknown): a body known to be smaller
// than a buffer gets buffers of its size (plus the byte that shows it
// ends), so a small PUT does not allocate 3 MiB.
func copyHashing(w io.Writer, r io.Reader, want int64) (int64, []byte, error) {
	const nbuf = 3
	bufSize := 1 << 20
	if want >= 0 && want < int64(bufSize) {
		bufSize = int(want) + 1
	}
	free := make(chan []byte, nbuf)
	for range nbuf {
		free <- make([]byte, bufSize)
	}
	toHash := make(chan []byte, nbuf)
	hashed := make(chan []byte)
	go func() {
		h := md5.New()
		for b := range toHash {
			h.Write(b)
			free <- b[:cap(b)]
		}
		hashed <- h.Sum(nil)
	}()
	var n int64
	var err error
	for {
		buf := <-free
		k, rerr := readSome(r, buf)
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				err = werr
				break
			}
			n += int64(k)
			toHash <- buf[:k]
		} else {
			free <- buf
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	close(toHash)
	sum := <-hashed
	return n, sum, err
}

// readSome fills buf as far as r gives bytes before an error, so that
// writes stay large even when r returns small reads (a socket).
func readSome(r io.Reader, buf []byte) (int, error) {
	k := 0
	for k < len(buf) {
		m, err := r.Read(buf[k:])
		k += m
		if err != nil {
			return k, err
		}
	}
	return k, nil
}

// removeBlob deletes a blob no row names any more; a failure only leaves
// an orphan file, so it is logged, not answered.
func (s *Server) removeBlob(id string) {
	if err := s.blobs.remove(id); err != nil {
		s.log.Warn("s3: could not remove a replaced blob", "blob", id, "err", err)
	}
}

// commitObject inserts o in one transaction that re-checks the bucket's
// owner; on failure the new blob is removed, on success the replaced one.
func (s *Server) commitObject(q *req, o cleanrooms.Object) error {
	var old *cleanrooms.Object
	err := s.store.Transact(q.ctx, func(tx cleanrooms.Tx) (err error) {
		if _, err := ownedBucket(q.ctx, tx, o.Bucket, q.caller); err != nil {
			return err
		}
		old, err = tx.PutObject(q.ctx, o)
		return err
	})
	if err != nil {
		s.removeBlob(o.BlobID)
		return err
	}
	if old != nil {
		s.removeBlob(old.BlobID)
	}
	return nil
}

func checkKey(key string) error {
	if len(key) > 1024 {
		return errorf("KeyTooLongError", 400, "Your key is too long")
	}
	return nil
}

func (s *Server) putObject(q *req) error {
	if err := checkKey(q.key); err != nil {
		return err
	}
	if _, err := s.checkBucket(q); err != nil {
		return err
	}
	contentType, headers, err := objectHeaders(q.r.Header)
	if err != nil {
		return err
	}
	body, size, e := payload(q.r)
	if e != nil {
		return e
	}
	if size > maxPutSize {
		return errorf("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size")
	}
	b, err := s.writeBlob(body, size, q.r.Header.Get("Content-MD5"))
	if err != nil {
		return err
	}
	o := cleanrooms.Object{Bucket: q.bucket, Key: q.key, Size: b.size, ETag: hex.EncodeToString(b.md5),
		ContentType: contentType, Headers: headers, BlobID: b.id, ModifyTime: s.now()}
	if err := s.commitObject(q, o); err != nil {
		return err
	}
	q.w.Header().Set("ETag", quote(o.ETag))
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// openObject reads the object's row (after checking the bucket's owner)
// and opens its blob. A blob can vanish between the two when a concurrent
// write replaces the object; the row is then read again.
func (s *Server) openObject(q *req, bucket, key string) (*cleanrooms.Object, blobReader, error) {
	for attempt := 0; ; attempt++ {
		var o *cleanrooms.Object
		err := s.store.View(q.ctx, func(tx cleanrooms.ReadTx) error {
			if _, err := ownedBucket(q.ctx, tx, bucket, q.caller); err != nil {
				return err
			}
			var err error
			o, err = tx.Object(q.ctx, bucket, key)
			if errors.Is(err, cleanrooms.ErrNotFound) {
				return errNoSuchKey()
			}
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		br, err := s.blobs.open(o.BlobID)
		if errors.Is(err, errBlobMissing) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("objects: blob of %s/%s: %w", bucket, key, err)
		}
		return o, br, nil
	}
}

// httpTime formats Last-Modified and friends.
func httpTime(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// preconditions applies If-Match, If-Unmodified-Since, If-None-Match and
// If-Modified-Since (RFC 9110 order). done is true when it answered 304.
func preconditions(q *req, o *cleanrooms.Object) (done bool, err error) {
	h := q.r.Header
	etag := quote(o.ETag)
	mod := o.ModifyTime.Truncate(time.Second)
	failed := errorf("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold")
	if im := h.Get("If-Match"); im != "" {
		if !etagMatches(im, etag) {
			return false, failed
		}
	} else if t, err := http.ParseTime(h.Get("If-Unmodified-Since")); err == nil && mod.After(t) {
		return false, failed
	}
	notModified := false
	if inm := h.Get("If-None-Match"); inm != "" {
		notModified = etagMatches(inm, etag)
	} else if t, err := http.ParseTime(h.Get("If-Modified-Since")); err == nil && !mod.After(t) {
		notModified = true
	}
	if notModified {
		q.w.Header().Set("ETag", etag)
		q.w.Header().Set("Last-Modified", httpTime(o.ModifyTime))
		q.w.WriteHeader(http.StatusNotModified)
		return true, nil
	}
	return false, nil
}

func etagMatches(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag || `"`+t+`"` == etag {
			return true
		}
	}
	return false
}

// parseRange reads a single "bytes=" range. ok is false when there is no
// range to honour (absent or not understood: the whole object is sent,
// as S3 does); an unsatisfiable range is InvalidRange.
func parseRange(h string, size int64) (start, length int64, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false, nil
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	invalid := errorf("InvalidRange", 416, "The requested range is not satisfiable")
	if a == "" { // suffix: the last b bytes
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil {
			return 0, 0, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, invalid
		}
		n = min(n, size)
		return size - n, n, true, nil
	}
	first, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil {
		return 0, 0, false, nil
	}
	last := size - 1
	if b != "" {
		if last, perr = strconv.ParseInt(b, 10, 64); perr != nil || last < first {
			return 0, 0, false, nil
		}
	}
	if first >= size {
		return 0, 0, false, invalid
	}
	last = min(last, size-1)
	return first, last - first + 1, true, nil
}

func (s *Server) getObject(q *req, withBody bool) error {
	o, br, err := s.openObject(q, q.bucket, q.key)
	if err != nil {
		return err
	}
	defer br.Close()
	if done, err := preconditions(q, o); done || err != nil {
		return err
	}
	start, length := int64(0), o.Size
	status := http.StatusOK
	h := q.w.Header()
	if rh := q.r.Header.Get("Range"); rh != "" {
		st, n, ok, err := parseRange(rh, o.Size)
		if err != nil {
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", o.Size))
			return err
		}
		if ok {
			start, length, status = st, n, http.StatusPartialContent
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, o.Size))
		}
	}
	for k, v := range o.Headers {
		h.Set(k, v)
	}
	h.Set("Content-Type", o.ContentType)
	for _, p := range []string{"Content-Type", "Content-Disposition", "Content-Encoding", "Content-Language", "Cache-Control", "Expires"} {
		if v := q.q.Get("response-" + strings.ToLower(p)); v != "" {
			h.Set(p, v)
		}
	}
	h.Set("ETag", quote(o.ETag))
	h.Set("Last-Modified", httpTime(o.ModifyTime))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	q.w.WriteHeader(status)
	if !withBody {
		return nil
	}
	// A file goes out through sendfile (the ResponseWriter's ReadFrom
	// recognizes an *os.File under an io.LimitedReader).
	var src io.Reader
	if f, ok := br.(*os.File); ok {
		if _, err := f.Seek(start, io.SeekStart); err != nil {
			return nil // headers are out: nothing more to answer
		}
		src = io.LimitReader(f, length)
	} else {
		src = io.NewSectionReader(br, start, length)
	}
	io.Copy(q.w, src)
	return nil
}

func (s *Server) deleteObject(q *req) error {
	var old *cleanrooms.Object
	err := s.store.Transact(q.ctx, func(tx cleanrooms.Tx) (err error) {
		if _, err := ownedBucket(q.ctx, tx, q.bucket, q.caller); err != nil {
			return err
		}
		old, err = tx.DeleteObject(q.ctx, q.bucket, q.key)
		if errors.Is(err, cleanrooms.ErrNotFound) {
			old, err = nil, nil // deleting a missing key succeeds
		}
		return err
	})
	if err != nil {
		return err
	}
	if old != nil {
		s.removeBlob(old.BlobID)
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

type deleteRequest struct {
	Quiet   bool
	Objects []struct {
		Key       string
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	NS      string          `xml:"xmlns,attr"`
	Deleted []deletedEntry  `xml:"Deleted"`
	Errors  []deleteErrItem `xml:"Error"`
}

type deletedEntry struct{ Key string }

type deleteErrItem struct {
	Key     string
	Code    string
	Message string
}

func (s *Server) deleteObjects(q *req) error {
	var in deleteRequest
	if err := readXML(q.r, &in); err != nil {
		return err
	}
	if len(in.Objects) == 0 || len(in.Objects) > maxDeleteLen {
		return errMalformedXML()
	}
	var removed []string
	err := s.store.Transact(q.ctx, func(tx cleanrooms.Tx) error {
		removed = removed[:0]
		if _, err := ownedBucket(q.ctx, tx, q.bucket, q.caller); err != nil {
			return err
		}
		for _, o := range in.Objects {
			old, err := tx.DeleteObject(q.ctx, q.bucket, o.Key)
			switch {
			case err == nil:
				removed = append(removed, old.BlobID)
			case !errors.Is(err, cleanrooms.ErrNotFound):
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range removed {
		s.removeBlob(id)
	}
	out := deleteResult{NS: s3NS}
	if !in.Quiet {
		for _, o := range in.Objects {
			out.Deleted = append(out.Deleted, deletedEntry{Key: o.Key})
		}
	}
	return writeXML(q.w, out)
}

type copyObjectResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	NS           string   `xml:"xmlns,attr"`
	LastModified string
	ETag         string
}

// copySource parses x-amz-copy-source: "[/]bucket/key[?versionId=...]",
// URL-encoded.
func copySource(h string) (bucket, key string, err error) {
	src, _, _ := strings.Cut(h, "?")
	src, uerr := url.PathUnescape(src)
	b, k, ok := strings.Cut(strings.TrimPrefix(src, "/"), "/")
	if uerr != nil || !ok || b == "" || k == "" {
		return "", "", errorf("InvalidArgument", 400, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	return b, k, nil
}

func (s *Server) copyObject(q *req) error {
	if err := checkKey(q.key); err != nil {
		return err
	}
	srcBucket, srcKey, err := copySource(q.r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	if _, err := s.checkBucket(q); err != nil {
		return err
	}
	src, br, err := s.openObject(q, srcBucket, srcKey)
	if err != nil {
		return err
	}
	defer br.Close()
	if src.Size > maxPutSize {
		return errorf("InvalidRequest", 400, "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	contentType, headers := src.ContentType, src.Headers
	switch d := q.r.Header.Get("X-Amz-Metadata-Directive"); d {
	case "", "COPY":
		if srcBucket == q.bucket && srcKey == q.key {
			return errorf("InvalidRequest", 400, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
	case "REPLACE":
		if contentType, headers, err = objectHeaders(q.r.Header); err != nil {
			return err
		}
	default:
		return errorf("InvalidArgument", 400, "Unknown metadata directive.")
	}
	b, err := s.writeBlob(io.NewSectionReader(br, 0, src.Size), src.Size, "")
	if err != nil {
		return err
	}
	o := cleanrooms.Object{Bucket: q.bucket, Key: q.key, Size: b.size, ETag: hex.EncodeToString(b.md5),
		ContentType: contentType, Headers: headers, BlobID: b.id, ModifyTime: s.now()}
	if err := s.commitObject(q, o); err != nil {
		return err
	}
	return writeXML(q.w, copyObjectResult{NS: s3NS, LastModified: xmlTime(o.ModifyTime), ETag: quote(o.ETag)})
}
