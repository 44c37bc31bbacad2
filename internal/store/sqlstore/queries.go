package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var queryCols = []string{
	"id", "account_id", "region", "membership_id", "collaboration_id", "status",
	"sql_parameters", "result_configuration", "compute", "payer_account_id", "plan", "receivers",
	"result", "error", "duration_millis", "lease_owner", "lease_expires", "attempts",
	"create_time", "update_time",
}

// queryRunCols are the columns UpdateProtectedQuery writes.
var queryRunCols = []string{"status", "result", "error", "duration_millis", "lease_owner", "lease_expires", "attempts", "update_time"}

const unfinished = "('" + cleanrooms.QuerySubmitted + "', '" + cleanrooms.QueryStarted + "', '" + cleanrooms.QueryCancelling + "')"

var (
	insertQuerySQL  = prepared(insertSQL("protected_queries", queryCols))
	insertViewerSQL = prepared("INSERT INTO protected_query_viewers (membership_id, query_seq)" +
		" SELECT ?, seq FROM protected_queries WHERE id = ?")
	updateQuerySQL = prepared(updateSQL("protected_queries", slices.Concat(queryRunCols, []string{"id"}), "id"))
	getQuerySQL    = preparedRead("SELECT " + selectList("q", queryCols) + " FROM protected_queries q WHERE q.id = ?")
	// Keyset seeks on the viewers' primary key, newest first.
	queriesOfSQL = preparedRead("SELECT " + selectList("q", queryCols) + ", q.seq FROM protected_query_viewers v" +
		" JOIN protected_queries q ON q.seq = v.query_seq WHERE v.membership_id = ? AND v.query_seq < ?" +
		" ORDER BY v.query_seq DESC LIMIT ?")
	queriesOfStatusSQL = preparedRead("SELECT " + selectList("q", queryCols) + ", q.seq FROM protected_query_viewers v" +
		" JOIN protected_queries q ON q.seq = v.query_seq WHERE v.membership_id = ? AND v.query_seq < ? AND q.status = ?" +
		" ORDER BY v.query_seq DESC LIMIT ?")
	releaseLeasesSQL = prepared("UPDATE protected_queries SET lease_expires = ? WHERE status IN " + unfinished +
		" AND lease_expires > ?")
	countUnfinishedSQL = preparedRead("SELECT COUNT(*) FROM protected_queries WHERE membership_id = ? AND status IN " + unfinished)
	// A seek on the partial index protected_queries_unfinished, which
	// holds unfinished queries only.
	nextRunnableSQL = preparedRead("SELECT " + selectList("q", queryCols) + " FROM protected_queries q" +
		" WHERE q.status IN " + unfinished + " AND q.lease_expires < ?" +
		" ORDER BY q.lease_expires, q.seq LIMIT 1")
)

func queryArgs(q *cleanrooms.ProtectedQuery) ([]any, error) {
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(q.ID)
	p.add(q.AccountID)
	p.add(q.Region)
	p.add(q.MembershipID)
	p.add(q.CollaborationID)
	p.add(q.Status)
	p.addJSON(jsonParam(q.SQL))
	p.addJSON(jsonPtrParam(q.ResultConfiguration))
	p.addJSON(jsonPtrParam(q.Compute))
	p.add(q.PayerAccountID)
	p.addJSON(jsonParam(q.Plan))
	p.addJSON(jsonParam(q.Receivers))
	p.addJSON(jsonPtrParam(q.Result))
	p.addJSON(jsonPtrParam(q.Error))
	p.add(q.DurationMillis)
	p.add(q.LeaseOwner)
	p.add(timeParam(q.LeaseExpires))
	p.add(int64(q.Attempts))
	p.add(timeParam(q.CreateTime))
	p.add(timeParam(q.UpdateTime))
	return p.args, p.err
}

// queryRow receives one row in queryCols order.
type queryRow struct {
	q                                      cleanrooms.ProtectedQuery
	sqlParams, plan, receivers             string
	resultConfig, compute, result, errText sql.NullString
	leaseExpires, createTime, updateTime   int64
	attempts                               int64
}

func (r *queryRow) dest() []any {
	q := &r.q
	return []any{
		&q.ID, &q.AccountID, &q.Region, &q.MembershipID, &q.CollaborationID, &q.Status,
		&r.sqlParams, &r.resultConfig, &r.compute, &q.PayerAccountID, &r.plan, &r.receivers,
		&r.result, &r.errText, &q.DurationMillis, &q.LeaseOwner, &r.leaseExpires, &r.attempts,
		&r.createTime, &r.updateTime,
	}
}

