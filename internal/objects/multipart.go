package objects

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Bucket   string
	Key      string
	UploadID string `xml:"UploadId"`
}

func newUploadID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) createUpload(q *req) error {
	if err := checkKey(q.key); err != nil {
		return err
	}
	contentType, headers, err := objectHeaders(q.r.Header)
	if err != nil {
		return err
	}
	u := cleanrooms.Upload{ID: newUploadID(), Bucket: q.bucket, Key: q.key, AccountID: q.caller.AccountID,
		ContentType: contentType, Headers: headers, CreateTime: s.now()}
	err = s.store.Transact(q.ctx, func(tx cleanrooms.Tx) error {
		if _, err := ownedBucket(q.ctx, tx, q.bucket, q.caller); err != nil {
			return err
		}
		return tx.CreateUpload(q.ctx, u)
	})
	if err != nil {
		return err
	}
	return writeXML(q.w, initiateResult{NS: s3NS, Bucket: q.bucket, Key: q.key, UploadID: u.ID})
}

// ownedUpload checks the bucket's owner and that the upload exists for
// this bucket and key.
func (s *Server) ownedUpload(q *req, tx cleanrooms.ReadTx) (*cleanrooms.Upload, error) {
	if _, err := ownedBucket(q.ctx, tx, q.bucket, q.caller); err != nil {
		return nil, err
	}
	u, err := tx.Upload(q.ctx, q.q.Get("uploadId"))
	if errors.Is(err, cleanrooms.ErrNotFound) || err == nil && (u.Bucket != q.bucket || u.Key != q.key) {
		return nil, errNoSuchUpload()
	}
	return u, err
}

