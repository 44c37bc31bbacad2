package catalog

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
)

// listToken is a NextToken of GetDatabases or GetTables: the name the next
// page starts after (the store's keyset), bound to the list it came from
// by a hash of the list's arguments, so that it resumes no other list.
// Tokens are opaque to clients (base64url of JSON); one that this server
// did not issue for this list is InvalidInputException.
type listToken struct {
	Kind, Account, Region, Database, Expression string
}

type tokenBody struct {
	V     int    `json:"v"`
	Scope string `json:"s"`
	After string `json:"a"`
}

func (t listToken) scope() string {
	b, _ := json.Marshal(t)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

func (t listToken) encode(after string) string {
	b, _ := json.Marshal(tokenBody{V: 1, Scope: t.scope(), After: after})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decode returns the name a token resumes after ("" for none).
func (t listToken) decode(tok *string) (string, error) {
	if tok == nil || *tok == "" {
		return "", nil
	}
	invalid := invalidInput("Invalid NextToken: it was not issued for this request.")
	raw, err := base64.RawURLEncoding.DecodeString(*tok)
	if err != nil {
		return "", invalid
	}
	var b tokenBody
	if err := json.Unmarshal(raw, &b); err != nil || b.V != 1 || b.Scope != t.scope() || b.After == "" {
		return "", invalid
	}
	return b.After, nil
}
