package objects

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/sigv4"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
)

// Test accounts.
const (
	acctA = "111122223333"
	acctB = "444455556666"
)

// authenticate stands in for the lead's server: the SigV4 access key names
// the account (permissive mode), the credential scope the region, and the
// body is checked against x-amz-content-sha256.
func authenticate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := sigv4.Parse(r)
		if err != nil {
			WriteError(w, r, "AccessDenied", http.StatusForbidden, err.Error())
			return
		}
		if want := r.Header.Get("X-Amz-Content-Sha256"); sigv4.IsDigest(want) {
			r.Body = sigv4.CheckedBody(r.Body, want, ErrContentSHA256Mismatch)
		}
		ctx := identity.WithCaller(r.Context(), identity.Caller{
			AccountID: identity.AccountForAccessKey(nil, p.AccessKeyID), Region: p.Region, AccessKeyID: p.AccessKeyID})
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

type fixture struct {
	srv   *Server
	store cleanrooms.Store
	url   string
	dir   string
}

// newFixture serves a fresh embedded S3 on httptest: blobs on disk in a
// temp dir and metadata in a SQLite file there, or both in memory.
func newFixture(t testing.TB, onDisk bool) *fixture {
	t.Helper()
	f := &fixture{}
	path := ""
	if onDisk {
		f.dir = t.TempDir()
		path = filepath.Join(f.dir, "meta.db")
	}
	st, err := sqlstore.OpenSQLite(context.Background(), path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.store = st
	blobDir := ""
	if onDisk {
		blobDir = filepath.Join(f.dir, "objects")
	}
	if f.srv, err = New(Config{Store: st, Dir: blobDir}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(authenticate(f.srv.Handler()))
	t.Cleanup(hs.Close)
	f.url = hs.URL
	return f
}

// client is the real aws-sdk-go-v2 S3 client, path-style, for account.
func client(url, account string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(account, "secret", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// wantCode fails unless err is an S3 error with that code and status.
func wantCode(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: error %v, want %s", what, err, code)
		return
	}
	var re interface{ HTTPStatusCode() int }
	got := 0
	if errors.As(err, &re) {
		got = re.HTTPStatusCode()
	}
	if ae.ErrorCode() != code || got != status {
		t.Errorf("%s: got %s (%d), want %s (%d)", what, ae.ErrorCode(), got, code, status)
	}
}

// must returns v, or fails the test by panicking on err (Go cannot pass a
// call's two results after another argument, so it cannot take t).
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func countBlobs(t testing.TB, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(dir, "objects"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
