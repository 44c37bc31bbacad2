package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/server"
)

// whoami records the caller of ListCollaborations and panics on
// ListMemberships.
type whoami struct {
	api.Unimplemented
	caller identity.Caller
	reqID  string
}

func (w *whoami) ListCollaborations(ctx context.Context, _ *api.ListCollaborationsInput) (*api.ListCollaborationsOutput, error) {
	w.caller, _ = identity.CallerFrom(ctx)
	w.reqID = identity.RequestIDFrom(ctx)
	return &api.ListCollaborationsOutput{}, nil
}

func (w *whoami) ListMemberships(context.Context, *api.ListMembershipsInput) (*api.ListMembershipsOutput, error) {
	panic("boom")
}

const creds = `{"credentials":[{"accessKeyId":"AKIDCREATOR","secretAccessKey":"s3cret","accountId":"111122223333"}]}`

func newServer(t *testing.T, verify bool, log *slog.Logger) (*whoami, *httptest.Server) {
	t.Helper()
	c, err := identity.ParseCredentials(strings.NewReader(creds))
	if err != nil {
		t.Fatal(err)
	}
	svc := &whoami{}
	hs := httptest.NewServer(server.New(server.Config{Service: svc, Credentials: c, VerifySignatures: verify, Logger: log}))
	t.Cleanup(hs.Close)
	return svc, hs
}

func client(url, key, secret, region string) *cleanrooms.Client {
	return cleanrooms.New(cleanrooms.Options{
		Region: region, BaseEndpoint: aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		RetryMaxAttempts: 1,
	})
}

func errorCode(t *testing.T, err error) (string, int) {
	t.Helper()
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || !errors.As(err, &re) {
		t.Fatalf("not an API error: %v", err)
	}
	if re.ServiceRequestID() == "" {
		t.Errorf("%s without a request id", ae.ErrorCode())
	}
	return ae.ErrorCode(), re.HTTPStatusCode()
}

func TestStrictMode(t *testing.T) {
	svc, hs := newServer(t, true, nil)
	ctx := context.Background()
	if _, err := client(hs.URL, "AKIDCREATOR", "s3cret", "eu-west-1").ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{}); err != nil {
		t.Fatal(err)
	}
	want := identity.Caller{AccountID: "111122223333", Region: "eu-west-1", AccessKeyID: "AKIDCREATOR"}
	if diff := cmp.Diff(want, svc.caller); diff != "" {
		t.Errorf("caller (-want +got):\n%s", diff)
	}
	if svc.reqID == "" {
		t.Error("no request id in the context")
	}
	for _, c := range []struct {
		name, key, secret, code string
	}{
		{"unknown key", "AKIDUNKNOWN", "s3cret", "UnrecognizedClientException"},
		{"12-digit key is not enough", "444455556666", "s3cret", "UnrecognizedClientException"},
		{"wrong secret", "AKIDCREATOR", "guess", "InvalidSignatureException"},
	} {
		_, err := client(hs.URL, c.key, c.secret, "us-east-1").ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{})
		if code, status := errorCode(t, err); code != c.code || status != http.StatusForbidden {
			t.Errorf("%s: %s %d, want %s 403", c.name, code, status, c.code)
		}
	}
}

// A signed request whose body is changed on the way fails in strict mode.
func TestStrictModeTamperedBody(t *testing.T) {
	_, hs := newServer(t, true, nil)
	tamper := &http.Client{Transport: rewriteBody{http.DefaultTransport}}
	cl := cleanrooms.New(cleanrooms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(hs.URL), HTTPClient: tamper, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDCREATOR", "s3cret", ""),
	})
	_, err := cl.CreateCollaboration(context.Background(), &cleanrooms.CreateCollaborationInput{
		Name: aws.String("n"), Description: aws.String("d"), CreatorDisplayName: aws.String("c"),
		QueryLogStatus: "DISABLED", CreatorMemberAbilities: []types.MemberAbility{}, Members: []types.MemberSpecification{},
	})
	if code, status := errorCode(t, err); code != "InvalidSignatureException" || status != http.StatusForbidden {
		t.Errorf("tampered body: %s %d", code, status)
	}
}

