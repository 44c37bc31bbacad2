package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var transactionTests = []test{
	{"RollbackOnError", testRollbackOnError},
	{"RollbackAfterFailedWrite", testRollbackAfterFailedWrite},
	{"ViewSeesCommitted", testViewSeesCommitted},
	{"ViewSnapshot", testViewSnapshot},
	{"CanceledContext", testCanceledContext},
	{"Closed", testClosed},
	{"ViewOneReadsAsView", testViewOneReadsAsView},
	{"ViewOneSecondReadFails", testViewOneSecondReadFails},
	{"ViewOneReturnsFnError", testViewOneReturnsFnError},
}

// state is everything the transaction tests write, read in one View.
type state struct {
	Collaborations map[string]*cleanrooms.Collaboration
	Members        []cleanrooms.Member
	Memberships    []cleanrooms.Membership
	Tags           map[string]string
}

func readState(t *testing.T, h *harness) state {
	t.Helper()
	s := state{Collaborations: map[string]*cleanrooms.Collaboration{}}
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		for _, id := range []string{"c1", "c2"} {
			c, err := tx.GetCollaboration(h.ctx, id)
			if errors.Is(err, cleanrooms.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			s.Collaborations[id] = c
		}
		var err error
		if s.Members, _, err = tx.ListMembers(h.ctx, "c1", cleanrooms.Page{Limit: 100}); err != nil {
			return err
		}
		if s.Memberships, _, err = tx.ListMembershipsOf(h.ctx, acctB, nil, cleanrooms.Page{Limit: 100}); err != nil {
			return err
		}
		s.Tags, err = tx.Tags(h.ctx, arn1)
		return err
	})
	return s
}

// A failing fn undoes every kind of write it made, and its error comes
// back unchanged.
func testRollbackOnError(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	h.mustInsertMember(member("c1", acctA, 0))
	h.mustInsertMembership(membership("m1", "c1", acctB))
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.TagResource(h.ctx, arn1, map[string]string{"k": "v"}) })
	before := readState(t, h)

	boom := errors.New("boom")
	err := h.write(func(tx cleanrooms.Tx) error {
		c1 := collaboration("c1", acctA)
		c1.Name = "changed"
		m := member("c1", acctA, 0)
		m.Status = cleanrooms.MemberActive
		for _, w := range []func() error{
			func() error { return tx.InsertCollaboration(h.ctx, collaboration("c2", acctA)) },
			func() error { return tx.UpdateCollaboration(h.ctx, c1) },
			func() error { return tx.InsertMember(h.ctx, member("c1", acctB, 1)) },
			func() error { return tx.UpdateMember(h.ctx, m) },
			func() error { return tx.DeleteMembership(h.ctx, "m1") },
			func() error { return tx.InsertMembership(h.ctx, membership("m2", "c1", acctB)) },
			func() error {
				_, err := tx.SetMembershipStatuses(h.ctx, "c1", cleanrooms.MembershipRemoved, at(9))
				return err
			},
			func() error { return tx.TagResource(h.ctx, arn1, map[string]string{"k": "changed", "k2": "v2"}) },
			func() error { return tx.UntagResource(h.ctx, arn1, []string{"k"}) },
		} {
			if err := w(); err != nil {
				return err
			}
		}
		return boom
	})
	if err != boom {
		t.Errorf("Transact returned %v, want fn's error unchanged", err)
	}
	checkEqual(t, "state after a rolled back transaction", before, readState(t, h))
}

func testRollbackAfterFailedWrite(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	err := h.write(func(tx cleanrooms.Tx) error {
		if err := tx.InsertCollaboration(h.ctx, collaboration("c2", acctA)); err != nil {
			return err
		}
		return tx.InsertCollaboration(h.ctx, collaboration("c1", acctB))
	})
	wantErr(t, "Transact ending in a duplicate insert", err, cleanrooms.ErrConflict)
	got := readState(t, h)
	if _, ok := got.Collaborations["c2"]; ok {
		t.Errorf("c2 was committed although its transaction failed")
	}
}

