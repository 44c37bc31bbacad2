package sigv4

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// outcome is what the recording server saw for one request.
type outcome struct {
	Method string
	Path   string // as on the wire, escaped
	Code   string // "" when the signature verified
}

// recorder is an httptest.Server handler that runs Parse+Verify on every
// request against a one-key registry and records the outcome.
type recorder struct {
	secret     string
	escapePath bool // false simulates a verifier that skips SigV4's second escaping

	mu       sync.Mutex
	outcomes []outcome
}

func newRecorder(t *testing.T, escapePath bool) (*recorder, *httptest.Server) {
	rec := &recorder{secret: testSecret, escapePath: escapePath}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p, err := Parse(r)
	if err == nil {
		if p.AccessKeyID != testAKID {
			err = UnrecognizedClient()
		} else {
			err = verify(r, body, p, rec.secret, time.Now(), rec.escapePath)
		}
	}
	e := asError(err)
	o := outcome{Method: r.Method, Path: wirePath(r)}
	if e != nil {
		o.Code = e.Code
	}
	rec.mu.Lock()
	rec.outcomes = append(rec.outcomes, o)
	rec.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if e != nil {
		w.Header().Set("X-Amzn-Errortype", e.Code)
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": e.Message})
		return
	}
	_, _ = io.WriteString(w, "{}")
}

// take returns and clears the recorded outcomes.
func (rec *recorder) take() []outcome {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	o := rec.outcomes
	rec.outcomes = nil
	return o
}
