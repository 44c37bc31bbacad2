package storetest

import (
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var membershipTests = []test{
	{"RoundTrip", testMembershipRoundTrip},
	{"GetMissing", testMembershipGetMissing},
	{"InsertDuplicateID", testMembershipInsertDuplicateID},
	{"SecondMembershipOfAccount", testMembershipSecondOfAccount},
	{"RejoinAfterDelete", testMembershipRejoinAfterDelete},
	{"Update", testMembershipUpdate},
	{"UpdateMissing", testMembershipUpdateMissing},
	{"UpdateKeepsIdentity", testMembershipUpdateKeepsIdentity},
	{"Delete", testMembershipDelete},
	{"ListAndCountFilters", testMembershipListAndCountFilters},
	{"SetStatuses", testSetMembershipStatuses},
	{"NoAliasing", testMembershipNoAliasing},
}

func testMembershipRoundTrip(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	full := fullMembership("m-full", "c1", acctA)
	minimal := membership("m-min", "c1", acctB)
	// Present but empty nested values stay present.
	empty := membership("m-empty", "c1", acctC)
	empty.DefaultResultConfig = &cleanrooms.ResultConfig{}
	empty.DefaultJobResultConfig = &cleanrooms.JobResultConfig{S3: &cleanrooms.S3Output{}}
	empty.IsMetricsEnabled = ptr(false)
	empty.Payment = cleanrooms.PaymentConfig{JobCompute: ptr(false), SyntheticDataGeneration: ptr(true)}

	want := []*cleanrooms.Membership{full, minimal, empty}
	h.mustInsertMembership(want...)
	for _, m := range want {
		checkEqual(t, "GetMembership "+m.ID, m, h.mustGetMembership(m.ID))
	}
}

func testMembershipGetMissing(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	h.mustInsertMembership(membership("m1", "c1", acctA))
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetMembership(h.ctx, "m2")
		return err
	})
	wantErr(t, "GetMembership of an unknown id", err, cleanrooms.ErrNotFound)
}

func testMembershipInsertDuplicateID(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	orig := fullMembership("m1", "c1", acctA)
	h.mustInsertMembership(orig)
	err := h.write(func(tx cleanrooms.Tx) error { return tx.InsertMembership(h.ctx, membership("m1", "c2", acctB)) })
	wantErr(t, "InsertMembership with an existing id", err, cleanrooms.ErrConflict)
	checkEqual(t, "membership after a rejected duplicate", orig, h.mustGetMembership("m1"))
}

func testMembershipSecondOfAccount(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	h.mustInsertMembership(membership("m1", "c1", acctB))
	err := h.write(func(tx cleanrooms.Tx) error { return tx.InsertMembership(h.ctx, membership("m2", "c1", acctB)) })
	wantErr(t, "second InsertMembership of an account in a collaboration", err, cleanrooms.ErrConflict)
	err = h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetMembership(h.ctx, "m2")
		return err
	})
	wantErr(t, "GetMembership of the rejected membership", err, cleanrooms.ErrNotFound)

	// A removed or collaboration-deleted membership still counts.
	m1 := h.mustGetMembership("m1")
	m1.Status = cleanrooms.MembershipRemoved
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateMembership(h.ctx, m1) })
	err = h.write(func(tx cleanrooms.Tx) error { return tx.InsertMembership(h.ctx, membership("m3", "c1", acctB)) })
	wantErr(t, "InsertMembership while a REMOVED membership exists", err, cleanrooms.ErrConflict)

	// Other collaborations and other accounts are unaffected.
	h.mustInsertMembership(membership("m4", "c2", acctB), membership("m5", "c1", acctC))
}

// A member who leaves loses its membership; the uniqueness rule is about
// existing memberships only.
func testMembershipRejoinAfterDelete(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	h.mustInsertMembership(membership("m1", "c1", acctB))
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "m1") })
	again := fullMembership("m2", "c1", acctB)
	h.mustInsertMembership(again)
	checkEqual(t, "membership inserted after the previous one was deleted", again, h.mustGetMembership("m2"))
}

