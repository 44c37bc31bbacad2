package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// Serve answers the requests read from r with eng, writing responses to
// w, until r ends (the parent closed the pipe or died). Requests run
// concurrently; a cancel interrupts the run of its id.
func Serve(ctx context.Context, eng engine.Engine, r io.Reader, w io.Writer) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		wmu     sync.Mutex
		mu      sync.Mutex
		cancels = map[uint64]context.CancelFunc{}
		wg      sync.WaitGroup
	)
	reply := func(resp response) {
		resp.N = len(resp.payload)
		wmu.Lock()
		defer wmu.Unlock()
		_ = writeMsg(w, resp, resp.payload)
	}
	br := bufio.NewReaderSize(r, 1<<20)
	var err error
	for {
		var req request
		if req.payload, err = readMsg(br, &req, func() int { return req.N }); err != nil {
			break
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
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func handle(ctx context.Context, eng engine.Engine, req request) response {
	resp := response{ID: req.ID}
	var err error
	switch req.Op {
	case opParse:
		resp.payload, err = eng.Parse(ctx, string(req.payload))
	case opDeparse:
		var text string
		text, err = eng.Deparse(ctx, req.payload)
		resp.payload = []byte(text)
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
		resp.payload, resp.Result = nil, nil
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
