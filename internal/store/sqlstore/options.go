package sqlstore

import (
	"runtime"
	"time"
)

// Options tunes a Store. The zero value is the safe default.
type Options struct {
	// Synchronous chooses how hard a commit pushes data to stable storage.
	// Default SyncFull. SQLite only: PostgreSQL follows the server's
	// synchronous_commit.
	Synchronous Synchronous
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection before failing with a retryable error: another process on
	// the same file, or a reader blocking a WAL checkpoint. Default 5s.
	// SQLite only.
	BusyTimeout time.Duration
	// MaxReadConns is the size of the read pool serving View. Default for
	// SQLite GOMAXPROCS, at least 2 (ignored for in-memory databases,
	// which use one connection); for PostgreSQL 2×GOMAXPROCS, at least 4.
	MaxReadConns int
	// MaxWriteConns is the size of the pool serving Transact on
	// PostgreSQL (SQLite always writes through one connection). More
	// concurrent writers than that wait for a connection rather than
	// contend inside the database, where conflicting serializable
	// transactions abort and retry. Default GOMAXPROCS, at least 2.
	MaxWriteConns int
	// MaxAttempts is how many times Transact runs fn when the backend keeps
	// reporting retryable failures (SQLite: busy; PostgreSQL:
	// serialization failure or deadlock) before it gives up with
	// cleanrooms.ErrUnavailable. Default 5 for SQLite, 10 for PostgreSQL,
	// where several replicas contend for the same rows.
	MaxAttempts int
	// IdleCheckpoint is how long the writer must have committed nothing
	// before a checkpoint folds the WAL into the database file, so that
	// readers read the file alone (see idleCheckpoint). Default 500ms;
	// negative turns it off. SQLite files only.
	IdleCheckpoint time.Duration
}

// Synchronous is SQLite's synchronous setting for file databases.
type Synchronous int

const (
	// SyncFull fsyncs the WAL on every commit: a transaction acknowledged
	// by Transact survives kill -9, an OS crash and power loss. It costs one
	// fsync per write transaction, which bounds write throughput by the
	// disk's flush latency.
	SyncFull Synchronous = iota
	// SyncNormal fsyncs only at checkpoints. The database can never be
	// corrupted and acknowledged writes survive kill -9 (they are in the OS
	// page cache), but the last transactions before an OS crash or power
	// loss may be lost. Use it when write latency matters more than that
	// window, e.g. in tests and development.
	SyncNormal
)

func (s Synchronous) pragma() string {
	if s == SyncNormal {
		return "NORMAL"
	}
	return "FULL"
}

// withPostgresDefaults fills the zero fields with PostgreSQL's defaults.
func (o Options) withPostgresDefaults() Options {
	if o.MaxReadConns <= 0 {
		o.MaxReadConns = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if o.MaxWriteConns <= 0 {
		o.MaxWriteConns = max(2, runtime.GOMAXPROCS(0))
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	return o.withDefaults()
}

func (o Options) withDefaults() Options {
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.MaxReadConns <= 0 {
		o.MaxReadConns = max(2, runtime.GOMAXPROCS(0))
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	return o
}
