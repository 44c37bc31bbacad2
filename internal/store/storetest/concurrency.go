package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var concurrencyTests = []test{
	{"NoLostUpdates", testNoLostUpdates},
	{"OneMembershipWins", testOneMembershipWins},
	{"CountsExact", testConcurrentCountsExact},
	{"QuotaHolds", testConcurrentQuotaHolds},
	{"ViewOneJoinIsOneSnapshot", testViewOneJoinIsOneSnapshot},
}

// Read-modify-write increments through Transact, from many goroutines,
// with readers watching: serializable transactions lose no update, and a
// reader never sees the counter go back.
func testNoLostUpdates(t *testing.T, h *harness) {
	const writers, increments, readers = 32, 4, 4
	h.mustInsertCollaboration(collaboration("c1", acctA))
	h.mustInsertMember(member("c1", acctA, 0))

	var wg, rg sync.WaitGroup
	stop := make(chan struct{})
	for range readers {
		rg.Go(func() {
			last := -1
			for {
				select {
				case <-stop:
					return
				default:
				}
				var pos int
				err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
					m, err := tx.GetMember(h.ctx, "c1", acctA)
					if err == nil {
						pos = m.Position
					}
					return err
				})
				if err != nil {
					t.Errorf("View: %v", err)
					return
				}
				if pos < last {
					t.Errorf("reader saw the counter go from %d back to %d", last, pos)
					return
				}
				last = pos
			}
		})
	}
	for range writers {
		wg.Go(func() {
			for range increments {
				err := h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
					m, err := tx.GetMember(h.ctx, "c1", acctA)
					if err != nil {
						return err
					}
					m.Position++
					return tx.UpdateMember(h.ctx, m)
				})
				if err != nil {
					t.Errorf("Transact: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	if got, want := h.mustGetMember("c1", acctA).Position, writers*increments; got != want {
		t.Errorf("counter = %d after %d increments", got, want)
	}
}

// Concurrent InsertMembership of one account in one collaboration: exactly
// one wins, every other gets ErrConflict.
func testOneMembershipWins(t *testing.T, h *harness) {
	const n = 16
	h.mustInsertCollaboration(collaboration("c1", acctA))
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
				return tx.InsertMembership(h.ctx, membership(fmt.Sprintf("m%02d", i), "c1", acctB))
			})
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, cleanrooms.ErrConflict):
			t.Errorf("InsertMembership #%d: %v, want nil or ErrConflict", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d concurrent InsertMembership calls succeeded, want 1", wins)
	}
	checkCountMemberships(t, h, acctB, nil, 1)
}

// Concurrent transactions that each add to an account's counts lose no
// increment, and concurrent changes of status move counts exactly.
func testConcurrentCountsExact(t *testing.T, h *harness) {
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
				c := collaboration(fmt.Sprintf("c%02d", i), acctA)
				if err := tx.InsertCollaboration(h.ctx, c); err != nil {
					return err
				}
				return tx.InsertMembership(h.ctx, membership(fmt.Sprintf("m%02d", i), c.ID, acctB))
			})
			if err != nil {
				t.Errorf("Transact #%d: %v", i, err)
			}
		})
	}
	wg.Wait()
	checkCountCollaborations(t, h, fmt.Sprintf("after %d concurrent inserts", n), map[string]int{acctA: n})
	checkCountMemberships(t, h, acctB, []string{cleanrooms.MembershipActive}, n)

	// Half are removed, a quarter deleted, and as many new ones joined, at
	// once.
	for i := range n {
		wg.Go(func() {
			err := h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
				id := fmt.Sprintf("m%02d", i)
				switch {
				case i%2 == 0:
					m, err := tx.GetMembership(h.ctx, id)
					if err != nil {
						return err
					}
					m.Status = cleanrooms.MembershipRemoved
					return tx.UpdateMembership(h.ctx, m)
				case i%4 == 1:
					return tx.DeleteMembership(h.ctx, id)
				}
				return tx.InsertMembership(h.ctx, membership("new-"+id, fmt.Sprintf("c%02d", i), acctC))
			})
			if err != nil {
				t.Errorf("Transact #%d: %v", i, err)
			}
		})
	}
	wg.Wait()
	checkCountMemberships(t, h, acctB, []string{cleanrooms.MembershipActive}, n/4)
	checkCountMemberships(t, h, acctB, []string{cleanrooms.MembershipRemoved}, n/2)
	checkCountMemberships(t, h, acctB, nil, n/2+n/4)
	checkCountMemberships(t, h, acctC, []string{cleanrooms.MembershipActive}, n/4)
}

