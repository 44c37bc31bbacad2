package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var membershipCols = []string{
	"id", "account_id", "region", "collaboration_id",
	"status", "query_log_status", "job_log_status", "is_metrics_enabled",
	"default_result_config", "default_job_result_config", "payment",
	"create_time", "update_time",
}

// membershipIdentity is what UpdateMembership matches and never sets: an
// UPDATE that sets an indexed column rewrites that index's entry even when
// the value is the same, and account_id and collaboration_id are in three
// of the table's four indexes (issue 10).
var membershipIdentity = []string{"id", "account_id", "collaboration_id"}

var (
	insertMembershipSQL  = prepared(insertSQL("memberships", membershipCols))
	updateMembershipSQL  = prepared(updateSQL("memberships", membershipCols, membershipIdentity...))
	getMembershipSQL     = preparedRead("SELECT " + selectList("ms", membershipCols) + " FROM memberships ms WHERE ms.id = ?")
	getMembershipWithSQL = preparedRead("SELECT " + membershipWithCols + membershipWithFrom + " WHERE ms.id = ?")
	deleteMembershipSQL  = prepared("DELETE FROM memberships WHERE id = ?")
	setStatusesSQL       = prepared("UPDATE memberships SET status = ?, update_time = ? WHERE collaboration_id = ? AND status = ?")
)

func membershipArgs(m *cleanrooms.Membership) ([]any, error) {
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(m.ID)
	p.add(m.AccountID)
	p.add(m.Region)
	p.add(m.CollaborationID)
	p.add(m.Status)
	p.add(m.QueryLogStatus)
	p.add(m.JobLogStatus)
	p.add(boolPtrParam(m.IsMetricsEnabled))
	p.addJSON(jsonPtrParam(m.DefaultResultConfig))
	p.addJSON(jsonPtrParam(m.DefaultJobResultConfig))
	p.add(paymentParam(m.Payment))
	p.add(timeParam(m.CreateTime))
	p.add(timeParam(m.UpdateTime))
	return p.args, p.err
}

// membershipRow receives one row in membershipCols order.
type membershipRow struct {
	m                         cleanrooms.Membership
	isMetricsEnabled          sql.NullBool
	resultConfig, jobResultCf sql.NullString
	payment                   string
	createTime, updateTime    int64
}

func (r *membershipRow) dest() []any { return r.appendDest(make([]any, 0, 13)) }

// appendDest appends dest's pointers to d (joined rows share one slice).
func (r *membershipRow) appendDest(d []any) []any {
	m := &r.m
	return append(d,
		&m.ID, &m.AccountID, &m.Region, &m.CollaborationID,
		&m.Status, &m.QueryLogStatus, &m.JobLogStatus, &r.isMetricsEnabled,
		&r.resultConfig, &r.jobResultCf, &r.payment,
		&r.createTime, &r.updateTime,
	)
}

func (r *membershipRow) record() (cleanrooms.Membership, error) {
	m := r.m
	var err error
	m.IsMetricsEnabled = boolPtrValue(r.isMetricsEnabled)
	if m.DefaultResultConfig, err = resultConfigValue[cleanrooms.ResultConfig](r.resultConfig); err != nil {
		return m, err
	}
	if m.DefaultJobResultConfig, err = resultConfigValue[cleanrooms.JobResultConfig](r.jobResultCf); err != nil {
		return m, err
	}
	if err := paymentValue(r.payment, &m.Payment); err != nil {
		return m, err
	}
	m.CreateTime = timeValue(r.createTime)
	m.UpdateTime = timeValue(r.updateTime)
	return m, nil
}

func (t *readTx) GetMembership(ctx context.Context, id string) (*cleanrooms.Membership, error) {
	what := func() string { return fmt.Sprintf("get membership %q", id) } // on failure only
	var r membershipRow
	if err := t.queryRow(ctx, getMembershipSQL, id).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what())
	}
	m, err := r.record()
	if err != nil {
		return nil, t.fail(err, what())
	}
	return &m, nil
}

// membershipWithFrom joins a membership to its collaboration, which
// always exists (memberships.collaboration_id is a foreign key and
// collaborations are never deleted), and to the member's row, which the
// service never leaves missing but the store does not require: LEFT JOIN,
// so that a membership without one is still returned, with a nil Member.
// Plan: the membership by its unique id or by its account's keyset index,
// then the unique indexes on collaborations (id) and members
// (collaboration_id, account_id).
const membershipWithFrom = " FROM memberships ms JOIN collaborations c ON c.id = ms.collaboration_id" +
	" LEFT JOIN members m ON m.collaboration_id = ms.collaboration_id AND m.account_id = ms.account_id"

var membershipWithCols = selectList("ms", membershipCols) + ", " + selectList("c", collaborationCols) + ", " + selectList("m", memberCols)

