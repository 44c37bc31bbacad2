package identity

import "context"

// Caller is the authenticated identity of the request being served.
type Caller struct {
	AccountID   string
	Region      string
	AccessKeyID string
}

// Request is what the layers of the server learn about one request: the
// id it answers with, the caller once authenticated, and the operation
// once routed. It travels as one context value (one allocation and one
// lookup, instead of one context and one copy of the http.Request per
// fact): the server makes it when the request arrives and fills it in as
// it goes, so the access log, outermost, reads what the inner layers
// found.
type Request struct {
	ID        string
	Caller    Caller
	HasCaller bool
	Operation string
}

// Unexported key type so no other package can collide with or overwrite
// this context value.
type requestKey struct{}

// WithRequest returns a copy of ctx carrying r. Layers below fill r in
// place (SetCaller, SetOperation).
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the Request of ctx, or nil.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// derive returns a copy of ctx's Request (or a new one) to change without
// touching what ctx carries.
func derive(ctx context.Context) *Request {
	r := new(Request)
	if p := RequestFrom(ctx); p != nil {
		*r = *p
	}
	return r
}

// WithCaller returns a copy of ctx carrying c (and ctx's request id). The
// Request of ctx is left as it is; the server, which owns it, uses
// SetCaller instead.
func WithCaller(ctx context.Context, c Caller) context.Context {
	r := derive(ctx)
	r.Caller, r.HasCaller = c, true
	return WithRequest(ctx, r)
}

// SetCaller records c in the Request of ctx, if it has one, and reports
// whether it did.
func SetCaller(ctx context.Context, c Caller) bool {
	r := RequestFrom(ctx)
	if r == nil {
		return false
	}
	r.Caller, r.HasCaller = c, true
	return true
}

// CallerFrom returns the Caller stored by WithCaller or SetCaller, if any.
func CallerFrom(ctx context.Context) (Caller, bool) {
	if r := RequestFrom(ctx); r != nil && r.HasCaller {
		return r.Caller, true
	}
	return Caller{}, false
}

// WithRequestID returns a copy of ctx carrying the request id (the value
// echoed in the x-amzn-RequestId response header).
func WithRequestID(ctx context.Context, id string) context.Context {
	r := derive(ctx)
	r.ID = id
	return WithRequest(ctx, r)
}

// RequestIDFrom returns the request id stored by WithRequestID, or "".
func RequestIDFrom(ctx context.Context) string {
	if r := RequestFrom(ctx); r != nil {
		return r.ID
	}
	return ""
}

// SetOperation records the operation a protocol handler matched in the
// Request of ctx, if it has one (for the access log).
func SetOperation(ctx context.Context, name string) {
	if r := RequestFrom(ctx); r != nil {
		r.Operation = name
	}
}

// OperationFrom returns the operation recorded by SetOperation, or "".
func OperationFrom(ctx context.Context) string {
	if r := RequestFrom(ctx); r != nil {
		return r.Operation
	}
	return ""
}