func testViewSeesCommitted(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	c := h.mustGetCollaboration("c1")
	c.Name = "second"
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateCollaboration(h.ctx, c) })
	checkEqual(t, "collaboration read after the update committed", c, h.mustGetCollaboration("c1"))
}

// A View reads one snapshot. Backends that serialize View and Transact make
// the concurrent write wait; then there is nothing to observe, so the check
// only applies when the write commits while the View is open.
func testViewSnapshot(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	want := h.mustGetCollaboration("c1")
	written := make(chan error, 1)
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		if _, err := tx.GetCollaboration(h.ctx, "c1"); err != nil {
			return err
		}
		go func() {
			written <- h.write(func(tx cleanrooms.Tx) error {
				c := collaboration("c1", acctA)
				c.Name = "changed during the view"
				if err := tx.UpdateCollaboration(h.ctx, c); err != nil {
					return err
				}
				return tx.InsertCollaboration(h.ctx, collaboration("c2", acctA))
			})
		}()
		select {
		case err := <-written:
			if err != nil {
				return err
			}
			written <- nil // for the wait below
		case <-time.After(200 * time.Millisecond):
			return nil
		}
		got, err := tx.GetCollaboration(h.ctx, "c1")
		if err != nil {
			return err
		}
		checkEqual(t, "collaboration re-read in the same View", want, got)
		_, err = tx.GetCollaboration(h.ctx, "c2")
		wantErr(t, "collaboration created after the View began", err, cleanrooms.ErrNotFound)
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	if err := <-written; err != nil {
		t.Fatalf("concurrent Transact: %v", err)
	}
}

func testCanceledContext(t *testing.T, h *harness) {
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	err := h.s.Transact(ctx, func(tx cleanrooms.Tx) error {
		return tx.InsertCollaboration(h.ctx, collaboration("c1", acctA))
	})
	if err == nil {
		t.Errorf("Transact with a canceled context succeeded")
	}
	if _, ok := readState(t, h).Collaborations["c1"]; ok {
		t.Errorf("Transact with a canceled context wrote")
	}
	// A read whose caller has given up does not run either, in a View or
	// in a ViewOne (whose statements may run without the caller's
	// cancellation once started).
	h.mustInsertCollaboration(collaboration("c2", acctA))
	read := func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetCollaboration(ctx, "c2")
		return err
	}
	if err := h.s.View(ctx, read); err == nil {
		t.Errorf("View with a canceled context read")
	}
	if err := h.s.ViewOne(ctx, read); err == nil {
		t.Errorf("ViewOne with a canceled context read")
	}
}

func testClosed(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	h.close()
	err := h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
		return tx.InsertCollaboration(h.ctx, collaboration("c2", acctA))
	})
	wantErr(t, "Transact after Close", err, cleanrooms.ErrUnavailable)
	err = h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetCollaboration(h.ctx, "c1")
		return err
	})
	wantErr(t, "View after Close", err, cleanrooms.ErrUnavailable)
	err = h.s.ViewOne(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetCollaboration(h.ctx, "c1")
		return err
	})
	wantErr(t, "ViewOne after Close", err, cleanrooms.ErrUnavailable)
}