func (r *queryRow) record() (cleanrooms.ProtectedQuery, error) {
	q := r.q
	var err error
	if err = jsonValue(r.sqlParams, &q.SQL); err != nil {
		return q, err
	}
	if err = jsonValue(r.plan, &q.Plan); err != nil {
		return q, err
	}
	if err = jsonValue(r.receivers, &q.Receivers); err != nil {
		return q, err
	}
	if q.ResultConfiguration, err = jsonPtrValue[cleanrooms.QueryOutputConfig](r.resultConfig); err != nil {
		return q, err
	}
	if q.Compute, err = jsonPtrValue[cleanrooms.QueryCompute](r.compute); err != nil {
		return q, err
	}
	if q.Result, err = jsonPtrValue[cleanrooms.QueryResult](r.result); err != nil {
		return q, err
	}
	if q.Error, err = jsonPtrValue[cleanrooms.QueryError](r.errText); err != nil {
		return q, err
	}
	q.Attempts = int(r.attempts)
	q.LeaseExpires = timeValue(r.leaseExpires)
	q.CreateTime = timeValue(r.createTime)
	q.UpdateTime = timeValue(r.updateTime)
	return q, nil
}

func (t *readTx) GetProtectedQuery(ctx context.Context, id string) (*cleanrooms.ProtectedQuery, error) {
	what := fmt.Sprintf("get protected query %q", id)
	var r queryRow
	if err := t.queryRow(ctx, getQuerySQL, id).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	q, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return &q, nil
}

// maxSeq starts a newest-first list: every seq is below it.
const maxSeq = int64(1<<63 - 1)

func (t *readTx) ListProtectedQueriesOf(ctx context.Context, membershipID, status string, p cleanrooms.Page) ([]cleanrooms.ProtectedQuery, string, error) {
	what := fmt.Sprintf("list protected queries of %q", membershipID)
	if err := checkLimit(p); err != nil {
		return nil, "", err
	}
	scope := cursorScope("protected-queries-of", membershipID, status)
	before := maxSeq
	if p.Cursor != "" {
		keys, err := decodeCursor(p.Cursor, scope, 1)
		if err != nil {
			return nil, "", err
		}
		before = keys[0]
	}
	var rows sqlRows
	var err error
	if status == "" {
		rows, err = t.query(ctx, queriesOfSQL, membershipID, before, p.Limit+1)
	} else {
		rows, err = t.query(ctx, queriesOfStatusSQL, membershipID, before, status, p.Limit+1)
	}
	if err != nil {
		return nil, "", t.fail(err, what)
	}
	items, next, err := readPage(rows, p.Limit, scope, func(rows sqlRows) (cleanrooms.ProtectedQuery, []int64, error) {
		var r queryRow
		var seq int64
		if err := rows.Scan(append(r.dest(), &seq)...); err != nil {
			return cleanrooms.ProtectedQuery{}, nil, err
		}
		q, err := r.record()
		return q, []int64{seq}, err
	})
	if err != nil {
		return nil, "", t.fail(err, what)
	}
	return items, next, nil
}

func (t *readTx) CountUnfinishedQueriesOf(ctx context.Context, membershipID string) (int, error) {
	var n int
	if err := t.queryRow(ctx, countUnfinishedSQL, membershipID).Scan(&n); err != nil {
		return 0, t.fail(err, fmt.Sprintf("count unfinished queries of %q", membershipID))
	}
	return n, nil
}

func (t *readTx) NextRunnableQuery(ctx context.Context, now time.Time) (*cleanrooms.ProtectedQuery, error) {
	var r queryRow
	if err := t.queryRow(ctx, nextRunnableSQL, timeParam(now)).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, "next runnable query")
	}
	q, err := r.record()
	if err != nil {
		return nil, t.fail(err, "next runnable query")
	}
	return &q, nil
}

func (t *writeTx) InsertProtectedQuery(ctx context.Context, q *cleanrooms.ProtectedQuery) error {
	what := fmt.Sprintf("insert protected query %q", q.ID)
	args, err := queryArgs(q)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertQuerySQL, args...); err != nil {
		return t.fail(err, what)
	}
	viewers := []string{q.MembershipID}
	for _, r := range q.Receivers {
		if r.MembershipID != "" && !slices.Contains(viewers, r.MembershipID) {
			viewers = append(viewers, r.MembershipID)
		}
	}
	for _, m := range viewers {
		if _, err := t.exec(ctx, insertViewerSQL, m, q.ID); err != nil {
			return t.fail(err, what)
		}
	}
	return nil
}

func (t *writeTx) UpdateProtectedQuery(ctx context.Context, q *cleanrooms.ProtectedQuery) error {
	what := fmt.Sprintf("update protected query %q", q.ID)
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(q.Status)
	p.addJSON(jsonPtrParam(q.Result))
	p.addJSON(jsonPtrParam(q.Error))
	p.add(q.DurationMillis)
	p.add(q.LeaseOwner)
	p.add(timeParam(q.LeaseExpires))
	p.add(int64(q.Attempts))
	p.add(timeParam(q.UpdateTime))
	p.add(q.ID)
	if p.err != nil {
		return t.fail(p.err, what)
	}
	res, err := t.exec(ctx, updateQuerySQL, p.args...)
	return t.mustAffect(res, err, what)
}

func (t *writeTx) ReleaseQueryLeases(ctx context.Context) (int, error) {
	zero := timeParam(time.Time{})
	res, err := t.exec(ctx, releaseLeasesSQL, zero, zero)
	if err != nil {
		return 0, t.fail(err, "release query leases")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.fail(err, "release query leases")
	}
	return int(n), nil
}
