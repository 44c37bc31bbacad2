package awsjson

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/api/glueapi"
)

// WriteError writes an error outside the model (authentication failures,
// for the server) in the awsJson shape: status, X-Amzn-ErrorType, and
// {"__type": code, "Message": message}.
func WriteError(w http.ResponseWriter, code string, status int, message string) {
	writeError(w, &api.GenericError{Code: code, Status: status, Message: message})
}

// writeError writes err: a modeled exception with its members, any other
// APIError with its message, and anything else as an
// InternalServiceException that reveals nothing (the caller logged it).
func writeError(w http.ResponseWriter, err error) {
	var ae api.APIError
	if !errors.As(err, &ae) {
		msg := "An internal error occurred. Try again later."
		ae = &glueapi.InternalServiceException{Message: &msg}
	}
	fields := map[string]json.RawMessage{}
	if _, generic := ae.(*api.GenericError); !generic {
		if b, merr := json.Marshal(ae); merr == nil {
			_ = json.Unmarshal(b, &fields)
		}
	}
	fields["__type"], _ = json.Marshal(ae.ErrorCode())
	fields["Message"], _ = json.Marshal(ae.ErrorMessage())
	body, _ := json.Marshal(fields)
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("X-Amzn-ErrorType", ae.ErrorCode())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(ae.HTTPStatus())
	_, _ = w.Write(body)
}

// Protocol-level errors, outside the service model.
var errUnknownOperation = &api.GenericError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
	Message: "The X-Amz-Target header does not name an operation of AWS Glue that this server serves."}

func serializationError(msg string) error {
	return &api.GenericError{Code: "SerializationException", Status: http.StatusBadRequest, Message: msg}
}
