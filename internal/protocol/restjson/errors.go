package restjson

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

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
	errBodyTooLarge = &api.GenericError{Code: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge,
		Message: "The request body is larger than this server accepts."}
)

func serializationError(msg string) error {
	return &api.GenericError{Code: "SerializationException", Status: http.StatusBadRequest, Message: msg}
}
