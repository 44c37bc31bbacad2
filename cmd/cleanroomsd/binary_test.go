package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles cleanroomsd once per test binary run.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "cleanroomsd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary runs the binary on a free port and returns its base URL once
// it has logged the address it listens on.
func startBinary(tb testing.TB, bin string, args ...string) (*exec.Cmd, string) {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			return cmd, "http://" + line.Addr
		}
	}
	_ = cmd.Process.Kill()
	tb.Fatalf("cleanroomsd exited before listening: %v", cmd.Wait())
	return nil, ""
}

func TestBinaryServesAndStopsGracefully(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cmd, url := startBinary(t, bin, "--data-dir", t.TempDir())
	resp, err := http.Get(url + "/_cleanroomsd/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health: status %d", resp.StatusCode)
	}
	// An unsigned API call is answered the AWS way, with a request id.
	resp, err = http.Get(url + "/collaborations")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" ||
		resp.Header.Get("X-Amzn-RequestId") == "" || !strings.Contains(string(body), `"message"`) {
		t.Errorf("unsigned call: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("cleanroomsd did not stop within 10s of SIGTERM")
	}
}

// With --log-level warn the listening line still appears (startBinary
// needs it).
func TestBinaryAnnouncesAddressAtAnyLogLevel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cmd, _ := startBinary(t, buildBinary(t), "--log-level", "error")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
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
	bin := buildBinary(b)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd, url := startBinary(b, bin, "--data-dir", filepath.Join(dir, strings.Repeat("d", 1+i%3)), "--log-level", "warn")
		req, _ := http.NewRequest(http.MethodGet, url+"/collaborations", nil)
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
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
}
