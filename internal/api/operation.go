package api

import (
	"context"
	"net/url"
	"strconv"
)

// Operation describes one API operation: its HTTP binding and how to call
// a Service with a decoded input.
type Operation struct {
	Name        string
	Method      string
	URI         string // the model's requestUri, labels in braces
	SuccessCode int    // 200, or 204 for the deletes (empty body)
	// HasBody is true when the input has members bound to the JSON body.
	HasBody bool
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

// LabelBinder is implemented by inputs with URI-bound members.
type LabelBinder interface {
	SetHTTPLabel(name, value string)
}

// QueryBinder is implemented by inputs with query-string members. It
// returns a ValidationException when a value cannot be parsed.
type QueryBinder interface {
	SetHTTPQuery(q url.Values) error
}

func parseQueryInt32(name, s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fieldError(name, "Value '"+s+"' at '"+name+"' failed to satisfy constraint: Member must be an integer")
	}
	return int32(n), nil
}

func parseQueryBool(name, s string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fieldError(name, "Value '"+s+"' at '"+name+"' failed to satisfy constraint: Member must be a boolean")
	}
	return b, nil
}
