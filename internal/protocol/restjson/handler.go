package restjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
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
}

// NewHandler serves svc with the model's operations.
func NewHandler(svc api.Service) *Handler {
	return &Handler{Service: svc, Router: NewRouter(api.Operations), MaxBodyBytes: DefaultMaxBodyBytes}
}

// opNameKey carries the matched operation name to the access log.
type opNameKey struct{}

// OperationName returns the operation of the request, once matched.
func OperationName(ctx context.Context) string {
	if p, ok := ctx.Value(opNameKey{}).(*string); ok {
		return *p
	}
	return ""
}

// WithOperationSlot lets middleware above the handler read back the
// operation the handler matched.
func WithOperationSlot(ctx context.Context) context.Context {
	return context.WithValue(ctx, opNameKey{}, new(string))
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, out, err := h.serve(r)
	if op != nil {
		if p, ok := r.Context().Value(opNameKey{}).(*string); ok {
			*p = op.Name
		}
	}
	if err != nil {
		if h.OnError != nil {
			name := ""
			if op != nil {
				name = op.Name
			}
			h.OnError(r.Context(), name, err)
		}
		WriteError(w, err)
		return
	}
	if op.SuccessCode == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		if h.OnError != nil {
			h.OnError(r.Context(), op.Name, err)
		}
		WriteError(w, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(op.SuccessCode)
	_, _ = w.Write(body)
}

// serve decodes, validates and invokes; it never panics on client input.
func (h *Handler) serve(r *http.Request) (*api.Operation, any, error) {
	op, labels, ok := h.Router.Match(r.Method, r.URL.EscapedPath())
	if !ok {
		return nil, nil, errUnknownOperation
	}
	in := op.NewInput()
	if op.HasBody {
		body, err := readBody(r, h.MaxBodyBytes)
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
		if err := qb.SetHTTPQuery(r.URL.Query()); err != nil {
			return op, nil, err
		}
	}
	if err := api.Validate(in); err != nil {
		return op, nil, err
	}
	out, err := op.Invoke(r.Context(), h.Service, in)
	return op, out, err
}

func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, errBodyTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, serializationError("The request body could not be read.")
	}
	if int64(len(b)) > limit {
		return nil, errBodyTooLarge
	}
	return b, nil
}

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
	if exact, changed := dropFoldedKeys(body, reflect.TypeOf(in)); changed {
		body = exact
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
