package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAKID   = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testHost   = "cleanrooms.us-east-1.amazonaws.com"
)

// signTime is the fixed signing time of the direct (non-network) tests.
var signTime = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// clientRequest is what a test client wants to send.
type clientRequest struct {
	method, target string // target: escaped path and optional query
	body           string
	headers        map[string]string
}

func (c clientRequest) build(t *testing.T) *http.Request {
	t.Helper()
	var body io.Reader // stays a nil interface for bodiless requests
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, "https://"+testHost+c.target, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	return req
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

type signOpts struct {
	akid, secret, token, service, region string
	at                                   time.Time
}

func (o signOpts) withDefaults() signOpts {
	if o.akid == "" {
		o.akid = testAKID
	}
	if o.secret == "" {
		o.secret = testSecret
	}
	if o.service == "" {
		o.service = Service
	}
	if o.region == "" {
		o.region = "us-east-1"
	}
	if o.at.IsZero() {
		o.at = signTime
	}
	return o
}

// signHeader signs c with aws-sdk-go-v2's signer (Authorization header form)
// and returns the request as the server would receive it.
func signHeader(t *testing.T, c clientRequest, o signOpts) *http.Request {
	t.Helper()
	o = o.withDefaults()
	req := c.build(t)
	hash := sha256Hex(c.body)
	if v := req.Header.Get("X-Amz-Content-Sha256"); v != "" {
		hash = v
	}
	creds := aws.Credentials{AccessKeyID: o.akid, SecretAccessKey: o.secret, SessionToken: o.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, o.service, o.region, o.at); err != nil {
		t.Fatal(err)
	}
	return toServer(t, req, c.body)
}

// presign presigns c (query form) and returns the server-side request.
func presign(t *testing.T, c clientRequest, expires string, o signOpts) *http.Request {
	t.Helper()
	o = o.withDefaults()
	req := c.build(t)
	if expires != "" {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", expires)
		req.URL.RawQuery = q.Encode()
	}
	creds := aws.Credentials{AccessKeyID: o.akid, SecretAccessKey: o.secret, SessionToken: o.token}
	signed, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, sha256Hex(c.body), o.service, o.region, o.at)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	req.URL = u
	for k, v := range hdr {
		req.Header[k] = v
	}
	return toServer(t, req, c.body)
}

// toServer turns a client request into the *http.Request a server handler
// would see (RequestURI set, Host from the URL, body readable).
func toServer(t *testing.T, req *http.Request, body string) *http.Request {
	t.Helper()
	s := httptest.NewRequest(req.Method, req.URL.RequestURI(), bytes.NewReader([]byte(body)))
	s.Host = req.URL.Host
	if req.Host != "" {
		s.Host = req.Host
	}
	for k, v := range req.Header {
		s.Header[k] = append([]string(nil), v...)
	}
	return s
}

// parseAndVerify runs the full server-side check with the test registry.
func parseAndVerify(r *http.Request, body string, now time.Time) *Error {
	p, err := Parse(r)
	if err == nil {
		if p.AccessKeyID != testAKID {
			err = UnrecognizedClient()
		} else {
			err = Verify(r, []byte(body), p, testSecret, now)
		}
	}
	return asError(err)
}

// asError converts err to *Error for comparison; a non-*Error becomes an
// Error with Code "unexpected" so tests fail loudly.
func asError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: "unexpected", Message: err.Error()}
}
