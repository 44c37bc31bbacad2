package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// Parsing SQL is a large share of a point read or write in SQLite (about
// 40% of GetMembership), so the store prepares its statements once, in
// the background after it opens (Store.prepare).
// database/sql can only reuse a *sql.Stmt prepared on the pool (not on a
// Conn or Tx) and preparing on the pool needs an idle connection, which the
// single write connection never is while a transaction runs. So statements
// are prepared when the Store opens; Tx.StmtContext then re-binds them to
// the transaction's connection, preparing lazily on connections that have
// not seen them yet. Queries not registered here run unprepared.

// preparedSQL lists the statements each Store prepares, with whether View
// uses them. It is filled by package-level initializers only and
// read-only afterwards.
var preparedSQL = map[string]bool{}

// prepared registers a write statement and returns it.
func prepared(q string) string {
	preparedSQL[q] = false
	return q
}

// preparedRead registers a read statement and returns it.
func preparedRead(q string) string {
	preparedSQL[q] = true
	return q
}

// maxPreparedStatuses bounds the status-filter variants prepared: callers
// filter on at most two statuses (ListCollaborations: INVITED and ACTIVE).
// Larger filters run unprepared.
const maxPreparedStatuses = 2

func init() {
	for n := range maxPreparedStatuses + 1 {
		preparedRead(collaborationsOfSQL(n))
		preparedRead(membershipsOfSQL(n))
		preparedRead(membershipSummariesOfSQL(n))
		preparedRead(countMembershipsOfSQL(n))
	}
}

type stmtCache map[string]*sql.Stmt

// prepareAll prepares the registered statements on db, only the reads if
// readOnly. It stops early when ctx ends, returning what it has.
func prepareAll(ctx context.Context, db *sql.DB, d dialect, readOnly bool) stmtCache {
	c := stmtCache{}
	for q, read := range preparedSQL {
		if readOnly && !read {
			continue
		}
		st, err := db.PrepareContext(ctx, d.rebind(q))
		if ctx.Err() != nil {
			if err == nil {
				st.Close()
			}
			return c
		}
		if err == nil {
			c[q] = st
		}
	}
	return c
}

func (c stmtCache) close() error {
	var errs []error
	for _, st := range c {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
