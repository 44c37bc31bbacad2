package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

func TestMain(m *testing.M) { testbin.Main(m) }

func TestBinaryServesAndStopsGracefully(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	p := testbin.Start(t, testbin.Build(t), "--data-dir", t.TempDir())
	resp, err := http.Get(p.URL + "/_cleanroomsd/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health: status %d", resp.StatusCode)
	}
	// An unsigned API call is answered the AWS way, with a request id.
	resp, err = http.Get(p.URL + "/collaborations")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" ||
		resp.Header.Get("X-Amzn-RequestId") == "" || !strings.Contains(string(body), `"message"`) {
		t.Errorf("unsigned call: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if err := p.StopWithin(t, 10*time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// With --log-level error the listening line still appears (testbin.Start
// needs it).
func TestBinaryAnnouncesAddressAtAnyLogLevel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	p := testbin.Start(t, testbin.Build(t), "--log-level", "error")
	_ = p.Stop(t)
}

func TestBinaryRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--log-level", "loud"}, {"--verify-signatures", "maybe"}, {"--quotas", "x=1"}, {"--verify-signatures", "true"}} {
		if err := run(args); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

// BenchmarkStartToFirstAnswer measures a cold start: exec the binary, wait
// for its listening line, and get the first API answer.
func BenchmarkStartToFirstAnswer(b *testing.B) {
	bin := testbin.Build(b)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := testbin.Start(b, bin, "--data-dir", filepath.Join(dir, strings.Repeat("d", 1+i%3)), "--log-level", "warn")
		req, _ := http.NewRequest(http.MethodGet, p.URL+"/collaborations", nil)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=111122223333/20261121/us-east-1/cleanrooms/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
		req.Header.Set("X-Amz-Date", "20261121T000000Z")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("first answer: %d", resp.StatusCode)
		}
		_ = p.Stop(b)
	}
}
