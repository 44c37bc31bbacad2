// Package sigv4 verifies AWS Signature Version 4 on incoming requests.
//
// Use [Parse] to extract the access key and signature parameters, look the
// access key up (unknown keys: [UnrecognizedClient]), then call [Verify] with
// the key's secret. Both the Authorization-header form and the presigned
// query-string form are accepted.
//
// Verification does not re-implement the algorithm: it rebuilds a copy of the
// request that holds only what the client signed and signs it again with
// aws-sdk-go-v2's aws/signer/v4, then compares signatures in constant time.
//
// # Escaped paths
//
// For every service except S3, SigV4 percent-encodes each path segment of the
// canonical URI a second time. Both aws-sdk-go-v2 and botocore do so: a
// request sent to /tags/arn%3Aaws%3Acleanrooms... is signed with the
// canonical URI /tags/arn%253Aaws%253Acleanrooms.... The verifier therefore
// hands the signer the path exactly as it appeared on the wire (escaped once)
// and lets the signer escape it again; decoding the path first, or disabling
// the signer's escaping, makes every request with an escaped character fail.
//
// # Errors
//
// Every failure is an [*Error] carrying the AWS error code, the HTTP status
// and the message, for the HTTP layer to render:
//
//	MissingAuthenticationTokenException  403  no Authorization header, no X-Amz-Algorithm query
//	IncompleteSignatureException         400  malformed Authorization header or query parameters
//	InvalidSignatureException            403  bad scope, expired/skewed date, signature mismatch
//	UnrecognizedClientException          403  unknown access key (decided by the caller)
//
// AWS answers IncompleteSignatureException with 400; we do the same.
package sigv4
