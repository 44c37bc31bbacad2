package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var errClosed = fmt.Errorf("sqlstore: store is closed: %w", cleanrooms.ErrUnavailable)

// Transact implements cleanrooms.Store. On SQLite fn runs on the single
// write connection inside BEGIN IMMEDIATE, so it is serialized against
// every other Transact. On PostgreSQL it runs in a SERIALIZABLE
// transaction from the write pool, concurrently with other transactions of
// this and other processes; the server aborts those that conflict
// (SQLSTATE 40001, or 40P01 for a deadlock). A retryable failure anywhere
// in the attempt (begin, a statement in fn, commit) rolls back and runs fn
// again after a short jittered backoff, up to Options.MaxAttempts times,
// then gives up with cleanrooms.ErrUnavailable.
//
// On PostgreSQL, retries take turns: a process runs one retried attempt
// at a time (Store.retryGate), and while one runs, new transactions queue
// behind it too. Transactions that collided on the same rows would
// otherwise collide again when they all come back, and on a hot row (many
// requests updating one record) some would lose every round and run out
// of attempts. Taking turns, a retry contends only with the transactions
// of other replicas, so it gets through. Without conflicts the gate is
// never taken and transactions run side by side.
func (s *Store) Transact(ctx context.Context, fn func(tx cleanrooms.Tx) error) error {
	for attempt := 1; ; attempt++ {
		retry, err := s.attempt(ctx, fn, attempt)
		if !retry {
			return err
		}
		if attempt >= s.opts.MaxAttempts {
			return fmt.Errorf("sqlstore: transaction failed after %d attempts: %w: %w", attempt, cleanrooms.ErrUnavailable, err)
		}
		s.retries.Add(1)
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return fmt.Errorf("sqlstore: transaction: %w", err)
		}
	}
}

// attempt runs attempt number n of fn, taking its turn in the retry gate
// if it is a retry or if a retry is running.
func (s *Store) attempt(ctx context.Context, fn func(tx cleanrooms.Tx) error, n int) (retry bool, err error) {
	if s.retryGate == nil || (n == 1 && len(s.retryGate) == 0) {
		return s.transactOnce(ctx, fn, n)
	}
	select {
	case s.retryGate <- struct{}{}:
	case <-ctx.Done():
		return false, fmt.Errorf("sqlstore: transaction: %w", ctx.Err())
	}
	defer func() { <-s.retryGate }()
	return s.transactOnce(ctx, fn, n)
}

func (s *Store) transactOnce(ctx context.Context, fn func(tx cleanrooms.Tx) error, attempt int) (retry bool, err error) {
	if s.group != nil {
		return s.group.run(ctx, fn)
	}
	if s.closed.Load() {
		return false, errClosed
	}
	sqlTx, err := s.w.BeginTx(ctx, s.d.writeTxOptions())
	if err != nil {
		return s.d.classify(err) == errRetryable, s.wrapErr("begin", err)
	}
	// Rolls back on every path but a successful commit, panics included;
	// after Commit it is a no-op returning sql.ErrTxDone.
	defer sqlTx.Rollback()

	t := &writeTx{readTx{d: s.d, tx: sqlTx, stmts: stmts(&s.wstmts)}}
	t.retryUnique = s.d.staleUniqueViolations() && attempt == 1 && attempt < s.opts.MaxAttempts
	if err := fn(t); err != nil {
		// fn's error is returned as is, but if it stems from a retryable
		// failure (fn may have wrapped or replaced it) we run fn again.
		return t.retry.Load(), err
	}
	if t.retry.Load() {
		// fn swallowed a retryable error; the transaction may already be
		// aborted, so committing could lose writes fn believes it made.
		return true, errors.New("sqlstore: transaction hit a retryable error that fn ignored")
	}
	if err := sqlTx.Commit(); err != nil {
		return s.d.classify(err) == errRetryable, s.wrapErr("commit", err)
	}
	return false, nil
}

