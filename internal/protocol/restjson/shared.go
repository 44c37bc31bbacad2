package restjson

import (
	"context"
	"reflect"
	"unicode/utf8"

	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// What the other JSON protocol (internal/protocol/awsjson) shares with
// rest-json: exact member-name matching, the bounded body read, and the
// operation name the access log reads.

// PrepareJSONBody readies a JSON object body for encoding/json.Unmarshal
// into a value of type t the way AWS reads it: invalid UTF-8 and unpaired
// surrogate escapes are refused (encoding/json would rewrite them to
// U+FFFD), and keys that only case-fold to a member name are blanked in
// place so that they are ignored. The error is a SerializationException.
func PrepareJSONBody(body []byte, t reflect.Type) error {
	if !utf8.Valid(body) {
		return serializationError("The request body is not valid UTF-8.")
	}
	if err := blankFoldedKeys(body, t); err != nil {
		return serializationError("The request body is not valid JSON: " + err.Error() + ".")
	}
	return nil
}

// SetOperationName records the operation a handler matched, for
// OperationName (when the context has the server's identity.Request).
func SetOperationName(ctx context.Context, name string) { identity.SetOperation(ctx, name) }
