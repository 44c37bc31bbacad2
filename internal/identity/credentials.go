package identity

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Credentials is an immutable registry of accepted access keys, safe for
// concurrent use. The zero value and a nil *Credentials hold no keys.
type Credentials struct {
	byKey map[string]credential
}

type credential struct {
	secret    string
	accountID string
	// sessionToken, when set, must come with every request signed with
	// the key (X-Amz-Security-Token); when empty, no token may come.
	sessionToken string
}

// fileFormat is the on-disk JSON shape documented in the package comment.
type fileFormat struct {
	Credentials []fileEntry `json:"credentials"`
}

type fileEntry struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	AccountID       string `json:"accountId"`
	SessionToken    string `json:"sessionToken,omitempty"`
}

// LoadCredentialsFile reads and validates the credentials file at path.
func LoadCredentialsFile(path string) (*Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("identity: open credentials file: %w", err)
	}
	defer f.Close()
	c, err := ParseCredentials(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return c, nil
}

// ParseCredentials decodes and validates a credentials document from r.
// Error messages never include secrets.
func ParseCredentials(r io.Reader) (*Credentials, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var doc fileFormat
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("identity: decode credentials: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("identity: decode credentials: unexpected data after the JSON document")
	}

	c := &Credentials{byKey: make(map[string]credential, len(doc.Credentials))}
	for i, e := range doc.Credentials {
		switch {
		case e.AccessKeyID == "":
			return nil, fmt.Errorf("identity: credentials[%d]: accessKeyId is empty", i)
		case e.SecretAccessKey == "":
			return nil, fmt.Errorf("identity: credentials[%d] (%s): secretAccessKey is empty", i, e.AccessKeyID)
		case !IsAccountID(e.AccountID):
			return nil, fmt.Errorf("identity: credentials[%d] (%s): accountId %q must be exactly 12 digits", i, e.AccessKeyID, e.AccountID)
		}
		if _, dup := c.byKey[e.AccessKeyID]; dup {
			return nil, fmt.Errorf("identity: credentials[%d]: duplicate accessKeyId %s", i, e.AccessKeyID)
		}
		c.byKey[e.AccessKeyID] = credential{secret: e.SecretAccessKey, accountID: e.AccountID, sessionToken: e.SessionToken}
	}
	return c, nil
}

// Lookup returns the secret and account of a registered access key.
func (c *Credentials) Lookup(accessKeyID string) (secret, accountID string, ok bool) {
	if c == nil {
		return "", "", false
	}
	e, ok := c.byKey[accessKeyID]
	return e.secret, e.accountID, ok
}

// SessionTokenMatches reports whether token is the session token the
// registered key's entry names: equal to it, or empty when the entry has
// none. Temporary AWS credentials are a key, a secret and a token that only
// work together; a token the server did not issue, or one sent with a key
// that has none, is refused like AWS refuses it. The comparison takes the
// same time wherever the tokens differ.
func (c *Credentials) SessionTokenMatches(accessKeyID, token string) bool {
	if c == nil {
		return false
	}
	e, ok := c.byKey[accessKeyID]
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(e.sessionToken), []byte(token)) == 1
}

// Len reports how many access keys are registered.
func (c *Credentials) Len() int {
	if c == nil {
		return 0
	}
	return len(c.byKey)
}
