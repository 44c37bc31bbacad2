// Package proc runs an engine in a child process: the server talks to
// cmd/cleanroomsd-engine over its stdin and stdout, requests multiplexed
// by id. Each message is a JSON header on one line, then the N bytes of
// its payload (SQL text or a parse tree) as they are: encoding/json
// spends ~40 µs per KiB on a parse tree, which would be most of a
// query's rule check.
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
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// Operations of a request.
const (
	opParse   = "parse"
	opDeparse = "deparse"
	opRun     = "run"
	opCancel  = "cancel" // cancels the run of the same id
)

// request's payload is the SQL of a parse, the tree of a deparse.
type request struct {
	ID      uint64      `json:"id"`
	Op      string      `json:"op"`
	Job     *engine.Job `json:"job,omitempty"`
	N       int         `json:"n,omitempty"`
	payload []byte
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

// response's payload is the tree of a parse, the SQL of a deparse.
type response struct {
	ID      uint64         `json:"id"`
	Result  *engine.Result `json:"result,omitempty"`
	Error   *failure       `json:"error,omitempty"`
	N       int            `json:"n,omitempty"`
	payload []byte
}

// maxPayload bounds one payload: the parse tree of a 500,000-character
// query is well below it.
const maxPayload = 256 << 20

// writeMsg writes header (whose N must be len(payload)) and payload.
func writeMsg(w io.Writer, header any, payload []byte) error {
	b, err := json.Marshal(header)
	if err != nil {
		return err
	}
	// Two writes rather than a copy of the payload; callers hold the
	// writer's lock across both.
	if _, err = w.Write(append(b, '\n')); err != nil || len(payload) == 0 {
		return err
	}
	_, err = w.Write(payload)
	return err
}

// readMsg reads one header into header and returns its payload.
func readMsg(r *bufio.Reader, header any, n func() int) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, fmt.Errorf("proc: header longer than %d bytes", r.Size())
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(line, header); err != nil {
		return nil, fmt.Errorf("proc: bad header: %w", err)
	}
	size := n()
	if size < 0 || size > maxPayload {
		return nil, fmt.Errorf("proc: payload of %d bytes", size)
	}
	if size == 0 {
		return nil, nil
	}
	payload := make([]byte, size)
	_, err = io.ReadFull(r, payload)
	return payload, err
}
