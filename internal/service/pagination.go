package service

import (
	"encoding/base64"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// DefaultPageSize is the page size when a list call gives no maxResults.
// AWS does not document its default; 100 is the model's maximum.
const DefaultPageSize = 100

// A nextToken carries the store's cursor together with what it was made
// for: the operation, the caller's account and the filters. A token used
// with another operation, by another account or with other filters — or
// one that is not ours at all — is refused with a ValidationException
// rather than silently paging something else. Nothing secret is in it: a
// caller who rewrites its own token can only page its own data.
const tokenVersion = "1"

func encodeToken(op, account, filter, cursor string) *string {
	if cursor == "" {
		return nil
	}
	raw := strings.Join([]string{tokenVersion, op, account, filter, cursor}, "\x00")
	t := base64.RawURLEncoding.EncodeToString([]byte(raw))
	return &t
}

func decodeToken(token *string, op, account, filter string) (string, error) {
	if token == nil || *token == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*token)
	if err != nil {
		return "", badToken()
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 5 || parts[0] != tokenVersion || parts[1] != op || parts[2] != account || parts[3] != filter || parts[4] == "" {
		return "", badToken()
	}
	return parts[4], nil
}

func badToken() error {
	return invalidField("nextToken", "The nextToken is invalid or was issued for a different request.")
}

func page(maxResults *int32, cursor string) cleanrooms.Page {
	n := DefaultPageSize
	if maxResults != nil {
		n = int(*maxResults)
	}
	return cleanrooms.Page{Cursor: cursor, Limit: n}
}
