package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	arnPath   = "/tags/arn%3Aaws%3Acleanrooms%3Aus-east-1%3A111122223333%3Amembership%2Fabc-123"
	createDoc = `{"name":"c1","description":"d","members":[],"creatorMemberAbilities":[],"creatorDisplayName":"me","queryLogStatus":"ENABLED"}`
)

var (
	createReq = clientRequest{method: "POST", target: "/collaborations", body: createDoc,
		headers: map[string]string{"Content-Type": "application/json"}}
	getReq = clientRequest{method: "GET", target: "/memberships/abc-123"}
)

func TestVerifyHeaderForm(t *testing.T) {
	mismatch := SignatureDoesNotMatch()
	tests := []struct {
		name   string
		client clientRequest
		opts   signOpts
		// tamper changes the server-side request after signing; body is the
		// body the server will hash.
		tamper func(r *http.Request, body *string)
		now    time.Time // zero: signTime + 1 min
		want   *Error
	}{
		{name: "POST with JSON body", client: createReq},
		{name: "GET without body", client: getReq},
		{name: "percent-encoded ARN path", client: clientRequest{method: "GET", target: arnPath}},
		{name: "repeated and encoded query keys", client: clientRequest{method: "DELETE",
			target: arnPath + "?tagKeys=z&tagKeys=team%20name&tagKeys=a%2Fb&tagKeys=%C3%BCml"}},
		{name: "other region", client: getReq, opts: signOpts{region: "eu-west-2"}},
		{name: "session token", client: getReq, opts: signOpts{token: "FQoGZXIvYXdzEXAMPLE"}},
		{name: "UNSIGNED-PAYLOAD accepts any body", client: clientRequest{method: "POST", target: "/collaborations",
			body: createDoc, headers: map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}},
			tamper: func(_ *http.Request, body *string) { *body = "{}" }},
		{name: "signed content hash equal to body", client: clientRequest{method: "POST", target: "/collaborations",
			body: createDoc, headers: map[string]string{"X-Amz-Content-Sha256": sha256Hex(createDoc)}}},
		{name: "unsigned header may change", client: createReq,
			tamper: func(r *http.Request, _ *string) { r.Header.Set("User-Agent", "changed") }},
		{name: "exactly 15 min old", client: getReq, now: signTime.Add(MaxSkew)},
		{name: "exactly 15 min ahead", client: getReq, now: signTime.Add(-MaxSkew)},

		{name: "changed body", client: createReq, want: mismatch,
			tamper: func(_ *http.Request, body *string) { *body = strings.Replace(*body, "c1", "c2", 1) }},
		{name: "changed signed header", client: createReq, want: mismatch,
			tamper: func(r *http.Request, _ *string) { r.Header.Set("Content-Type", "text/plain") }},
		{name: "removed signed header", client: createReq,
			want: InvalidSignature("The request signature we calculated does not match the signature you provided: " +
				"the signed header 'content-type' is not in the request."),
			tamper: func(r *http.Request, _ *string) { r.Header.Del("Content-Type") }},
		// The SDK signer Verify re-signs with skips absent headers, so
		// listing one that was never sent used to verify (issue 11).
		{name: "signed header never sent", client: getReq,
			want: InvalidSignature("The request signature we calculated does not match the signature you provided: " +
				"the signed header 'a-missing-header' is not in the request."),
			tamper: func(r *http.Request, _ *string) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=host;", "SignedHeaders=a-missing-header;host;", 1))
			}},
		{name: "content-length signed, body chunked", client: createReq,
			want: InvalidSignature("The request signature we calculated does not match the signature you provided: " +
				"the signed header 'content-length' is not in the request."),
			tamper: func(r *http.Request, _ *string) {
				r.ContentLength = -1
				r.Header.Del("Content-Length")
				r.TransferEncoding = []string{"chunked"}
			}},
		{name: "changed X-Amz-Date", client: getReq, want: mismatch,
			tamper: func(r *http.Request, _ *string) { r.Header.Set("X-Amz-Date", "20261121T000001Z") }},
		{name: "changed session token", client: getReq, opts: signOpts{token: "FQoGZXIvYXdzEXAMPLE"}, want: mismatch,
			tamper: func(r *http.Request, _ *string) { r.Header.Set("X-Amz-Security-Token", "other") }},
		{name: "changed method", client: getReq, want: mismatch,
			tamper: func(r *http.Request, _ *string) { r.Method = "DELETE" }},
		{name: "changed path", client: getReq, want: mismatch,
			tamper: func(r *http.Request, _ *string) { r.RequestURI = "/memberships/abc-124"; r.URL.Path = r.RequestURI }},
		{name: "encoded path sent decoded", client: clientRequest{method: "GET", target: arnPath}, want: mismatch,
			tamper: func(r *http.Request, _ *string) {
				r.RequestURI = "/tags/arn:aws:cleanrooms:us-east-1:111122223333:membership%2Fabc-123"
			}},
		{name: "added query parameter", client: getReq, want: mismatch,
			tamper: func(r *http.Request, _ *string) { r.URL.RawQuery = "maxResults=1" }},
		{name: "changed host", client: getReq, want: mismatch,
			tamper: func(r *http.Request, _ *string) { r.Host = "evil.example.com" }},
		{name: "wrong secret", client: getReq, opts: signOpts{secret: "not-the-secret"}, want: mismatch},
		{name: "signature of another key presented as ours", client: getReq, want: mismatch,
			opts: signOpts{akid: "AKIDOTHER", secret: "other-secret"},
			tamper: func(r *http.Request, _ *string) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AKIDOTHER", testAKID, 1))
			}},
		{name: "signature altered", client: getReq, want: mismatch,
			tamper: func(r *http.Request, _ *string) {
				a := r.Header.Get("Authorization")
				last := a[len(a)-1]
				repl := "0"
				if last == '0' {
					repl = "1"
				}
				r.Header.Set("Authorization", a[:len(a)-1]+repl)
			}},
		{name: "unknown access key", client: getReq, opts: signOpts{akid: "AKIDUNKNOWN"}, want: UnrecognizedClient()},
		{name: "signed content hash differs from body", want: InvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed."),
			client: clientRequest{method: "POST", target: "/collaborations", body: createDoc,
				headers: map[string]string{"X-Amz-Content-Sha256": sha256Hex("{}")}}},
		{name: "expired", client: getReq, now: signTime.Add(20 * time.Minute),
			want: InvalidSignature("Signature expired: 20261121T000000Z is now earlier than 20261121T000500Z (20261121T002000Z - 15 min.)")},
		{name: "not yet current", client: getReq, now: signTime.Add(-20 * time.Minute),
			want: InvalidSignature("Signature not yet current: 20261121T000000Z is still later than 20261120T235500Z (20261120T234000Z + 15 min.)")},
		{name: "scope date differs from X-Amz-Date", client: getReq,
			tamper: func(r *http.Request, _ *string) { r.Header.Set("X-Amz-Date", "20261122T000000Z") },
			now:    signTime.Add(24 * time.Hour),
			want: InvalidSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
				"'20261121' != '20261122', from '20261122T000000Z'.")},
		{name: "host not signed", client: getReq,
			tamper: func(r *http.Request, _ *string) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=host;", "SignedHeaders=", 1))
			},
			want: InvalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signHeader(t, tt.client, tt.opts)
			body := tt.client.body
			if tt.tamper != nil {
				tt.tamper(r, &body)
			}
			now := tt.now
			if now.IsZero() {
				now = signTime.Add(time.Minute)
			}
			got := parseAndVerify(r, body, now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyPresigned(t *testing.T) {
	mismatch := SignatureDoesNotMatch()
	tests := []struct {
		name    string
		client  clientRequest
		expires string
		opts    signOpts
		tamper  func(r *http.Request)
		now     time.Time
		want    *Error
	}{
		{name: "valid", client: getReq, expires: "300", now: signTime.Add(time.Minute)},
		{name: "valid at expiry", client: getReq, expires: "300", now: signTime.Add(300 * time.Second)},
		{name: "valid without X-Amz-Expires", client: getReq, now: signTime.Add(14 * time.Minute)},
		{name: "long expiry outlives skew window", client: getReq, expires: "3600", now: signTime.Add(50 * time.Minute)},
		{name: "ARN path and query", client: clientRequest{method: "DELETE", target: arnPath + "?tagKeys=b&tagKeys=a%20b"}, expires: "60",
			now: signTime},
		{name: "session token", client: getReq, expires: "300", opts: signOpts{token: "FQoGZXIvYXdzEXAMPLE"}, now: signTime},
		{name: "POST with body", client: createReq, expires: "300", now: signTime},

		{name: "expired", client: getReq, expires: "300", now: signTime.Add(301 * time.Second),
			want: InvalidSignature("Signature expired: 20261121T000000Z is now earlier than 20261121T000001Z (20261121T000501Z - 300 sec.)")},
		{name: "expired without X-Amz-Expires", client: getReq, now: signTime.Add(16 * time.Minute),
			want: InvalidSignature("Signature expired: 20261121T000000Z is now earlier than 20261121T000100Z (20261121T001600Z - 15 min.)")},
		{name: "not yet current", client: getReq, expires: "300", now: signTime.Add(-16 * time.Minute),
			want: InvalidSignature("Signature not yet current: 20261121T000000Z is still later than 20261120T235900Z (20261120T234400Z + 15 min.)")},
		{name: "extended X-Amz-Expires", client: getReq, expires: "300", now: signTime, want: mismatch,
			tamper: func(r *http.Request) { setQuery(r, "X-Amz-Expires", "3600") }},
		{name: "changed X-Amz-Date", client: getReq, expires: "300", now: signTime, want: mismatch,
			tamper: func(r *http.Request) { setQuery(r, "X-Amz-Date", "20261121T000100Z") }},
		{name: "changed path", client: getReq, expires: "300", now: signTime, want: mismatch,
			tamper: func(r *http.Request) { r.RequestURI = strings.Replace(r.RequestURI, "abc-123", "abc-124", 1) }},
		{name: "added query parameter", client: getReq, expires: "300", now: signTime, want: mismatch,
			tamper: func(r *http.Request) { r.URL.RawQuery += "&maxResults=1" }},
		{name: "changed session token", client: getReq, expires: "300", opts: signOpts{token: "tok"}, now: signTime, want: mismatch,
			tamper: func(r *http.Request) { setQuery(r, "X-Amz-Security-Token", "other") }},
		{name: "wrong secret", client: getReq, expires: "300", opts: signOpts{secret: "nope"}, now: signTime, want: mismatch},
		{name: "changed body", client: createReq, expires: "300", now: signTime, want: mismatch,
			tamper: func(r *http.Request) { r.Body = io.NopCloser(bytes.NewReader([]byte("{}"))) }},
		{name: "signed header never sent", client: getReq, expires: "300", now: signTime,
			want: InvalidSignature("The request signature we calculated does not match the signature you provided: " +
				"the signed header 'x-absent' is not in the request."),
			tamper: func(r *http.Request) { setQuery(r, "X-Amz-SignedHeaders", "host;x-absent") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := presign(t, tt.client, tt.expires, tt.opts)
			if tt.tamper != nil {
				tt.tamper(r)
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			got := parseAndVerify(r, string(body), tt.now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// setQuery replaces one query parameter, keeping RequestURI consistent.
func setQuery(r *http.Request, k, v string) {
	q := r.URL.Query()
	q.Set(k, v)
	r.URL.RawQuery = q.Encode()
	path, _, _ := strings.Cut(r.RequestURI, "?")
	r.RequestURI = path + "?" + r.URL.RawQuery
}

func TestVerifyNilRequest(t *testing.T) {
	r := signHeader(t, getReq, signOpts{})
	if diff := cmp.Diff(MissingAuthenticationToken(), asError(Verify(r, nil, nil, testSecret, signTime))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
