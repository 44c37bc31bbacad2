package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The counts may be kept apart from the rows they count (to cost the same
// at any size), so these tests drive every write that can change them and
// compare with the rows.
var countTests = []test{
	{"CollaborationsFollowWrites", testCountCollaborationsFollowWrites},
	{"MembershipsFollowWrites", testCountMembershipsFollowWrites},
	{"RolledBackWritesDoNotCount", testCountsRolledBack},
}

var countFilters = [][]string{
	nil,
	{cleanrooms.MembershipActive},
	{cleanrooms.MembershipRemoved},
	{cleanrooms.MembershipCollaborationDeleted},
	{cleanrooms.MembershipActive, cleanrooms.MembershipRemoved},
	{cleanrooms.MembershipActive, cleanrooms.MembershipActive},
	{cleanrooms.MembershipRemoved, cleanrooms.MembershipCollaborationDeleted, cleanrooms.MembershipActive},
	{"NO_SUCH_STATUS"},
}

func checkCountCollaborations(t *testing.T, h *harness, step string, want map[string]int) {
	t.Helper()
	for acct, n := range want {
		var got int
		h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
			got, err = tx.CountCollaborationsCreatedBy(h.ctx, acct)
			return err
		})
		if got != n {
			t.Errorf("%s: CountCollaborationsCreatedBy(%s) = %d, want %d", step, acct, got, n)
		}
	}
}

func testCountCollaborationsFollowWrites(t *testing.T, h *harness) {
	deleted := collaboration("a3", acctA)
	deleted.DeleteTime = ptr(at(1))
	h.mustInsertCollaboration(collaboration("a1", acctA), collaboration("a2", acctA), deleted, collaboration("b1", acctB))
	checkCountCollaborations(t, h, "after inserts", map[string]int{acctA: 2, acctB: 1, acctC: 0})

	update := func(id string, change func(c *cleanrooms.Collaboration)) {
		c := h.mustGetCollaboration(id)
		change(c)
		h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateCollaboration(h.ctx, c) })
	}
	update("a1", func(c *cleanrooms.Collaboration) { c.DeleteTime = ptr(at(2)) })
	checkCountCollaborations(t, h, "after deleting a1", map[string]int{acctA: 1, acctB: 1})
	update("a1", func(c *cleanrooms.Collaboration) { c.DeleteTime = ptr(at(3)) })
	checkCountCollaborations(t, h, "after changing a1's delete time", map[string]int{acctA: 1, acctB: 1})
	update("a3", func(c *cleanrooms.Collaboration) { c.DeleteTime = nil })
	checkCountCollaborations(t, h, "after undeleting a3", map[string]int{acctA: 2, acctB: 1})
	update("a2", func(c *cleanrooms.Collaboration) { c.Name = "renamed"; c.UpdateTime = at(4) })
	checkCountCollaborations(t, h, "after renaming a2", map[string]int{acctA: 2, acctB: 1})
	update("a2", func(c *cleanrooms.Collaboration) { c.CreatorAccountID = acctC })
	checkCountCollaborations(t, h, "after moving a2 to acctC", map[string]int{acctA: 1, acctB: 1, acctC: 1})
	update("a1", func(c *cleanrooms.Collaboration) { c.CreatorAccountID = acctC })
	checkCountCollaborations(t, h, "after moving deleted a1 to acctC", map[string]int{acctA: 1, acctB: 1, acctC: 1})
	update("a2", func(c *cleanrooms.Collaboration) { c.CreatorAccountID, c.DeleteTime = acctB, ptr(at(5)) })
	checkCountCollaborations(t, h, "after moving a2 to acctB and deleting it", map[string]int{acctA: 1, acctB: 1, acctC: 0})

	// A transaction counts its own writes.
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for i := range 3 {
			if err := tx.InsertCollaboration(h.ctx, collaboration(fmt.Sprintf("c%d", i), acctC)); err != nil {
				return err
			}
		}
		n, err := tx.CountCollaborationsCreatedBy(h.ctx, acctC)
		if err == nil && n != 3 {
			t.Errorf("CountCollaborationsCreatedBy(acctC) in the inserting transaction = %d, want 3", n)
		}
		return err
	})
	checkCountCollaborations(t, h, "after a transaction of three inserts", map[string]int{acctA: 1, acctB: 1, acctC: 3})
}