// membershipWithRow receives one row of membershipWithCols.
type membershipWithRow struct {
	ms membershipRow
	c  collaborationRow
	m  optionalMemberRow
	// dst backs dest: the row is on the heap already (Scan holds pointers
	// into it), so its 40 destinations (and a list's keyset column) cost no
	// allocation of their own.
	dst [41]any
}

func (r *membershipWithRow) dest() []any {
	return r.m.appendDest(r.c.appendDest(r.ms.appendDest(r.dst[:0])))
}

func (r *membershipWithRow) record() (cleanrooms.MembershipWith, error) {
	var w cleanrooms.MembershipWith
	var err error
	if w.Membership, err = r.ms.record(); err != nil {
		return w, err
	}
	if w.Collaboration, err = r.c.record(); err != nil {
		return w, err
	}
	w.Member, err = r.m.record()
	return w, err
}

// membershipSummaryCols are the columns of a cleanrooms.MembershipSummary,
// in membershipSummaryRow's order.
const membershipSummaryCols = "ms.id, ms.account_id, ms.region, ms.collaboration_id, ms.status, ms.payment, ms.create_time, ms.update_time," +
	" c.region, c.creator_account_id, c.creator_display_name, c.name," +
	" m.account_id, m.abilities, m.ml_abilities"

// membershipSummaryRow receives one row of membershipSummaryCols; the
// member's columns are NULL when the LEFT JOIN found no row.
type membershipSummaryRow struct {
	s                      cleanrooms.MembershipSummary
	payment                string
	createTime, updateTime int64
	memberAccount          sql.NullString
	abilities, mlAbilities sql.NullString
}

// dest has room for a list's keyset column after the row's.
func (r *membershipSummaryRow) dest() []any {
	s := &r.s
	return append(make([]any, 0, 16),
		&s.ID, &s.AccountID, &s.Region, &s.CollaborationID, &s.Status, &r.payment, &r.createTime, &r.updateTime,
		&s.CollaborationRegion, &s.CollaborationCreatorAccountID, &s.CollaborationCreatorDisplayName, &s.CollaborationName,
		&r.memberAccount, &r.abilities, &r.mlAbilities,
	)
}

func (r *membershipSummaryRow) record() (cleanrooms.MembershipSummary, error) {
	s := r.s
	if err := paymentValue(r.payment, &s.Payment); err != nil {
		return s, err
	}
	s.CreateTime, s.UpdateTime = timeValue(r.createTime), timeValue(r.updateTime)
	if !r.memberAccount.Valid { // account_id is NOT NULL in a row that exists
		return s, nil
	}
	var err error
	s.HasMember = true
	if s.Abilities, err = stringsValue(r.abilities); err != nil {
		return s, err
	}
	s.MLAbilities, err = stringsValue(r.mlAbilities)
	return s, err
}

func (t *readTx) GetMembershipWith(ctx context.Context, id string) (*cleanrooms.MembershipWith, error) {
	what := func() string { return fmt.Sprintf("get membership %q with its collaboration and member", id) } // on failure only
	var r membershipWithRow
	if err := t.queryRow(ctx, getMembershipWithSQL, id).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what())
	}
	w, err := r.record()
	if err != nil {
		return nil, t.fail(err, what())
	}
	return &w, nil
}

func (t *readTx) ListMembershipsOf(ctx context.Context, accountID string, statuses []string, p cleanrooms.Page) ([]cleanrooms.Membership, string, error) {
	var r membershipRow // reused: record copies what it returns out of it
	return accountPage(t, ctx, "memberships-of", accountID, statuses, p, membershipsOfSQL, func(rows sqlRows) (cleanrooms.Membership, int64, error) {
		r = membershipRow{}
		var seq int64
		if err := rows.Scan(append(r.dest(), &seq)...); err != nil {
			return cleanrooms.Membership{}, 0, err
		}
		m, err := r.record()
		return m, seq, err
	})
}

func (t *readTx) ListMembershipSummariesOf(ctx context.Context, accountID string, statuses []string, p cleanrooms.Page) ([]cleanrooms.MembershipSummary, string, error) {
	r := new(membershipSummaryRow) // reused: record copies what it returns out of it
	var seq int64
	dest := append(r.dest(), &seq) // one slice a page
	return accountPage(t, ctx, "memberships-of", accountID, statuses, p, membershipSummariesOfSQL, func(rows sqlRows) (cleanrooms.MembershipSummary, int64, error) {
		*r = membershipSummaryRow{}
		if err := rows.Scan(dest...); err != nil {
			return cleanrooms.MembershipSummary{}, 0, err
		}
		w, err := r.record()
		return w, seq, err
	})
}

