package objects

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// raw sends a request signed in form only (the test server parses but
// does not verify signatures) as account acctA.
func raw(t *testing.T, f *fixture, method, path string, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req := must(http.NewRequest(method, f.url+path, strings.NewReader(body)))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+acctA+"/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp := must(http.DefaultClient.Do(req))
	defer resp.Body.Close()
	return resp, string(must(io.ReadAll(resp.Body)))
}

func TestWireErrorShape(t *testing.T) {
	f := newFixture(t, false)
	resp, body := raw(t, f, "GET", "/no-such-bucket/k", "", nil)
	var e errorBody
	if err := xml.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	id := resp.Header.Get("x-amz-request-id")
	if resp.StatusCode != 404 || e.Code != "NoSuchBucket" || e.Resource != "/no-such-bucket/k" || e.RequestID != id || id == "" ||
		resp.Header.Get("x-amz-id-2") == "" || resp.Header.Get("Content-Type") != "application/xml" || !strings.HasPrefix(body, "<?xml") {
		t.Errorf("error answer %d %v %q", resp.StatusCode, resp.Header, body)
	}
	for _, c := range []struct{ method, path, code string }{
		{"GET", "/?acl", "NotImplemented"},
		{"PUT", "/bkt-x?versioning", "NotImplemented"},
		{"PATCH", "/bkt-x/k", "MethodNotAllowed"},
	} {
		resp, body := raw(t, f, c.method, c.path, "", nil)
		if !strings.Contains(body, "<Code>"+c.code+"</Code>") {
			t.Errorf("%s %s = %d %s, want %s", c.method, c.path, resp.StatusCode, body, c.code)
		}
	}
	raw(t, f, "PUT", "/bkt-x", "", nil)
	if resp, body := raw(t, f, "POST", "/bkt-x?delete", "<Delete><Object>", nil); resp.StatusCode != 400 || !strings.Contains(body, "MalformedXML") {
		t.Errorf("bad DeleteObjects XML = %d %s", resp.StatusCode, body)
	}
	if resp, body := raw(t, f, "PUT", "/bkt-x", "<CreateBucketConfiguration><Loc", nil); resp.StatusCode != 400 || !strings.Contains(body, "MalformedXML") {
		t.Errorf("bad CreateBucket XML = %d %s", resp.StatusCode, body)
	}
}

