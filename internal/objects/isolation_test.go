package objects

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Every bucket and object operation of another account's bucket is 403
// AccessDenied, and none of them changes or reveals anything.
func TestIsolation(t *testing.T) {
	f := newFixture(t, true)
	a, b := client(f.url, acctA), client(f.url, acctB)
	ctx := context.Background()
	bk, key := aws.String("a-private"), aws.String("raw/users.csv")
	secret := []byte("ssn,name\n123-45-6789,ann\n")
	must(a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bk}))
	must(b.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-own")}))
	must(a.PutObject(ctx, &s3.PutObjectInput{Bucket: bk, Key: key, Body: bytes.NewReader(secret)}))
	up := must(a.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bk, Key: key}))
	part := must(a.UploadPart(ctx, &s3.UploadPartInput{Bucket: bk, Key: key, UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("x")}))

	ops := map[string]func() error{
		"HeadBucket":        func() error { _, err := b.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: bk}); return err },
		"DeleteBucket":      func() error { _, err := b.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bk}); return err },
		"GetBucketLocation": func() error { _, err := b.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: bk}); return err },
		"CreateBucket": func() error {
			_, err := b.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bk})
			return err
		},
		"ListObjectsV2": func() error { _, err := b.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bk}); return err },
		"ListObjects":   func() error { _, err := b.ListObjects(ctx, &s3.ListObjectsInput{Bucket: bk}); return err },
		"GetObject":     func() error { _, err := b.GetObject(ctx, &s3.GetObjectInput{Bucket: bk, Key: key}); return err },
		"GetObjectMissingKey": func() error {
			_, err := b.GetObject(ctx, &s3.GetObjectInput{Bucket: bk, Key: aws.String("nope")})
			return err
		},
		"GetObjectRange": func() error {
			_, err := b.GetObject(ctx, &s3.GetObjectInput{Bucket: bk, Key: key, Range: aws.String("bytes=0-3")})
			return err
		},
		"HeadObject": func() error { _, err := b.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bk, Key: key}); return err },
		"PutObject": func() error {
			_, err := b.PutObject(ctx, &s3.PutObjectInput{Bucket: bk, Key: key, Body: strings.NewReader("overwrite")})
			return err
		},
		"DeleteObject": func() error { _, err := b.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bk, Key: key}); return err },
		"DeleteObjects": func() error {
			_, err := b.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bk, Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: key}}}})
			return err
		},
		"CopyObjectFromOthers": func() error {
			_, err := b.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("b-own"), Key: aws.String("stolen"), CopySource: aws.String("a-private/raw/users.csv")})
			return err
		},
		"CopyObjectIntoOthers": func() error {
			_, err := b.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bk, Key: aws.String("planted"), CopySource: aws.String("b-own/x")})
			return err
		},
		"CreateMultipartUpload": func() error {
			_, err := b.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bk, Key: key})
			return err
		},
		"UploadPart": func() error {
			_, err := b.UploadPart(ctx, &s3.UploadPartInput{Bucket: bk, Key: key, UploadId: up.UploadId, PartNumber: aws.Int32(2), Body: strings.NewReader("y")})
			return err
		},
		"ListParts": func() error {
			_, err := b.ListParts(ctx, &s3.ListPartsInput{Bucket: bk, Key: key, UploadId: up.UploadId})
			return err
		},
		"ListMultipartUploads": func() error {
			_, err := b.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: bk})
			return err
		},
		"CompleteMultipartUpload": func() error {
			_, err := b.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bk, Key: key, UploadId: up.UploadId,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
			return err
		},
		"AbortMultipartUpload": func() error {
			_, err := b.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: bk, Key: key, UploadId: up.UploadId})
			return err
		},
	}
	must(b.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-own"), Key: aws.String("x"), Body: strings.NewReader("b's")}))
	for name, op := range ops {
		err := op()
		switch name {
		case "CreateBucket":
			wantCode(t, name, err, "BucketAlreadyExists", 409)
		case "HeadBucket", "HeadObject":
			wantCode(t, name, err, "Forbidden", 403) // HEAD has no body: the SDK names the status
		default:
			wantCode(t, name, err, "AccessDenied", 403)
		}
	}
	// Nothing changed for the owner; nothing leaked to B.
	got := must(io.ReadAll(must(a.GetObject(ctx, &s3.GetObjectInput{Bucket: bk, Key: key})).Body))
	if !bytes.Equal(got, secret) {
		t.Errorf("owner's object changed: %q", got)
	}
	lp := must(a.ListParts(ctx, &s3.ListPartsInput{Bucket: bk, Key: key, UploadId: up.UploadId}))
	if len(lp.Parts) != 1 {
		t.Errorf("owner's upload has %d parts, want 1", len(lp.Parts))
	}
	lo := must(a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bk}))
	if len(lo.Contents) != 1 {
		t.Errorf("owner's bucket has %d objects, want 1", len(lo.Contents))
	}
	if _, err := b.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b-own"), Key: aws.String("stolen")}); err == nil {
		t.Error("B's copy of A's object exists")
	}
	lb := must(b.ListBuckets(ctx, &s3.ListBucketsInput{}))
	if len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "b-own" {
		t.Errorf("B's ListBuckets = %v", lb.Buckets)
	}
	// No caller in the context (the server did not authenticate): denied.
	rec := &recorder{h: http.Header{}}
	f.srv.Handler().ServeHTTP(rec, must(http.NewRequest("GET", "/a-private/raw/users.csv", nil)))
	if rec.status != 403 || bytes.Contains(rec.body.Bytes(), secret) {
		t.Errorf("unauthenticated GET = %d %q", rec.status, rec.body.String())
	}
}

type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(s int)   { r.status = s }
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(p)
}
