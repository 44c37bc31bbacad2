package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/server"
)

const tokenCreds = `{"credentials":[
	{"accessKeyId":"AKIDCREATOR","secretAccessKey":"s3cret","accountId":"111122223333"},
	{"accessKeyId":"ASIATEMP","secretAccessKey":"s3cret","accountId":"111122223333","sessionToken":"the-token"}]}`

func strictServer(t *testing.T, svc api.Service, limits server.Limits) *httptest.Server {
	t.Helper()
	c, err := identity.ParseCredentials(strings.NewReader(tokenCreds))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(server.New(server.Config{Service: svc, Credentials: c, VerifySignatures: true, Limits: limits}))
	t.Cleanup(hs.Close)
	return hs
}

func sdkClient(url, key, secret, token string, hc *http.Client) *cleanrooms.Client {
	o := cleanrooms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, token),
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	return cleanrooms.New(o)
}

// The request id header goes out byte for byte as AWS spells it.
func TestRequestIDSpelling(t *testing.T) {
	_, hs := newServer(t, false, nil)
	conn, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /collaborations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	raw, _ := io.ReadAll(conn)
	if !strings.Contains(string(raw), "\r\nx-amzn-RequestId: ") {
		t.Errorf("no x-amzn-RequestId in:\n%s", raw)
	}
}

// addSignedHeader lists a header that is never sent in SignedHeaders.
type addSignedHeader struct{ next http.RoundTripper }

func (a addSignedHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=", "SignedHeaders=a-missing-header;", 1))
	return a.next.RoundTrip(r)
}

func TestStrictSignedHeaderNotSent(t *testing.T) {
	svc := &whoami{}
	hs := strictServer(t, svc, server.Limits{})
	cl := sdkClient(hs.URL, "AKIDCREATOR", "s3cret", "", &http.Client{Transport: addSignedHeader{http.DefaultTransport}})
	_, err := cl.ListCollaborations(context.Background(), &cleanrooms.ListCollaborationsInput{})
	if code, status := errorCode(t, err); code != "InvalidSignatureException" || status != 403 {
		t.Errorf("absent signed header: %s %d", code, status)
	}
	if svc.caller.AccountID != "" {
		t.Error("the service was called")
	}
}

func TestStrictSessionTokens(t *testing.T) {
	hs := strictServer(t, &whoami{}, server.Limits{})
	ctx := context.Background()
	for _, c := range []struct {
		key, token, code string
	}{
		{"ASIATEMP", "the-token", ""},
		{"ASIATEMP", "", "UnrecognizedClientException"},
		{"ASIATEMP", "made-up", "UnrecognizedClientException"},
		{"AKIDCREATOR", "", ""},
		{"AKIDCREATOR", "made-up", "UnrecognizedClientException"},
	} {
		_, err := sdkClient(hs.URL, c.key, "s3cret", c.token, nil).ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{})
		if c.code == "" {
			if err != nil {
				t.Errorf("%s token %q: %v", c.key, c.token, err)
			}
			continue
		}
		if code, status := errorCode(t, err); code != c.code || status != 403 {
			t.Errorf("%s token %q: %s %d, want %s 403", c.key, c.token, code, status, c.code)
		}
	}
}

// A correctly signed body over the limit is a 413 in strict mode too.
func TestStrictOversizedBody(t *testing.T) {
	hs := strictServer(t, &whoami{}, server.Limits{})
	_, err := sdkClient(hs.URL, "AKIDCREATOR", "s3cret", "", nil).CreateCollaboration(context.Background(), &cleanrooms.CreateCollaborationInput{
		Name: aws.String("n"), Description: aws.String(strings.Repeat("d", 5<<20)), CreatorDisplayName: aws.String("c"),
		QueryLogStatus: "DISABLED", CreatorMemberAbilities: []types.MemberAbility{}, Members: []types.MemberSpecification{},
	})
	if code, status := errorCode(t, err); code != "RequestEntityTooLargeException" || status != 413 {
		t.Errorf("5 MiB body: %s %d", code, status)
	}
}

// blocker holds ListCollaborations until released.
type blocker struct {
	api.Unimplemented
	entered chan struct{}
	release chan struct{}
}

func (b *blocker) ListCollaborations(context.Context, *api.ListCollaborationsInput) (*api.ListCollaborationsOutput, error) {
	b.entered <- struct{}{}
	<-b.release
	return &api.ListCollaborationsOutput{}, nil
}

func TestInFlightLimit(t *testing.T) {
	b := &blocker{entered: make(chan struct{}, 2), release: make(chan struct{})}
	hs := httptest.NewServer(server.New(server.Config{Service: b, Limits: server.Limits{MaxInFlight: 2}}))
	defer hs.Close()
	cl := client(hs.URL, "111122223333", "x", "us-east-1")
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := cl.ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{}); err != nil {
				t.Error(err)
			}
		})
	}
	<-b.entered
	<-b.entered
	_, err := cl.ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{})
	if code, status := errorCode(t, err); code != "ThrottlingException" || status != 429 {
		t.Errorf("third request: %s %d", code, status)
	}
	// Health checks are not counted.
	if resp, err := http.Get(hs.URL + server.HealthPath); err != nil || resp.StatusCode != 200 {
		t.Errorf("health under load: %v %v", resp, err)
	}
	close(b.release)
	wg.Wait()
	if _, err := cl.ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{}); err != nil {
		t.Errorf("after the load: %v", err)
	}
}

