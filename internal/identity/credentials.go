package identity

import (
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
}

// fileFormat is the on-disk JSON shape documented in the package comment.
type fileFormat struct {
	Credentials []fileEntry `json:"credentials"`
}

type fileEntry struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	AccountID       string `json:"accountId"`
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
		c.byKey[e.AccessKeyID] = credential{secret: e.SecretAccessKey, accountID: e.AccountID}
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

// Len reports how many access keys are registered.
func (c *Credentials) Len() int {
	if c == nil {
		return 0
	}
	return len(c.byKey)
}
