// Package sqlstore is the database/sql implementation of cleanrooms.Store.
//
// All SQL lives here once; what differs between engines (connection setup,
// placeholders, isolation, error classification, DDL, migration locking)
// sits behind a small dialect. Two engines implement it: SQLite
// (OpenSQLite, via the cgo driver github.com/mattn/go-sqlite3), the
// embedded default, and PostgreSQL (OpenPostgres, via pgx's database/sql
// adapter), which lets several cleanroomsd processes serve one database.
// See postgres.go for how PostgreSQL keeps the transactions serializable
// across processes.
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
//   - Every table of records that are listed (collaborations, members,
//     memberships) has an integer sequence column, seq, assigned on insert
//     and never reused. It is the creation order and the keyset of every
//     list, so a page costs one index seek whatever its depth.
//
// # Query plans
//
// Every list is "WHERE <scope> AND <keyset> > cursor ORDER BY <keyset>
// LIMIT n+1" on an index whose columns are exactly the scope and the
// keyset, so a page is one index seek whatever its depth or the table size.
// ListMembers is the exception: it seeks one collaboration's rows (at most
// the members quota) and sorts them, because the index that kept it
// sort-free cost every CreateCollaboration a random leaf (migration 0009).
// The store never runs ANALYZE: without statistics SQLite's planner picks
// these indexes deterministically, and TestQueryPlans pins every plan.
//
// # Counts
//
// The quota counts (CountCollaborationsCreatedBy, CountMembershipsOf) read
// collaboration_counts and membership_counts, which triggers of migration
// 0002 keep in the same statement as the rows they count: a count is one
// primary-key lookup however many rows the account has, and exactly as
// transactional as the rows (see the migrations for why it stays exact
// across PostgreSQL replicas).
//
// # Reads without a transaction
//
// Every ReadTx method is one statement, and a statement reads one snapshot
// on both engines, so Store.ViewOne runs a single read with no BEGIN and
// ROLLBACK around it (see ViewOne). GetMembershipWith and
// ListMembershipSummariesOf join a membership to its collaboration and
// member row in that one statement.
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
//
// On PostgreSQL seq comes from a sequence, and sequence values are handed
// out when a row is inserted, not when its transaction commits: a
// transaction that inserted seq 41 may commit after another that inserted
// seq 42. A page served between the two commits ends at 42, and its
// cursor resumes after 42, so row 41 never shows in that walk of the list
// (a new walk shows it). That is accepted rather than prevented with a
// table lock on every insert: AWS's lists are not snapshots either, and a
// row that commits while a client pages through a list may or may not
// appear. Nothing is ever shown twice, and every row committed before the
// first page was served is in the walk.
package sqlstore
