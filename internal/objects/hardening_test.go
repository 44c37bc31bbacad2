package objects

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
)

func newPostgresFixture(t *testing.T) *fixture {
	dsn, _ := pgtest.Schema(t)
	st := must(sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.Options{}))
	t.Cleanup(func() { st.Close() })
	f := &fixture{store: st, dir: t.TempDir()}
	f.srv = must(New(Config{Store: st, Dir: f.dir + "/objects"}))
	hs := httptest.NewServer(authenticate(f.srv.Handler()))
	t.Cleanup(hs.Close)
	f.url = hs.URL
	return f
}

// Bytes that cannot be stored as text are a 400 on both engines, never
// a 500.
func TestUnstorableNames(t *testing.T) {
	for name, f := range map[string]func(*testing.T) *fixture{
		"sqlite":   func(t *testing.T) *fixture { return newFixture(t, false) },
		"postgres": newPostgresFixture,
	} {
		t.Run(name, func(t *testing.T) {
			fx := f(t)
			raw(t, fx, "PUT", "/bkt-x", "", nil)
			for _, c := range []struct{ method, path, code string }{
				{"PUT", "/bkt-x/a%FFb", "InvalidURI"},
				{"PUT", "/bkt-x/a%00b", "InvalidURI"},
				{"GET", "/bkt%FF/k", "InvalidURI"},
				{"GET", "/bkt-x?list-type=2&prefix=%FF", "InvalidArgument"},
				{"GET", "/bkt-x?list-type=2&start-after=a%00", "InvalidArgument"},
				{"GET", "/bkt-x/k?uploadId=%FE", "InvalidArgument"},
				{"GET", "/bkt-x?list-type=2&continuation-token=" + encodeToken("\xff", false), "InvalidArgument"},
			} {
				resp, body := raw(t, fx, c.method, c.path, "x", nil)
				if resp.StatusCode != 400 || !strings.Contains(body, "<Code>"+c.code+"</Code>") {
					t.Errorf("%s %s = %d %s, want 400 %s", c.method, c.path, resp.StatusCode, body, c.code)
				}
			}
			resp, body := raw(t, fx, "PUT", "/bkt-x/k", "x", map[string]string{"Content-Type": "text/\xff"})
			if resp.StatusCode != 400 {
				t.Errorf("invalid Content-Type = %d %s", resp.StatusCode, body)
			}
		})
	}
}

func TestContentMD5(t *testing.T) {
	f := newFixture(t, false)
	raw(t, f, "PUT", "/bkt-x", "", nil)
	if resp, body := raw(t, f, "PUT", "/bkt-x/k", "hello", map[string]string{"Content-MD5": "XUFAKrxLKna5cZ2REBfFkg=="}); resp.StatusCode != 200 {
		t.Errorf("right Content-MD5 = %d %s", resp.StatusCode, body)
	}
	if resp, body := raw(t, f, "PUT", "/bkt-x/k", "hellO", map[string]string{"Content-MD5": "XUFAKrxLKna5cZ2REBfFkg=="}); resp.StatusCode != 400 || !strings.Contains(body, "BadDigest") {
		t.Errorf("wrong Content-MD5 = %d %s", resp.StatusCode, body)
	}
	if _, body := raw(t, f, "GET", "/bkt-x/k", "", nil); body != "hello" {
		t.Errorf("a rejected PUT replaced the object: %q", body)
	}
}

// Concurrent overwrites and reads of one key: every read sees one whole
// version, and exactly one blob is left.
func TestConcurrentOverwrites(t *testing.T) {
	f := newFixture(t, true)
	c := client(f.url, acctA)
	ctx := context.Background()
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("hot")}))
	versions := map[string]bool{}
	for i := range 8 {
		versions[strings.Repeat(fmt.Sprint(i), 100_000)] = true
	}
	must(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("hot"), Key: aws.String("k"), Body: strings.NewReader(strings.Repeat("0", 100_000))}))
	var wg sync.WaitGroup
	for v := range versions {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("hot"), Key: aws.String("k"), Body: strings.NewReader(v)}); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("hot"), Key: aws.String("k")})
			if err != nil {
				t.Error(err)
				return
			}
			got, err := io.ReadAll(out.Body)
			if err != nil || !versions[string(got)] {
				t.Errorf("read a torn or unknown version (%d bytes): %v", len(got), err)
			}
		}()
	}
	wg.Wait()
	if n := countBlobs(t, f.dir); n != 1 {
		t.Errorf("%d blobs after concurrent overwrites, want 1", n)
	}
}