func TestContentSHA256Mismatch(t *testing.T) {
	f := newFixture(t, true)
	raw(t, f, "PUT", "/bkt-x", "", nil)
	good := sha256.Sum256([]byte("hello"))
	resp, body := raw(t, f, "PUT", "/bkt-x/k", "hellO", map[string]string{"X-Amz-Content-Sha256": hex.EncodeToString(good[:])})
	if resp.StatusCode != 400 || !strings.Contains(body, "<Code>XAmzContentSHA256Mismatch</Code>") {
		t.Errorf("mismatched body = %d %s", resp.StatusCode, body)
	}
	if resp, _ := raw(t, f, "HEAD", "/bkt-x/k", "", nil); resp.StatusCode != 404 {
		t.Errorf("object stored despite the mismatch: HEAD = %d", resp.StatusCode)
	}
	if n := countBlobs(t, f.dir); n != 0 {
		t.Errorf("%d blobs left after a failed write", n)
	}
	resp, _ = raw(t, f, "PUT", "/bkt-x/k", "hello", map[string]string{"X-Amz-Content-Sha256": hex.EncodeToString(good[:])})
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"5d41402abc4b2a76b9719d911017c592"` {
		t.Errorf("matching body = %d etag %s", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

func TestAWSChunkedBodies(t *testing.T) {
	f := newFixture(t, false)
	raw(t, f, "PUT", "/bkt-x", "", nil)
	signed := "5;chunk-signature=" + strings.Repeat("a", 64) + "\r\nhello\r\n6;chunk-signature=" + strings.Repeat("b", 64) + "\r\n world\r\n0;chunk-signature=" + strings.Repeat("c", 64) + "\r\n\r\n"
	trailer := "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
	for name, c := range map[string]struct{ sha, body string }{
		"signed":           {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", signed},
		"unsigned-trailer": {"STREAMING-UNSIGNED-PAYLOAD-TRAILER", trailer},
	} {
		resp, body := raw(t, f, "PUT", "/bkt-x/"+name, c.body, map[string]string{"X-Amz-Content-Sha256": c.sha,
			"X-Amz-Decoded-Content-Length": "11", "Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32"})
		if resp.StatusCode != 200 {
			t.Errorf("%s: PUT = %d %s", name, resp.StatusCode, body)
			continue
		}
		resp, body = raw(t, f, "GET", "/bkt-x/"+name, "", nil)
		if body != "hello world" || resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: stored %q (Content-Encoding %q)", name, body, resp.Header.Get("Content-Encoding"))
		}
	}
	for name, b := range map[string]string{
		"short":     "5\r\nhel",
		"bad size":  "zz\r\nhello\r\n0\r\n\r\n",
		"no crlf":   "5\r\nhelloXX0\r\n\r\n",
		"too short": "5\r\nhello\r\n0\r\n\r\n", // declares 11 decoded bytes
	} {
		resp, body := raw(t, f, "PUT", "/bkt-x/bad", b, map[string]string{"X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
			"X-Amz-Decoded-Content-Length": "11"})
		if resp.StatusCode != 400 || !strings.Contains(body, "IncompleteBody") {
			t.Errorf("%s: PUT = %d %s", name, resp.StatusCode, body)
		}
	}
	if resp, _ := raw(t, f, "HEAD", "/bkt-x/bad", "", nil); resp.StatusCode != 404 {
		t.Errorf("a bad chunked body was stored: HEAD = %d", resp.StatusCode)
	}
}

func TestRangeParsing(t *testing.T) {
	for _, c := range []struct {
		h             string
		start, length int64
		ok, invalid   bool
	}{
		{"bytes=0-0", 0, 1, true, false},
		{"bytes=5-", 5, 5, true, false},
		{"bytes=-3", 7, 3, true, false},
		{"bytes=-30", 0, 10, true, false},
		{"bytes=2-100", 2, 8, true, false},
		{"bytes=10-", 0, 0, false, true},
		{"bytes=-0", 0, 0, false, true},
		{"bytes=3-2", 0, 0, false, false},
		{"bytes=0-1,3-4", 0, 0, false, false},
		{"items=0-1", 0, 0, false, false},
	} {
		s, n, ok, err := parseRange(c.h, 10)
		if s != c.start || n != c.length || ok != c.ok || (err != nil) != c.invalid {
			t.Errorf("parseRange(%q) = %d, %d, %v, %v", c.h, s, n, ok, err)
		}
	}
}

func TestAuthErrorCode(t *testing.T) {
	for in, want := range map[string]string{
		"UnrecognizedClientException":         "InvalidAccessKeyId 403",
		"InvalidSignatureException":           "SignatureDoesNotMatch 403",
		"MissingAuthenticationTokenException": "AccessDenied 403",
		"IncompleteSignatureException":        "AuthorizationHeaderMalformed 400",
	} {
		c, s := AuthErrorCode(in)
		if got := fmt.Sprintf("%s %d", c, s); got != want {
			t.Errorf("AuthErrorCode(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestWriteAuthError(t *testing.T) {
	for _, c := range []struct {
		code   string
		status int
		want   string
		wantSt int
	}{
		{"UnrecognizedClientException", 403, "InvalidAccessKeyId", 403},
		{"InvalidSignatureException", 403, "SignatureDoesNotMatch", 403},
		{"MissingAuthenticationTokenException", 403, "AccessDenied", 403},
		{"InternalServerException", 500, "InternalError", 500},
	} {
		rec := &recorder{h: http.Header{}}
		WriteAuthError(rec, must(http.NewRequest("PUT", "/b/k", nil)), c.code, c.status, "msg")
		var e errorBody
		if err := xml.Unmarshal(rec.body.Bytes(), &e); err != nil || e.Code != c.want || rec.status != c.wantSt ||
			rec.h.Get("x-amz-request-id") == "" {
			t.Errorf("WriteAuthError(%s) = %d %s (%v)", c.code, rec.status, rec.body.String(), err)
		}
	}
}
