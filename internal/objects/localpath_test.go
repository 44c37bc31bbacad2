package objects

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestLocalPath(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, true)
	must(client(f.url, acctA).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tables")}))
	etag := must(f.srv.Put(ctx, "tables", "t/a.csv", strings.NewReader("a,b\n"), 4, "text/csv"))
	p, info, err := f.srv.LocalPath(ctx, "tables", "t/a.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := must(os.ReadFile(p)); string(got) != "a,b\n" || info.ETag != etag || info.Size != 4 {
		t.Errorf("LocalPath = %q (%q), %+v", p, got, info)
	}
	if _, _, err := f.srv.LocalPath(ctx, "tables", "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing key: %v", err)
	}
	if _, _, err := f.srv.LocalPath(ctx, "nobucket", "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing bucket: %v", err)
	}
	m := newFixture(t, false)
	must(client(m.url, acctA).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tables")}))
	must(m.srv.Put(ctx, "tables", "k", strings.NewReader("x"), 1, ""))
	if _, _, err := m.srv.LocalPath(ctx, "tables", "k"); !errors.Is(err, ErrNotLocal) {
		t.Errorf("in memory: %v, want ErrNotLocal", err)
	}
}