// The service's quota check, raced: count, refuse at the quota, else
// insert. Exactly quota inserts get through.
func testConcurrentQuotaHolds(t *testing.T, h *harness) {
	const quota, tries = 5, 16
	for i := range tries {
		h.mustInsertCollaboration(collaboration(fmt.Sprintf("c%02d", i), acctA))
	}
	full := errors.New("quota reached")
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			errs[i] = h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
				n, err := tx.CountMembershipsOf(h.ctx, acctB, []string{cleanrooms.MembershipActive})
				if err != nil {
					return err
				}
				if n >= quota {
					return full
				}
				return tx.InsertMembership(h.ctx, membership(fmt.Sprintf("m%02d", i), fmt.Sprintf("c%02d", i), acctB))
			})
		})
	}
	wg.Wait()
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, full):
			t.Errorf("Transact #%d: %v", i, err)
		}
	}
	if created != quota {
		t.Errorf("%d inserts passed a quota of %d", created, quota)
	}
	checkCountMemberships(t, h, acctB, []string{cleanrooms.MembershipActive}, quota)
}

// A ViewOne read of a membership with its collaboration and member row
// (one membership, or a list of summaries) sees the three as one committed state while a writer keeps changing all
// three together, and never goes back in time.
func testViewOneJoinIsOneSnapshot(t *testing.T, h *harness) {
	const writes, readers = 100, 2
	// Version v is UpdateTime at(v) of the collaboration and the
	// membership, and Position v of the member row.
	version := func(tm time.Time) int { return int(tm.Sub(base).Round(time.Second) / time.Second) }
	name := func(v int) string { return fmt.Sprint("version ", v) } // the collaboration's, for the summaries
	c := collaboration("c1", acctA)
	c.Name = name(0)
	row := member("c1", acctB, 0)
	m := membership("m1", "c1", acctB)
	c.UpdateTime, m.UpdateTime = at(0), at(0)
	h.mustInsertCollaboration(c)
	h.mustInsertMember(row)
	h.mustInsertMembership(m)

	stop := make(chan struct{})
	var rg sync.WaitGroup
	for r := range readers {
		rg.Go(func() {
			last := -1
			for {
				select {
				case <-stop:
					return
				default:
				}
				var w cleanrooms.MembershipWith
				var sum cleanrooms.MembershipSummary
				err := h.s.ViewOne(h.ctx, func(tx cleanrooms.ReadTx) error {
					if r == 0 {
						got, err := tx.GetMembershipWith(h.ctx, "m1")
						if err == nil {
							w = *got
						}
						return err
					}
					items, _, err := tx.ListMembershipSummariesOf(h.ctx, acctB, nil, cleanrooms.Page{Limit: 10})
					if err == nil && len(items) != 1 {
						return fmt.Errorf("listed %d memberships, want 1", len(items))
					}
					if err == nil {
						sum = items[0]
					}
					return err
				})
				if err != nil {
					t.Errorf("ViewOne: %v", err)
					return
				}
				var v int
				if r == 0 {
					v = version(w.Membership.UpdateTime)
					if w.Member == nil || version(w.Collaboration.UpdateTime) != v || w.Member.Position != v || w.Collaboration.Name != name(v) {
						t.Errorf("one read joined membership version %d with collaboration version %d (%q) and member row %+v",
							v, version(w.Collaboration.UpdateTime), w.Collaboration.Name, w.Member)
						return
					}
				} else {
					v = version(sum.UpdateTime)
					if !sum.HasMember || sum.CollaborationName != name(v) {
						t.Errorf("one list joined membership version %d with collaboration %q (member row: %v)", v, sum.CollaborationName, sum.HasMember)
						return
					}
				}
				if v < last {
					t.Errorf("a read went back from version %d to %d", last, v)
					return
				}
				last = v
			}
		})
	}
	for v := 1; v <= writes; v++ {
		h.mustWrite(func(tx cleanrooms.Tx) error {
			c.UpdateTime, c.Name, row.Position, m.UpdateTime = at(v), name(v), v, at(v)
			if err := tx.UpdateCollaboration(h.ctx, c); err != nil {
				return err
			}
			if err := tx.UpdateMember(h.ctx, row); err != nil {
				return err
			}
			return tx.UpdateMembership(h.ctx, m)
		})
	}
	close(stop)
	rg.Wait()
}
