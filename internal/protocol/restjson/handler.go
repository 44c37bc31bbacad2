package restjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// DefaultMaxBodyBytes bounds request bodies. The largest modeled input (a
// 500,000-character query text, up to 4 bytes a character) fits well.
const DefaultMaxBodyBytes = 4 << 20

// Handler serves the API of a Service over rest-json.
type Handler struct {
	Service      api.Service
	Router       *Router
	MaxBodyBytes int64
	// OnError, when set, is told about every error response, with the
	// operation name ("" when none matched); the server logs through it.
	OnError func(ctx context.Context, op string, err error)
	// OnUndeclared, when set, is told about a modeled exception that the
	// operation does not declare: SDKs cannot decode it into its type (a
	// service bug, which the server logs as an error).
	OnUndeclared func(ctx context.Context, op, code string)
}

// NewHandler serves svc with the model's operations.
func NewHandler(svc api.Service) *Handler {
	return &Handler{Service: svc, Router: NewRouter(api.Operations), MaxBodyBytes: DefaultMaxBodyBytes}
}

// OperationName returns the operation of the request, once matched (the
// server's identity.Request carries it to the access log).
func OperationName(ctx context.Context) string { return identity.OperationFrom(ctx) }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, out, err := h.serve(r)
	if op != nil {
		identity.SetOperation(r.Context(), op.Name)
	}
	if err != nil {
		if h.OnError != nil {
			name := ""
			if op != nil {
				name = op.Name
			}
			h.OnError(r.Context(), name, err)
		}
		if h.OnUndeclared != nil && op != nil {
			if code, ok := undeclared(op, err); ok {
				h.OnUndeclared(r.Context(), op.Name, code)
			}
		}
		WriteError(w, err)
		return
	}
	if op.SuccessCode == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	buf := bodyPool.Get().(*[]byte)
	defer putBody(buf)
	body, err := encode((*buf)[:0], out)
	*buf = body[:0]
	if err != nil {
		if h.OnError != nil {
			h.OnError(r.Context(), op.Name, err)
		}
		WriteError(w, err)
		return
	}
	hdr := w.Header()
	// Set by key (the names are canonical) with one shared value slice:
	// one allocation fewer per response. Header.Add or Set on it replace
	// or reallocate, never write into it.
	hdr["Content-Type"] = jsonContentType
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(op.SuccessCode)
	_, _ = w.Write(body)
}

// encode appends out's JSON to b: with its generated encoder (no
// reflection, byte for byte what encoding/json writes: encode_test.go), or
// encoding/json for a value without one, or for the error of a value the
// encoder refuses.
func encode(b []byte, out any) ([]byte, error) {
	if a, ok := out.(api.JSONAppender); ok {
		if body, err := a.AppendJSON(b); err == nil {
			return body, nil
		}
	}
	body, err := json.Marshal(out)
	return append(b, body...), err
}

var jsonContentType = []string{"application/json"}

// bodyPool holds response buffers: a ResponseWriter does not keep what it
// is given to Write, so the buffer is reused by the next response.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// putBody returns a buffer to bodyPool, unless a large response grew it
// (kept, it would hold that memory for every later small one). The bound
// keeps a full page of any list (100 memberships are ≈ 90 KB): below it,
// each such page grew a new buffer from 4 KB, ≈ 250 KB of garbage a page.
func putBody(b *[]byte) {
	if cap(*b) <= 256<<10 {
		bodyPool.Put(b)
	}
}

// serve decodes, validates and invokes; it never panics on client input.
func (h *Handler) serve(r *http.Request) (*api.Operation, any, error) {
	op, labels, ok := h.Router.Match(r.Method, wirePath(r))
	if !ok {
		return nil, nil, errUnknownOperation
	}
	for _, l := range labels {
		if l.Err != nil {
			return op, nil, badEscape("URI label", l.Name)
		}
	}
	query, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return op, nil, err
	}
	in := op.NewInput()
	if op.HasBody {
		body, err := ReadBody(r, h.MaxBodyBytes)
		if err != nil {
			return op, nil, err
		}
		if err := decodeBody(body, in); err != nil {
			return op, nil, err
		}
	}
	if lb, ok := in.(api.LabelBinder); ok {
		for _, l := range labels {
			lb.SetHTTPLabel(l.Name, l.Value)
		}
	}
	if qb, ok := in.(api.QueryBinder); ok {
		if err := qb.SetHTTPQuery(query); err != nil {
			return op, nil, err
		}
	}
	if err := api.Validate(in); err != nil {
		return op, nil, err
	}
	out, err := op.Invoke(r.Context(), h.Service, in)
	return op, out, err
}

