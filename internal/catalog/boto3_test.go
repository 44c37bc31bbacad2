package catalog_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBoto3 drives the catalog with boto3 (installed with the AWS CLI; the
// Python tests of make test need it too).
func TestBoto3(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 with boto3 is needed: ", err)
	}
	e := newEnv(t, "")
	cmd := exec.CommandContext(t.Context(), py, "testdata/boto3_story.py")
	cmd.Env = append(os.Environ(), "GLUE_ENDPOINT="+e.srv.URL, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("boto3 story: %v\n%s", err, out)
	}
}