// accountPage reads one page of an account's list (scope names the list,
// which binds its cursors) with the statement that query returns for a
// number of statuses, whose last column is the keyset seq.
// ListMembershipsOf and ListMembershipSummariesOf share the scope
// "memberships-of", so their cursors are interchangeable.
func accountPage[T any](t *readTx, ctx context.Context, list, accountID string, statuses []string, p cleanrooms.Page,
	query func(statuses int) string, scan func(sqlRows) (T, int64, error)) ([]T, string, error) {
	what := func() string { return fmt.Sprintf("list %s %q", list, accountID) } // on failure only
	if err := checkLimit(p); err != nil {
		return nil, "", err
	}
	scope := cursorScope(list, append([]string{accountID}, statusScope(statuses)...)...)
	var after int64 // seq starts at 1
	if p.Cursor != "" {
		keys, err := decodeCursor(p.Cursor, scope, 1)
		if err != nil {
			return nil, "", err
		}
		after = keys[0]
	}
	args := append([]any{accountID, after}, anys(statuses)...)
	args = append(args, p.Limit+1)
	rows, err := t.query(ctx, query(len(statuses)), args...)
	if err != nil {
		return nil, "", t.fail(err, what())
	}
	items, next, err := readPage(rows, p.Limit, scope, func(rows sqlRows) (T, []int64, error) {
		item, seq, err := scan(rows)
		return item, []int64{seq}, err
	})
	if err != nil {
		return nil, "", t.fail(err, what())
	}
	return items, next, nil
}

// membershipsOfSQL is a keyset seek on memberships_by_account_status for a
// single status and on memberships_by_account otherwise (several statuses
// are filtered while walking the account's rows in seq order, which beats
// sorting the union of per-status ranges).
func membershipsOfSQL(statuses int) string {
	return "SELECT " + selectList("ms", membershipCols) + ", ms.seq FROM memberships ms" +
		" WHERE ms.account_id = ? AND ms.seq > ?" + statusClause("ms.status", statuses) +
		" ORDER BY ms.seq LIMIT ?"
}

// membershipSummariesOfSQL is membershipsOfSQL joined as
// GetMembershipWith: the same seek, then two unique-index lookups per row
// of the page, reading the summary's 15 columns instead of 40.
func membershipSummariesOfSQL(statuses int) string {
	return "SELECT " + membershipSummaryCols + ", ms.seq" + membershipWithFrom +
		" WHERE ms.account_id = ? AND ms.seq > ?" + statusClause("ms.status", statuses) +
		" ORDER BY ms.seq LIMIT ?"
}

// countMembershipsOfSQL adds up the account's counts (migration 0002) of
// the statuses asked for, or of every status: at most one row per status,
// whatever the number of memberships. IN ignores a status given twice, as
// a filter on the rows would.
func countMembershipsOfSQL(statuses int) string {
	return "SELECT COALESCE(SUM(n), 0) FROM membership_counts WHERE account_id = ?" + statusClause("status", statuses)
}

func (t *readTx) CountMembershipsOf(ctx context.Context, accountID string, statuses []string) (int, error) {
	var n int
	if err := t.queryRow(ctx, countMembershipsOfSQL(len(statuses)), append([]any{accountID}, anys(statuses)...)...).Scan(&n); err != nil {
		return 0, t.fail(err, fmt.Sprintf("count memberships of %q", accountID))
	}
	return n, nil
}

func (t *writeTx) InsertMembership(ctx context.Context, m *cleanrooms.Membership) error {
	what := fmt.Sprintf("insert membership %q", m.ID)
	args, err := membershipArgs(m)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertMembershipSQL, args...); err != nil {
		return t.fail(err, what)
	}
	return nil
}

func (t *writeTx) UpdateMembership(ctx context.Context, m *cleanrooms.Membership) error {
	what := fmt.Sprintf("update membership %q", m.ID)
	args, err := membershipArgs(m)
	if err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, updateMembershipSQL, updateArgs(membershipCols, args, membershipIdentity...)...)
	return t.mustAffect(res, err, what)
}

func (t *writeTx) DeleteMembership(ctx context.Context, id string) error {
	res, err := t.exec(ctx, deleteMembershipSQL, id)
	return t.mustAffect(res, err, fmt.Sprintf("delete membership %q", id))
}

func (t *writeTx) SetMembershipStatuses(ctx context.Context, collaborationID, status string, now time.Time) (int, error) {
	res, err := t.exec(ctx, setStatusesSQL, status, timeParam(now), collaborationID, cleanrooms.MembershipActive)
	what := fmt.Sprintf("set membership statuses of collaboration %q", collaborationID)
	if err != nil {
		return 0, t.fail(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.fail(err, what)
	}
	return int(n), nil
}