// stall opens a connection that announces a body of n bytes, sends 10 and
// stops.
func stall(t *testing.T, addr string, n int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /collaborations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"X-Amz-Date: 20261121T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDCREATOR/20261121/us-east-1/cleanrooms/aws4_request, "+
		"SignedHeaders=host;x-amz-date, Signature=00\r\nContent-Length: %d\r\n\r\n{\"name\":\"x", n)
	return conn
}

// A stalled body is cut after BodyReadTimeout, in strict mode too (with a
// signature that will not verify): the client gets a 408 and the
// connection is closed.
func TestStalledBodyIsCut(t *testing.T) {
	for _, verify := range []bool{false, true} {
		c, _ := identity.ParseCredentials(strings.NewReader(tokenCreds))
		fixed := func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }
		hs := httptest.NewServer(server.New(server.Config{Service: &whoami{}, Credentials: c, VerifySignatures: verify, Now: fixed,
			Limits: server.Limits{BodyReadTimeout: 300 * time.Millisecond}}))
		conn := stall(t, hs.Listener.Addr().String(), 100000)
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("verify=%v: no response: %v", verify, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 408 || resp.Header.Get("X-Amzn-ErrorType") != "RequestTimeoutException" || !json.Valid(body) {
			t.Errorf("verify=%v: %d %s %s", verify, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
		}
		if !resp.Close {
			t.Errorf("verify=%v: the connection stays open", verify)
		}
		hs.Close()
	}
}

// Bodies wait for room in the budget of body bytes in flight, then are
// refused; they never pile up in memory.
func TestBodyBudget(t *testing.T) {
	hs := httptest.NewServer(server.New(server.Config{Service: &whoami{},
		Limits: server.Limits{MaxBodyBytesInFlight: 150_000, BodyBudgetWait: 100 * time.Millisecond, BodyReadTimeout: time.Second}}))
	defer hs.Close()
	stall(t, hs.Listener.Addr().String(), 100_000) // holds 100,000 of the budget
	time.Sleep(100 * time.Millisecond)
	send := func(n int) *http.Response {
		conn := stall(t, hs.Listener.Addr().String(), n)
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := send(100_000); resp.StatusCode != 429 || resp.Header.Get("X-Amzn-ErrorType") != "ThrottlingException" {
		t.Errorf("over the budget: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
	// A small body still fits beside the stalled one.
	_, err := client(hs.URL, "111122223333", "x", "us-east-1").CreateCollaboration(context.Background(), &cleanrooms.CreateCollaborationInput{
		Name: aws.String("n"), Description: aws.String("d"), CreatorDisplayName: aws.String("c"),
		QueryLogStatus: "DISABLED", CreatorMemberAbilities: []types.MemberAbility{}, Members: []types.MemberSpecification{},
	})
	if code, _ := errorCode(t, err); code != "NotImplementedException" {
		t.Errorf("small body beside the stalled one: %v", err)
	}
}

// Requests net/http refuses before any handler get an AWS-shaped answer
// naming the URI label.
func TestShapeBadRequests(t *testing.T) {
	hs := httptest.NewUnstartedServer(server.New(server.Config{Service: &whoami{}}))
	hs.Listener = server.ShapeBadRequests(hs.Listener)
	hs.Start()
	defer hs.Close()
	for _, c := range []struct{ line, want string }{
		{"GET /memberships/%zz HTTP/1.1", "'membershipIdentifier'"},
		{"GET /memberships/% HTTP/1.1", "'membershipIdentifier'"},
		{"GET /memberships/%2 HTTP/1.1", "'membershipIdentifier'"},
		{"GET /memberships/%G0?maxResults=1 HTTP/1.1", "'membershipIdentifier'"},
		{"DELETE /collaborations/%zz HTTP/1.1", "'collaborationIdentifier'"},
		{"GET /nowhere/%zz HTTP/1.1", "path"},
		{"GET /collaborations HTTP/1.1\r\nBad Header", "parsed"},
	} {
		conn, err := net.Dial("tcp", hs.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		// Two requests: the first fine, so the shaping also works after a
		// response on the same connection.
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", server.HealthPath)
		br := bufio.NewReader(conn)
		if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
			t.Fatalf("health: %v %v", resp, err)
		} else {
			_, _ = io.Copy(io.Discard, resp.Body)
		}
		fmt.Fprintf(conn, "%s\r\nHost: x\r\n\r\n", c.line)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "SerializationException" ||
			resp.Header.Get("X-Amzn-RequestId") == "" || !json.Valid(body) || !strings.Contains(string(body), c.want) {
			t.Errorf("%q: %d %v %s", c.line, resp.StatusCode, resp.Header, body)
		}
	}
}
