package storetest

import (
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var collaborationsOfTests = []test{
	{"Filters", testCollaborationsOfFilters},
	{"ShowsCurrentCollaboration", testCollaborationsOfShowsCurrent},
}

// seedCollaborationsOf gives acctC one row in each of several
// collaborations, created in an order that differs from the
// collaborations' own, and returns acctC's expected items by collaboration
// id.
func seedCollaborationsOf(h *harness) map[string]cleanrooms.CollaborationWithMember {
	h.t.Helper()
	deleted := collaboration("e-deleted", acctA)
	deleted.DeleteTime = ptr(at(9))
	colls := []*cleanrooms.Collaboration{
		collaboration("a-created-by-c", acctC),
		fullCollaboration("b-active", acctA),
		collaboration("c-left", acctB),
		collaboration("d-removed", acctA),
		deleted,
		collaboration("f-not-a-member", acctB),
	}
	h.mustInsertCollaboration(colls...)

	row := func(coll, status string) *cleanrooms.Member {
		m := member(coll, acctC, 1)
		m.Status = status
		return m
	}
	rows := []*cleanrooms.Member{
		fullMember("b-active", acctC, 1), // ACTIVE, created first
		row("a-created-by-c", cleanrooms.MemberInvited),
		row("c-left", cleanrooms.MemberLeft),
		row("d-removed", cleanrooms.MemberRemoved),
		row("e-deleted", cleanrooms.MemberActive),
	}
	h.mustInsertMember(rows...)
	// Other accounts' rows in the same collaborations must not show.
	h.mustInsertMember(member("b-active", acctA, 0), member("f-not-a-member", acctB, 0))

	items := map[string]cleanrooms.CollaborationWithMember{}
	for _, m := range rows {
		for _, c := range colls {
			if c.ID == m.CollaborationID {
				items[c.ID] = cleanrooms.CollaborationWithMember{Collaboration: *c, Member: *m}
			}
		}
	}
	return items
}

func testCollaborationsOfFilters(t *testing.T, h *harness) {
	items := seedCollaborationsOf(h)
	for _, tc := range []struct {
		statuses []string
		want     string // collaboration ids in expected order
	}{
		{[]string{cleanrooms.MemberInvited, cleanrooms.MemberActive}, "b-active a-created-by-c"},
		{[]string{cleanrooms.MemberActive, cleanrooms.MemberInvited}, "b-active a-created-by-c"},
		{[]string{cleanrooms.MemberActive}, "b-active"},
		{[]string{cleanrooms.MemberInvited}, "a-created-by-c"},
		{[]string{cleanrooms.MemberLeft}, "c-left"},
		{[]string{cleanrooms.MemberRemoved, cleanrooms.MemberLeft}, "c-left d-removed"},
		// Empty means every status, as for the membership lists.
		{nil, "b-active a-created-by-c c-left d-removed"},
		{[]string{}, "b-active a-created-by-c c-left d-removed"},
		{[]string{"NO_SUCH_STATUS"}, ""},
	} {
		var want []cleanrooms.CollaborationWithMember
		for _, id := range strings.Fields(tc.want) {
			want = append(want, items[id])
		}
		got := listAll(t, h, 100, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.CollaborationWithMember, string, error) {
			return tx.ListCollaborationsOf(h.ctx, acctC, tc.statuses, p)
		})
		checkEqual(t, "ListCollaborationsOf(acctC, "+strings.Join(tc.statuses, ",")+")", want, got)
	}

	got := listAll(t, h, 100, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.CollaborationWithMember, string, error) {
		return tx.ListCollaborationsOf(h.ctx, "999999999999", nil, p)
	})
	if len(got) != 0 {
		t.Errorf("ListCollaborationsOf(unknown account) = %v, want none", got)
	}
}

// The item carries the collaboration as it is now and the row as it is
// now, and a collaboration deleted later disappears.
func testCollaborationsOfShowsCurrent(t *testing.T, h *harness) {
	items := seedCollaborationsOf(h)
	b := items["b-active"]
	b.Collaboration.Name = "renamed"
	b.Member.Status = cleanrooms.MemberActive
	b.Member.DisplayName = "new display name"
	a := items["a-created-by-c"].Collaboration
	a.DeleteTime = ptr(at(100))
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.UpdateCollaboration(h.ctx, &b.Collaboration); err != nil {
			return err
		}
		if err := tx.UpdateMember(h.ctx, &b.Member); err != nil {
			return err
		}
		return tx.UpdateCollaboration(h.ctx, &a)
	})
	got := listAll(t, h, 100, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.CollaborationWithMember, string, error) {
		return tx.ListCollaborationsOf(h.ctx, acctC, []string{cleanrooms.MemberInvited, cleanrooms.MemberActive}, p)
	})
	checkEqual(t, "ListCollaborationsOf after rename, row update and delete", []cleanrooms.CollaborationWithMember{b}, got)
}
