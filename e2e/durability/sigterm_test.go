package durability

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/crashload"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// gateTransport holds back the body of every request it sends until
// release is closed. Requests carry "Expect: 100-continue", so the client
// sends the body only once the server says "100 Continue", which net/http's
// server does when the handler starts reading the body: when the body is
// first read here, the server is running the request's handler. It is in
// flight.
type gateTransport struct {
	base    *http.Transport
	started chan struct{} // one send per request whose body is being read
	release chan struct{}
}

func (g *gateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.ContentLength > 0 {
		req.Body = &gatedBody{ReadCloser: req.Body, g: g}
		req.Header.Set("Expect", "100-continue")
	}
	return g.base.RoundTrip(req)
}

type gatedBody struct {
	io.ReadCloser
	g    *gateTransport
	once sync.Once
}

func (b *gatedBody) Read(p []byte) (int, error) {
	b.once.Do(func() {
		b.g.started <- struct{}{}
		<-b.g.release
	})
	return b.ReadCloser.Read(p)
}

// TestSIGTERMFinishesInFlightRequests stops the binary with SIGTERM while
// requests are in flight (their handlers are running, waiting for the rest
// of the body) and while other clients keep writing. The server must stop
// taking connections, let the in-flight requests finish with 200, exit 0,
// and a restart must show them and every other acknowledged write. One of
// the held requests is an S3 PutObject: its bytes are there after restart.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := testbin.Build(t)
	dir := t.TempDir()
	p := startServer(t, bin, dir)

	const held = 3
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.ExpectContinueTimeout = time.Minute
	gate := &gateTransport{
		base:    base,
		started: make(chan struct{}, held+1),
		release: make(chan struct{}),
	}
	type result struct {
		name string
		out  *cleanrooms.CreateCollaborationOutput
		err  error
	}
	results := make(chan result, held)
	for i := range held {
		name := fmt.Sprintf("held-%d", i)
		client := newClient(p, fmt.Sprintf("9000000000%02d", i), gate)
		go func() {
			out, err := client.CreateCollaboration(context.Background(), &cleanrooms.CreateCollaborationInput{
				Name: aws.String(name), Description: aws.String("in flight at SIGTERM"), CreatorDisplayName: aws.String("c"),
				CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
				QueryLogStatus:         types.CollaborationQueryLogStatusDisabled,
				Members:                []types.MemberSpecification{},
			})
			results <- result{name, out, err}
		}()
	}
	// And an upload, held the same way after its headers.
	upload := bytes.Repeat([]byte("in flight at SIGTERM\n"), 50000)
	uploadClient := func(p *testbin.Proc, tr http.RoundTripper) *s3.Client {
		return s3.New(s3.Options{Region: crashload.Region, BaseEndpoint: aws.String(p.URL), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider("900000000099", "secret", ""),
			HTTPClient:  &http.Client{Transport: tr}, Retryer: aws.NopRetryer{}})
	}
	if _, err := uploadClient(p, nil).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("held-upload")}); err != nil {
		t.Fatal(err)
	}
	uploaded := make(chan error, 1)
	go func() {
		_, err := uploadClient(p, gate).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("held-upload"),
			Key: aws.String("data.csv"), Body: bytes.NewReader(upload)})
		uploaded <- err
	}()
	for range held + 1 {
		select {
		case <-gate.started:
		case <-time.After(10 * time.Second):
			t.Fatal("held requests were not sent")
		}
	}

	// Background writers: they stop at their first failed request once the
	// server no longer takes connections.
	load := crashload.NewLoad(2, 1, 1)
	wait := load.Start(context.Background(), clientsFor(p, load))
	time.Sleep(200 * time.Millisecond) // some background writes get through

	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Shutdown has begun once the listener is closed.
	addr := strings.TrimPrefix(p.URL, "http://")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("cleanroomsd still accepts connections 5s after SIGTERM")
		}
		time.Sleep(5 * time.Millisecond)
	}
	wait() // new requests are refused now, so every writer has stopped
	time.Sleep(200 * time.Millisecond)
	select {
	case <-p.Exited():
		t.Fatalf("cleanroomsd exited (%v) while requests were in flight", p.ExitErr())
	default:
	}

	close(gate.release)
	var names []string
	for range held {
		r := <-results
		if r.err != nil {
			t.Errorf("in-flight %s: %v", r.name, r.err)
			continue
		}
		names = append(names, r.name)
	}
	if err := <-uploaded; err != nil {
		t.Errorf("in-flight PutObject: %v", err)
	}
	select {
	case <-p.Exited():
		if err := p.ExitErr(); err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, p.Logs())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("cleanroomsd did not exit after its in-flight requests finished")
	}
	tally := load.Tally(time.Time{})
	for _, err := range tally.Unexpected {
		t.Error(err)
	}
	t.Logf("%d in-flight requests finished after SIGTERM; %d writes acknowledged by the background writers", len(names), tally.Acked)

	// Everything answered is there after a restart.
	q := startServer(t, bin, dir)
	for i := range held {
		client := newClient(q, fmt.Sprintf("9000000000%02d", i), nil)
		out, err := client.ListCollaborations(context.Background(), &cleanrooms.ListCollaborationsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.CollaborationList) != 1 || aws.ToString(out.CollaborationList[0].Name) != fmt.Sprintf("held-%d", i) {
			t.Errorf("after restart, account %d sees %d collaborations, want its held one", i, len(out.CollaborationList))
		}
	}
	if out, err := uploadClient(q, nil).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("held-upload"), Key: aws.String("data.csv")}); err != nil {
		t.Errorf("after restart, the upload in flight at SIGTERM: %v", err)
	} else {
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, upload) {
			t.Errorf("after restart, the upload in flight at SIGTERM reads %d bytes (%v), want %d", len(got), err, len(upload))
		}
	}
	load.Verify(t, clientsFor(q, load))
	attempted := load.Attempted()
	for i := range held {
		attempted[fmt.Sprintf("held-%d", i)] = []string{fmt.Sprintf("9000000000%02d", i)}
	}
	checkInvariants(t, dir, attempted)
	if err := q.Stop(t); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	for _, pr := range []*testbin.Proc{p, q} {
		if lines := pr.ErrorLogs(); len(lines) > 0 {
			t.Errorf("server logged errors:\n%s", strings.Join(lines, "\n"))
		}
	}
}
