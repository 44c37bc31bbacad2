package api

import "net/http"

// Fault says who is to blame for an error.
type Fault int

// Faults.
const (
	FaultClient Fault = iota
	FaultServer
)

// APIError is an error that has an AWS error code and an HTTP status. Every
// modeled exception implements it, and so does GenericError for the errors
// outside the model (authentication, routing, protocol).
type APIError interface {
	error
	ErrorCode() string
	ErrorMessage() string
	HTTPStatus() int
	ErrorFault() Fault
}

// GenericError is an AWS error that the model does not declare, such as
// MissingAuthenticationTokenException or UnknownOperationException. Its wire
// body carries only the message.
type GenericError struct {
	Code    string
	Status  int
	Message string
}

func (e *GenericError) Error() string        { return e.Code + ": " + e.Message }
func (e *GenericError) ErrorCode() string    { return e.Code }
func (e *GenericError) ErrorMessage() string { return e.Message }
func (e *GenericError) HTTPStatus() int      { return e.Status }

// ErrorFault is the server's for 5xx statuses, the caller's otherwise.
func (e *GenericError) ErrorFault() Fault {
	if e.Status >= 500 {
		return FaultServer
	}
	return FaultClient
}

// NotImplemented is the error of an operation cleanroomsd does not
// implement yet: HTTP 501, which no SDK retries.
func NotImplemented(operation string) error {
	return &GenericError{
		Code:    "NotImplementedException",
		Status:  http.StatusNotImplemented,
		Message: "The operation " + operation + " is not implemented by cleanroomsd.",
	}
}

// InternalError is what a caller sees of an unexpected failure: the cause
// is logged, never sent.
func InternalError() error {
	msg := "An internal error occurred. Try again later."
	return &InternalServerException{Message: &msg}
}