func testMembershipUpdate(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	h.mustInsertMembership(fullMembership("m1", "c1", acctA), membership("m2", "c1", acctB))

	// Every field but the identity (id, account, collaboration) changes.
	toMinimal := membership("m1", "c1", acctA)
	toMinimal.Region = "eu-central-1"
	toMinimal.Status = cleanrooms.MembershipRemoved
	toMinimal.CreateTime = at(-1)
	toFull := fullMembership("m2", "c1", acctB)
	toFull.Status = cleanrooms.MembershipCollaborationDeleted
	toFull.UpdateTime = at(88)
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.UpdateMembership(h.ctx, toMinimal); err != nil {
			return err
		}
		return tx.UpdateMembership(h.ctx, toFull)
	})
	checkEqual(t, "full membership updated to minimal", toMinimal, h.mustGetMembership("m1"))
	checkEqual(t, "minimal membership updated to full", toFull, h.mustGetMembership("m2"))
}

func testMembershipUpdateMissing(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	err := h.write(func(tx cleanrooms.Tx) error { return tx.UpdateMembership(h.ctx, membership("m1", "c1", acctA)) })
	wantErr(t, "UpdateMembership of an unknown id", err, cleanrooms.ErrNotFound)
}

// The identity of a membership (id, account, collaboration) is matched,
// never written: an update that changes it finds no membership and leaves
// the stored one as it was.
func testMembershipUpdateKeepsIdentity(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	h.mustInsertMembership(membership("m1", "c1", acctB))
	want := h.mustGetMembership("m1")
	for _, change := range []func(m *cleanrooms.Membership){
		func(m *cleanrooms.Membership) { m.AccountID = acctC },
		func(m *cleanrooms.Membership) { m.CollaborationID = "c2" },
	} {
		m := h.mustGetMembership("m1")
		change(m)
		m.Status = cleanrooms.MembershipRemoved
		err := h.write(func(tx cleanrooms.Tx) error { return tx.UpdateMembership(h.ctx, m) })
		wantErr(t, "UpdateMembership with another identity", err, cleanrooms.ErrNotFound)
	}
	checkEqual(t, "membership after updates with another identity", want, h.mustGetMembership("m1"))
}

func testMembershipDelete(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	h.mustInsertMembership(membership("m1", "c1", acctB), membership("m2", "c2", acctB))
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "m1") })

	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetMembership(h.ctx, "m1")
		return err
	})
	wantErr(t, "GetMembership after DeleteMembership", err, cleanrooms.ErrNotFound)
	err = h.write(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "m1") })
	wantErr(t, "second DeleteMembership", err, cleanrooms.ErrNotFound)
	err = h.write(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "nope") })
	wantErr(t, "DeleteMembership of an unknown id", err, cleanrooms.ErrNotFound)

	got := listAll(t, h, 100, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.Membership, string, error) {
		return tx.ListMembershipsOf(h.ctx, acctB, nil, p)
	})
	checkEqual(t, "ListMembershipsOf after DeleteMembership", []cleanrooms.Membership{*membership("m2", "c2", acctB)}, got)
	checkCountMemberships(t, h, acctB, nil, 1)
}

