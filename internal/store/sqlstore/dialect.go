package sqlstore

import (
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
	classify(err error) errKind
}
