package restjson

import (
	"context"
	"net/http"
	"reflect"
)

// What the other JSON protocol (internal/protocol/awsjson) shares with
// rest-json: exact member-name matching, the bounded body read, and the
// operation name the access log reads.

// DropFoldedKeys removes the keys of body that only case-fold to a member
// name of t, so that encoding/json ignores them as AWS does. It returns
// the body unchanged and false when there are none.
func DropFoldedKeys(body []byte, t reflect.Type) ([]byte, bool) { return dropFoldedKeys(body, t) }

// ReadBody reads at most limit bytes of the request body; a larger body is
// RequestEntityTooLargeException, a failed read SerializationException.
func ReadBody(r *http.Request, limit int64) ([]byte, error) { return readBody(r, limit) }

// SetOperationName records the operation a handler matched, for
// OperationName (when the context has the slot).
func SetOperationName(ctx context.Context, name string) {
	if p, ok := ctx.Value(opNameKey{}).(*string); ok {
		*p = name
	}
}
