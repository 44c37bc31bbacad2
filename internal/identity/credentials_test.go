package identity

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCredentialsValid(t *testing.T) {
	c, err := ParseCredentials(strings.NewReader(`{"credentials":[
		{"accessKeyId":"AKIA1","secretAccessKey":"secret1","accountId":"111122223333"},
		{"accessKeyId":"AKIA2","secretAccessKey":"secret2","accountId":"444455556666"}
	]}`))
	if err != nil {
		t.Fatalf("ParseCredentials: %v", err)
	}
	type result struct {
		Secret, Account string
		OK              bool
	}
	lookup := func(k string) result {
		s, a, ok := c.Lookup(k)
		return result{s, a, ok}
	}
	got := map[string]result{"AKIA1": lookup("AKIA1"), "AKIA2": lookup("AKIA2"), "AKIA3": lookup("AKIA3")}
	want := map[string]result{
		"AKIA1": {"secret1", "111122223333", true},
		"AKIA2": {"secret2", "444455556666", true},
		"AKIA3": {},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Lookup mismatch (-want +got):\n%s", diff)
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
}

func TestParseCredentialsEmptyAndNil(t *testing.T) {
	c, err := ParseCredentials(strings.NewReader(`{"credentials":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.Lookup("x"); ok {
		t.Error("empty registry found a key")
	}
	var nilCreds *Credentials
	if _, _, ok := nilCreds.Lookup("x"); ok || nilCreds.Len() != 0 {
		t.Error("nil registry is not empty")
	}
}

func TestParseCredentialsInvalid(t *testing.T) {
	tests := []struct {
		name, doc string
		wantSub   string // substring of the error
	}{
		{"not json", `nope`, "decode credentials"},
		{"unknown field", `{"credentials":[{"accessKeyId":"A","secretAccessKey":"s","account":"111122223333"}]}`, "unknown field"},
		{"trailing data", `{"credentials":[]} {}`, "unexpected data"},
		{"empty key", `{"credentials":[{"accessKeyId":"","secretAccessKey":"s","accountId":"111122223333"}]}`, "credentials[0]: accessKeyId is empty"},
		{"empty secret", `{"credentials":[{"accessKeyId":"A","secretAccessKey":"","accountId":"111122223333"}]}`, "secretAccessKey is empty"},
		{"short account", `{"credentials":[{"accessKeyId":"A","secretAccessKey":"s","accountId":"11112222333"}]}`, "exactly 12 digits"},
		{"non-digit account", `{"credentials":[{"accessKeyId":"A","secretAccessKey":"s","accountId":"11112222333x"}]}`, "exactly 12 digits"},
		{"missing account", `{"credentials":[{"accessKeyId":"A","secretAccessKey":"s"}]}`, "exactly 12 digits"},
		{"duplicate key", `{"credentials":[
			{"accessKeyId":"A","secretAccessKey":"s","accountId":"111122223333"},
			{"accessKeyId":"A","secretAccessKey":"t","accountId":"444455556666"}]}`, "credentials[1]: duplicate accessKeyId A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCredentials(strings.NewReader(tt.doc))
			if err == nil {
				t.Fatal("ParseCredentials succeeded, want error")
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q does not contain %q", err, tt.wantSub)
			}
		})
	}
}

func TestErrorsDoNotLeakSecrets(t *testing.T) {
	_, err := ParseCredentials(strings.NewReader(`{"credentials":[{"accessKeyId":"A","secretAccessKey":"TOPSECRET","accountId":"bad"}]}`))
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("error = %v; want an error without the secret", err)
	}
}

func TestLoadCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "creds.json")
	doc := `{"credentials":[{"accessKeyId":"AKIA1","secretAccessKey":"s","accountId":"111122223333"}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCredentialsFile(path)
	if err != nil {
		t.Fatalf("LoadCredentialsFile: %v", err)
	}
	if _, acct, ok := c.Lookup("AKIA1"); !ok || acct != "111122223333" {
		t.Errorf("Lookup = %q, %v", acct, ok)
	}

	if _, err := LoadCredentialsFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: want error")
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"credentials":[{}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCredentialsFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("invalid file: error = %v, want one naming the file", err)
	}
}

func TestSessionTokenMatches(t *testing.T) {
	c, err := ParseCredentials(strings.NewReader(`{"credentials":[
		{"accessKeyId":"ASIA1","secretAccessKey":"s","accountId":"111122223333","sessionToken":"tok-1"},
		{"accessKeyId":"AKIA2","secretAccessKey":"s","accountId":"444455556666"}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key, token string
		want       bool
	}{
		{"ASIA1", "tok-1", true},
		{"ASIA1", "", false},
		{"ASIA1", "tok-2", false},
		{"ASIA1", "tok-1x", false},
		{"AKIA2", "", true},
		{"AKIA2", "anything", false},
		{"UNKNOWN", "", false},
	} {
		if got := c.SessionTokenMatches(tc.key, tc.token); got != tc.want {
			t.Errorf("SessionTokenMatches(%s, %q) = %v, want %v", tc.key, tc.token, got, tc.want)
		}
	}
	var none *Credentials
	if none.SessionTokenMatches("AKIA2", "") {
		t.Error("nil credentials matched")
	}
}
