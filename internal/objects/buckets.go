package objects

import (
	"encoding/xml"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// bucketName is S3's naming rule for general purpose buckets: 3 to 63
// lower-case letters, digits, dots and hyphens, starting and ending with a
// letter or digit.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

func validBucketName(n string) bool {
	return bucketName.MatchString(n) && !strings.Contains(n, "..") && net.ParseIP(n) == nil &&
		!strings.HasPrefix(n, "xn--") && !strings.HasSuffix(n, "-s3alias")
}

type createBucketConfiguration struct {
	LocationConstraint string
}

func (s *Server) createBucket(q *req) error {
	if !validBucketName(q.bucket) {
		return errorf("InvalidBucketName", 400, "The specified bucket is not valid.")
	}
	var cfg createBucketConfiguration
	if q.r.ContentLength != 0 {
		if err := readXML(q.r, &cfg); err != nil {
			var e *s3Error
			// An empty body (sent without a Content-Length) is no configuration.
			if !errors.As(err, &e) || e.Code != "MalformedXML" || q.r.ContentLength > 0 {
				return err
			}
		}
	}
	region := cfg.LocationConstraint
	if region == "" {
		region = q.caller.Region
	}
	b := cleanrooms.Bucket{Name: q.bucket, AccountID: q.caller.AccountID, Region: region, CreateTime: s.now()}
	var existing *cleanrooms.Bucket
	err := s.store.Transact(q.ctx, func(tx cleanrooms.Tx) error {
		existing = nil
		old, err := tx.Bucket(q.ctx, q.bucket)
		switch {
		case err == nil:
			existing = old
			return nil
		case !errors.Is(err, cleanrooms.ErrNotFound):
			return err
		}
		return tx.CreateBucket(q.ctx, b)
	})
	if err != nil {
		return err
	}
	if existing != nil {
		if existing.AccountID != q.caller.AccountID {
			return errorf("BucketAlreadyExists", 409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
		}
		// us-east-1 keeps its legacy answer: 200 to the owner (docs/objects.md).
		if existing.Region != "us-east-1" || region != "us-east-1" {
			return errorf("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it.")
		}
	}
	q.w.Header().Set("Location", "/"+q.bucket)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) headBucket(q *req) error {
	b, err := s.checkBucket(q)
	if err != nil {
		return err
	}
	q.w.Header().Set("x-amz-bucket-region", b.Region)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteBucket(q *req) error {
	err := s.store.Transact(q.ctx, func(tx cleanrooms.Tx) error {
		if _, err := ownedBucket(q.ctx, tx, q.bucket, q.caller); err != nil {
			return err
		}
		used, err := tx.BucketInUse(q.ctx, q.bucket)
		if err != nil {
			return err
		}
		if used {
			return errorf("BucketNotEmpty", 409, "The bucket you tried to delete is not empty")
		}
		return tx.DeleteBucket(q.ctx, q.bucket)
	})
	if err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	NS      string   `xml:"xmlns,attr"`
	Region  string   `xml:",chardata"`
}

func (s *Server) getBucketLocation(q *req) error {
	b, err := s.checkBucket(q)
	if err != nil {
		return err
	}
	region := b.Region
	if region == "us-east-1" {
		region = "" // S3 answers an empty constraint for us-east-1
	}
	return writeXML(q.w, locationConstraint{NS: s3NS, Region: region})
}

type owner struct {
	ID          string
	DisplayName string `xml:",omitempty"`
}

type listAllMyBucketsResult struct {
	XMLName xml.Name `xml:"ListAllMyBucketsResult"`
	NS      string   `xml:"xmlns,attr"`
	Owner   owner
	Buckets []bucketEntry `xml:"Buckets>Bucket"`
}

type bucketEntry struct {
	Name         string
	CreationDate string
	BucketRegion string `xml:",omitempty"`
}

// listBuckets lists only the caller's buckets (all of them: the optional
// max-buckets pagination is not served).
func (s *Server) listBuckets(q *req) error {
	out := listAllMyBucketsResult{NS: s3NS, Owner: owner{ID: q.caller.AccountID, DisplayName: q.caller.AccountID},
		Buckets: []bucketEntry{}}
	after := ""
	for {
		var page []cleanrooms.Bucket
		err := s.store.ViewOne(q.ctx, func(tx cleanrooms.ReadTx) (err error) {
			page, err = tx.ListBucketsOf(q.ctx, q.caller.AccountID, after, 1000)
			return err
		})
		if err != nil {
			return err
		}
		for _, b := range page {
			out.Buckets = append(out.Buckets, bucketEntry{Name: b.Name, CreationDate: xmlTime(b.CreateTime), BucketRegion: b.Region})
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Name
	}
	return writeXML(q.w, out)
}