func testMembershipListAndCountFilters(t *testing.T, h *harness) {
	var all []*cleanrooms.Membership
	statuses := []string{
		cleanrooms.MembershipActive, cleanrooms.MembershipRemoved,
		cleanrooms.MembershipCollaborationDeleted, cleanrooms.MembershipActive,
	}
	for i, st := range statuses {
		coll := string(rune('a'+i)) + "-coll"
		h.mustInsertCollaboration(collaboration(coll, acctA))
		m := membership(string(rune('z'-i))+"-membership", coll, acctB) // ids sort against creation order
		m.Status = st
		all = append(all, m)
		h.mustInsertMembership(m, membership("other-"+coll, coll, acctC))
	}
	pick := func(idx ...int) []cleanrooms.Membership {
		var out []cleanrooms.Membership
		for _, i := range idx {
			out = append(out, *all[i])
		}
		return out
	}
	for _, tc := range []struct {
		statuses []string
		want     []cleanrooms.Membership
	}{
		{nil, pick(0, 1, 2, 3)},
		{[]string{}, pick(0, 1, 2, 3)},
		{[]string{cleanrooms.MembershipActive}, pick(0, 3)},
		{[]string{cleanrooms.MembershipCollaborationDeleted, cleanrooms.MembershipRemoved}, pick(1, 2)},
		{[]string{"NO_SUCH_STATUS"}, nil},
	} {
		name := "(" + strings.Join(tc.statuses, ",") + ")"
		got := listAll(t, h, 100, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.Membership, string, error) {
			return tx.ListMembershipsOf(h.ctx, acctB, tc.statuses, p)
		})
		checkEqual(t, "ListMembershipsOf"+name, tc.want, got)
		checkCountMemberships(t, h, acctB, tc.statuses, len(tc.want))
	}
	checkCountMemberships(t, h, "999999999999", nil, 0)
}

func checkCountMemberships(t *testing.T, h *harness, account string, statuses []string, want int) {
	t.Helper()
	var got int
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		got, err = tx.CountMembershipsOf(h.ctx, account, statuses)
		return err
	})
	if got != want {
		t.Errorf("CountMembershipsOf(%s, %v) = %d, want %d", account, statuses, got, want)
	}
}

func testSetMembershipStatuses(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	a := fullMembership("ma", "c1", acctA)
	b := membership("mb", "c1", acctB)
	removed := membership("mc", "c1", acctC)
	removed.Status = cleanrooms.MembershipRemoved
	other := membership("md", "c2", acctB)
	h.mustInsertMembership(a, b, removed, other)

	now := at(500)
	var n int
	h.mustWrite(func(tx cleanrooms.Tx) (err error) {
		n, err = tx.SetMembershipStatuses(h.ctx, "c1", cleanrooms.MembershipCollaborationDeleted, now)
		return err
	})
	if n != 2 {
		t.Errorf("SetMembershipStatuses changed %d memberships, want 2", n)
	}
	for _, m := range []*cleanrooms.Membership{a, b} {
		m.Status = cleanrooms.MembershipCollaborationDeleted
		m.UpdateTime = now
	}
	for _, m := range []*cleanrooms.Membership{a, b, removed, other} {
		checkEqual(t, "membership "+m.ID+" after SetMembershipStatuses", m, h.mustGetMembership(m.ID))
	}

	for _, coll := range []string{"c1", "nope"} {
		h.mustWrite(func(tx cleanrooms.Tx) (err error) {
			n, err = tx.SetMembershipStatuses(h.ctx, coll, cleanrooms.MembershipRemoved, at(600))
			return err
		})
		if n != 0 {
			t.Errorf("SetMembershipStatuses(%s) with no ACTIVE membership changed %d, want 0", coll, n)
		}
	}
}

func testMembershipNoAliasing(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	m := fullMembership("m1", "c1", acctA)
	h.mustInsertMembership(m)
	want := fullMembership("m1", "c1", acctA)

	m.DefaultResultConfig.S3.Bucket = "MUTATED"
	*m.DefaultJobResultConfig.S3.KeyPrefix = "MUTATED"
	checkEqual(t, "membership after mutating the inserted record", want, h.mustGetMembership("m1"))

	got := h.mustGetMembership("m1")
	*got.Payment.JobCompute = false
	got.DefaultResultConfig.RoleArn = "MUTATED"
	checkEqual(t, "membership after mutating a returned record", want, h.mustGetMembership("m1"))
}
