package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var memberCols = []string{
	"collaboration_id", "account_id", "position",
	"display_name", "abilities", "ml_abilities",
	"status", "payment", "membership_id",
	"create_time", "update_time",
}

var memberKey = []string{"collaboration_id", "account_id"}

var (
	insertMemberSQL = prepared(insertSQL("members", memberCols))
	updateMemberSQL = prepared(updateSQL("members", memberCols, memberKey...))
	getMemberSQL    = preparedRead("SELECT " + selectList("m", memberCols) + " FROM members m WHERE m.collaboration_id = ? AND m.account_id = ?")
	// Keyset (position, seq): Position orders the rows, seq breaks ties so
	// the order is total even if two rows share a position. The rows are
	// found through UNIQUE (collaboration_id, account_id) and sorted: at
	// most the members quota of them (migration 0009).
	listMembersSQL      = preparedRead("SELECT " + selectList("m", memberCols) + ", m.seq FROM members m WHERE m.collaboration_id = ? ORDER BY m.position, m.seq LIMIT ?")
	listMembersAfterSQL = preparedRead("SELECT " + selectList("m", memberCols) + ", m.seq FROM members m WHERE m.collaboration_id = ? AND (m.position, m.seq) > (?, ?) ORDER BY m.position, m.seq LIMIT ?")
)

func memberArgs(m *cleanrooms.Member) ([]any, error) {
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(m.CollaborationID)
	p.add(m.AccountID)
	p.add(m.Position)
	p.add(m.DisplayName)
	p.addJSON(stringsParam(m.Abilities))
	p.addJSON(stringsParam(m.MLAbilities))
	p.add(m.Status)
	p.add(paymentParam(m.Payment))
	p.add(m.MembershipID)
	p.add(timeParam(m.CreateTime))
	p.add(timeParam(m.UpdateTime))
	return p.args, p.err
}

// memberRow receives one row in memberCols order.
type memberRow struct {
	m                      cleanrooms.Member
	abilities, mlAbilities sql.NullString
	payment                string
	createTime, updateTime int64
}

func (r *memberRow) dest() []any {
	m := &r.m
	return []any{
		&m.CollaborationID, &m.AccountID, &m.Position,
		&m.DisplayName, &r.abilities, &r.mlAbilities,
		&m.Status, &r.payment, &m.MembershipID,
		&r.createTime, &r.updateTime,
	}
}

func (r *memberRow) record() (cleanrooms.Member, error) {
	m := r.m
	var err error
	if m.Abilities, err = stringsValue(r.abilities); err != nil {
		return m, err
	}
	if m.MLAbilities, err = stringsValue(r.mlAbilities); err != nil {
		return m, err
	}
	if err := paymentValue(r.payment, &m.Payment); err != nil {
		return m, err
	}
	m.CreateTime = timeValue(r.createTime)
	m.UpdateTime = timeValue(r.updateTime)
	return m, nil
}

func (t *readTx) GetMember(ctx context.Context, collaborationID, accountID string) (*cleanrooms.Member, error) {
	what := func() string { return fmt.Sprintf("get member %q of collaboration %q", accountID, collaborationID) } // on failure only
	var r memberRow
	if err := t.queryRow(ctx, getMemberSQL, collaborationID, accountID).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what())
	}
	m, err := r.record()
	if err != nil {
		return nil, t.fail(err, what())
	}
	return &m, nil
}

func (t *readTx) ListMembers(ctx context.Context, collaborationID string, p cleanrooms.Page) ([]cleanrooms.Member, string, error) {
	what := func() string { return fmt.Sprintf("list members of collaboration %q", collaborationID) } // on failure only
	if err := checkLimit(p); err != nil {
		return nil, "", err
	}
	scope := cursorScope("members", collaborationID)
	var rows sqlRows
	var err error
	if p.Cursor == "" {
		rows, err = t.query(ctx, listMembersSQL, collaborationID, p.Limit+1)
	} else {
		after, cerr := decodeCursor(p.Cursor, scope, 2)
		if cerr != nil {
			return nil, "", cerr
		}
		rows, err = t.query(ctx, listMembersAfterSQL, collaborationID, after[0], after[1], p.Limit+1)
	}
	if err != nil {
		return nil, "", t.fail(err, what())
	}
	items, next, err := readPage(rows, p.Limit, scope, func(rows sqlRows) (cleanrooms.Member, []int64, error) {
		var r memberRow
		var seq int64
		if err := rows.Scan(append(r.dest(), &seq)...); err != nil {
			return cleanrooms.Member{}, nil, err
		}
		m, err := r.record()
		return m, []int64{int64(m.Position), seq}, err
	})
	if err != nil {
		return nil, "", t.fail(err, what())
	}
	return items, next, nil
}

func (t *writeTx) InsertMember(ctx context.Context, m *cleanrooms.Member) error {
	what := fmt.Sprintf("insert member %q of collaboration %q", m.AccountID, m.CollaborationID)
	args, err := memberArgs(m)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertMemberSQL, args...); err != nil {
		return t.fail(err, what)
	}
	return nil
}

func (t *writeTx) UpdateMember(ctx context.Context, m *cleanrooms.Member) error {
	what := fmt.Sprintf("update member %q of collaboration %q", m.AccountID, m.CollaborationID)
	args, err := memberArgs(m)
	if err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, updateMemberSQL, updateArgs(memberCols, args, memberKey...)...)
	return t.mustAffect(res, err, what)
}

// optionalMemberRow receives a member row from a LEFT JOIN, in memberCols
// order: every column is NULL when there is no row.
type optionalMemberRow struct {
	collaborationID, accountID sql.NullString
	position                   sql.NullInt64
	displayName                sql.NullString
	abilities, mlAbilities     sql.NullString
	status, payment            sql.NullString
	membershipID               sql.NullString
	createTime, updateTime     sql.NullInt64
}

func (r *optionalMemberRow) dest() []any { return r.appendDest(make([]any, 0, 11)) }

// appendDest appends dest's pointers to d (joined rows share one slice).
func (r *optionalMemberRow) appendDest(d []any) []any {
	return append(d,
		&r.collaborationID, &r.accountID, &r.position,
		&r.displayName, &r.abilities, &r.mlAbilities,
		&r.status, &r.payment, &r.membershipID,
		&r.createTime, &r.updateTime,
	)
}

// record returns the member, or nil if the join found no row (account_id
// is NOT NULL in a row that exists).
func (r *optionalMemberRow) record() (*cleanrooms.Member, error) {
	if !r.accountID.Valid {
		return nil, nil
	}
	row := memberRow{
		m: cleanrooms.Member{
			CollaborationID: r.collaborationID.String, AccountID: r.accountID.String, Position: int(r.position.Int64),
			DisplayName: r.displayName.String, Status: r.status.String, MembershipID: r.membershipID.String,
		},
		abilities: r.abilities, mlAbilities: r.mlAbilities,
		payment: r.payment.String, createTime: r.createTime.Int64, updateTime: r.updateTime.Int64,
	}
	m, err := row.record()
	if err != nil {
		return nil, err
	}
	return &m, nil
}
