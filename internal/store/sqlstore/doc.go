// Package sqlstore is the database/sql implementation of cleanrooms.Store.
//
// All SQL lives here once; what differs between engines (connection setup,
// placeholders, isolation, error classification, DDL) sits behind a small
// dialect so that PostgreSQL can be added as a dialect plus its migrations
// rather than as a second store. Only SQLite is implemented today
// (OpenSQLite, pure Go via modernc.org/sqlite).
//
// # Storage encoding
//
//   - Times are INTEGER Unix microseconds (UTC). Precision guaranteed: one
//     microsecond; the sub-microsecond part is truncated (not rounded) on
//     write, and the time zone is not kept: reads return UTC. Integers
//     compare and index the same way in every engine and sidestep SQLite's
//     text date formats.
//   - Nested values (payment, result configurations, data encryption
//     metadata) and string lists are JSON text. A nil slice or pointer is
//     SQL NULL and an empty slice is '[]', so nil and empty survive the
//     round trip distinctly (the wire omits one and shows the other).
//   - *bool is a nullable integer 0/1.
//   - Every table has an integer sequence column, seq, assigned on insert
//     and never reused. It is the creation order and the keyset of every
//     list, so a page costs one index seek whatever its depth.
//
// # Query plans
//
// Every list is "WHERE <scope> AND <keyset> > cursor ORDER BY <keyset>
// LIMIT n+1" on an index whose columns are exactly the scope and the
// keyset, so a page is one index seek whatever its depth or the table size.
// The store never runs ANALYZE: without statistics SQLite's planner picks
// these indexes deterministically, and TestQueryPlans pins every plan.
//
// # Cursors
//
// A cursor is base64url("v1:<scope>:<keyset…>"): scope is a hash of the
// list and its arguments (account or collaboration, and the status set),
// and the keyset is the last row returned (seq, or position and seq for
// ListMembers). A cursor replayed on another list, or with another filter,
// is rejected with cleanrooms.ErrInvalidCursor instead of silently starting
// somewhere unrelated. Cursors are not secret: forging one only moves the
// start of a page inside a list the caller may read anyway. They stay valid
// across restarts, and resume correctly even if the row they point at was
// deleted.
package sqlstore
