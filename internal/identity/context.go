package identity

import "context"

// Caller is the authenticated identity of the request being served.
type Caller struct {
	AccountID   string
	Region      string
	AccessKeyID string
}

// Unexported key types so no other package can collide with or overwrite
// these context values.
type (
	callerKey    struct{}
	requestIDKey struct{}
)

// WithCaller returns a copy of ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the Caller stored by WithCaller, if any.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// WithRequestID returns a copy of ctx carrying the request id (the value
// echoed in the x-amzn-RequestId response header).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id stored by WithRequestID, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
