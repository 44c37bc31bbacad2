package sigv4

import "net/http"

// AWS error codes returned by this package.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
)

// Error is an authentication failure in AWS terms. The HTTP layer renders it
// (x-amzn-ErrorType: Code, status Status, {"message": Message}).
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// MissingAuthenticationToken is returned when a request carries no signature
// at all.
func MissingAuthenticationToken() *Error {
	return &Error{CodeMissingAuthenticationToken, http.StatusForbidden, "Missing Authentication Token"}
}

// IncompleteSignature is returned for a malformed Authorization header or
// malformed presigned query parameters. AWS uses HTTP 400 for it.
func IncompleteSignature(msg string) *Error {
	return &Error{CodeIncompleteSignature, http.StatusBadRequest, msg}
}

// InvalidSignature is returned for well-formed but unacceptable signatures:
// wrong scope, expired or future date, wrong payload hash.
func InvalidSignature(msg string) *Error {
	return &Error{CodeInvalidSignature, http.StatusForbidden, msg}
}

// SignatureDoesNotMatch is the InvalidSignatureException for a signature that
// differs from the one the server computed, with AWS's wording.
func SignatureDoesNotMatch() *Error {
	return InvalidSignature("The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// UnrecognizedClient is for an access key the server does not know. Parse and
// Verify never return it; the caller does after its credentials lookup.
func UnrecognizedClient() *Error {
	return &Error{CodeUnrecognizedClient, http.StatusForbidden, "The security token included in the request is invalid."}
}
