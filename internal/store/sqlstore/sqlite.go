package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"net/url"
	"path/filepath"
	"strconv"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is the database/sql driver name github.com/mattn/go-sqlite3
// registers. It is a cgo driver (the SQLite amalgamation compiled in), chosen
// over the pure-Go modernc.org/sqlite for its lower CPU per statement: see
// "SQLite driver: modernc vs mattn" in docs/performance.md. A build needs
// CGO_ENABLED=1 and a C compiler, as the query engine already does.
const sqliteDriver = "sqlite3"

//go:embed migrations/sqlite/*.sql
var sqliteMigrationFiles embed.FS

type sqliteDialect struct{}

func (sqliteDialect) migrations() fs.FS {
	sub, err := fs.Sub(sqliteMigrationFiles, "migrations/sqlite")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return sub
}

func (sqliteDialect) rebind(q string) string { return q }

// The write connection's DSN sets _txlock=immediate, so BeginTx issues
// BEGIN IMMEDIATE: the write lock is taken up front rather than on the first
// write, which is what makes a read-modify-write in fn serializable and
// keeps SQLITE_BUSY from surfacing halfway through fn.
func (sqliteDialect) writeTxOptions() *sql.TxOptions { return nil }

// In WAL mode a deferred read transaction sees one snapshot, fixed at its
// first read, and never blocks or is blocked by the writer.
func (sqliteDialect) readTxOptions() *sql.TxOptions { return &sql.TxOptions{ReadOnly: true} }

// Migrations run in a write transaction: BEGIN IMMEDIATE already holds
// off every other writer of the file, other processes included.
func (d sqliteDialect) migrationTxOptions() *sql.TxOptions { return d.writeTxOptions() }

func (sqliteDialect) lockMigrations(context.Context, *sql.Tx) error { return nil }

// Writers are serialized: a transaction's snapshot is never older than
// the last commit.
func (sqliteDialect) staleUniqueViolations() bool { return false }

// SQLite's TEXT holds any bytes, NUL included.
func (sqliteDialect) anyText(s string) any { return s }

// uncancellableReads: yes. A statement run with a context that can be
// cancelled costs two goroutines, database/sql's (closing the rows on
// cancellation) and the driver's (interrupting SQLite), started and torn
// down for every read: on GetMembership, ≈ 8 allocations and the
// scheduling of both. A read here is bounded (one row or one page of at
// most 100, on an index) and takes microseconds, so interrupting it when a
// client goes away saves nothing; a read that was cancelled before it
// starts still fails (readTx.stmtCtx).
func (sqliteDialect) uncancellableReads() bool { return true }

func (sqliteDialect) classify(err error) errKind {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return errOther
	}
	switch se.ExtendedCode {
	case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
		return errUnique
	case sqlite3.ErrConstraintForeignKey:
		return errForeignKey
	}
	switch se.Code { // primary code; extended codes refine it
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return errRetryable
	}
	return errOther
}

// sqliteFileDSN builds the DSN of a file database. A file: URI (rather than
// a bare path) is needed for SQLite to honour mode=ro; the path is escaped so
// that '?', '#' and '%' in it cannot be read as URI syntax.
func sqliteFileDSN(path string, readOnly bool, o Options) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10))
	if readOnly {
		// mode=ro makes a write on a read connection fail instead of
		// silently taking the write lock behind the writer's back.
		q.Set("mode", "ro")
	} else {
		// journal_mode is persistent in the file, so only the writer sets
		// it; readers inherit WAL. synchronous and foreign_keys are
		// per-connection and only matter where writes happen.
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", o.Synchronous.pragma())
		q.Set("_foreign_keys", "1")
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String(), nil
}

// sqliteMemoryDSN names a private in-memory database. The name is unique per
// Store and the cache is shared so that a connection database/sql reopens
// (after a driver.ErrBadConn) finds the same database, kept alive by the
// Store's pinned keeper connection.
func sqliteMemoryDSN(name string, o Options) string {
	q := url.Values{}
	q.Set("mode", "memory")
	q.Set("cache", "shared")
	q.Set("_busy_timeout", strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	return "file:" + name + "?" + q.Encode()
}
