package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const unsignedPayload = "UNSIGNED-PAYLOAD"

// Verify checks that parsed (from Parse(r)) is a valid signature of r made
// with secret at a time acceptable at now. body is the full request body; r's
// own Body is not read.
func Verify(r *http.Request, body []byte, parsed *Request, secret string, now time.Time) error {
	return verify(r, body, parsed, secret, now, true)
}

// verify is Verify with the signer's second path escaping switchable, so a
// test can show that real clients depend on it.
func verify(r *http.Request, body []byte, p *Request, secret string, now time.Time, escapePath bool) error {
	if err := Precheck(r, p, now); err != nil {
		return err
	}
	hash, err := payloadHash(r, body, p)
	if err != nil {
		return err
	}
	return checkSignature(r, p, secret, hash, escapePath)
}

// checkSignature compares the signature of r, computed with payloadHash as
// the last line of the canonical request, with the one the client sent.
func checkSignature(r *http.Request, p *Request, secret, payloadHash string, escapePath bool) error {
	want, err := expectedSignature(r, p, secret, payloadHash, escapePath)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(p.Signature)) != 1 {
		return SignatureDoesNotMatch()
	}
	return nil
}

// Precheck is the part of Verify that needs neither the body nor the
// secret: the scope, the time window and that every signed header was sent.
// The server runs it before reading a body, so a request that cannot verify
// is refused without the server first waiting for (and holding) its body.
func Precheck(r *http.Request, p *Request, now time.Time) error {
	if p == nil {
		return MissingAuthenticationToken()
	}
	if err := checkScope(p); err != nil {
		return err
	}
	if err := checkTime(p, now.UTC()); err != nil {
		return err
	}
	return checkSignedHeadersSent(r, p)
}

// checkSignedHeadersSent refuses a SignedHeaders entry naming a header the
// request does not carry. The SDK signer that Verify re-signs with skips
// absent headers, so without this check such a signature verified. Go's
// server moves some headers out of r.Header: Host into r.Host,
// Transfer-Encoding into r.TransferEncoding; Content-Length stays in the
// map when sent, and r.ContentLength is checked as well.
func checkSignedHeadersSent(r *http.Request, p *Request) error {
	for _, name := range p.SignedHeaders {
		var sent bool
		switch name {
		case "host":
			sent = r.Host != "" || r.URL.Host != ""
		case "content-length":
			sent = r.ContentLength > 0 || len(r.Header.Values("Content-Length")) > 0
		case "transfer-encoding":
			sent = len(r.TransferEncoding) > 0 || len(r.Header.Values("Transfer-Encoding")) > 0
		default:
			sent = len(r.Header.Values(name)) > 0
		}
		if !sent {
			return InvalidSignature(fmt.Sprintf("The request signature we calculated does not match the signature you provided: "+
				"the signed header '%s' is not in the request.", truncate(name, 128)))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// checkScope checks the credential scope's date and the signed host. The
// scope's service is the caller's business: the server picks the service
// a request is for by it (see WrongService).
func checkScope(p *Request) error {
	if d := p.Date.Format(scopeDateFormat); p.ScopeDate != d {
		return InvalidSignature(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			p.ScopeDate, d, p.Date.Format(amzDateFormat)))
	}
	if !slices.Contains(p.SignedHeaders, "host") {
		return InvalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// checkTime enforces the ±MaxSkew window and, for presigned requests with
// X-Amz-Expires, the expiry instead of the past half of that window.
func checkTime(p *Request, now time.Time) error {
	f := func(t time.Time) string { return t.Format(amzDateFormat) }
	if latest := now.Add(MaxSkew); p.Date.After(latest) {
		return InvalidSignature(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			f(p.Date), f(latest), f(now)))
	}
	if p.Presigned && p.Expires > 0 {
		if earliest := now.Add(-p.Expires); p.Date.Before(earliest) {
			return InvalidSignature(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d sec.)",
				f(p.Date), f(earliest), f(now), int(p.Expires/time.Second)))
		}
		return nil
	}
	if earliest := now.Add(-MaxSkew); p.Date.Before(earliest) {
		return InvalidSignature(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			f(p.Date), f(earliest), f(now)))
	}
	return nil
}

