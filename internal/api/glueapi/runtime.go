package glueapi

import (
	"context"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
)

// Shared with package api: the awsJson wire carries timestamps as epoch
// seconds like rest-json, and errors have the same code/status/fault.
type (
	// Timestamp is epoch seconds on the wire.
	Timestamp = api.Timestamp
	// Document is a free-form JSON value.
	Document = api.Document
	// APIError is an error with an AWS code and HTTP status.
	APIError = api.APIError
	// Fault says who is to blame for an error.
	Fault = api.Fault
	// GenericError is an error outside the model.
	GenericError = api.GenericError
)

// Faults.
const (
	FaultClient = api.FaultClient
	FaultServer = api.FaultServer
)

// NewTimestamp returns a pointer to t as a Timestamp.
var NewTimestamp = api.NewTimestamp

// NotImplemented is the error of an operation not implemented.
func NotImplemented(operation string) error { return api.NotImplemented(operation) }

// Operation is one operation of the table: how to decode its input and
// call a Service with it.
type Operation struct {
	Name string
	// Errors lists the exception shapes the model declares for it.
	Errors   []string
	NewInput func() Input
	// Invoke calls the operation's method of s; the output is never nil
	// when the error is nil.
	Invoke func(ctx context.Context, s Service, in Input) (any, error)
}

// Input is implemented by every operation input.
type Input interface {
	validate(c *Validator, p *path)
}
