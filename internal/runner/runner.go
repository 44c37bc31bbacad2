// Package runner executes protected queries in the background. Queries
// are records in the store; a runner claims one under a lease (so that,
// with PostgreSQL, any replica may run a queued query and another takes
// it over when its runner dies), stages the tables it reads, has the
// engine run the checked SQL, writes the result files to every
// receiver's bucket and records the outcome. The lease is renewed while
// the query runs; a runner that loses it stops and writes nothing more.
package runner

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/objects"
)

// Stager makes the objects under an S3 prefix available as local files.
type Stager interface {
	Stage(ctx context.Context, bucket, prefix string) ([]string, error)
}

// Config configures a Runner.
type Config struct {
	Store   cleanrooms.Store
	Engine  engine.Engine
	Catalog cleanrooms.Catalog
	// Objects reads tables' data and writes results.
	Objects objects.Objects
	// BucketOwner returns a bucket's owning account (objects.Server's);
	// nil when the store of objects does not know accounts (external
	// S3), and then nothing is checked.
	BucketOwner func(ctx context.Context, bucket string) (string, error)
	Stager      Stager
	// Input describes a staged table to the engine
	// (engine.InputFromCatalog).
	Input func(name string, t *cleanrooms.CatalogTable, expose, files []string) (engine.Input, error)
	// WorkDir holds each run's result files until they are uploaded.
	WorkDir string
	// Owner names this runner in leases; unique per process.
	Owner string
	// Lease is how long a claim lasts unless renewed (30 s when zero);
	// a dead runner's queries are taken over after it.
	Lease time.Duration
	// Poll is how often the runner looks for work it was not told of
	// (queries started on another replica); 1 s when zero.
	Poll time.Duration
	// Timeout is the time limit of a query (12 h when zero): past it the
	// query is TIMED_OUT.
	Timeout time.Duration
	// Workers is how many queries run at once (2 when zero).
	Workers int
	// MaxAttempts bounds the runs of a query whose runner keeps dying (3
	// when zero); past it the query FAILED.
	MaxAttempts int
	// Exclusive says no other process uses the store (SQLite): leases
	// left by an earlier process are released at Start, so its queries
	// run again at once rather than after their lease.
	Exclusive bool
	Now       func() time.Time
	Log       *slog.Logger
}

// Runner runs protected queries. Start it once; Close stops it.
type Runner struct {
	cfg    Config
	wake   chan struct{}
	mu     sync.Mutex
	active map[string]context.CancelCauseFunc
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

var (
	errCancelled = errors.New("runner: query cancelled")
	errLostLease = errors.New("runner: lease lost")
)

// New returns a Runner; nothing runs until Start.
func New(cfg Config) *Runner {
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 12 * time.Hour
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Runner{cfg: cfg, wake: make(chan struct{}, 1), active: map[string]context.CancelCauseFunc{}}
}

// Start starts the workers.
func (r *Runner) Start(ctx context.Context) error {
	if r.cfg.Exclusive {
		var n int
		if err := r.cfg.Store.Transact(ctx, func(tx cleanrooms.Tx) (err error) {
			n, err = tx.ReleaseQueryLeases(ctx)
			return err
		}); err != nil {
			return err
		}
		if n > 0 {
			r.cfg.Log.Info("protected queries of an earlier run will run again", "queries", n)
		}
	}
	ctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	for range r.cfg.Workers {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.work(ctx)
		}()
	}
	return nil
}

// Close stops the workers: running queries are interrupted and left to
// be taken over when their lease expires (or at the next start).
func (r *Runner) Close() {
	if r.stop != nil {
		r.stop()
	}
	r.wg.Wait()
}

// Notify tells the runner there may be work.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Cancel interrupts the query if this runner is running it; the store
// already says CANCELLING, which a runner on another replica sees when it
// next renews its lease.
func (r *Runner) Cancel(id string) {
	r.mu.Lock()
	cancel := r.active[id]
	r.mu.Unlock()
	if cancel != nil {
		cancel(errCancelled)
	}
}

func (r *Runner) work(ctx context.Context) {
	tick := time.NewTicker(r.cfg.Poll)
	defer tick.Stop()
	for ctx.Err() == nil {
		q, err := r.claim(ctx)
		if err != nil && ctx.Err() == nil {
			r.cfg.Log.Warn("claim protected query", "err", err)
		}
		if q != nil {
			// Another worker may find more.
			r.Notify()
			r.run(ctx, q)
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-tick.C:
		}
	}
}

// claim takes the next runnable query under a lease. Queries cancelled
// before anyone ran them are finished here, and so are queries whose
// runners died too often.
func (r *Runner) claim(ctx context.Context) (*cleanrooms.ProtectedQuery, error) {
	// Idle runners poll: a read, not a write transaction, finds that
	// there is nothing to do.
	err := r.cfg.Store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.NextRunnableQuery(ctx, r.cfg.Now())
		return err
	})
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for {
		var claimed *cleanrooms.ProtectedQuery
		finished := false
		err := r.cfg.Store.Transact(ctx, func(tx cleanrooms.Tx) error {
			claimed, finished = nil, false
			now := r.cfg.Now()
			q, err := tx.NextRunnableQuery(ctx, now)
			if errors.Is(err, cleanrooms.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			q.UpdateTime = now.UTC().Truncate(time.Millisecond)
			switch {
			case q.Status == cleanrooms.QueryCancelling:
				q.Status, finished = cleanrooms.QueryCancelled, true
				release(q)
			case q.Attempts >= r.cfg.MaxAttempts:
				q.Status, finished = cleanrooms.QueryFailed, true
				q.Error = &cleanrooms.QueryError{Code: "INTERRUPTED",
					Message: "The query was interrupted every time it ran (its runner stopped); it was not run again."}
				release(q)
			default:
				q.Status, q.LeaseOwner, q.LeaseExpires = cleanrooms.QueryStarted, r.cfg.Owner, now.Add(r.cfg.Lease)
				q.Attempts++
				claimed = q
			}
			return tx.UpdateProtectedQuery(ctx, q)
		})
		if claimed != nil && claimed.Attempts > 1 {
			r.cfg.Log.Warn("running a protected query again: its runner stopped", "id", claimed.ID, "attempt", claimed.Attempts)
		}
		if err != nil || !finished {
			return claimed, err
		}
	}
}

// release clears a query's lease.
func release(q *cleanrooms.ProtectedQuery) {
	q.LeaseOwner, q.LeaseExpires = "", time.Time{}
}