// wirePath is the path exactly as the client sent it. r.URL.EscapedPath
// would re-escape a RawPath that does not decode ("%zz" → "%25zz"), so that
// a bad escape became a valid label value.
func wirePath(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		path, _, _ := strings.Cut(r.RequestURI, "?")
		return path
	}
	return r.URL.EscapedPath()
}

// parseQuery is url.ParseQuery without its leniency: r.URL.Query() drops a
// pair it cannot decode ("maxResults=%zz" would silently become the default
// page size); here such a pair, or one that is not UTF-8, is an error naming
// the parameter.
func parseQuery(raw string) (url.Values, error) {
	if raw == "" {
		// Read only (QueryBinder): nil is an empty query without a map.
		return nil, nil
	}
	q := url.Values{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := unescape(k, url.QueryUnescape)
		if err != nil || strings.Contains(k, ";") {
			return nil, badEscape("query parameter", k)
		}
		// ';' is refused as url.ParseQuery does (it once separated pairs).
		val, err := unescape(v, url.QueryUnescape)
		if err != nil || strings.Contains(v, ";") {
			return nil, badEscape("query parameter", key)
		}
		q[key] = append(q[key], val)
	}
	return q, nil
}

// ReadBody returns r's body, at most limit bytes (ErrBodyTooLarge beyond).
// A body an earlier step already read and handed on with SetReadBody is
// returned as is, not copied again. A body of announced length is read into
// one buffer of that size, so a 4 MiB body costs 4 MiB, not the 8 MiB of
// io.ReadAll's doubling.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if rb, ok := r.Body.(*readBody); ok {
		return rb.b, nil
	}
	if r.ContentLength > limit {
		return nil, ErrBodyTooLarge
	}
	var b []byte
	var err error
	if r.ContentLength > 0 {
		b = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, b)
	} else {
		b, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	}
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, errBodyTimeout
		}
		return nil, serializationError("The request body could not be read.")
	}
	if int64(len(b)) > limit {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// SetReadBody replaces r's body with b, already read by ReadBody, so that
// ReadBody further down the chain returns b without copying it.
func SetReadBody(r *http.Request, b []byte) {
	r.Body = &readBody{Reader: bytes.NewReader(b), b: b}
}

type readBody struct {
	*bytes.Reader
	b []byte
}

func (*readBody) Close() error { return nil }

// decodeBody fills the body members of in. An empty body is an empty
// object (botocore sends none when no body member is set). Unknown keys are
// ignored, as AWS does for clients built from other model versions.
func decodeBody(body []byte, in api.Input) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if body[0] != '{' {
		return serializationError("The request body must be a JSON object.")
	}
	// encoding/json would replace invalid UTF-8 (and unpaired surrogate
	// escapes) with U+FFFD, so that different names and tag keys collide.
	if err := PrepareJSONBody(body, reflect.TypeOf(in)); err != nil {
		return err
	}
	err := json.Unmarshal(body, in)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		name := jsonPath(body, te.Offset)
		if name == "" {
			name = te.Field
		}
		return api.FieldError(name, "Value at '"+name+"' failed to satisfy constraint: Member must be of type "+jsonKind(te.Type.Kind().String()))
	}
	return serializationError("The request body is not valid JSON: " + err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int32", "int64", "float32", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "list"
	case "map", "struct", "ptr":
		return "structure"
	}
	return goKind
}

// undeclared reports a modeled exception (not a protocol error) that op
// does not list among its errors.
func undeclared(op *api.Operation, err error) (string, bool) {
	var ae api.APIError
	if !errors.As(err, &ae) {
		return "", false
	}
	if _, generic := ae.(*api.GenericError); generic || slices.Contains(op.Errors, ae.ErrorCode()) {
		return "", false
	}
	return ae.ErrorCode(), true
}
