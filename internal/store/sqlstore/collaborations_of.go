package sqlstore

import (
	"context"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// ListCollaborationsOf lists by the account's member rows, keyset m.seq. An
// empty statuses means every status, as for the membership lists.
func (t *readTx) ListCollaborationsOf(ctx context.Context, accountID string, statuses []string, p cleanrooms.Page) ([]cleanrooms.CollaborationWithMember, string, error) {
	return accountPage(t, ctx, "collaborations-of", accountID, statuses, p, collaborationsOfSQL, func(rows sqlRows) (cleanrooms.CollaborationWithMember, int64, error) {
		var cr collaborationRow
		var mr memberRow
		var seq int64
		var item cleanrooms.CollaborationWithMember
		if err := rows.Scan(append(append(cr.dest(), mr.dest()...), &seq)...); err != nil {
			return item, 0, err
		}
		var err error
		if item.Collaboration, err = cr.record(); err != nil {
			return item, 0, err
		}
		item.Member, err = mr.record()
		return item, seq, err
	})
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
