package objects

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// seen records, per operation shape, the x-amz-content-sha256 a client sent.
type seen struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *seen) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := r.Method
		if r.URL.Query().Has("partNumber") {
			op += " part"
		}
		s.mu.Lock()
		s.m[op] = r.Header.Get("X-Amz-Content-Sha256")
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// TestAWSCLI drives the embedded S3 with the AWS CLI (v1), path-style:
// mb, cp of a small and of a 20 MB file (multipart), ls, rm, and s3api.
func TestAWSCLI(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Fatalf("the AWS CLI is a test oracle and must be installed: %v", err)
	}
	f := newFixture(t, true)
	rec := &seen{m: map[string]string{}}
	hs := httptest.NewServer(rec.wrap(authenticate(f.srv.Handler())))
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n"), 0o600)
	run := func(account string, args ...string) string {
		t.Helper()
		cmd := exec.Command(aws, append([]string{"--endpoint-url", hs.URL}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+account, "AWS_SECRET_ACCESS_KEY=secret",
			"AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"), "AWS_DEFAULT_REGION=us-east-1")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("aws %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		return out.String()
	}
	small := filepath.Join(dir, "users.csv")
	os.WriteFile(small, []byte("id,name\n1,ann\n"), 0o600)
	big := filepath.Join(dir, "big.bin")
	data := make([]byte, 20<<20)
	rand.Read(data)
	os.WriteFile(big, data, 0o600)

	run(acctA, "s3", "mb", "s3://acme-data")
	run(acctB, "s3", "mb", "s3://b-data")
	if ls := run(acctA, "s3", "ls"); !strings.Contains(ls, "acme-data") || strings.Contains(ls, "b-data") {
		t.Errorf("s3 ls (buckets) for A:\n%s", ls)
	}
	run(acctA, "s3", "cp", small, "s3://acme-data/users/part-0.csv")
	run(acctA, "s3", "cp", big, "s3://acme-data/blobs/big.bin")
	ls := run(acctA, "s3", "ls", "s3://acme-data/", "--recursive")
	if !strings.Contains(ls, "users/part-0.csv") || !strings.Contains(ls, "blobs/big.bin") || !strings.Contains(ls, "20971520") {
		t.Errorf("s3 ls:\n%s", ls)
	}
	if ls := run(acctA, "s3", "ls", "s3://acme-data/"); !strings.Contains(ls, "PRE users/") || !strings.Contains(ls, "PRE blobs/") {
		t.Errorf("s3 ls with prefixes:\n%s", ls)
	}
	back := filepath.Join(dir, "back.bin")
	run(acctA, "s3", "cp", "s3://acme-data/blobs/big.bin", back)
	if got, _ := os.ReadFile(back); !bytes.Equal(got, data) {
		t.Errorf("downloaded %d bytes differ from the 20 MB uploaded", len(got))
	}
	head := run(acctA, "s3api", "head-object", "--bucket", "acme-data", "--key", "blobs/big.bin")
	if !strings.Contains(head, `-3\"`) { // 20 MB in 8 MB parts: an md5-of-md5s ETag "...-3"
		t.Errorf("head-object of the multipart upload:\n%s", head)
	}
	run(acctA, "s3api", "put-object", "--bucket", "acme-data", "--key", "api/x.txt", "--body", small)
	run(acctA, "s3api", "get-object", "--bucket", "acme-data", "--key", "api/x.txt", filepath.Join(dir, "x.txt"))
	if got, _ := os.ReadFile(filepath.Join(dir, "x.txt")); string(got) != "id,name\n1,ann\n" {
		t.Errorf("get-object = %q", got)
	}
	if out := run(acctA, "s3api", "list-objects-v2", "--bucket", "acme-data", "--prefix", "api/"); !strings.Contains(out, `"Key": "api/x.txt"`) {
		t.Errorf("list-objects-v2:\n%s", out)
	}
	// Another account cannot read it.
	cmd := exec.Command(aws, "--endpoint-url", hs.URL, "s3", "cp", "s3://acme-data/users/part-0.csv", "-")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+acctB, "AWS_SECRET_ACCESS_KEY=secret", "AWS_CONFIG_FILE="+cfg)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "403") {
		t.Errorf("account B's s3 cp of A's object: %v\n%s", err, out)
	}
	run(acctA, "s3", "rm", "s3://acme-data/", "--recursive")
	run(acctA, "s3", "rb", "s3://acme-data")
	if n := countBlobs(t, f.dir); n != 0 {
		t.Errorf("%d blobs left after rm and rb", n)
	}
	t.Logf("x-amz-content-sha256 sent by the CLI: %v", rec.m)
}
