package restjson_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

// sdkRequests are the requests the SDK sends for every operation, every
// input member set (as in TestRoundTripInputs), served in memory.
func sdkRequests(t testing.TB) []rawRequest {
	t.Helper()
	m := &inMemory{h: restjson.NewHandler(newRecorder())}
	client := newSDKClient("http://cleanrooms.test", m, false)
	for _, op := range api.Operations {
		c := sdkOps[op.Name]
		for variant := 0; ; variant++ {
			in, f := filledSDKInput(t, c, variant)
			if _, err := c.call(context.Background(), client, in); err != nil {
				t.Fatalf("%s: %v", op.Name, err)
			}
			if variant+1 >= f.maxArity {
				break
			}
		}
	}
	return m.capture
}

// isToken reports whether s is an HTTP method a server would accept.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// FuzzHandler sends arbitrary method, path, query and body to the handler
// of a Service that always succeeds with a zero output. The handler must
// not panic, must not answer 500, and must answer either 204 with no body
// or a JSON object whose length is announced, errors carrying
// X-Amzn-ErrorType and a message.
//
// Seeds are the SDK's requests for every operation. To fuzz:
//
//	go test -run='^$' -fuzz=FuzzHandler -fuzztime=60s ./internal/protocol/restjson
func FuzzHandler(f *testing.F) {
	for _, r := range sdkRequests(f) {
		f.Add(r.Method, r.Path, r.Query, r.Body)
	}
	for _, s := range []struct{ method, path, query, body string }{
		{"POST", "/collaborations", "", `{"name":`},
		{"POST", "/collaborations", "", `{"members":[{"accountId":5}],"tags":{"a":1}}`},
		{"POST", "/collaborations", "", `{"NAME":"x","name":null}`},
		{"GET", "/collaborations", "maxResults=0&maxResults=abc&memberStatus=%ZZ", ""},
		{"GET", "/memberships/%2F%2E%2E", "", ""},
		{"DELETE", "/tags/arn%3Aaws", "tagKeys=&tagKeys=%00", ""},
		{"PATCH", "/memberships/" + validUUID, "", "  "},
		{"POST", "/memberships/" + validUUID + "/protectedQueries", "", `{"type":"SQL","sqlParameters":{},"computeConfiguration":{"worker":{"number":1e999}}}`},
		{"HEAD", "/", "", ""},
	} {
		f.Add(s.method, s.path, s.query, []byte(s.body))
	}

	rec := newRecorder()
	h := restjson.NewHandler(rec)
	h.MaxBodyBytes = 1 << 16 // the 413 path, cheaply
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte) {
		if !isToken(method) {
			return // net/http refuses such a request line
		}
		target := path
		if query != "" {
			target += "?" + query
		}
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\x00") {
			return // net/http refuses such a request line
		}
		req := &http.Request{
			Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}}, Host: "cleanrooms.test",
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		}
		req = req.WithContext(context.Background())
		rec.nilOutputs = len(body)%2 == 1 // both ways a Service may say "nothing"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)

		res := w.Result()
		got := w.Body.Bytes()
		switch res.StatusCode {
		case 200, 400, 404, 413:
		case 204:
			if len(got) != 0 {
				t.Fatalf("204 with a body %q", got)
			}
			return
		default:
			t.Fatalf("%s %s: status %d: %s", method, target, res.StatusCode, got)
		}
		var obj map[string]any
		if err := json.Unmarshal(got, &obj); err != nil {
			t.Fatalf("%s %s: status %d, body not a JSON object: %q", method, target, res.StatusCode, got)
		}
		if res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Content-Length") != strconv.Itoa(len(got)) {
			t.Fatalf("Content-Type %q, Content-Length %q for %d bytes",
				res.Header.Get("Content-Type"), res.Header.Get("Content-Length"), len(got))
		}
		if res.StatusCode == 200 {
			return
		}
		code := res.Header.Get("X-Amzn-ErrorType")
		if msg, _ := obj["message"].(string); msg == "" || code == "" {
			t.Fatalf("status %d: X-Amzn-ErrorType %q, body %s", res.StatusCode, code, got)
		}
		if code == "ValidationException" {
			list, _ := obj["fieldList"].([]any)
			if obj["reason"] != "FIELD_VALIDATION_FAILED" || len(list) == 0 || len(list) > 20 {
				t.Fatalf("ValidationException body %s", got)
			}
		}
	})
}

// BenchmarkHandlerGetMembership: one GetMembership through the handler,
// no network, the Service answering with a recorded output.
func BenchmarkHandlerGetMembership(b *testing.B) {
	for _, bc := range []struct {
		name string
		out  *api.GetMembershipOutput
	}{
		{"zero output", nil},
		{"full output", &api.GetMembershipOutput{Membership: apiMembership()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rec := newRecorder()
			if bc.out != nil {
				rec.setOutput("GetMembership", bc.out)
			}
			h := restjson.NewHandler(rec)
			req := httptest.NewRequest("GET", "/memberships/"+membID, nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
