package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// ListCollaborationsOf lists by the account's member rows, keyset m.seq. An
// empty statuses means every status, as for the membership lists.
func (t *readTx) ListCollaborationsOf(ctx context.Context, accountID string, statuses []string, p cleanrooms.Page) ([]cleanrooms.CollaborationWithMember, string, error) {
	what := fmt.Sprintf("list collaborations of %q", accountID)
	if err := checkLimit(p); err != nil {
		return nil, "", err
	}
	scope := cursorScope("collaborations-of", append([]string{accountID}, statusScope(statuses)...)...)
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
	rows, err := t.query(ctx, collaborationsOfSQL(len(statuses)), args...)
	if err != nil {
		return nil, "", t.fail(err, what)
	}
	items, next, err := readPage(rows, p.Limit, scope, func(rows *sql.Rows) (cleanrooms.CollaborationWithMember, []int64, error) {
		var cr collaborationRow
		var mr memberRow
		var seq int64
		var item cleanrooms.CollaborationWithMember
		if err := rows.Scan(append(append(cr.dest(), mr.dest()...), &seq)...); err != nil {
			return item, nil, err
		}
		var err error
		if item.Collaboration, err = cr.record(); err != nil {
			return item, nil, err
		}
		item.Member, err = mr.record()
		return item, []int64{seq}, err
	})
	if err != nil {
		return nil, "", t.fail(err, what)
	}
	return items, next, nil
}

// collaborationsOfSQL walks members_by_account in seq order and looks up
// each row's collaboration by id; the status and deleted filters are
// applied to the rows walked.
func collaborationsOfSQL(statuses int) string {
	return "SELECT " + selectList("c", collaborationCols) + ", " + selectList("m", memberCols) + ", m.seq" +
		" FROM members m JOIN collaborations c ON c.id = m.collaboration_id" +
		" WHERE m.account_id = ? AND m.seq > ? AND c.delete_time IS NULL" + statusClause("m.status", statuses) +
		" ORDER BY m.seq LIMIT ?"
}
