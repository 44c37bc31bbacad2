package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"
)

// errKind is what the shared code needs to know about a driver error to map
// it onto the cleanrooms sentinels and to decide whether to retry.
type errKind int

const (
	errOther errKind = iota
	// errUnique: a UNIQUE or PRIMARY KEY constraint rejected a write.
	errUnique
	// errForeignKey: a row referred to a parent that does not exist.
	errForeignKey
	// errRetryable: the transaction lost a race (lock timeout, serialization
	// failure, deadlock) and may succeed if run again from the start.
	errRetryable
)

// dialect is everything engine-specific. Queries are written once with '?'
// placeholders and portable SQL (row-value comparisons, ON CONFLICT upserts,
// LIMIT), which SQLite and PostgreSQL both accept; rebind adapts the
// placeholders.
type dialect interface {
	// migrations holds the numbered NNNN_name.sql files at its root.
	migrations() fs.FS
	// rebind rewrites '?' placeholders into the engine's syntax.
	rebind(query string) string
	// writeTxOptions starts a transaction that is serializable against every
	// other writer of the database.
	writeTxOptions() *sql.TxOptions
	// readTxOptions starts a read-only transaction on one snapshot.
	readTxOptions() *sql.TxOptions
	// migrationTxOptions starts the transaction that applies migrations.
	migrationTxOptions() *sql.TxOptions
	// lockMigrations runs first in that transaction and holds off every
	// other process migrating the same database until it ends.
	lockMigrations(ctx context.Context, tx *sql.Tx) error
	classify(err error) errKind
	// staleUniqueViolations reports whether a unique violation may come
	// from a row that a concurrent transaction committed after this one's
	// snapshot was taken. Transact then runs fn once more on a fresh
	// snapshot, where fn's own reads see that row and it answers as it
	// would have had it run after the other transaction, as it does on a
	// serial engine; a violation on that second run is final.
	staleUniqueViolations() bool
	// anyText is the argument for a string bound for a column that holds
	// any bytes (tag keys and values, which the API does not constrain).
	anyText(s string) any
	// uncancellableReads reports whether read statements should run
	// without the caller's cancellation (see readTx.detached).
	uncancellableReads() bool
}
