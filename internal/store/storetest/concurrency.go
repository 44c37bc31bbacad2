package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var concurrencyTests = []test{
	{"NoLostUpdates", testNoLostUpdates},
	{"OneMembershipWins", testOneMembershipWins},
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
