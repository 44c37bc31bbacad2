package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"

	"github.com/cleanroomsd/cleanroomsd/internal/api/glueapi"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

// ContentType is the media type of awsJson 1.1 requests and responses.
const ContentType = "application/x-amz-json-1.1"

// DefaultMaxBodyBytes bounds request bodies, as for rest-json. A Glue
// table definition of hundreds of columns is tens of KiB.
const DefaultMaxBodyBytes = restjson.DefaultMaxBodyBytes

// Handler serves a glueapi.Service over awsJson 1.1.
type Handler struct {
	Service      glueapi.Service
	MaxBodyBytes int64
	// OnError, when set, is told about every error response, with the
	// operation name ("" when none matched); the server logs through it.
	OnError func(ctx context.Context, op string, err error)
}

// NewHandler serves svc with the operations of glueapi.Operations.
func NewHandler(svc glueapi.Service) *Handler {
	return &Handler{Service: svc, MaxBodyBytes: DefaultMaxBodyBytes}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, out, err := h.serve(r)
	name := ""
	if op != nil {
		name = op.Name
		restjson.SetOperationName(r.Context(), name)
	}
	if err == nil {
		var body []byte
		if body, err = json.Marshal(out); err == nil {
			hdr := w.Header()
			hdr.Set("Content-Type", ContentType)
			hdr.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(body)
			return
		}
	}
	if h.OnError != nil {
		h.OnError(r.Context(), name, err)
	}
	writeError(w, err)
}

// serve decodes, validates and invokes; it never panics on client input.
func (h *Handler) serve(r *http.Request) (*glueapi.Operation, any, error) {
	op := glueapi.Operations[r.Header.Get("X-Amz-Target")]
	if op == nil || r.Method != http.MethodPost {
		return nil, nil, errUnknownOperation
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body, err := restjson.ReadBody(r, limit)
	if err != nil {
		return op, nil, err
	}
	in := op.NewInput()
	if err := decodeBody(body, in); err != nil {
		return op, nil, err
	}
	if err := glueapi.Validate(in); err != nil {
		return op, nil, err
	}
	out, err := op.Invoke(r.Context(), h.Service, in)
	return op, out, err
}

// decodeBody fills in from a JSON object. An empty body is an empty object;
// unknown keys, and keys that differ from a member name only in case, are
// ignored; a value of the wrong JSON type is a SerializationException
// naming the member, as Coral services answer.
func decodeBody(body []byte, in glueapi.Input) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if body[0] != '{' {
		return serializationError("The request body must be a JSON object.")
	}
	if err := restjson.PrepareJSONBody(body, reflect.TypeOf(in)); err != nil {
		return err
	}
	err := json.Unmarshal(body, in)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return serializationError("Unexpected value type for member '" + te.Field + "'.")
	}
	return serializationError("The request body is not valid JSON: " + err.Error())
}
