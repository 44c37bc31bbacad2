package proc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// maxLine bounds one request: a job or a parse tree of a 500,000-character
// query is well below it.
const maxLine = 64 << 20

// Serve answers the requests read from r with eng, writing responses to
// w, until r ends (the parent closed the pipe or died). Requests run
// concurrently; a cancel interrupts the run of its id.
func Serve(ctx context.Context, eng engine.Engine, r io.Reader, w io.Writer) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		wmu     sync.Mutex
		enc     = json.NewEncoder(w)
		mu      sync.Mutex
		cancels = map[uint64]context.CancelFunc{}
		wg      sync.WaitGroup
	)
	reply := func(resp response) {
		wmu.Lock()
		defer wmu.Unlock()
		_ = enc.Encode(resp)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			reply(response{Error: &failure{Kind: kindOther, Message: "proc: bad request: " + err.Error()}})
			continue
		}
		if req.Op == opCancel {
			mu.Lock()
			if c := cancels[req.ID]; c != nil {
				c()
			}
			mu.Unlock()
			continue
		}
		rctx, cancel := context.WithCancel(ctx)
		mu.Lock()
		cancels[req.ID] = cancel
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := handle(rctx, eng, req)
			mu.Lock()
			delete(cancels, req.ID)
			mu.Unlock()
			cancel()
			reply(resp)
		}()
	}
	stop()
	wg.Wait()
	return sc.Err()
}

func handle(ctx context.Context, eng engine.Engine, req request) response {
	resp := response{ID: req.ID}
	var err error
	switch req.Op {
	case opParse:
		var tree []byte
		if tree, err = eng.Parse(ctx, req.Text); err == nil {
			resp.Tree = tree
		}
	case opDeparse:
		resp.Text, err = eng.Deparse(ctx, req.Tree)
	case opRun:
		if req.Job == nil {
			err = errors.New("proc: run without a job")
			break
		}
		resp.Result, err = eng.Run(ctx, *req.Job)
	default:
		err = fmt.Errorf("proc: unknown operation %q", req.Op)
	}
	if err != nil {
		resp.Tree, resp.Text, resp.Result = nil, "", nil
		resp.Error = toFailure(err)
	}
	return resp
}

func toFailure(err error) *failure {
	var qe *engine.QueryError
	switch {
	case errors.As(err, &qe):
		return &failure{Kind: kindQuery, Code: qe.Code, Message: qe.Message}
	case errors.Is(err, engine.ErrUnavailable):
		return &failure{Kind: kindUnavailable, Message: err.Error()}
	case errors.Is(err, context.Canceled):
		return &failure{Kind: kindCanceled, Message: err.Error()}
	}
	return &failure{Kind: kindOther, Message: err.Error()}
}

// fromFailure is toFailure's inverse, on the parent's side.
func fromFailure(f *failure) error {
	switch f.Kind {
	case kindQuery:
		return &engine.QueryError{Code: f.Code, Message: f.Message}
	case kindUnavailable:
		return unavailable{f.Message}
	case kindCanceled:
		return context.Canceled
	}
	return errors.New(f.Message)
}

// unavailable is engine.ErrUnavailable with the child's reason.
type unavailable struct{ msg string }

func (u unavailable) Error() string { return u.msg }
func (u unavailable) Unwrap() error { return engine.ErrUnavailable }