func (s *Server) uploadPart(q *req) error {
	n, err := strconv.Atoi(q.q.Get("partNumber"))
	if err != nil || n < 1 || n > maxParts {
		return errorf("InvalidArgument", 400, "Part number must be an integer between 1 and 10000, inclusive")
	}
	err = s.store.View(q.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := s.ownedUpload(q, tx)
		return err
	})
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
	p := cleanrooms.Part{UploadID: q.q.Get("uploadId"), Number: n, Size: b.size, ETag: hex.EncodeToString(b.md5),
		BlobID: b.id, ModifyTime: s.now()}
	var old *cleanrooms.Part
	err = s.store.Transact(q.ctx, func(tx cleanrooms.Tx) (err error) {
		old, err = tx.PutPart(q.ctx, p)
		if errors.Is(err, cleanrooms.ErrNotFound) {
			return errNoSuchUpload() // completed or aborted meanwhile
		}
		return err
	})
	if err != nil {
		s.removeBlob(b.id)
		return err
	}
	if old != nil {
		s.removeBlob(old.BlobID)
	}
	q.w.Header().Set("ETag", quote(p.ETag))
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) abortUpload(q *req) error {
	var parts []cleanrooms.Part
	err := s.store.Transact(q.ctx, func(tx cleanrooms.Tx) (err error) {
		if _, err := s.ownedUpload(q, tx); err != nil {
			return err
		}
		parts, err = tx.DeleteUpload(q.ctx, q.q.Get("uploadId"))
		return err
	})
	if err != nil {
		return err
	}
	for _, p := range parts {
		s.removeBlob(p.BlobID)
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

type completeRequest struct {
	Parts []struct {
		PartNumber int
		ETag       string
	} `xml:"Part"`
}

type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Location string
	Bucket   string
	Key      string
	ETag     string
}

func (s *Server) completeUpload(q *req) error {
	var in completeRequest
	if err := readXML(q.r, &in); err != nil {
		return err
	}
	if len(in.Parts) == 0 {
		return errMalformedXML()
	}
	var u *cleanrooms.Upload
	var stored []cleanrooms.Part
	err := s.store.View(q.ctx, func(tx cleanrooms.ReadTx) (err error) {
		if u, err = s.ownedUpload(q, tx); err != nil {
			return err
		}
		stored, err = tx.ListParts(q.ctx, u.ID, 0, maxParts)
		return err
	})
	if err != nil {
		return err
	}
	byNumber := map[int]cleanrooms.Part{}
	for _, p := range stored {
		byNumber[p.Number] = p
	}
	invalidPart := errorf("InvalidPart", 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
	chosen := make([]cleanrooms.Part, 0, len(in.Parts))
	for i, ip := range in.Parts {
		if i > 0 && ip.PartNumber <= in.Parts[i-1].PartNumber {
			return errorf("InvalidPartOrder", 400, "The list of parts was not in ascending order. The parts list must be specified in order by part number.")
		}
		p, ok := byNumber[ip.PartNumber]
		if !ok || strings.Trim(strings.TrimSpace(ip.ETag), `"`) != p.ETag {
			return invalidPart
		}
		chosen = append(chosen, p)
	}
	for _, p := range chosen[:len(chosen)-1] {
		if p.Size < minPartSize {
			return errorf("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size.")
		}
	}
	// The object's bytes are the parts' bytes, copied into one blob.
	sums := md5.New()
	readers := make([]io.Reader, 0, len(chosen))
	var total int64
	for _, p := range chosen {
		br, err := s.blobs.open(p.BlobID)
		if errors.Is(err, errBlobMissing) {
			return invalidPart // replaced by a concurrent UploadPart
		}
		if err != nil {
			return err
		}
		defer br.Close()
		readers = append(readers, io.NewSectionReader(br, 0, p.Size))
		total += p.Size
		sum, _ := hex.DecodeString(p.ETag)
		sums.Write(sum)
	}
	b, err := s.writeBlob(io.MultiReader(readers...), total, "")
	if err != nil {
		return err
	}
	o := cleanrooms.Object{Bucket: q.bucket, Key: q.key, Size: b.size,
		ETag:        fmt.Sprintf("%s-%d", hex.EncodeToString(sums.Sum(nil)), len(chosen)),
		ContentType: u.ContentType, Headers: u.Headers, BlobID: b.id, ModifyTime: s.now()}
	var old *cleanrooms.Object
	var parts []cleanrooms.Part
	err = s.store.Transact(q.ctx, func(tx cleanrooms.Tx) (err error) {
		if _, err := s.ownedUpload(q, tx); err != nil {
			return err
		}
		// Parts replaced since the View would make the object's bytes
		// stale: the etags must still be the ones chosen.
		if parts, err = tx.DeleteUpload(q.ctx, u.ID); err != nil {
			return err
		}
		now := map[int]string{}
		for _, p := range parts {
			now[p.Number] = p.BlobID
		}
		for _, p := range chosen {
			if now[p.Number] != p.BlobID {
				return invalidPart
			}
		}
		old, err = tx.PutObject(q.ctx, o)
		return err
	})
	if err != nil {
		s.removeBlob(b.id)
		return err
	}
	for _, p := range parts {
		s.removeBlob(p.BlobID)
	}
	if old != nil {
		s.removeBlob(old.BlobID)
	}
	return writeXML(q.w, completeResult{NS: s3NS, Location: "/" + q.bucket + "/" + q.key, Bucket: q.bucket, Key: q.key, ETag: quote(o.ETag)})
}

type partEntry struct {
	PartNumber   int
	LastModified string
	ETag         string
	Size         int64
}

type listPartsResult struct {
	XMLName              xml.Name `xml:"ListPartsResult"`
	NS                   string   `xml:"xmlns,attr"`
	Bucket               string
	Key                  string
	UploadID             string `xml:"UploadId"`
	Initiator            owner
	Owner                owner
	StorageClass         string
	PartNumberMarker     int
	NextPartNumberMarker int
	MaxParts             int
	IsTruncated          bool
	Parts                []partEntry `xml:"Part"`
}

func (s *Server) listParts(q *req) error {
	maxP, err := maxKeysParam(q.q.Get("max-parts"), 1000)
	if err != nil {
		return err
	}
	marker := 0
	if m := q.q.Get("part-number-marker"); m != "" {
		if marker, err = strconv.Atoi(m); err != nil || marker < 0 {
			return errorf("InvalidArgument", 400, "Provided part-number-marker not an integer or within integer range")
		}
	}
	var u *cleanrooms.Upload
	var parts []cleanrooms.Part
	err = s.store.View(q.ctx, func(tx cleanrooms.ReadTx) (err error) {
		if u, err = s.ownedUpload(q, tx); err != nil {
			return err
		}
		parts, err = tx.ListParts(q.ctx, u.ID, marker, maxP+1)
		return err
	})
	if err != nil {
		return err
	}
	own := owner{ID: u.AccountID, DisplayName: u.AccountID}
	out := listPartsResult{NS: s3NS, Bucket: q.bucket, Key: q.key, UploadID: u.ID, Initiator: own, Owner: own,
		StorageClass: "STANDARD", PartNumberMarker: marker, MaxParts: maxP}
	if len(parts) > maxP {
		parts, out.IsTruncated = parts[:maxP], true
	}
	for _, p := range parts {
		out.Parts = append(out.Parts, partEntry{PartNumber: p.Number, LastModified: xmlTime(p.ModifyTime), ETag: quote(p.ETag), Size: p.Size})
		out.NextPartNumberMarker = p.Number
	}
	return writeXML(q.w, out)
}

type uploadEntry struct {
	Key          string
	UploadID     string `xml:"UploadId"`
	Initiator    owner
	Owner        owner
	StorageClass string
	Initiated    string
}

type listUploadsResult struct {
	XMLName            xml.Name `xml:"ListMultipartUploadsResult"`
	NS                 string   `xml:"xmlns,attr"`
	Bucket             string
	KeyMarker          string
	UploadIDMarker     string `xml:"UploadIdMarker"`
	NextKeyMarker      string `xml:",omitempty"`
	NextUploadIDMarker string `xml:"NextUploadIdMarker,omitempty"`
	Prefix             string
	MaxUploads         int
	IsTruncated        bool
	Uploads            []uploadEntry `xml:"Upload"`
}

func (s *Server) listUploads(q *req) error {
	maxU, err := maxKeysParam(q.q.Get("max-uploads"), 1000)
	if err != nil {
		return err
	}
	keyMarker, idMarker := q.q.Get("key-marker"), q.q.Get("upload-id-marker")
	afterID := idMarker
	if idMarker == "" && keyMarker != "" {
		afterID = "\x7f" // after every upload of keyMarker (ids are base64url)
	}
	prefix := q.q.Get("prefix")
	var ups []cleanrooms.Upload
	err = s.store.View(q.ctx, func(tx cleanrooms.ReadTx) (err error) {
		if _, err := ownedBucket(q.ctx, tx, q.bucket, q.caller); err != nil {
			return err
		}
		ups, err = tx.ListUploads(q.ctx, q.bucket, prefix, keyMarker, afterID, maxU+1)
		return err
	})
	if err != nil {
		return err
	}
	out := listUploadsResult{NS: s3NS, Bucket: q.bucket, KeyMarker: keyMarker, UploadIDMarker: idMarker,
		Prefix: prefix, MaxUploads: maxU}
	if len(ups) > maxU {
		ups, out.IsTruncated = ups[:maxU], true
	}
	for _, u := range ups {
		own := owner{ID: u.AccountID, DisplayName: u.AccountID}
		out.Uploads = append(out.Uploads, uploadEntry{Key: u.Key, UploadID: u.ID, Initiator: own, Owner: own,
			StorageClass: "STANDARD", Initiated: xmlTime(u.CreateTime)})
	}
	if out.IsTruncated && len(ups) > 0 {
		out.NextKeyMarker, out.NextUploadIDMarker = ups[len(ups)-1].Key, ups[len(ups)-1].ID
	}
	return writeXML(q.w, out)
}