// payloadHash is the last line of the canonical request: the client's signed
// X-Amz-Content-Sha256 if any (which must then match the body unless it is
// UNSIGNED-PAYLOAD), else the SHA-256 of body.
func payloadHash(r *http.Request, body []byte, p *Request) (string, error) {
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])
	var claimed string
	switch {
	case slices.Contains(p.SignedHeaders, "x-amz-content-sha256"):
		claimed = r.Header.Get("X-Amz-Content-Sha256")
	case p.Presigned && r.URL.Query().Has("X-Amz-Content-Sha256"):
		claimed = r.URL.Query().Get("X-Amz-Content-Sha256")
	default:
		return actual, nil
	}
	switch claimed {
	case actual, unsignedPayload:
		return claimed, nil
	}
	return "", InvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
}

// expectedSignature signs a rebuilt copy of r with aws-sdk-go-v2's signer and
// returns the signature it computed.
func expectedSignature(r *http.Request, p *Request, secret, payloadHash string, escapePath bool) (string, error) {
	c, err := signedCopy(r, p)
	if err != nil {
		return "", err
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		// The copy already holds exactly the signed headers and the query as
		// sent; the signer must neither move headers into the query nor add
		// a session token of its own.
		o.DisableHeaderHoisting = true
		o.DisableSessionToken = true
		o.DisableURIPathEscaping = !escapePath
	})
	creds := aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: secret}
	ctx := context.Background()
	if p.Presigned {
		signed, _, err := signer.PresignHTTP(ctx, creds, c, payloadHash, p.Service, p.Region, p.Date)
		if err != nil {
			return "", InvalidSignature("cannot compute signature: " + err.Error())
		}
		u, err := url.Parse(signed)
		if err != nil {
			return "", InvalidSignature("cannot compute signature: " + err.Error())
		}
		return u.Query().Get(qSignature), nil
	}
	if err := signer.SignHTTP(ctx, creds, c, payloadHash, p.Service, p.Region, p.Date); err != nil {
		return "", InvalidSignature("cannot compute signature: " + err.Error())
	}
	computed, err := parseHeader(c.Header, c.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	return computed.Signature, nil
}

// signedCopy rebuilds r with only what the client signed: method, host, the
// path as escaped on the wire, the query (minus X-Amz-Signature when
// presigned) and the headers named in SignedHeaders. The signer adds
// X-Amz-Date itself, from p.Date.
//
// Known limits of reusing the SDK signer, all failing closed (signature
// mismatch): it never signs authorization, user-agent, x-amzn-trace-id,
// expect or transfer-encoding, and signs content-length only when positive,
// so a client that signed one of those, or "content-length:0", cannot be
// verified. aws-sdk-go-v2 and botocore sign none of them.
func signedCopy(r *http.Request, p *Request) (*http.Request, error) {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	query := r.URL.RawQuery
	if p.Presigned {
		q := r.URL.Query()
		q.Del(qSignature)
		query = q.Encode() // the signer re-encodes canonically; order is irrelevant
	}
	// Opaque makes the signer use this exact path instead of re-deriving it.
	u := &url.URL{Scheme: scheme, Host: host, Opaque: "//" + host + wirePath(r), RawQuery: query}
	c, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return nil, InvalidSignature("cannot rebuild request for signing: " + err.Error())
	}
	c.URL = u
	c.Host = host
	for _, name := range p.SignedHeaders {
		switch name {
		case "host":
			continue // taken from c.Host
		case "content-length":
			// The signer signs content-length from ContentLength, and only
			// when it is positive.
			c.ContentLength = r.ContentLength
			continue
		}
		if vs := r.Header.Values(name); len(vs) > 0 {
			c.Header[textproto.CanonicalMIMEHeaderKey(name)] = slices.Clone(vs)
		}
	}
	return c, nil
}

// wirePath returns the request path exactly as the client sent it (escaped),
// which is what the client put through SigV4's path encoding.
func wirePath(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		path, _, _ := strings.Cut(r.RequestURI, "?")
		return path
	}
	return r.URL.EscapedPath()
}
