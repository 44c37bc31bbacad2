package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/postgres/*.sql
var postgresMigrationFiles embed.FS

// postgresDialect runs the shared SQL on PostgreSQL through pgx's
// database/sql adapter (github.com/jackc/pgx/v5/stdlib).
//
// Isolation. Every Transact is SERIALIZABLE: PostgreSQL's serializable
// snapshot isolation aborts, with SQLSTATE 40001, any transaction whose
// reads and writes could not have happened in some serial order with the
// others that committed. That is what keeps the service's
// read-check-write rules true across replicas: two joins of one account
// cannot both see "no membership yet", two updates of one record cannot
// both start from the same version (no lost update), a quota count cannot
// be passed by two creates that each saw room for one more. Transact runs
// fn again on 40001 and on deadlocks (40P01), with jittered backoff, up to
// Options.MaxAttempts times, then returns cleanrooms.ErrUnavailable.
//
// View is REPEATABLE READ READ ONLY: one snapshot for the whole of fn,
// never blocked by writers and never aborted. Readers do not take part in
// the serializability checks, so in rare interleavings a View may see a
// state that no serial order of the writers went through (PostgreSQL's
// "read-only transaction anomaly"); it is always a committed, internally
// consistent state, and no write decision is ever based on it.
type postgresDialect struct{}

func (postgresDialect) migrations() fs.FS {
	sub, err := fs.Sub(postgresMigrationFiles, "migrations/postgres")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return sub
}

// reboundQueries memoizes rebind: the store's queries are a small fixed
// set, each run many times.
var reboundQueries sync.Map // string -> string

// rebind numbers the '?' placeholders $1, $2, … The shared SQL never has a
// '?' inside a string literal or identifier, so every '?' is a placeholder.
func (postgresDialect) rebind(q string) string {
	if v, ok := reboundQueries.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := range len(q) {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	out := b.String()
	reboundQueries.Store(q, out)
	return out
}

func (postgresDialect) writeTxOptions() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelSerializable}
}

func (postgresDialect) readTxOptions() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

// Migrations run at READ COMMITTED, not SERIALIZABLE: each statement then
// reads the latest committed data, so schema_migrations, read after the
// advisory lock was granted, shows what a replica that held the lock
// before has applied. (A serializable transaction would keep the snapshot
// of its first statement, taken before the lock was granted.)
func (postgresDialect) migrationTxOptions() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
}

// migrationLockClass is the first half of the advisory lock key
// ('crms'), so that the lock cannot collide with another application's
// advisory locks on the same database.
const migrationLockClass = 0x63726d73

// lockMigrations takes the advisory lock that serializes migrations of
// one schema: replicas starting at once queue here, the first applies the
// pending migrations, the others then find nothing to do. It is
// pg_advisory_xact_lock, the transaction-scoped form of pg_advisory_lock,
// so it is released when the migration transaction commits or rolls back,
// and by the server if the process dies holding it. The key includes the
// schema the tables go to, so stores on different schemas of one database
// (the tests) do not wait for each other.
func (postgresDialect) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(COALESCE(current_schema(), '')))`, migrationLockClass)
	return err
}

// A unique index check sees rows committed after the snapshot: a
// transaction that read "no membership yet", then inserts one while a
// concurrent transaction inserts the same, waits for it and fails with
// 23505 rather than 40001. Its reads were stale, so it is run once more,
// and then (like on SQLite, where the writes are serialized) finds the
// membership in its reads.
func (postgresDialect) staleUniqueViolations() bool { return true }

// anyText passes bytes, for the BYTEA columns that stand in for TEXT where
// NUL must be storable (see the tags table). A string argument would be
// sent as text and parsed as bytea's escape syntax.
func (postgresDialect) anyText(s string) any { return []byte(s) }

// uncancellableReads: no. A read waits on the network and on the server's
// locks, and cancelling it when the client goes away frees both.
func (postgresDialect) uncancellableReads() bool { return false }

// PostgreSQL error codes (SQLSTATE) the store acts on.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

func (postgresDialect) classify(err error) errKind {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgUniqueViolation:
			return errUnique
		case pgForeignKeyViolation:
			return errForeignKey
		case pgSerializationFailure, pgDeadlockDetected:
			return errRetryable
		}
		return errOther
	}
	// A network failure before anything of the statement was sent (pgx
	// knows) left the server untouched: running the transaction again on
	// a fresh connection is safe. Anything else that broke a connection
	// may have happened after a COMMIT was sent, and is not retried.
	if pgconn.SafeToRetry(err) {
		return errRetryable
	}
	return errOther
}
