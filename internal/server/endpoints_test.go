package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/server"
)

var errMismatch = errors.New("body does not match its signed hash")

// fakeEndpoint records what reached it: the caller and the body as read to
// its end (or the error reading it ended with).
type fakeEndpoint struct {
	caller  identity.Caller
	body    string
	readErr error
	hits    int
}

func (f *fakeEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits++
	f.caller, _ = identity.CallerFrom(r.Context())
	b, err := io.ReadAll(r.Body)
	f.body, f.readErr = string(b), err
	if err != nil {
		http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// shaped writes errors in a form that names the endpoint, so a test sees
// which service shaped a refusal.
func shaped(name string) func(http.ResponseWriter, *http.Request, string, int, string) {
	return func(w http.ResponseWriter, _ *http.Request, code string, status int, message string) {
		w.Header().Set("X-Shaped-By", name)
		w.WriteHeader(status)
		fmt.Fprintf(w, "%s %s", code, message)
	}
}

func newMultiServer(t *testing.T, verify bool) (glue, s3 *fakeEndpoint, url string) {
	t.Helper()
	c, err := identity.ParseCredentials(strings.NewReader(creds))
	if err != nil {
		t.Fatal(err)
	}
	glue, s3 = &fakeEndpoint{}, &fakeEndpoint{}
	h := server.New(server.Config{
		Service: &whoami{}, Credentials: c, VerifySignatures: verify,
		Endpoints: []server.Endpoint{
			{SigningName: "glue", Handler: glue, WriteError: shaped("glue"),
				Claims: func(r *http.Request) bool { return strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.") }},
			{SigningName: "s3", Handler: s3, WriteError: shaped("s3"), UnreadBody: true, BodyMismatch: errMismatch,
				RequestIDHeader: "x-amz-request-id"},
		},
	})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return glue, s3, hs.URL
}

// signed builds a request signed as the SDKs sign for service. S3 signs
// the claimed payload hash and the path without the second escaping.
func signed(t *testing.T, method, url, service, body, claimedHash string, key, secret string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hash := claimedHash
	if hash == "" {
		sum := sha256.Sum256([]byte(body))
		hash = hex.EncodeToString(sum[:])
	}
	if service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	err = signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		req, hash, service, "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRequestsGoToTheServiceTheyAreSignedFor(t *testing.T) {
	for _, verify := range []bool{false, true} {
		t.Run(fmt.Sprint("verify=", verify), func(t *testing.T) {
			glue, s3, url := newMultiServer(t, verify)

			req := signed(t, "POST", url+"/", "glue", `{"Name":"db"}`, "", "AKIDCREATOR", "s3cret")
			req.Header.Set("X-Amz-Target", "AWSGlue.GetDatabase")
			if resp, body := do(t, req); resp.StatusCode != 200 {
				t.Fatalf("glue: %d %s", resp.StatusCode, body)
			}
			want := identity.Caller{AccountID: "111122223333", Region: "us-east-1", AccessKeyID: "AKIDCREATOR"}
			if diff := cmp.Diff(want, glue.caller); diff != "" || glue.body != `{"Name":"db"}` {
				t.Errorf("glue got caller %v body %q (-want +got):\n%s", glue.caller, glue.body, diff)
			}

			req = signed(t, "PUT", url+"/bucket/a%20key", "s3", "object bytes", "", "AKIDCREATOR", "s3cret")
			resp, body := do(t, req)
			if resp.StatusCode != 200 {
				t.Fatalf("s3: %d %s", resp.StatusCode, body)
			}
			if s3.body != "object bytes" || s3.caller.AccountID != "111122223333" {
				t.Errorf("s3 got caller %v body %q", s3.caller, s3.body)
			}
			if resp.Header.Get("x-amz-request-id") == "" || resp.Header.Get("x-amzn-RequestId") != "" {
				t.Errorf("s3 request id headers: %v", resp.Header)
			}
			if glue.hits != 1 || s3.hits != 1 {
				t.Errorf("hits: glue %d, s3 %d", glue.hits, s3.hits)
			}
		})
	}
}

func TestUnservedSigningNameIsRefusedInTheClaimantsShape(t *testing.T) {
	for _, verify := range []bool{false, true} {
		glue, s3, url := newMultiServer(t, verify)
		req := signed(t, "POST", url+"/", "ec2", `{}`, "", "AKIDCREATOR", "s3cret")
		req.Header.Set("X-Amz-Target", "AWSGlue.GetDatabases")
		resp, body := do(t, req)
		if resp.StatusCode != 403 || resp.Header.Get("X-Shaped-By") != "glue" ||
			body != "InvalidSignatureException Credential should be scoped to correct service: 'glue'." {
			t.Errorf("verify=%v: %d %s %q", verify, resp.StatusCode, resp.Header.Get("X-Shaped-By"), body)
		}
		if glue.hits+s3.hits != 0 {
			t.Errorf("a refused request reached a handler")
		}
	}
}

func TestUnsignedRequestsAreAnsweredByTheirClaimant(t *testing.T) {
	_, _, url := newMultiServer(t, true)
	for _, tc := range []struct {
		name, method, path, target, shapedBy string
	}{
		{"glue target", "POST", "/", "AWSGlue.CreateTable", "glue"},
		{"clean rooms path", "GET", "/collaborations", "", ""}, // rest-json, no X-Shaped-By
		{"anything else is S3", "GET", "/some-bucket/some/key", "", "s3"},
	} {
		req, _ := http.NewRequest(tc.method, url+tc.path, nil)
		if tc.target != "" {
			req.Header.Set("X-Amz-Target", tc.target)
		}
		resp, body := do(t, req)
		if resp.StatusCode != 403 || resp.Header.Get("X-Shaped-By") != tc.shapedBy {
			t.Errorf("%s: %d shaped by %q: %s", tc.name, resp.StatusCode, resp.Header.Get("X-Shaped-By"), body)
		}
		if tc.shapedBy == "" && resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
			t.Errorf("%s: rest-json error type %q", tc.name, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
}

func TestStrictS3BodiesAreCheckedWhileStreamed(t *testing.T) {
	_, s3, url := newMultiServer(t, true)

	// The signature covers the claimed hash; a body changed in flight
	// passes the header check and fails when the handler reaches its end.
	req := signed(t, "PUT", url+"/b/k", "s3", "original", "", "AKIDCREATOR", "s3cret")
	req.Body = io.NopCloser(strings.NewReader("tampered"))
	req.ContentLength = int64(len("tampered"))
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusBadRequest || !errors.Is(s3.readErr, errMismatch) {
		t.Errorf("tampered body: status %d, handler read error %v", resp.StatusCode, s3.readErr)
	}

	// UNSIGNED-PAYLOAD: the body is not the signature's business.
	req = signed(t, "PUT", url+"/b/k", "s3", "anything", "UNSIGNED-PAYLOAD", "AKIDCREATOR", "s3cret")
	if resp, body := do(t, req); resp.StatusCode != 200 || s3.body != "anything" {
		t.Errorf("unsigned payload: %d %s, handler read %q", resp.StatusCode, body, s3.body)
	}

	// A wrong secret is refused before the handler runs.
	hits := s3.hits
	req = signed(t, "PUT", url+"/b/k", "s3", "x", "", "AKIDCREATOR", "wrong")
	if resp, _ := do(t, req); resp.StatusCode != 403 || resp.Header.Get("X-Shaped-By") != "s3" || s3.hits != hits {
		t.Errorf("wrong secret: %d shaped by %q, hits %d→%d", resp.StatusCode, resp.Header.Get("X-Shaped-By"), hits, s3.hits)
	}

	// Without x-amz-content-sha256 there is nothing to check the body against.
	req = signed(t, "PUT", url+"/b/k", "s3", "x", "", "AKIDCREATOR", "s3cret")
	req.Header.Del("X-Amz-Content-Sha256")
	if resp, _ := do(t, req); resp.StatusCode != 403 || s3.hits != hits {
		t.Errorf("no content hash: %d, hits %d→%d", resp.StatusCode, hits, s3.hits)
	}
}

func TestPermissiveS3BodiesStillMatchTheirClaimedHash(t *testing.T) {
	_, s3, url := newMultiServer(t, false)
	req := signed(t, "PUT", url+"/b/k", "s3", "original", "", "AKIDCREATOR", "any secret")
	req.Body = io.NopCloser(strings.NewReader("damaged!"))
	req.ContentLength = int64(len("damaged!"))
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusBadRequest || !errors.Is(s3.readErr, errMismatch) {
		t.Errorf("damaged body: status %d, handler read error %v", resp.StatusCode, s3.readErr)
	}
	req = signed(t, "PUT", url+"/b/k", "s3", "intact", "", "AKIDCREATOR", "any secret")
	if resp, body := do(t, req); resp.StatusCode != 200 || s3.body != "intact" {
		t.Errorf("intact body: %d %s, handler read %q", resp.StatusCode, body, s3.body)
	}
}