// View implements cleanrooms.Store. The transaction is always rolled back:
// there is nothing to commit, and it guarantees a ReadTx can never write.
func (s *Store) View(ctx context.Context, fn func(tx cleanrooms.ReadTx) error) error {
	if s.closed.Load() {
		return errClosed
	}
	sqlTx, err := s.r.BeginTx(ctx, s.d.readTxOptions())
	if err != nil {
		return s.wrapErr("begin read", err)
	}
	defer sqlTx.Rollback()
	return fn(&readTx{d: s.d, tx: sqlTx, stmts: stmts(&s.rstmts), uncancellable: s.d.uncancellableReads()})
}

// ViewOne implements cleanrooms.Store: fn's one read runs as a single
// statement on the read pool, without BEGIN and ROLLBACK around it.
//
// That is as consistent as View, because every ReadTx method is exactly
// one statement and both engines run a statement on one snapshot: SQLite
// (WAL) holds a read snapshot from the statement's first step until it is
// reset, so a join or a page sees one committed state; PostgreSQL runs
// the statement in its own implicit transaction, which at any isolation
// level (READ COMMITTED by default) reads one snapshot for the whole
// statement, so the rows joined and the rows of a page all come from one
// moment too. What a transaction adds is only that several statements
// share the snapshot, which ViewOne rules out: a second read fails with
// errSecondRead. It saves two statements on SQLite (the driver executes BEGIN
// and ROLLBACK as statements), two round trips on PostgreSQL, and
// database/sql's per-transaction goroutine.
//
// The read pool cannot write: SQLite's read connections are opened
// read-only (mode=ro), and on PostgreSQL the read pool's sessions default
// to read-only transactions (see openPostgres); the ReadTx type has no
// writes anyway.
func (s *Store) ViewOne(ctx context.Context, fn func(tx cleanrooms.ReadTx) error) error {
	if s.closed.Load() {
		return errClosed
	}
	return fn(&readTx{d: s.d, db: s.r, stmts: stmts(&s.rstmts), fast: s.fast, uncancellable: s.d.uncancellableReads()})
}

// errSecondRead is a second statement in one ViewOne.
var errSecondRead = errors.New("sqlstore: a second read in ViewOne would see another snapshot; use View")

