package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var _ cleanrooms.Store = (*Store)(nil)

// Store is a cleanrooms.Store on a SQL database. It is safe for concurrent
// use.
type Store struct {
	d    dialect
	opts Options
	// w carries every write transaction. On SQLite it has exactly one
	// connection: SQLite allows one writer at a time anyway; funnelling
	// writes through one connection turns lock contention between our own
	// goroutines into a wait in database/sql's pool instead of SQLITE_BUSY
	// errors, and with BEGIN IMMEDIATE on it every Transact is
	// serializable. On PostgreSQL it is a pool of Options.MaxWriteConns
	// SERIALIZABLE transactions.
	w *sql.DB
	// r serves View. In WAL mode readers see a committed snapshot and run
	// concurrently with the writer. For an in-memory database r == w. On
	// PostgreSQL, a pool of REPEATABLE READ, READ ONLY transactions.
	r *sql.DB
	// Statements prepared on w and on r (the same cache when r == w),
	// published once prepareAll is done (see Store.prepare); nil until then,
	// and always on PostgreSQL, where pgx prepares and caches statements
	// itself.
	wstmts, rstmts atomic.Pointer[stmtCache]
	// prepared is closed when the statements are prepared (or preparing
	// gave up); stopPrepare makes it give up, at Close.
	prepared    chan struct{}
	stopPrepare context.CancelFunc
	// keeper pins a connection to an in-memory database so that it outlives
	// any connection database/sql decides to discard; nil for files.
	keeper   *sql.Conn
	keeperDB *sql.DB
	closed   atomic.Bool
	// retries counts the Transact attempts that failed in a retryable way
	// and were run again (read by tests and benchmarks).
	retries atomic.Int64
	// retryGate, when not nil (PostgreSQL), lets one retried Transact
	// attempt run at a time; see Transact.
	retryGate chan struct{}
	// group, when not nil (SQLite files), batches concurrent Transact
	// calls into one commit; see groupCommit.
	group *groupCommit
	// fast, when not nil (SQLite files), serves ViewOne's reads without
	// database/sql; see fastReader.
	fast *fastReader
	// idle, when not nil (SQLite files), checkpoints once the writer goes
	// quiet; see idleCheckpoint.
	idle *idleCheckpoint
}

// OpenSQLite opens (creating if needed) the SQLite database at path and
// applies pending migrations. File databases use WAL, foreign keys,
// busy_timeout, one write connection and a pool of read-only connections.
//
// path == "" opens a fresh in-memory database private to this Store,
// served by one connection: View then waits for a running Transact (fine
// for tests and development), so calling View from inside a Transact fn
// deadlocks there. (With a file it would not block, but would read the
// snapshot before the transaction's writes.)
func OpenSQLite(ctx context.Context, path string, opts Options) (*Store, error) {
	s := &Store{d: sqliteDialect{}, opts: opts.withDefaults()}
	var err error
	if path == "" {
		err = s.openSQLiteMemory(ctx)
	} else {
		err = s.openSQLiteFile(ctx, path)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %q: %w", path, err)
	}
	return s, nil
}

func (s *Store) openSQLiteFile(ctx context.Context, path string) error {
	wdsn, err := sqliteFileDSN(path, false, s.opts)
	if err != nil {
		return err
	}
	if s.w, err = openPool(ctx, wdsn, 1); err != nil {
		return err
	}
	// Migrate before the readers exist: a read-only connection cannot
	// create the file or switch it to WAL.
	if err := migrate(ctx, s.w, s.d); err != nil {
		return err
	}
	// The writer checkpoints every walAutocheckpoint pages, not SQLite's
	// 1,000: a page many transactions rewrite is copied once, and the
	// checkpoint's fsyncs (inside some writer's COMMIT) come an eighth as
	// often, for a WAL of up to ≈ 32 MiB (measured in docs/performance.md,
	// issue 10). The pragma is per connection; the writer's one connection
	// stays open (openPool), and one database/sql opened in its place after
	// a driver.ErrBadConn would only checkpoint at the default.
	if _, err := s.w.ExecContext(ctx, "PRAGMA wal_autocheckpoint = "+strconv.Itoa(walAutocheckpoint)); err != nil {
		return err
	}
	rdsn, err := sqliteFileDSN(path, true, s.opts)
	if err != nil {
		return err
	}
	if s.r, err = openPool(ctx, rdsn, s.opts.MaxReadConns); err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	s.fast = newFastReader(abs, s.opts)
	s.group = &groupCommit{s: s}
	s.idle = newIdleCheckpoint(wdsn, s.opts.IdleCheckpoint)
	s.prepare()
	return nil
}

