package objects

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// ErrContentSHA256Mismatch is returned by a request body's Read at EOF
// when the bytes do not hash to the x-amz-content-sha256 the request was
// signed with (the server wraps S3 bodies with sigv4.CheckedBody). A handler seeing it stores
// nothing and answers 400 XAmzContentSHA256Mismatch.
var ErrContentSHA256Mismatch = errors.New("objects: body does not match x-amz-content-sha256")

// s3Error is an S3 error answer: the code and status S3 uses.
type s3Error struct {
	Code    string
	Status  int
	Message string
}

func (e *s3Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code string, status int, msg string) *s3Error {
	return &s3Error{Code: code, Status: status, Message: msg}
}

var (
	errNoSuchBucket = func() *s3Error { return errorf("NoSuchBucket", 404, "The specified bucket does not exist") }
	errNoSuchKey    = func() *s3Error { return errorf("NoSuchKey", 404, "The specified key does not exist.") }
	errAccessDenied = func() *s3Error { return errorf("AccessDenied", 403, "Access Denied") }
	errNoSuchUpload = func() *s3Error {
		return errorf("NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	}
	errMalformedXML = func() *s3Error {
		return errorf("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	errInternal = func() *s3Error {
		return errorf("InternalError", 500, "We encountered an internal error. Please try again.")
	}
)

type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	Resource  string `xml:",omitempty"`
	RequestID string `xml:"RequestId"`
	// BucketName and Key are sent by S3 with some codes.
	BucketName string `xml:",omitempty"`
	Key        string `xml:",omitempty"`
}

// WriteError answers with S3's XML error shape: status, and
// <Error><Code/><Message/><Resource/><RequestId/></Error> (no body for
// HEAD, as S3). It sets x-amz-request-id and x-amz-id-2 if not set yet.
func WriteError(w http.ResponseWriter, r *http.Request, code string, status int, message string) {
	writeError(w, r, &s3Error{Code: code, Status: status, Message: message}, "", "")
}

func writeError(w http.ResponseWriter, r *http.Request, e *s3Error, bucket, key string) {
	id := setRequestID(w, r)
	w.Header().Del("ETag")
	w.Header().Del("Last-Modified")
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	body, _ := xml.Marshal(errorBody{Code: e.Code, Message: e.Message, Resource: r.URL.Path, RequestID: id,
		BucketName: bucket, Key: key})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.Status)
	w.Write([]byte(xml.Header))
	w.Write(body)
}

// setRequestID sends the request id (the server's, from the context, or a
// new one) as x-amz-request-id and a host id as x-amz-id-2; it returns the
// request id.
func setRequestID(w http.ResponseWriter, r *http.Request) string {
	if id := w.Header().Get("x-amz-request-id"); id != "" {
		return id
	}
	id := identity.RequestIDFrom(r.Context())
	if id == "" {
		b := make([]byte, 8)
		rand.Read(b)
		id = strings.ToUpper(hex.EncodeToString(b))
	}
	w.Header().Set("x-amz-request-id", id)
	w.Header().Set("x-amz-id-2", hostID)
	return id
}

// hostID stands for S3's x-amz-id-2 (an opaque host identifier).
var hostID = func() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}()

// WriteAuthError answers a failure the server found before the handler
// ran (authentication), given as the JSON services' code, status and
// message (server.Endpoint.WriteError): it is renamed to S3's code (see
// AuthErrorCode) and written as S3's XML error.
func WriteAuthError(w http.ResponseWriter, r *http.Request, jsonCode string, status int, message string) {
	if status >= 500 {
		WriteError(w, r, "InternalError", http.StatusInternalServerError, errInternal().Message)
		return
	}
	code, st := AuthErrorCode(jsonCode)
	switch code {
	case "InvalidAccessKeyId":
		message = "The AWS Access Key Id you provided does not exist in our records."
	case "AccessDenied":
		if message == "" || message == "Missing Authentication Token" {
			message = "Access Denied"
		}
	}
	WriteError(w, r, code, st, message)
}

// AuthErrorCode maps the authentication error codes of the JSON services
// (what internal/protocol/sigv4 returns) onto S3's codes and statuses.
func AuthErrorCode(jsonCode string) (code string, status int) {
	switch jsonCode {
	case "MissingAuthenticationTokenException", "MissingAuthenticationToken":
		return "AccessDenied", http.StatusForbidden
	case "UnrecognizedClientException", "InvalidClientTokenId":
		return "InvalidAccessKeyId", http.StatusForbidden
	case "InvalidSignatureException", "SignatureDoesNotMatch":
		return "SignatureDoesNotMatch", http.StatusForbidden
	case "IncompleteSignatureException", "IncompleteSignature":
		return "AuthorizationHeaderMalformed", http.StatusBadRequest
	case "ExpiredTokenException":
		return "ExpiredToken", http.StatusBadRequest
	case "RequestTimeTooSkewed":
		return "RequestTimeTooSkewed", http.StatusForbidden
	}
	return "AccessDenied", http.StatusForbidden
}