type rewriteBody struct{ next http.RoundTripper }

func (r rewriteBody) RoundTrip(req *http.Request) (*http.Response, error) {
	var b bytes.Buffer
	_, _ = b.ReadFrom(req.Body)
	changed := bytes.Replace(b.Bytes(), []byte(`"n"`), []byte(`"x"`), 1)
	req.Body = http.NoBody
	if len(changed) > 0 {
		req.Body = ioNopCloser{bytes.NewReader(changed)}
	}
	return r.next.RoundTrip(req)
}

type ioNopCloser struct{ *bytes.Reader }

func (ioNopCloser) Close() error { return nil }

func TestPermissiveMode(t *testing.T) {
	svc, hs := newServer(t, false, nil)
	ctx := context.Background()
	for _, c := range []struct{ key, account string }{
		{"AKIDCREATOR", "111122223333"}, // listed: its account, secret not checked
		{"444455556666", "444455556666"},
		{"AKIAANYTHING", identity.DefaultAccountID},
	} {
		if _, err := client(hs.URL, c.key, "whatever", "us-east-1").ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{}); err != nil {
			t.Fatal(err)
		}
		if svc.caller.AccountID != c.account {
			t.Errorf("key %s: account %s, want %s", c.key, svc.caller.AccountID, c.account)
		}
	}
}

func TestInvalidRegion(t *testing.T) {
	_, hs := newServer(t, false, nil)
	for _, region := range []string{"US-EAST-1", "us-east-", "us_east_1", "us-east-1%00", "%C3%A9u-west-1"} {
		// The presigned form lets any bytes into the region.
		req, _ := http.NewRequest(http.MethodGet, hs.URL+"/collaborations?X-Amz-Algorithm=AWS4-HMAC-SHA256"+
			"&X-Amz-Credential=111122223333%2F20261121%2F"+region+"%2Fcleanrooms%2Faws4_request"+
			"&X-Amz-Date=20261121T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidSignatureException" {
			t.Errorf("region %q: %d %s", region, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
}

func TestUnsignedAndHealth(t *testing.T) {
	_, hs := newServer(t, false, nil)
	resp, err := http.Get(hs.URL + "/collaborations")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" || resp.Header.Get("X-Amzn-RequestId") == "" {
		t.Errorf("unsigned: %d %v", resp.StatusCode, resp.Header)
	}
	resp, err = http.Get(hs.URL + server.HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("health: %d", resp.StatusCode)
	}
}

func TestPanicBecomesInternalServerException(t *testing.T) {
	var logs bytes.Buffer
	_, hs := newServer(t, false, slog.New(slog.NewJSONHandler(&logs, nil)))
	_, err := client(hs.URL, "111122223333", "x", "us-east-1").ListMemberships(context.Background(), &cleanrooms.ListMembershipsInput{})
	if code, status := errorCode(t, err); code != "InternalServerException" || status != 500 {
		t.Errorf("panic: %s %d", code, status)
	}
	if !strings.Contains(logs.String(), `"panic":"boom"`) {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

// One structured line per request, with the fields operators need.
func TestAccessLog(t *testing.T) {
	var logs bytes.Buffer
	_, hs := newServer(t, false, slog.New(slog.NewJSONHandler(&logs, nil)))
	if _, err := client(hs.URL, "111122223333", "x", "us-east-1").ListCollaborations(context.Background(), &cleanrooms.ListCollaborationsInput{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for !strings.Contains(logs.String(), `"msg":"request"`) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, `"msg":"request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	for k, want := range map[string]any{"method": "GET", "path": "/collaborations", "operation": "ListCollaborations", "status": 200.0, "account": "111122223333"} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v (line %v)", k, line[k], want, line)
		}
	}
	if id, _ := line["requestId"].(string); len(id) != 36 {
		t.Errorf("log requestId %v", line["requestId"])
	}
}
