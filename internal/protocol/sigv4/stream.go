package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strings"
	"time"
)

// Payload hashes S3 clients put in X-Amz-Content-Sha256 instead of a digest.
const (
	// StreamingSignedPayload: an aws-chunked body whose chunks carry their
	// own signatures.
	StreamingSignedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingUnsignedTrailer: an aws-chunked body with a checksum trailer.
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// VerifyUnread checks the signature of a request whose body is too large
// to read first (S3): the canonical request ends with the payload hash the
// client claims in X-Amz-Content-Sha256 (UNSIGNED-PAYLOAD when presigned
// without one), as S3 does, and the body is left unread. It returns that
// claimed hash; when it is a hex digest, the caller must check the body
// against it while reading (CheckedBody). S3 signs the path without the
// second escaping the other services use.
func VerifyUnread(r *http.Request, p *Request, secret string, now time.Time) (claimed string, err error) {
	if p == nil {
		return "", MissingAuthenticationToken()
	}
	if err := checkScope(p); err != nil {
		return "", err
	}
	if err := checkTime(p, now.UTC()); err != nil {
		return "", err
	}
	claimed = r.Header.Get("X-Amz-Content-Sha256")
	if p.Presigned {
		if q := r.URL.Query().Get("X-Amz-Content-Sha256"); q != "" {
			claimed = q
		} else if claimed == "" {
			claimed = unsignedPayload
		}
	}
	if !validPayloadHash(claimed) {
		return "", InvalidSignature("The request must carry an 'x-amz-content-sha256' header with the SHA-256 of the payload, " +
			unsignedPayload + " or a STREAMING- value.")
	}
	if err := checkSignature(r, p, secret, claimed, false); err != nil {
		return "", err
	}
	return claimed, nil
}

// IsDigest reports whether a payload hash is a hex SHA-256 (rather than
// UNSIGNED-PAYLOAD or a STREAMING- value), which the body must then match.
func IsDigest(h string) bool {
	if len(h) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && strings.ToLower(h) == h
}

func validPayloadHash(h string) bool {
	return IsDigest(h) || h == unsignedPayload || strings.HasPrefix(h, "STREAMING-")
}

// CheckedBody wraps body so that reaching its end with a SHA-256 other than
// want makes Read return mismatch instead of io.EOF: a handler that stores
// what it reads only once Read says io.EOF never stores a body that was
// changed in flight.
func CheckedBody(body io.ReadCloser, want string, mismatch error) io.ReadCloser {
	return &checkedBody{ReadCloser: body, h: sha256.New(), want: want, mismatch: mismatch}
}

type checkedBody struct {
	io.ReadCloser
	h        hash.Hash
	want     string
	mismatch error
	done     error
}

func (c *checkedBody) Read(p []byte) (int, error) {
	if c.done != nil {
		return 0, c.done
	}
	n, err := c.ReadCloser.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF {
		if hex.EncodeToString(c.h.Sum(nil)) != c.want {
			c.done = c.mismatch
			return n, c.mismatch
		}
		c.done = io.EOF
	}
	return n, err
}
