package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Group commit for SQLite files.
//
// With synchronous=FULL every COMMIT fsyncs the WAL, and SQLite has one
// writer, so one transaction at a time waits for the disk: under
// concurrent writers the fsync, not the work, bounded throughput (issue 10:
// 24% of a CreateCollaboration's CPU and most of its latency).
//
// So concurrent Transact calls share one SQLite transaction. Each fn runs
// alone on the write connection, as before, but inside a SAVEPOINT of the
// open batch transaction: if fn fails (or panics) its savepoint is rolled
// back and only its writes vanish. When fn succeeds and other Transact
// calls are already waiting for the connection, the batch stays open and
// the next fn runs in it; the member that finds nobody waiting (or the
// batch full) commits, and every member of the batch returns after that
// one COMMIT, with its outcome. Nothing is acknowledged before the fsync
// that makes it durable, and synchronous stays FULL.
//
// The members run one after the other on one connection, in the order they
// took it, so the batch is the same as running them serially: a fn sees
// the writes of the members before it, exactly as if they had committed.
// Readers (View) see none of the batch until its COMMIT, which happens
// before any member returns.
//
// Two SQLite behaviours shape the code:
//   - An interrupted statement (what database/sql drivers do when a
//     statement's context is cancelled) may roll back the whole
//     transaction, not just the statement. A cancelled request would then
//     take the other members' writes with it, so inside a batch statements
//     run on a context without cancellation (readTx.detached), and the batch
//     transaction itself is begun without the caller's context.
//   - Some errors (I/O, disk full, out of memory) also end the whole
//     transaction. If rolling back a savepoint fails, the batch is
//     unusable: it is rolled back and every member gets the error, marked
//     retryable when the cause is.
type groupCommit struct {
	s *Store
	// mu is held while one member runs on the write connection, and while
	// a batch is begun or committed.
	mu sync.Mutex
	// waiting counts the Transact calls waiting for mu. It is raised before
	// Lock, so a member that sees it above zero knows that somebody will
	// take mu after it, and leaves the batch to them.
	waiting atomic.Int32
	// The open batch, or nil; guarded by mu.
	tx *sql.Tx
	b  *batch
	// commits counts the COMMITs of batches (tests and benchmarks).
	commits atomic.Int64
}

// maxBatch bounds a batch, so that under a steady stream of writers a
// commit still comes every maxBatch transactions.
const maxBatch = 32

// batch is one shared transaction's outcome.
type batch struct {
	members int           // fns that succeeded in it; guarded by mu
	done    chan struct{} // closed once err is set
	err     error         // the COMMIT's (or the batch's) failure
	retry   bool          // err is retryable
}

// run runs fn as a member of the open batch (beginning one if needed) and
// returns once the batch it joined has committed.
func (g *groupCommit) run(ctx context.Context, fn func(tx cleanrooms.Tx) error) (retry bool, err error) {
	g.waiting.Add(1)
	g.mu.Lock()
	g.waiting.Add(-1)
	unlocked := false
	unlock := func() {
		if !unlocked {
			unlocked = true
			g.settle()
			g.mu.Unlock()
		}
	}
	// On every path, panics included, the batch is settled before mu is
	// released: committed if nobody else is coming.
	defer unlock()

	if g.s.closed.Load() {
		return false, errClosed
	}
	if err := ctx.Err(); err != nil {
		// As BeginTx would: a caller that gave up before its turn does
		// not write.
		return false, fmt.Errorf("sqlstore: transaction: %w", err)
	}
	if g.tx == nil {
		tx, err := g.s.w.BeginTx(context.Background(), g.s.d.writeTxOptions())
		if err != nil {
			return g.s.d.classify(err) == errRetryable, g.s.wrapErr("begin", err)
		}
		g.tx, g.b = tx, &batch{done: make(chan struct{})}
	}
	b := g.b
	retry, err = g.member(ctx, fn)
	if err != nil {
		return retry, err
	}
	b.members++
	unlock()
	<-b.done
	if b.err != nil {
		return b.retry, b.err
	}
	return false, nil
}

// member runs fn in a savepoint of the open batch and rolls the savepoint
// back unless fn succeeds.
func (g *groupCommit) member(ctx context.Context, fn func(tx cleanrooms.Tx) error) (retry bool, err error) {
	if err := g.exec(savepointSQL); err != nil {
		return g.s.d.classify(err) == errRetryable, g.s.wrapErr("savepoint", err)
	}
	t := &writeTx{readTx{d: g.s.d, tx: g.tx, stmts: stmts(&g.s.wstmts), detached: true}}
	ok := false
	defer func() {
		if !ok { // fn failed or panicked: undo its writes only
			if g.exec(rollbackToSQL) == nil {
				g.exec(releaseSQL)
			}
		}
	}()
	if err := fn(t); err != nil {
		return t.retry.Load(), err
	}
	if t.retry.Load() {
		// fn swallowed a retryable error; the statement that failed may
		// have left its writes half done, so they are rolled back.
		return true, errors.New("sqlstore: transaction hit a retryable error that fn ignored")
	}
	if err := g.exec(releaseSQL); err != nil {
		return g.s.d.classify(err) == errRetryable, g.s.wrapErr("release savepoint", err)
	}
	ok = true
	return false, nil
}

// The batch's own statements. SAVEPOINT and RELEASE run once per member:
// prepared, they are not parsed each time (SQLite's parser was 2.8% of a
// CreateCollaboration's CPU under 8 writers, with BEGIN and COMMIT).
var (
	savepointSQL  = prepared("SAVEPOINT member")
	releaseSQL    = prepared("RELEASE member")
	rollbackToSQL = prepared("ROLLBACK TO member")
)

// exec runs one statement of the batch's own (SAVEPOINT, RELEASE,
// ROLLBACK TO). If it fails the batch transaction is in an unknown state
// (SQLite may have rolled it back already), so the batch is aborted: it is
// rolled back and its members get the error.
func (g *groupCommit) exec(stmt string) error {
	if g.tx == nil {
		return errors.New("sqlstore: the batch was aborted")
	}
	t := readTx{d: g.s.d, tx: g.tx, stmts: stmts(&g.s.wstmts), detached: true}
	if _, err := t.exec(context.Background(), stmt); err != nil {
		g.tx.Rollback()
		g.finish(g.s.wrapErr("batch", err), g.s.d.classify(err) == errRetryable)
		return err
	}
	return nil
}

// settle commits the open batch unless another member is waiting to join
// it (and it has room). An empty batch is rolled back.
func (g *groupCommit) settle() {
	if g.tx == nil || (g.waiting.Load() > 0 && g.b.members < maxBatch && !g.s.closed.Load()) {
		return
	}
	if g.b.members == 0 {
		g.tx.Rollback()
		g.finish(nil, false)
		return
	}
	if err := g.tx.Commit(); err != nil {
		g.finish(g.s.wrapErr("commit", err), g.s.d.classify(err) == errRetryable)
		return
	}
	g.commits.Add(1)
	g.s.idle.touch()
	g.finish(nil, false)
}

// finish ends the open batch with err and wakes its members.
func (g *groupCommit) finish(err error, retry bool) {
	g.b.err, g.b.retry = err, retry
	close(g.b.done)
	g.tx, g.b = nil, nil
}