// Every read answers in ViewOne what it answers in View.
func testViewOneReadsAsView(t *testing.T, h *harness) {
	withWorld(h)
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.TagResource(h.ctx, arn1, map[string]string{"k": "v"}) })
	page := cleanrooms.Page{Limit: 2}
	reads := map[string]func(tx cleanrooms.ReadTx) (any, error){
		"GetCollaboration": func(tx cleanrooms.ReadTx) (any, error) { return tx.GetCollaboration(h.ctx, "c-full") },
		"GetMember":        func(tx cleanrooms.ReadTx) (any, error) { return tx.GetMember(h.ctx, "c-full", acctB) },
		"ListMembers": func(tx cleanrooms.ReadTx) (any, error) {
			items, next, err := tx.ListMembers(h.ctx, "c-full", page)
			return []any{items, next}, err
		},
		"ListCollaborationsOf": func(tx cleanrooms.ReadTx) (any, error) {
			items, next, err := tx.ListCollaborationsOf(h.ctx, acctB, nil, page)
			return []any{items, next}, err
		},
		"CountCollaborationsCreatedBy": func(tx cleanrooms.ReadTx) (any, error) {
			return tx.CountCollaborationsCreatedBy(h.ctx, acctA)
		},
		"GetMembership":     func(tx cleanrooms.ReadTx) (any, error) { return tx.GetMembership(h.ctx, "m-full") },
		"GetMembershipWith": func(tx cleanrooms.ReadTx) (any, error) { return tx.GetMembershipWith(h.ctx, "m-full") },
		"ListMembershipsOf": func(tx cleanrooms.ReadTx) (any, error) {
			items, next, err := tx.ListMembershipsOf(h.ctx, acctB, nil, page)
			return []any{items, next}, err
		},
		"ListMembershipSummariesOf": func(tx cleanrooms.ReadTx) (any, error) {
			items, next, err := tx.ListMembershipSummariesOf(h.ctx, acctB, []string{cleanrooms.MembershipActive}, page)
			return []any{items, next}, err
		},
		"CountMembershipsOf": func(tx cleanrooms.ReadTx) (any, error) {
			return tx.CountMembershipsOf(h.ctx, acctB, []string{cleanrooms.MembershipActive})
		},
		"Tags":                    func(tx cleanrooms.ReadTx) (any, error) { return tx.Tags(h.ctx, arn1) },
		"GetMembershipWith(nope)": func(tx cleanrooms.ReadTx) (any, error) { return tx.GetMembershipWith(h.ctx, "nope") },
	}
	for name, read := range reads {
		var inView, inViewOne any
		viewErr := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
			inView, err = read(tx)
			return err
		})
		viewOneErr := h.s.ViewOne(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
			inViewOne, err = read(tx)
			return err
		})
		if (viewErr == nil) != (viewOneErr == nil) || errors.Is(viewErr, cleanrooms.ErrNotFound) != errors.Is(viewOneErr, cleanrooms.ErrNotFound) {
			t.Errorf("%s: View error %v, ViewOne error %v", name, viewErr, viewOneErr)
		}
		checkEqual(t, name+" in ViewOne (-View +ViewOne)", inView, inViewOne)
	}
}

// A second read in ViewOne would read another snapshot: it fails, and
// not with ErrNotFound, which a caller could take for an answer.
func testViewOneSecondReadFails(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	var first, second error
	err := h.s.ViewOne(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, first = tx.GetCollaboration(h.ctx, "c1")
		_, second = tx.CountCollaborationsCreatedBy(h.ctx, acctA)
		return second
	})
	if first != nil {
		t.Errorf("first read in ViewOne: %v", first)
	}
	if second == nil || errors.Is(second, cleanrooms.ErrNotFound) {
		t.Errorf("second read in ViewOne: %v, want an error other than ErrNotFound", second)
	}
	if err == nil {
		t.Errorf("ViewOne returned nil after fn's error")
	}
	// The store is still usable.
	checkEqual(t, "collaboration after the failed ViewOne", collaboration("c1", acctA), h.mustGetCollaboration("c1"))
}

func testViewOneReturnsFnError(t *testing.T, h *harness) {
	boom := errors.New("boom")
	if err := h.s.ViewOne(h.ctx, func(cleanrooms.ReadTx) error { return boom }); err != boom {
		t.Errorf("ViewOne = %v, want fn's error unchanged", err)
	}
	err := h.s.ViewOne(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetMember(h.ctx, "nope", acctA)
		return err
	})
	wantErr(t, "ViewOne of GetMember of an unknown row", err, cleanrooms.ErrNotFound)
	if err := h.s.ViewOne(h.ctx, func(cleanrooms.ReadTx) error { return nil }); err != nil {
		t.Errorf("ViewOne without a read = %v", err)
	}
}