// prepare prepares the registered statements in the background. Doing it
// before serving cost 7.5 ms of a 17 ms start (116 statements on two
// pools), and test suites start the server hundreds of times; until the
// caches are published, statements run unprepared, which is only slower.
// A statement that fails to prepare is left out (it then runs unprepared
// and reports its error where it is used); plan_test prepares every one.
func (s *Store) prepare() {
	ctx, cancel := context.WithCancel(context.Background())
	s.prepared, s.stopPrepare = make(chan struct{}), cancel
	go func() {
		defer close(s.prepared)
		if s.fast != nil {
			s.fast.warm()
		}
		w := prepareAll(ctx, s.w, s.d, false)
		s.wstmts.Store(&w)
		if s.r == s.w {
			s.rstmts.Store(&w)
			return
		}
		r := prepareAll(ctx, s.r, s.d, true)
		s.rstmts.Store(&r)
	}()
}

// stmts returns a published statement cache, or nil.
func stmts(p *atomic.Pointer[stmtCache]) stmtCache {
	if c := p.Load(); c != nil {
		return *c
	}
	return nil
}

func (s *Store) openSQLiteMemory(ctx context.Context) error {
	dsn := sqliteMemoryDSN("cleanroomsd-"+rand.Text(), s.opts)
	var err error
	if s.keeperDB, err = openPool(ctx, dsn, 1); err != nil {
		return err
	}
	if s.keeper, err = s.keeperDB.Conn(ctx); err != nil {
		return err
	}
	if s.w, err = openPool(ctx, dsn, 1); err != nil {
		return err
	}
	s.r = s.w
	if err := migrate(ctx, s.w, s.d); err != nil {
		return err
	}
	s.prepare()
	return nil
}

// walAutocheckpoint is the writer's wal_autocheckpoint, in pages.
const walAutocheckpoint = 8000

// openPool opens a pool of at most n connections that are kept open: idle
// connections are cheap for SQLite and reopening one would redo the DSN
// pragmas and drop its page cache.
func openPool(ctx context.Context, dsn string, n int) (*sql.DB, error) {
	db, err := sql.Open(sqliteDriver, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close waits for running transactions and closes the database. Later
// calls to Transact and View fail with cleanrooms.ErrUnavailable. Closing
// twice is harmless.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	var errs []error
	errs = append(errs, s.idle.close())
	if g := s.group; g != nil {
		// Commit the batch members of which are waiting, before its
		// statements and connection go.
		g.mu.Lock()
		g.settle()
		g.mu.Unlock()
	}
	if s.prepared != nil {
		s.stopPrepare()
		<-s.prepared
	}
	if s.fast != nil {
		s.fast.close()
	}
	if r := stmts(&s.rstmts); r != nil && s.r != s.w {
		errs = append(errs, r.close())
	}
	if w := stmts(&s.wstmts); w != nil {
		errs = append(errs, w.close())
	}
	if s.r != nil && s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.keeper != nil {
		errs = append(errs, s.keeper.Close())
	}
	if s.keeperDB != nil {
		errs = append(errs, s.keeperDB.Close())
	}
	return errors.Join(errs...)
}
