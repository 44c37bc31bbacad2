// Package proc runs an engine in a child process: the server talks to
// cmd/cleanroomsd-engine over its stdin and stdout, one JSON object per
// line in each direction, requests multiplexed by id.
//
// Why a process: DuckDB is C++ linked through cgo. Linked into the server
// it costs every start ~7 ms of static initialisation and ~13 MiB of
// resident binary pages, although most servers never run a query (test
// suites start this server hundreds of times); in a child it costs
// nothing until the first query. The child also isolates the server from
// the engine: a crash or an out-of-memory kill of DuckDB fails the
// queries it was running, and the next query starts a new child.
package proc

import (
	"encoding/json"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// Operations of a request.
const (
	opParse   = "parse"
	opDeparse = "deparse"
	opRun     = "run"
	opCancel  = "cancel" // cancels the run of the same id
)

type request struct {
	ID   uint64          `json:"id"`
	Op   string          `json:"op"`
	Text string          `json:"text,omitempty"`
	Tree json.RawMessage `json:"tree,omitempty"`
	Job  *engine.Job     `json:"job,omitempty"`
}

// Kinds of a failure, so that the parent returns the error the engine
// returned: *engine.QueryError, engine.ErrUnavailable, context.Canceled.
const (
	kindQuery       = "query"
	kindUnavailable = "unavailable"
	kindCanceled    = "canceled"
	kindOther       = "other"
)

type failure struct {
	Kind    string `json:"kind"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

type response struct {
	ID     uint64          `json:"id"`
	Tree   json.RawMessage `json:"tree,omitempty"`
	Text   string          `json:"text,omitempty"`
	Result *engine.Result  `json:"result,omitempty"`
	Error  *failure        `json:"error,omitempty"`
}
