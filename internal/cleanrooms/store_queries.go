package cleanrooms

import (
	"context"
	"time"
)

// ProtectedQueryReads reads protected queries.
type ProtectedQueryReads interface {
	// GetProtectedQuery returns ErrNotFound if no query has this id.
	GetProtectedQuery(ctx context.Context, id string) (*ProtectedQuery, error)
	// ListProtectedQueriesOf lists, newest first, the queries a
	// membership sees: those it started and those whose results one of
	// its receivers gets. status "" lists every status.
	ListProtectedQueriesOf(ctx context.Context, membershipID, status string, p Page) (items []ProtectedQuery, next string, err error)
	// CountUnfinishedQueriesOf counts the queries a membership started
	// that are not finished (SUBMITTED, STARTED, CANCELLING). Its cost
	// grows with that number, which the quota bounds.
	CountUnfinishedQueriesOf(ctx context.Context, membershipID string) (int, error)
	// NextRunnableQuery returns an unfinished query whose lease expired
	// before now: one to run, to run again because its runner died, or to
	// finish cancelling. A query nobody runs has a zero LeaseExpires, so
	// those come first (oldest first), then expired leases (earliest
	// first). ErrNotFound when none.
	NextRunnableQuery(ctx context.Context, now time.Time) (*ProtectedQuery, error)
}

// ProtectedQueryWrites changes protected queries. Queries are never
// deleted: they are the collaboration's record of what was asked.
type ProtectedQueryWrites interface {
	// InsertProtectedQuery stores q and makes it visible to the querier's
	// membership and every receiver's; ErrConflict if the id exists.
	InsertProtectedQuery(ctx context.Context, q *ProtectedQuery) error
	// UpdateProtectedQuery replaces the fields that change as a query
	// runs: Status, Result, Error, DurationMillis, LeaseOwner,
	// LeaseExpires, Attempts, UpdateTime.
	UpdateProtectedQuery(ctx context.Context, q *ProtectedQuery) error
	// ReleaseQueryLeases makes every unfinished query claimable at once
	// (a zero LeaseExpires, its LeaseOwner kept) and returns how many it
	// changed. A store that only one process opens (SQLite) calls it at
	// start: leases of an earlier process died with it.
	ReleaseQueryLeases(ctx context.Context) (int, error)
}
