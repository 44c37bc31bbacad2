//go:build cgo

package duckdb

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// Cancelling the context interrupts a running query promptly.
func TestCancel(t *testing.T) {
	e := newEngine(t, Config{Threads: 2})
	f := newFixture(t)
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error, 1)
	go func() {
		// 3000³ = 2.7e10 rows: minutes of work.
		_, err := e.Run(ctx, engine.Job{SQL: "SELECT count(*) FROM users a, users b, users c WHERE a.id + b.id + c.id = -1",
			Inputs: []engine.Input{f.users}, Output: engine.Output{Dir: outDir(t), Format: engine.CSV, SingleFile: true}})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the query ended before the cancel: %v", err)
	default:
	}
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Run returned %v after the cancel", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5 s of the cancel")
	}
}

// A deadline is a cancellation too.
func TestDeadline(t *testing.T) {
	e := newEngine(t, Config{Threads: 2})
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(ctxT(t), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Run(ctx, engine.Job{SQL: "SELECT count(*) FROM users a, users b, users c WHERE a.id + b.id + c.id = -1",
		Inputs: []engine.Input{f.users}, Output: engine.Output{Dir: outDir(t), Format: engine.CSV, SingleFile: true}})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("Run = %v after %v, want DeadlineExceeded within ~1 s", err, time.Since(start))
	}
}

// Eight goroutines parse and run at once (run with -race).
func TestConcurrent(t *testing.T) {
	e := newEngine(t, Config{Threads: 1, Spares: 2})
	f := newFixture(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8*3)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if _, err := e.Parse(ctxT(t), "SELECT id FROM users WHERE id > 3"); err != nil {
					errs <- err
					return
				}
				res, err := e.Run(ctxT(t), engine.Job{SQL: "SELECT count(*) AS n FROM users JOIN orders ON id = user_id WHERE id % 8 = " + itoa(i),
					Inputs: []engine.Input{f.users, f.orders}, Output: engine.Output{Dir: outDir(t), Format: engine.CSV, SingleFile: true}})
				if err != nil {
					errs <- err
					return
				}
				if res.Rows != 1 {
					errs <- errors.New("not one row")
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
