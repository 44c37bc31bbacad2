package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// failure is a reason a query FAILED that is safe to show its querier.
type failure struct {
	code, msg string
}

func (f *failure) Error() string { return f.code + ": " + f.msg }

func fail(code, format string, args ...any) error {
	return &failure{code: code, msg: fmt.Sprintf(format, args...)}
}

// run executes a claimed query and records how it ended.
func (r *Runner) run(ctx context.Context, q *cleanrooms.ProtectedQuery) {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.mu.Lock()
	r.active[q.ID] = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.active, q.ID)
		r.mu.Unlock()
	}()
	// A cancel that arrived between the claim and the line above found
	// nothing to interrupt: look once more, now that Cancel would.
	if r.cancelling(runCtx, q.ID) {
		cancel(errCancelled)
	}
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		r.heartbeat(runCtx, q.ID, cancel)
	}()
	start := time.Now()
	execCtx, stopTimer := context.WithTimeout(runCtx, r.cfg.Timeout)
	res, err := r.execute(execCtx, q)
	timedOut := errors.Is(execCtx.Err(), context.DeadlineExceeded) && err != nil
	stopTimer()
	elapsed := time.Since(start)
	cause := context.Cause(runCtx)
	cancel(nil)
	<-beat
	if errors.Is(cause, errLostLease) || (ctx.Err() != nil && !errors.Is(cause, errCancelled)) {
		// Another runner owns the query now, or this one is shutting
		// down: the query is left to whoever holds or takes the lease.
		return
	}
	end := func(q *cleanrooms.ProtectedQuery) {
		q.DurationMillis = elapsed.Milliseconds()
		switch {
		case err == nil:
			q.Status, q.Result = cleanrooms.QuerySuccess, res
		case errors.Is(cause, errCancelled) || q.Status == cleanrooms.QueryCancelling:
			q.Status = cleanrooms.QueryCancelled
		case timedOut:
			q.Status = cleanrooms.QueryTimedOut
			q.Error = &cleanrooms.QueryError{Code: "TIMED_OUT", Message: fmt.Sprintf("The query ran longer than its time limit (%s).", r.cfg.Timeout)}
		default:
			q.Status = cleanrooms.QueryFailed
			q.Error = queryError(err)
			if q.Error.Code == "INTERNAL_ERROR" {
				r.cfg.Log.Error("protected query failed", "id", q.ID, "err", err)
			}
		}
	}
	if werr := r.update(context.WithoutCancel(ctx), q.ID, end); werr != nil {
		r.cfg.Log.Error("record protected query outcome", "id", q.ID, "err", werr)
	}
}

// cancelling reports whether the query is being cancelled.
func (r *Runner) cancelling(ctx context.Context, id string) bool {
	var q *cleanrooms.ProtectedQuery
	err := r.cfg.Store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
		q, err = tx.GetProtectedQuery(ctx, id)
		return err
	})
	return err == nil && q.Status == cleanrooms.QueryCancelling
}

// queryError is what a querier is told of a failure: failures and
// engine errors say what went wrong without table data; anything else
// is an internal error whose detail goes to the log only.
func queryError(err error) *cleanrooms.QueryError {
	var f *failure
	if errors.As(err, &f) {
		return &cleanrooms.QueryError{Code: f.code, Message: f.msg}
	}
	var e *engine.QueryError
	if errors.As(err, &e) {
		return &cleanrooms.QueryError{Code: e.Code, Message: e.Message}
	}
	if errors.Is(err, engine.ErrUnavailable) {
		return &cleanrooms.QueryError{Code: "ENGINE_UNAVAILABLE", Message: "Protected queries cannot run on this server: " + err.Error()}
	}
	return &cleanrooms.QueryError{Code: "INTERNAL_ERROR", Message: "The query failed because of an internal error."}
}

// update changes a query this runner holds; fn is not called (and nil
// returned) when the lease went to another runner.
func (r *Runner) update(ctx context.Context, id string, fn func(q *cleanrooms.ProtectedQuery)) error {
	return r.cfg.Store.Transact(ctx, func(tx cleanrooms.Tx) error {
		q, err := tx.GetProtectedQuery(ctx, id)
		if err != nil {
			return err
		}
		if q.LeaseOwner != r.cfg.Owner || cleanrooms.QueryTerminal(q.Status) {
			return nil
		}
		fn(q)
		if cleanrooms.QueryTerminal(q.Status) {
			release(q)
		}
		q.UpdateTime = r.cfg.Now().UTC().Truncate(time.Millisecond)
		return tx.UpdateProtectedQuery(ctx, q)
	})
}

// heartbeat renews the lease until ctx ends; it cancels the run when the
// query is being cancelled or the lease went to another runner.
func (r *Runner) heartbeat(ctx context.Context, id string, cancel context.CancelCauseFunc) {
	t := time.NewTicker(r.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var cause error
		err := r.cfg.Store.Transact(ctx, func(tx cleanrooms.Tx) error {
			cause = nil
			q, err := tx.GetProtectedQuery(ctx, id)
			if err != nil {
				return err
			}
			switch {
			case q.LeaseOwner != r.cfg.Owner:
				cause = errLostLease
				return nil
			case q.Status == cleanrooms.QueryCancelling:
				cause = errCancelled
			}
			q.LeaseExpires = r.cfg.Now().Add(r.cfg.Lease)
			return tx.UpdateProtectedQuery(ctx, q)
		})
		if err != nil && ctx.Err() == nil {
			r.cfg.Log.Warn("renew protected query lease", "id", id, "err", err)
		}
		if cause != nil {
			cancel(cause)
			return
		}
	}
}
