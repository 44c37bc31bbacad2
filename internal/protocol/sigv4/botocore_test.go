package sigv4

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestBotocore checks that requests signed by botocore (boto3's cleanrooms
// client, and SigV4QueryAuth presigned URLs) verify, and that a wrong secret
// or an expired presigned URL does not. It needs python3 with boto3; without
// python3 it skips, except under CI=true where it fails.
func TestBotocore(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 not found (required when CI=true): %v", err)
		}
		t.Skipf("python3 not found: %v", err)
	}
	rec, srv := newRecorder(t, true)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/botocore_client.py")
	cmd.Env = append(envWithoutAWS(),
		"SIGV4_TEST_ENDPOINT="+srv.URL,
		"SIGV4_TEST_AKID="+testAKID,
		"SIGV4_TEST_SECRET="+testSecret,
		// Keep the developer's own AWS configuration out of the test.
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true",
	)
	out, err := cmd.CombinedOutput()
	t.Logf("botocore_client.py output:\n%s", out)
	if err != nil {
		t.Fatalf("botocore_client.py: %v", err)
	}

	const memberPath = "/memberships/5f4e3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f"
	want := []outcome{
		{"POST", "/collaborations", ""},
		{"GET", encodedARNPath, ""},
		{"POST", encodedARNPath, ""},
		{"DELETE", encodedARNPath, ""},
		{"GET", memberPath, ""},
		{"GET", memberPath, CodeInvalidSignature}, // wrong secret
		{"GET", memberPath, ""},                   // presigned
		{"GET", encodedARNPath, ""},               // presigned
		{"GET", memberPath, CodeInvalidSignature}, // presigned, wrong secret
		{"GET", memberPath, CodeInvalidSignature}, // presigned, expired
	}
	if diff := cmp.Diff(want, rec.take()); diff != "" {
		t.Errorf("server outcomes mismatch (-want +got):\n%s", diff)
	}
}

// envWithoutAWS is the test's environment minus AWS_* variables, so a
// developer's profile or keys cannot change what botocore signs.
func envWithoutAWS() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}