// checkMembershipCounts compares CountMembershipsOf, for every filter,
// with the memberships ListMembershipsOf lists.
func checkMembershipCounts(t *testing.T, h *harness, step string, accounts ...string) {
	t.Helper()
	for _, acct := range accounts {
		all := listAll(t, h, 100, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.Membership, string, error) {
			return tx.ListMembershipsOf(h.ctx, acct, nil, p)
		})
		for _, filter := range countFilters {
			want := 0
			for _, m := range all {
				if len(filter) == 0 || slices.Contains(filter, m.Status) {
					want++
				}
			}
			var got int
			h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
				got, err = tx.CountMembershipsOf(h.ctx, acct, filter)
				return err
			})
			if got != want {
				t.Errorf("%s: CountMembershipsOf(%s, %v) = %d, want %d", step, acct, filter, got, want)
			}
		}
	}
}

func testCountMembershipsFollowWrites(t *testing.T, h *harness) {
	for i := range 6 {
		h.mustInsertCollaboration(collaboration(fmt.Sprintf("c%d", i), acctA))
	}
	removed := membership("b2", "c2", acctB)
	removed.Status = cleanrooms.MembershipRemoved
	h.mustInsertMembership(membership("b0", "c0", acctB), membership("b1", "c1", acctB), removed,
		membership("c0", "c0", acctC), membership("a0", "c0", acctA))
	checkMembershipCounts(t, h, "after inserts", acctA, acctB, acctC)

	update := func(id string, change func(m *cleanrooms.Membership)) {
		m := h.mustGetMembership(id)
		change(m)
		h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateMembership(h.ctx, m) })
	}
	update("b1", func(m *cleanrooms.Membership) { m.Status = cleanrooms.MembershipRemoved })
	checkMembershipCounts(t, h, "after removing b1", acctB)
	update("b1", func(m *cleanrooms.Membership) { m.QueryLogStatus = "ENABLED"; m.UpdateTime = at(90) })
	checkMembershipCounts(t, h, "after changing b1's settings", acctB)
	update("b2", func(m *cleanrooms.Membership) { m.Status = cleanrooms.MembershipActive })
	checkMembershipCounts(t, h, "after reactivating b2", acctB)
	// (UpdateMembership cannot move a membership to another account: its
	// identity is fixed. sqlstore's TestCountsFollowAccountMoves moves one
	// by SQL.)
	update("c0", func(m *cleanrooms.Membership) { m.Status = cleanrooms.MembershipRemoved })
	checkMembershipCounts(t, h, "after removing c0", acctB, acctC)

	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "b1") })
	checkMembershipCounts(t, h, "after deleting REMOVED b1", acctB)
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "b0") })
	checkMembershipCounts(t, h, "after deleting ACTIVE b0", acctB)

	h.mustInsertMembership(membership("b4", "c4", acctB), membership("a4", "c4", acctA), membership("c4", "c4", acctC))
	h.mustWrite(func(tx cleanrooms.Tx) error {
		n, err := tx.SetMembershipStatuses(h.ctx, "c4", cleanrooms.MembershipCollaborationDeleted, at(95))
		if err == nil && n != 3 {
			t.Errorf("SetMembershipStatuses changed %d, want 3", n)
		}
		return err
	})
	checkMembershipCounts(t, h, "after SetMembershipStatuses", acctA, acctB, acctC)

	// A rejected duplicate counts nothing; a transaction counts its own
	// writes.
	err := h.write(func(tx cleanrooms.Tx) error { return tx.InsertMembership(h.ctx, membership("b5", "c4", acctB)) })
	wantErr(t, "second membership of acctB in c4", err, cleanrooms.ErrConflict)
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.InsertMembership(h.ctx, membership("b5", "c5", acctB)); err != nil {
			return err
		}
		n, err := tx.CountMembershipsOf(h.ctx, acctB, []string{cleanrooms.MembershipActive})
		if err == nil && n != 2 {
			t.Errorf("CountMembershipsOf(acctB, ACTIVE) in the inserting transaction = %d, want 2", n)
		}
		return err
	})
	checkMembershipCounts(t, h, "at the end", acctA, acctB, acctC, "999999999999")
}

func testCountsRolledBack(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	h.mustInsertMembership(membership("m1", "c1", acctB))
	boom := errors.New("boom")
	err := h.write(func(tx cleanrooms.Tx) error {
		if err := tx.InsertCollaboration(h.ctx, collaboration("c3", acctA)); err != nil {
			return err
		}
		c2 := collaboration("c2", acctA)
		c2.DeleteTime = ptr(at(9))
		if err := tx.UpdateCollaboration(h.ctx, c2); err != nil {
			return err
		}
		if err := tx.InsertMembership(h.ctx, membership("m2", "c2", acctB)); err != nil {
			return err
		}
		if err := tx.DeleteMembership(h.ctx, "m1"); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Transact = %v, want fn's error", err)
	}
	checkCountCollaborations(t, h, "after a rolled back transaction", map[string]int{acctA: 2})
	checkMembershipCounts(t, h, "after a rolled back transaction", acctB)
}
