// Package storetest is the conformance suite of cleanrooms.Store: every
// backend runs Run from its own tests, so all backends agree on semantics.
//
// Guarantees the suite checks beyond the doc comments of cleanrooms.Store:
//
//   - Times round-trip to the microsecond: values are compared after
//     truncation to whole microseconds, and as instants (the time zone
//     need not survive).
//   - Every field round-trips exactly otherwise, nil and empty slices and
//     pointers included.
//   - A Store does not alias the records it is given or returns.
//   - Transact and View on a closed Store fail with ErrUnavailable.
//   - A first-page cursor of one list method is ErrInvalidCursor for
//     another list method, except that ListMembershipsOf and
//     ListMembershipSummariesOf are one list: each resumes the other's
//     cursors.
//   - Counts agree with the rows after every kind of write, rolled back
//     and concurrent ones included.
//
// Resolved ambiguities (see each test): an empty status filter means every
// status for ListCollaborationsOf too; the tag methods never return
// ErrNotFound; SetMembershipStatuses on a collaboration without ACTIVE
// memberships returns 0 and no error; lists of unknown parents are empty,
// not ErrNotFound.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/google/go-cmp/cmp"
)

// Run runs the suite. open must return a new, empty store each time it is
// called; subtests run in parallel, each with its own store. Run closes
// every store it opens (once); open should register any other cleanup, such
// as removing files, with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) cleanrooms.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Collaborations", collaborationTests},
		{"Members", memberTests},
		{"CollaborationsOf", collaborationsOfTests},
		{"Memberships", membershipTests},
		{"MembershipsWith", membershipWithTests},
		{"Counts", countTests},
		{"Tags", tagTests},
		{"Catalog", catalogTests},

		{"Objects", objectTests},

		{"AnalysisTemplates", analysisTemplateTests},
		{"ProtectedQueries", protectedQueryTests},
		{"PrivacyBudgets", privacyBudgetTests},

		{"Tables", tableTests},
		{"Pagination", paginationTests},
		{"Transactions", transactionTests},
		{"Concurrency", concurrencyTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, newHarness(t, open))
				})
			}
		})
	}
}

type test struct {
	name string
	fn   func(t *testing.T, h *harness)
}

// harness wraps one store for one subtest.
type harness struct {
	t      *testing.T
	s      cleanrooms.Store
	ctx    context.Context
	closed bool
}

func newHarness(t *testing.T, open func(t *testing.T) cleanrooms.Store) *harness {
	h := &harness{t: t, s: open(t), ctx: t.Context()}
	t.Cleanup(func() {
		if !h.closed {
			if err := h.s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	return h
}

func (h *harness) close() {
	h.t.Helper()
	h.closed = true
	if err := h.s.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
}

// mustWrite runs fn in Transact and fails the test on error.
func (h *harness) mustWrite(fn func(tx cleanrooms.Tx) error) {
	h.t.Helper()
	if err := h.s.Transact(h.ctx, fn); err != nil {
		h.t.Fatalf("Transact: %v", err)
	}
}

// mustRead runs fn in View and fails the test on error.
func (h *harness) mustRead(fn func(tx cleanrooms.ReadTx) error) {
	h.t.Helper()
	if err := h.s.View(h.ctx, fn); err != nil {
		h.t.Fatalf("View: %v", err)
	}
}

// write runs one write in its own transaction and returns its error.
func (h *harness) write(fn func(tx cleanrooms.Tx) error) error {
	return h.s.Transact(h.ctx, fn)
}

func (h *harness) mustInsertCollaboration(cs ...*cleanrooms.Collaboration) {
	h.t.Helper()
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, c := range cs {
			if err := tx.InsertCollaboration(h.ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *harness) mustInsertMember(ms ...*cleanrooms.Member) {
	h.t.Helper()
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, m := range ms {
			if err := tx.InsertMember(h.ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *harness) mustInsertMembership(ms ...*cleanrooms.Membership) {
	h.t.Helper()
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, m := range ms {
			if err := tx.InsertMembership(h.ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *harness) mustGetCollaboration(id string) *cleanrooms.Collaboration {
	h.t.Helper()
	var c *cleanrooms.Collaboration
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		c, err = tx.GetCollaboration(h.ctx, id)
		return err
	})
	return c
}

func (h *harness) mustGetMember(collaborationID, accountID string) *cleanrooms.Member {
	h.t.Helper()
	var m *cleanrooms.Member
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		m, err = tx.GetMember(h.ctx, collaborationID, accountID)
		return err
	})
	return m
}

func (h *harness) mustGetMembership(id string) *cleanrooms.Membership {
	h.t.Helper()
	var m *cleanrooms.Membership
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		m, err = tx.GetMembership(h.ctx, id)
		return err
	})
	return m
}

func (h *harness) mustTags(arn string) map[string]string {
	h.t.Helper()
	var tags map[string]string
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		tags, err = tx.Tags(h.ctx, arn)
		return err
	})
	return tags
}

// wantErr fails unless err matches target with errors.Is.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// diff compares records as the suite defines equality: times to the
// microsecond, everything else exactly (nil and empty are different).
func diff(want, got any) string { return cmp.Diff(want, got, cmpOpts) }

var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool {
		return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
	}),
}

func checkEqual(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}
