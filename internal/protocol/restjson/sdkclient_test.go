package restjson_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"

	"github.com/cleanroomsd/cleanroomsd/internal/sdktest"
)

// newSDKClient is a real Clean Rooms client of the Go SDK that talks to
// endpoint. With retry false it makes one attempt per call.
func newSDKClient(endpoint string, hc cleanrooms.HTTPClient, retry bool) *cleanrooms.Client {
	o := cleanrooms.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   hc,
	}
	if !retry {
		o.Retryer = aws.NopRetryer{}
	}
	return cleanrooms.New(o)
}

// serve starts an httptest.Server with h and a client of it.
func serve(t testing.TB, h http.Handler, retry bool) (*httptest.Server, *cleanrooms.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, newSDKClient(srv.URL, sdktest.BufferedClient{C: srv.Client()}, retry)
}

// rawRequest is a request as it reached the server.
type rawRequest struct {
	Method, Path, Query string // Path escaped
	Body                []byte
}

// inMemory is an http.RoundTripper that serves requests with a handler,
// without a network, and can keep a copy of each request.
type inMemory struct {
	h       http.Handler
	mu      sync.Mutex
	capture []rawRequest
}

func (m *inMemory) Do(r *http.Request) (*http.Response, error) { return m.RoundTrip(r) }

func (m *inMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	// Parse the target again, as a server does.
	u, err := url.ParseRequestURI(r.URL.RequestURI())
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequestWithContext(r.Context(), r.Method, "/", bytes.NewReader(body))
	req.URL = u
	req.RequestURI = r.URL.RequestURI()
	req.Header = r.Header.Clone()
	req.ContentLength = int64(len(body))
	m.mu.Lock()
	m.capture = append(m.capture, rawRequest{r.Method, u.EscapedPath(), u.RawQuery, body})
	m.mu.Unlock()
	w := httptest.NewRecorder()
	m.h.ServeHTTP(w, req)
	resp := w.Result()
	resp.Request = r
	return resp, nil
}
