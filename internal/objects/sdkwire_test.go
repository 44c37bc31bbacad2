package objects

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// onlyReader hides Seek, as a pipe or a network stream would.
type onlyReader struct{ io.Reader }

// What aws-sdk-go-v2 sends to an http:// endpoint, for seekable and
// non-seekable bodies, on PutObject and UploadPart: both must store the
// exact bytes.
func TestSDKPayloadEncodings(t *testing.T) {
	f := newFixture(t, false)
	rec := &seen{m: map[string]string{}}
	hs := httptest.NewServer(rec.wrap(authenticate(f.srv.Handler())))
	t.Cleanup(hs.Close)
	c := client(hs.URL, acctA)
	ctx := context.Background()
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("enc")}))
	body := strings.Repeat("0123456789", 1000)
	// A non-seekable body cannot be hashed before it is sent: over http the
	// SDK refuses it unless told to send UNSIGNED-PAYLOAD (what External does).
	unsigned := s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	for name, r := range map[string]func() io.Reader{
		"seekable":     func() io.Reader { return strings.NewReader(body) },
		"non-seekable": func() io.Reader { return onlyReader{strings.NewReader(body)} },
	} {
		var opts []func(*s3.Options)
		if name == "non-seekable" {
			opts = append(opts, unsigned)
		}
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String(name), Body: r(),
			ContentLength: aws.Int64(int64(len(body)))}, opts...)
		if err != nil {
			t.Errorf("PutObject %s: %v", name, err)
			continue
		}
		t.Logf("PutObject %s: x-amz-content-sha256 %q", name, rec.m["PUT"])
		up := must(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("enc"), Key: aws.String(name + "-mp")}))
		if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("enc"), Key: aws.String(name + "-mp"), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: r(), ContentLength: aws.Int64(int64(len(body)))}, opts...); err != nil {
			t.Errorf("UploadPart %s: %v", name, err)
		}
		t.Logf("UploadPart %s: x-amz-content-sha256 %q", name, rec.m["PUT part"])
		got := must(io.ReadAll(must(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String(name)})).Body))
		if !bytes.Equal(got, []byte(body)) {
			t.Errorf("%s: stored %d bytes, want %d", name, len(got), len(body))
		}
	}
}
