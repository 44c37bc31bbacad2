package objects

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
	"github.com/google/go-cmp/cmp"
)

// exercise runs the same checks on any Objects: put, list under a prefix
// in key order, open, and ErrNotFound.
func exercise(t *testing.T, o Objects, bucket string) {
	t.Helper()
	ctx := context.Background()
	for _, k := range []string{"t/b.csv", "t/a.csv", "u/c.csv"} {
		etag, err := o.Put(ctx, bucket, k, onlyReader{strings.NewReader("data of " + k)}, int64(len("data of "+k)), "text/csv")
		if err != nil || !strings.HasPrefix(etag, `"`) {
			t.Fatalf("Put %s = %q, %v", k, etag, err)
		}
	}
	var keys []string
	for info, err := range o.List(ctx, bucket, "t/") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
	}
	if d := cmp.Diff([]string{"t/a.csv", "t/b.csv"}, keys); d != "" {
		t.Errorf("List (-want +got):\n%s", d)
	}
	rc, info, err := o.Open(ctx, bucket, "t/a.csv")
	if err != nil {
		t.Fatal(err)
	}
	got := must(io.ReadAll(rc))
	rc.Close()
	if string(got) != "data of t/a.csv" || info.Size != int64(len(got)) {
		t.Errorf("Open = %q, %+v", got, info)
	}
	if _, _, err := o.Open(ctx, bucket, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(missing) = %v, want ErrNotFound", err)
	}
	if _, err := o.Put(ctx, "no-such-bucket-here", "k", strings.NewReader("x"), 1, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Put in a missing bucket = %v, want ErrNotFound", err)
	}
}

func TestEmbeddedObjects(t *testing.T) {
	f := newFixture(t, true)
	must(client(f.url, acctA).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("tables")}))
	exercise(t, f.srv, "tables")
	// Three objects; the failed Put (missing bucket) left no blob behind.
	if n := countBlobs(t, f.dir); n != 3 {
		t.Errorf("%d blobs, want 3", n)
	}
	if owner, err := f.srv.BucketOwner(context.Background(), "tables"); owner != acctA || err != nil {
		t.Errorf("BucketOwner = %q, %v", owner, err)
	}
}

// The external implementation against our own embedded server, as if it
// were MinIO.
func TestExternalObjects(t *testing.T) {
	f := newFixture(t, false)
	must(client(f.url, acctA).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("tables")}))
	ext := must(NewExternal(ExternalConfig{Endpoint: f.url, AccessKeyID: acctA, SecretAccessKey: "x", PathStyle: true}))
	exercise(t, ext, "tables")
	// Another account's credentials cannot read through it.
	other := must(NewExternal(ExternalConfig{Endpoint: f.url, AccessKeyID: acctB, SecretAccessKey: "x", PathStyle: true}))
	if _, _, err := other.Open(context.Background(), "tables", "t/a.csv"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("other account's Open = %v, want AccessDenied", err)
	}
}

// Objects survive closing and reopening the store and blob directory.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() (*Server, func()) {
		st := must(sqlstore.OpenSQLite(context.Background(), dir+"/meta.db", sqlstore.Options{}))
		return must(New(Config{Store: st, Dir: dir + "/objects"})), func() { st.Close() }
	}
	s1, close1 := open()
	hs := httptest.NewServer(authenticate(s1.Handler()))
	c := client(hs.URL, acctA)
	must(c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("durable")}))
	must(c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("durable"), Key: aws.String("k"), Body: strings.NewReader("kept")}))
	hs.Close()
	close1()
	s2, close2 := open()
	defer close2()
	rc, _, err := s2.Open(context.Background(), "durable", "k")
	if err != nil {
		t.Fatal(err)
	}
	if got := must(io.ReadAll(rc)); string(got) != "kept" {
		t.Errorf("after restart: %q", got)
	}
	rc.Close()
}

// Two replicas on one PostgreSQL database and one shared objects
// directory see the same buckets and objects, and the same ownership.
func TestTwoReplicasPostgres(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	dir := t.TempDir()
	var urls []string
	for range 2 {
		st := must(sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.Options{}))
		t.Cleanup(func() { st.Close() })
		srv := must(New(Config{Store: st, Dir: dir}))
		hs := httptest.NewServer(authenticate(srv.Handler()))
		t.Cleanup(hs.Close)
		urls = append(urls, hs.URL)
	}
	ctx := context.Background()
	a0, a1, b1 := client(urls[0], acctA), client(urls[1], acctA), client(urls[1], acctB)
	must(a0.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("replicated")}))
	_, err := b1.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("replicated")})
	wantCode(t, "B creates A's name on the other replica", err, "BucketAlreadyExists", 409)
	must(a1.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("replicated"), Key: aws.String("k"), Body: strings.NewReader("v1")}))
	got := must(io.ReadAll(must(a0.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("replicated"), Key: aws.String("k")})).Body))
	if string(got) != "v1" {
		t.Errorf("replica 0 reads %q", got)
	}
	must(a0.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("replicated"), Key: aws.String("k"), Body: strings.NewReader("v2")}))
	got = must(io.ReadAll(must(a1.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("replicated"), Key: aws.String("k")})).Body))
	if string(got) != "v2" {
		t.Errorf("replica 1 reads %q after the overwrite", got)
	}
	_, err = b1.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("replicated"), Key: aws.String("k")})
	wantCode(t, "B reads A's object on the other replica", err, "AccessDenied", 403)
}
