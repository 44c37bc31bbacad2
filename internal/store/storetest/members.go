package storetest

import (
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var memberTests = []test{
	{"RoundTrip", testMemberRoundTrip},
	{"GetMissing", testMemberGetMissing},
	{"InsertDuplicate", testMemberInsertDuplicate},
	{"Update", testMemberUpdate},
	{"UpdateMissing", testMemberUpdateMissing},
	{"ListByPosition", testListMembersByPosition},
	{"NoAliasing", testMemberNoAliasing},
}

func testMemberRoundTrip(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	full := fullMember("c1", acctA, 0)
	invited := member("c1", acctB, 1) // Abilities []string{}, MLAbilities nil
	emptyML := member("c1", acctC, 2)
	emptyML.MLAbilities = []string{}
	emptyML.Payment = cleanrooms.PaymentConfig{QueryCompute: true, ModelTraining: ptr(false)}

	want := []*cleanrooms.Member{full, invited, emptyML}
	h.mustInsertMember(want...)
	for _, m := range want {
		checkEqual(t, "GetMember "+m.AccountID, m, h.mustGetMember("c1", m.AccountID))
	}
}

func testMemberGetMissing(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	h.mustInsertMember(member("c1", acctA, 0))
	for _, k := range [][2]string{{"c1", acctB}, {"c2", acctA}, {"nope", acctA}} {
		err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
			_, err := tx.GetMember(h.ctx, k[0], k[1])
			return err
		})
		wantErr(t, "GetMember("+k[0]+", "+k[1]+")", err, cleanrooms.ErrNotFound)
	}
}

func testMemberInsertDuplicate(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	orig := fullMember("c1", acctB, 1)
	h.mustInsertMember(orig)

	dup := member("c1", acctB, 7)
	err := h.write(func(tx cleanrooms.Tx) error { return tx.InsertMember(h.ctx, dup) })
	wantErr(t, "InsertMember of an account that already has a row", err, cleanrooms.ErrConflict)
	checkEqual(t, "member after a rejected duplicate", orig, h.mustGetMember("c1", acctB))

	// The same account in another collaboration, and another account in
	// the same collaboration, are different rows.
	h.mustInsertMember(member("c2", acctB, 0), member("c1", acctC, 2))
}

func testMemberUpdate(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	h.mustInsertMember(fullMember("c1", acctA, 0), member("c1", acctB, 1))

	toMinimal := member("c1", acctA, 5)
	toMinimal.Status = cleanrooms.MemberLeft
	toFull := fullMember("c1", acctB, 9)
	toFull.Status = cleanrooms.MemberRemoved
	toFull.MembershipID = ""
	toFull.UpdateTime = at(77)
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.UpdateMember(h.ctx, toMinimal); err != nil {
			return err
		}
		return tx.UpdateMember(h.ctx, toFull)
	})
	checkEqual(t, "full member updated to minimal", toMinimal, h.mustGetMember("c1", acctA))
	checkEqual(t, "minimal member updated to full", toFull, h.mustGetMember("c1", acctB))
}

func testMemberUpdateMissing(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	h.mustInsertMember(member("c1", acctA, 0))
	for _, m := range []*cleanrooms.Member{member("c1", acctB, 1), member("nope", acctA, 0)} {
		err := h.write(func(tx cleanrooms.Tx) error { return tx.UpdateMember(h.ctx, m) })
		wantErr(t, "UpdateMember("+m.CollaborationID+", "+m.AccountID+")", err, cleanrooms.ErrNotFound)
	}
}

func testListMembersByPosition(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctB))
	// Inserted out of position order; Position, not insertion, orders.
	rows := []*cleanrooms.Member{
		member("c1", "000000000002", 2),
		fullMember("c1", acctA, 0),
		member("c1", "000000000003", 3),
		member("c1", "000000000001", 1),
	}
	h.mustInsertMember(rows...)
	h.mustInsertMember(member("c2", acctA, 0), member("c2", acctB, 1))

	want := []cleanrooms.Member{*rows[1], *rows[3], *rows[0], *rows[2]}
	var got []cleanrooms.Member
	var next string
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		got, next, err = tx.ListMembers(h.ctx, "c1", cleanrooms.Page{Limit: 100})
		return err
	})
	checkEqual(t, "ListMembers(c1)", want, got)
	if next != "" {
		t.Errorf("ListMembers(c1) returned next cursor %q on the only page", next)
	}

	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		got, next, err = tx.ListMembers(h.ctx, "nope", cleanrooms.Page{Limit: 10})
		return err
	})
	if len(got) != 0 || next != "" {
		t.Errorf("ListMembers(unknown) = %v, %q; want no rows and no cursor", got, next)
	}
}

func testMemberNoAliasing(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	m := fullMember("c1", acctA, 0)
	h.mustInsertMember(m)
	want := fullMember("c1", acctA, 0)

	m.Abilities[0] = "MUTATED"
	*m.Payment.JobCompute = true
	checkEqual(t, "member after mutating the inserted record", want, h.mustGetMember("c1", acctA))

	got := h.mustGetMember("c1", acctA)
	got.MLAbilities[0] = "MUTATED"
	*got.Payment.ModelTraining = false
	checkEqual(t, "member after mutating a returned record", want, h.mustGetMember("c1", acctA))
}