// wrapErr annotates an error outside a transaction's statements, turning
// failures caused by Close or by lock contention into ErrUnavailable.
func (s *Store) wrapErr(op string, err error) error {
	switch {
	case s.closed.Load():
		return fmt.Errorf("sqlstore: %s: %w: %w", op, errClosed, err)
	case s.d.classify(err) == errRetryable:
		return fmt.Errorf("sqlstore: %s: %w: %w", op, cleanrooms.ErrUnavailable, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

func backoff(attempt int) time.Duration {
	d := time.Millisecond << min(attempt, 7) // 2ms, 4ms … 128ms
	return d/2 + rand.N(d/2)                 // jitter de-synchronizes competing retriers
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// readTx implements cleanrooms.ReadTx on one *sql.Tx, or for ViewOne on
// single statements of a pool.
type readTx struct {
	d  dialect
	tx *sql.Tx
	// db serves ViewOne's one statement when tx is nil; reads counts the
	// statements issued on it.
	db    *sql.DB
	reads int
	stmts stmtCache // of the pool tx (or db) belongs to
	// retry records that a statement failed in a way that running the
	// whole transaction again may fix; Transact reads it after fn returns.
	retry atomic.Bool
	// retryUnique makes a unique violation retryable (once; see
	// dialect.staleUniqueViolations).
	retryUnique bool
	// detached runs statements without the caller's cancellation: tx is a
	// group-commit batch shared with other callers (see groupCommit).
	detached bool
	// fast, when not nil, serves this ViewOne's read (sqlite_fastread.go).
	fast *fastReader
	// uncancellable runs reads without the caller's cancellation, where
	// the dialect asks for it (dialect.uncancellableReads); a read whose
	// caller has already given up does not start.
	uncancellable bool
}

// stmtCtx is the context a statement runs with: ctx, or one that is never
// cancelled (and carries no values, which no driver reads).
func (t *readTx) stmtCtx(ctx context.Context) (context.Context, error) {
	switch {
	case t.detached:
		return context.Background(), nil
	case t.uncancellable:
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return context.Background(), nil
	}
	return ctx, nil
}

// writeTx implements cleanrooms.Tx.
type writeTx struct{ readTx }

// Queries are passed with '?' placeholders: the key of the statement
// cache, and rebound only when they run unprepared.

func (t *readTx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, err := t.stmtCtx(ctx)
	if err != nil {
		return nil, err
	}
	if st := t.stmts[query]; st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.d.rebind(query), args...)
}

// sqlRows is *sql.Rows, or a page on the fast path (fastRows).
type sqlRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

func (t *readTx) query(ctx context.Context, query string, args ...any) (sqlRows, error) {
	ctx, err := t.stmtCtx(ctx)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	st := t.stmts[query]
	switch {
	case t.tx == nil:
		if t.reads++; t.reads > 1 {
			return nil, errSecondRead
		}
		if t.fast != nil && fastSupported(args, nil) {
			return t.fast.query(query, args)
		}
		if st != nil {
			rows, err = st.QueryContext(ctx, args...)
		} else {
			rows, err = t.db.QueryContext(ctx, t.d.rebind(query), args...)
		}
	case st != nil:
		rows, err = t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	default:
		rows, err = t.tx.QueryContext(ctx, t.d.rebind(query), args...)
	}
	if err != nil {
		return nil, err // not a nil *sql.Rows in a non-nil interface
	}
	return rows, nil
}

// rowScanner is a *sql.Row, or the error that kept a row from being read.
type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// fastRow is ViewOne's single-row read on a SQLite file: stepped by
// fastReader when it handles the argument and destination types (known
// only at Scan), else through database/sql.
type fastRow struct {
	t     *readTx
	ctx   context.Context
	query string
	args  []any
}

func (r fastRow) Scan(dest ...any) error {
	if fastSupported(r.args, dest) {
		return r.t.fast.queryRow(r.query, r.args, dest)
	}
	return r.t.poolQueryRow(r.ctx, r.query, r.args).Scan(dest...)
}

// poolQueryRow is ViewOne's single-row read on the read pool.
func (t *readTx) poolQueryRow(ctx context.Context, query string, args []any) *sql.Row {
	if st := t.stmts[query]; st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.db.QueryRowContext(ctx, t.d.rebind(query), args...)
}

func (t *readTx) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	ctx, err := t.stmtCtx(ctx)
	if err != nil {
		return errRow{err}
	}
	if t.tx == nil {
		if t.reads++; t.reads > 1 {
			return errRow{errSecondRead}
		}
		if t.fast != nil {
			return fastRow{t, ctx, query, args}
		}
		return t.poolQueryRow(ctx, query, args)
	}
	if st := t.stmts[query]; st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.d.rebind(query), args...)
}

// fail maps a database error onto the cleanrooms sentinels. what names the
// operation and record for the message.
func (t *readTx) fail(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore: %s: %w", what, cleanrooms.ErrNotFound)
	}
	switch t.d.classify(err) {
	case errUnique:
		if t.retryUnique {
			t.retry.Store(true)
		}
		return fmt.Errorf("sqlstore: %s: %w (%v)", what, cleanrooms.ErrConflict, err)
	case errForeignKey:
		// The only foreign keys point at collaborations: a row for a
		// collaboration that does not exist.
		return fmt.Errorf("sqlstore: %s: no such collaboration: %w", what, cleanrooms.ErrNotFound)
	case errRetryable:
		t.retry.Store(true)
		return fmt.Errorf("sqlstore: %s: %w: %w", what, cleanrooms.ErrUnavailable, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", what, err)
}

// mustAffect turns "no row matched" into ErrNotFound for updates and
// deletes.
func (t *readTx) mustAffect(res sql.Result, err error, what string) error {
	if err != nil {
		return t.fail(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.fail(err, what)
	}
	if n == 0 {
		return t.fail(sql.ErrNoRows, what)
	}
	return nil
}
