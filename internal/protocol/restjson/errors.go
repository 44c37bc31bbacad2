package restjson

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
)

// WriteError writes err the way AWS rest-json services do: the model's
// status, the error code in X-Amzn-ErrorType, and a JSON body with the
// message and the exception's modeled members. An error that is not an
// api.APIError becomes an InternalServerException whose message reveals
// nothing; the caller is expected to have logged the cause.
func WriteError(w http.ResponseWriter, err error) {
	ae := AsAPIError(err)
	var body []byte
	if ge, ok := ae.(*api.GenericError); ok {
		body, _ = json.Marshal(struct {
			Message string `json:"message"`
		}{ge.Message})
	} else {
		var merr error
		body, merr = json.Marshal(ae)
		if merr != nil {
			body = []byte(`{"message":"An internal error occurred."}`)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", ae.ErrorCode())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(ae.HTTPStatus())
	_, _ = w.Write(body)
}

// AsAPIError returns the api.APIError in err's chain, or an
// InternalServerException.
func AsAPIError(err error) api.APIError {
	var ae api.APIError
	if errors.As(err, &ae) {
		return ae
	}
	return api.InternalError().(api.APIError)
}

// Protocol-level errors, outside the service model.
var (
	errUnknownOperation = &api.GenericError{Code: "UnknownOperationException", Status: http.StatusNotFound,
		Message: "The requested path and method do not match any operation of AWS Clean Rooms."}
	// ErrBodyTooLarge is the answer to a body over the limit, whoever reads
	// it (authentication in strict mode reads it first).
	ErrBodyTooLarge = &api.GenericError{Code: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge,
		Message: "The request body is larger than this server accepts."}
	errBodyTimeout = &api.GenericError{Code: "RequestTimeoutException", Status: http.StatusRequestTimeout,
		Message: "The request body was not received in time; the connection is closed."}
)

func serializationError(msg string) error {
	return &api.GenericError{Code: "SerializationException", Status: http.StatusBadRequest, Message: msg}
}

// badEscape is the answer to a URI label or query parameter that is not
// validly percent-encoded UTF-8. Go's url package would drop the query
// pair; AWS never answers with a silent default.
func badEscape(kind, name string) error {
	if !utf8.ValidString(name) || len(name) > 256 {
		name = strconv.QuoteToASCII(truncate(name, 256))
	}
	return serializationError("The " + kind + " '" + name + "' is not validly percent-encoded UTF-8.")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
