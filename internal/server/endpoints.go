package server

import (
	"net/http"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

// An Endpoint is one AWS service on the shared listener. A request goes to
// the endpoint its SigV4 credential scope names (".../us-east-1/glue/
// aws4_request" → glue), as AWS's own endpoints are chosen by host name; a
// request that carries no usable signature is answered by the endpoint
// that claims it, so the error is shaped the way that client expects.
type Endpoint struct {
	// SigningName is the credential scope's service: "cleanrooms", "glue", "s3".
	SigningName string
	// Handler serves requests whose caller is authenticated
	// (identity.CallerFrom).
	Handler http.Handler
	// WriteError writes a failure found before Handler runs
	// (authentication), given as the JSON services' code and status; the
	// endpoint shapes it (and may rename it: S3 says SignatureDoesNotMatch).
	WriteError func(w http.ResponseWriter, r *http.Request, code string, status int, message string)
	// UnreadBody marks services whose bodies are too large to read before
	// the signature is checked (S3): the signature is checked against the
	// payload hash the client claims, and the body against that hash as the
	// handler streams it. Read then fails with BodyMismatch.
	UnreadBody   bool
	BodyMismatch error
	// RequestIDHeader names the response header carrying the request id
	// ("" for x-amzn-RequestId; S3 uses x-amz-request-id).
	RequestIDHeader string
	// Claims reports whether a request without a usable credential scope is
	// meant for this endpoint (see endpoints.claimant).
	Claims func(r *http.Request) bool
}

// cleanRoomsEndpoint serves the Clean Rooms API over rest-json.
func cleanRoomsEndpoint(rj *restjson.Handler) Endpoint {
	return Endpoint{
		SigningName: "cleanrooms",
		Handler:     rj,
		WriteError: func(w http.ResponseWriter, _ *http.Request, code string, status int, message string) {
			restjson.WriteError(w, &api.GenericError{Code: code, Status: status, Message: message})
		},
		Claims: func(r *http.Request) bool {
			_, _, ok := rj.Router.Match(r.Method, r.URL.EscapedPath())
			return ok
		},
	}
}

// endpoints is the dispatch table.
type endpoints struct {
	byName map[string]*Endpoint
	order  []*Endpoint
}

func newEndpoints(list []Endpoint) *endpoints {
	e := &endpoints{byName: map[string]*Endpoint{}}
	for i := range list {
		ep := &list[i]
		e.byName[ep.SigningName] = ep
		e.order = append(e.order, ep)
	}
	return e
}

// claimant is the endpoint that answers a request whose scope names no
// served service: the first that claims it, else S3 when served (any path
// can be an S3 key), else Clean Rooms.
func (e *endpoints) claimant(r *http.Request) *Endpoint {
	for _, ep := range e.order {
		if ep.Claims != nil && ep.Claims(r) {
			return ep
		}
	}
	if ep, ok := e.byName["s3"]; ok {
		return ep
	}
	return e.byName["cleanrooms"]
}
