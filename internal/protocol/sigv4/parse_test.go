package sigv4

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const validAuth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-east-1/cleanrooms/aws4_request, " +
	"SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

func TestParseHeaderForm(t *testing.T) {
	r := httptest.NewRequest("GET", "/memberships/m1", nil)
	r.Header.Set("Authorization", validAuth)
	r.Header.Set("X-Amz-Date", "20261121T010203Z")
	r.Header.Set("X-Amz-Security-Token", "tok")
	got, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &Request{
		AccessKeyID:   "AKIDEXAMPLE",
		Date:          time.Date(2026, 11, 21, 1, 2, 3, 0, time.UTC),
		ScopeDate:     "20261121",
		Region:        "us-east-1",
		Service:       "cleanrooms",
		SignedHeaders: []string{"content-type", "host", "x-amz-date"},
		Signature:     "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
		SecurityToken: "tok",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
}

func TestParseHeaderFormWithoutSpaces(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20261121/r/cleanrooms/aws4_request,SignedHeaders=host,Signature=ab")
	r.Header.Set("X-Amz-Date", "20261121T000000Z")
	got, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if diff := cmp.Diff([]string{"AK", "r", "ab"}, []string{got.AccessKeyID, got.Region, got.Signature}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParsePresigned(t *testing.T) {
	r := httptest.NewRequest("GET", "/memberships/m1?X-Amz-Algorithm=AWS4-HMAC-SHA256"+
		"&X-Amz-Credential=AKIDEXAMPLE%2F20261121%2Feu-west-1%2Fcleanrooms%2Faws4_request"+
		"&X-Amz-Date=20261121T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host"+
		"&X-Amz-Security-Token=tok&X-Amz-Signature=abcd", nil)
	got, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &Request{
		AccessKeyID:   "AKIDEXAMPLE",
		Date:          signTime,
		ScopeDate:     "20261121",
		Region:        "eu-west-1",
		Service:       "cleanrooms",
		SignedHeaders: []string{"host"},
		Signature:     "abcd",
		Presigned:     true,
		Expires:       300 * time.Second,
		SecurityToken: "tok",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	const (
		cred  = "AKIDEXAMPLE/20261121/us-east-1/cleanrooms/aws4_request"
		query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + cred +
			"&X-Amz-Date=20261121T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab"
	)
	type status struct {
		Code   string
		Status int
	}
	missing := status{CodeMissingAuthenticationToken, 403}
	incomplete := status{CodeIncompleteSignature, 400}
	tests := []struct {
		name    string
		target  string
		auth    []string
		amzDate string // "" leaves the header out
		want    status
	}{
		{name: "nothing", target: "/", want: missing},
		{name: "blank Authorization", target: "/", auth: []string{"  "}, want: missing},
		{name: "unrelated query", target: "/?maxResults=1", want: missing},
		{name: "other algorithm", target: "/", auth: []string{"Bearer abc"}, amzDate: "20261121T000000Z", want: incomplete},
		{name: "SigV4a", target: "/", auth: []string{"AWS4-ECDSA-P256-SHA256 Credential=" + cred + ", SignedHeaders=host, Signature=ab"},
			amzDate: "20261121T000000Z", want: incomplete},
		{name: "missing Signature", target: "/", auth: []string{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host"},
			amzDate: "20261121T000000Z", want: incomplete},
		{name: "missing Credential", target: "/", auth: []string{"AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab"},
			amzDate: "20261121T000000Z", want: incomplete},
		{name: "component without =", target: "/", auth: []string{"AWS4-HMAC-SHA256 Credential=" + cred + ", host, Signature=ab"},
			amzDate: "20261121T000000Z", want: incomplete},
		{name: "repeated component", target: "/", auth: []string{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host, Signature=ab, Signature=cd"},
			amzDate: "20261121T000000Z", want: incomplete},
		{name: "missing X-Amz-Date", target: "/", auth: []string{validAuth}, want: incomplete},
		{name: "bad X-Amz-Date", target: "/", auth: []string{validAuth}, amzDate: "2026-11-21T00:00:00Z", want: incomplete},
		{name: "short credential", target: "/", auth: []string{"AWS4-HMAC-SHA256 Credential=AK/20261121/us-east-1/cleanrooms, SignedHeaders=host, Signature=ab"},
			amzDate: "20261121T000000Z", want: incomplete},
		{name: "bad terminator", target: "/", auth: []string{"AWS4-HMAC-SHA256 Credential=AK/20261121/us-east-1/cleanrooms/aws5_request, SignedHeaders=host, Signature=ab"},
			amzDate: "20261121T000000Z", want: incomplete},
		{name: "bad scope date", target: "/", auth: []string{"AWS4-HMAC-SHA256 Credential=AK/2026-11-21/us-east-1/cleanrooms/aws4_request, SignedHeaders=host, Signature=ab"},
			amzDate: "20261121T000000Z", want: incomplete},
		{name: "empty signed header name", target: "/", auth: []string{"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host;;x-amz-date, Signature=ab"},
			amzDate: "20261121T000000Z", want: incomplete},
		{name: "two Authorization headers", target: "/", auth: []string{validAuth, validAuth}, amzDate: "20261121T000000Z", want: incomplete},
		{name: "header and query", target: "/?" + query, auth: []string{validAuth}, amzDate: "20261121T000000Z", want: incomplete},
		{name: "presigned missing signature", target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + cred +
			"&X-Amz-Date=20261121T000000Z&X-Amz-SignedHeaders=host", want: incomplete},
		{name: "presigned signature only", target: "/?X-Amz-Signature=ab", want: incomplete},
		{name: "presigned repeated signature", target: "/?" + query + "&X-Amz-Signature=cd", want: incomplete},
		{name: "presigned other algorithm", target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Credential=" + cred +
			"&X-Amz-Date=20261121T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab", want: incomplete},
		{name: "presigned expires zero", target: "/?" + query + "&X-Amz-Expires=0", want: incomplete},
		{name: "presigned expires negative", target: "/?" + query + "&X-Amz-Expires=-5", want: incomplete},
		{name: "presigned expires over a week", target: "/?" + query + "&X-Amz-Expires=604801", want: incomplete},
		{name: "presigned expires not a number", target: "/?" + query + "&X-Amz-Expires=5m", want: incomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.target, nil)
			for _, a := range tt.auth {
				r.Header.Add("Authorization", a)
			}
			if tt.amzDate != "" {
				r.Header.Set("X-Amz-Date", tt.amzDate)
			}
			p, err := Parse(r)
			e := asError(err)
			if e == nil {
				t.Fatalf("Parse = %+v, want error", p)
			}
			if diff := cmp.Diff(tt.want, status{e.Code, e.Status}); diff != "" {
				t.Errorf("error %q mismatch (-want +got):\n%s", e.Message, diff)
			}
			if e.Message == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestParsePresignedMaxExpires(t *testing.T) {
	r := httptest.NewRequest("GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK/20261121/us-east-1/cleanrooms/aws4_request"+
		"&X-Amz-Date=20261121T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab&X-Amz-Expires=604800", nil)
	p, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if p.Expires != MaxExpires {
		t.Errorf("Expires = %v, want %v", p.Expires, MaxExpires)
	}
}

func TestErrorConstructors(t *testing.T) {
	got := []Error{*MissingAuthenticationToken(), *IncompleteSignature("m"), *InvalidSignature("m"), *UnrecognizedClient()}
	want := []Error{
		{CodeMissingAuthenticationToken, http.StatusForbidden, "Missing Authentication Token"},
		{CodeIncompleteSignature, http.StatusBadRequest, "m"},
		{CodeInvalidSignature, http.StatusForbidden, "m"},
		{CodeUnrecognizedClient, http.StatusForbidden, "The security token included in the request is invalid."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s := IncompleteSignature("m").Error(); s != "IncompleteSignatureException: m" {
		t.Errorf("Error() = %q", s)
	}
}
