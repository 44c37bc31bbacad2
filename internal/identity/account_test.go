package identity

import (
	"strings"
	"testing"
)

func TestAccountForAccessKey(t *testing.T) {
	creds, err := ParseCredentials(strings.NewReader(`{"credentials":[
		{"accessKeyId":"AKIAREGISTERED","secretAccessKey":"s1","accountId":"111122223333"},
		{"accessKeyId":"444455556666","secretAccessKey":"s2","accountId":"777788889999"}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		creds *Credentials
		key   string
		want  string
	}{
		{"registered key", creds, "AKIAREGISTERED", "111122223333"},
		{"registry wins over digits", creds, "444455556666", "777788889999"},
		{"unregistered 12 digits", creds, "123456789012", "123456789012"},
		{"nil registry 12 digits", nil, "123456789012", "123456789012"},
		{"11 digits", creds, "12345678901", DefaultAccountID},
		{"13 digits", creds, "1234567890123", DefaultAccountID},
		{"non-ASCII digits", creds, "١٢٣٤٥٦٧٨٩٠١٢", DefaultAccountID},
		{"letters", nil, "AKIDEXAMPLE", DefaultAccountID},
		{"empty", nil, "", DefaultAccountID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AccountForAccessKey(tt.creds, tt.key); got != tt.want {
				t.Errorf("AccountForAccessKey(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}
