package storetest

import (
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var collaborationTests = []test{
	{"RoundTrip", testCollaborationRoundTrip},
	{"GetMissing", testCollaborationGetMissing},
	{"InsertDuplicate", testCollaborationInsertDuplicate},
	{"Update", testCollaborationUpdate},
	{"UpdateMissing", testCollaborationUpdateMissing},
	{"DeletedIsReturned", testCollaborationDeletedIsReturned},
	{"CountCreatedBy", testCountCollaborationsCreatedBy},
	{"NoAliasing", testCollaborationNoAliasing},
}

func testCollaborationRoundTrip(t *testing.T, h *harness) {
	full := fullCollaboration("c-full", acctA)
	minimal := minimalCollaboration("c-min", acctA)
	// The opposite nil/empty choices of minimal.
	flipped := minimalCollaboration("c-flip", acctB)
	flipped.AutoApprovedChangeTypes = nil
	flipped.AllowedResultRegions = []string{}
	flipped.IsMetricsEnabled = ptr(true)
	flipped.DataEncryption = &cleanrooms.DataEncryptionMetadata{}
	flipped.DeleteTime = ptr(at(99))

	want := []*cleanrooms.Collaboration{full, minimal, flipped}
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, c := range want {
			if err := tx.InsertCollaboration(h.ctx, c); err != nil {
				return err
			}
			// A transaction reads its own writes.
			got, err := tx.GetCollaboration(h.ctx, c.ID)
			if err != nil {
				return err
			}
			checkEqual(t, "GetCollaboration in the inserting transaction", c, got)
		}
		return nil
	})
	for _, c := range want {
		checkEqual(t, "GetCollaboration "+c.ID, c, h.mustGetCollaboration(c.ID))
	}
}

func testCollaborationGetMissing(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetCollaboration(h.ctx, "c2")
		return err
	})
	wantErr(t, "GetCollaboration of an unknown id", err, cleanrooms.ErrNotFound)
}

func testCollaborationInsertDuplicate(t *testing.T, h *harness) {
	orig := collaboration("c1", acctA)
	h.mustInsertCollaboration(orig)
	dup := minimalCollaboration("c1", acctB)
	err := h.write(func(tx cleanrooms.Tx) error { return tx.InsertCollaboration(h.ctx, dup) })
	wantErr(t, "InsertCollaboration with an existing id", err, cleanrooms.ErrConflict)
	checkEqual(t, "collaboration after a rejected duplicate", orig, h.mustGetCollaboration("c1"))
}

func testCollaborationUpdate(t *testing.T, h *harness) {
	h.mustInsertCollaboration(fullCollaboration("c1", acctA), minimalCollaboration("c2", acctA))

	// Every field but the id changes, set fields become unset and back.
	toMinimal := minimalCollaboration("c1", acctB)
	toMinimal.DeleteTime = ptr(at(50))
	toFull := fullCollaboration("c2", acctC)
	toFull.Name = "renamed"
	toFull.UpdateTime = at(60)
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.UpdateCollaboration(h.ctx, toMinimal); err != nil {
			return err
		}
		return tx.UpdateCollaboration(h.ctx, toFull)
	})
	checkEqual(t, "full collaboration updated to minimal", toMinimal, h.mustGetCollaboration("c1"))
	checkEqual(t, "minimal collaboration updated to full", toFull, h.mustGetCollaboration("c2"))
}

func testCollaborationUpdateMissing(t *testing.T, h *harness) {
	err := h.write(func(tx cleanrooms.Tx) error { return tx.UpdateCollaboration(h.ctx, collaboration("nope", acctA)) })
	wantErr(t, "UpdateCollaboration of an unknown id", err, cleanrooms.ErrNotFound)
	err = h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetCollaboration(h.ctx, "nope")
		return err
	})
	wantErr(t, "GetCollaboration after a failed update", err, cleanrooms.ErrNotFound)
}

func testCollaborationDeletedIsReturned(t *testing.T, h *harness) {
	c := collaboration("c1", acctA)
	c.DeleteTime = ptr(at(5))
	h.mustInsertCollaboration(c)
	got := h.mustGetCollaboration("c1")
	checkEqual(t, "deleted collaboration", c, got)
	if !got.Deleted() {
		t.Errorf("Deleted() = false for a collaboration with DeleteTime")
	}
}

func testCountCollaborationsCreatedBy(t *testing.T, h *harness) {
	deleted := collaboration("a3", acctA)
	deleted.DeleteTime = ptr(at(7))
	h.mustInsertCollaboration(
		collaboration("a1", acctA), collaboration("a2", acctA), deleted,
		collaboration("b1", acctB),
	)
	// Deleting later, by update, also stops counting.
	b1 := h.mustGetCollaboration("b1")
	b1.DeleteTime = ptr(at(8))
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateCollaboration(h.ctx, b1) })

	for acct, want := range map[string]int{acctA: 2, acctB: 0, acctC: 0} {
		var got int
		h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
			got, err = tx.CountCollaborationsCreatedBy(h.ctx, acct)
			return err
		})
		if got != want {
			t.Errorf("CountCollaborationsCreatedBy(%s) = %d, want %d", acct, got, want)
		}
	}
}

func testCollaborationNoAliasing(t *testing.T, h *harness) {
	c := fullCollaboration("c1", acctA)
	h.mustInsertCollaboration(c)
	want := fullCollaboration("c1", acctA)

	c.AutoApprovedChangeTypes[0] = "MUTATED"
	*c.IsMetricsEnabled = true
	c.DataEncryption.PreserveNulls = true
	checkEqual(t, "collaboration after mutating the inserted record", want, h.mustGetCollaboration("c1"))

	got := h.mustGetCollaboration("c1")
	got.AllowedResultRegions[0] = "MUTATED"
	*got.IsMetricsEnabled = true
	checkEqual(t, "collaboration after mutating a returned record", want, h.mustGetCollaboration("c1"))
}
