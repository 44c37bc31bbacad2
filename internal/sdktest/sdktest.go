// Package sdktest holds what tests that drive the server with the real
// AWS SDK for Go share. It is imported by tests only.
package sdktest

import (
	"bytes"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// BufferedClient reads each response body whole before the SDK sees the
// response. It works around a race of the SDK with net/http, on the
// client (aws/aws-sdk-go-v2#2737): once the response has arrived, the
// SDK's handling of the request body can fail the Transport's final read
// of it (the check that the body holds no more than Content-Length
// bytes), and the Transport then closes the connection under the response
// body still being decoded: "deserialization failed, failed to decode
// response body, read tcp ...: use of closed network connection". The
// SDK's standard retryer retries that; tests that make one attempt (to see
// a 5xx as what it is) need this. A response whose body the server cuts
// short still fails here.
type BufferedClient struct{ C aws.HTTPClient }

func (b BufferedClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := b.C.Do(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
