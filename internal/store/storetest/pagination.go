package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var paginationTests = []test{
	{"Members", testPaginateMembers},
	{"CollaborationsOf", testPaginateCollaborationsOf},
	{"MembershipsOf", testPaginateMembershipsOf},
	{"ChangesBetweenPages", testPaginationChangesBetweenPages},
	{"InvalidCursor", testInvalidCursor},
}

var pageSizes = []int{1, 2, 3, 100}

type lister[T any] func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]T, string, error)

// listAll follows next cursors to the end, each page in its own View, and
// checks the invariants of every page: at most Limit items, and a next
// cursor only with progress.
func listAll[T any](t *testing.T, h *harness, limit int, list lister[T]) []T {
	t.Helper()
	var all []T
	cursor := ""
	for range 1000 {
		var page []T
		var next string
		h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
			page, next, err = list(tx, cleanrooms.Page{Cursor: cursor, Limit: limit})
			return err
		})
		if len(page) > limit {
			t.Fatalf("page of %d items for Limit %d", len(page), limit)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		if len(page) == 0 || next == cursor {
			t.Fatalf("next cursor %q without progress (page of %d, previous cursor %q)", next, len(page), cursor)
		}
		cursor = next
	}
	t.Fatalf("pagination did not end after 1000 pages")
	return nil
}

// checkPages lists with every page size and compares with want.
func checkPages[T any](t *testing.T, h *harness, what string, want []T, list lister[T]) {
	t.Helper()
	for _, n := range pageSizes {
		checkEqual(t, fmt.Sprintf("%s with Limit %d", what, n), want, listAll(t, h, n, list))
	}
}

func testPaginateMembers(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	var want []cleanrooms.Member
	var rows []*cleanrooms.Member
	for pos := range 7 {
		m := member("c1", fmt.Sprintf("%012d", 100-pos), pos)
		want = append(want, *m)
		rows = append([]*cleanrooms.Member{m}, rows...) // insert in reverse position order
	}
	h.mustInsertMember(rows...)
	h.mustInsertMember(member("c2", acctA, 0), member("c2", acctB, 1))
	checkPages(t, h, "ListMembers(c1)", want, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.Member, string, error) {
		return tx.ListMembers(h.ctx, "c1", p)
	})
}

func testPaginateCollaborationsOf(t *testing.T, h *harness) {
	statuses := []string{cleanrooms.MemberInvited, cleanrooms.MemberActive, cleanrooms.MemberLeft, cleanrooms.MemberRemoved}
	var all, visible []cleanrooms.CollaborationWithMember
	for i := range 10 {
		c := collaboration(fmt.Sprintf("c%02d", 20-i), acctA)
		if i%5 == 4 {
			c.DeleteTime = ptr(at(i))
		}
		m := member(c.ID, acctB, 1)
		m.Status = statuses[i%len(statuses)]
		h.mustInsertCollaboration(c)
		h.mustInsertMember(m, member(c.ID, acctA, 0))
		if c.DeleteTime != nil {
			continue
		}
		item := cleanrooms.CollaborationWithMember{Collaboration: *c, Member: *m}
		all = append(all, item)
		if m.Status == cleanrooms.MemberInvited || m.Status == cleanrooms.MemberActive {
			visible = append(visible, item)
		}
	}
	checkPages(t, h, "ListCollaborationsOf(acctB, all)", all, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.CollaborationWithMember, string, error) {
		return tx.ListCollaborationsOf(h.ctx, acctB, nil, p)
	})
	checkPages(t, h, "ListCollaborationsOf(acctB, INVITED+ACTIVE)", visible, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.CollaborationWithMember, string, error) {
		return tx.ListCollaborationsOf(h.ctx, acctB, []string{cleanrooms.MemberInvited, cleanrooms.MemberActive}, p)
	})
}

func testPaginateMembershipsOf(t *testing.T, h *harness) {
	var all, active []cleanrooms.Membership
	for i := range 9 {
		c := collaboration(fmt.Sprintf("c%02d", i), acctA)
		m := membership(fmt.Sprintf("m%02d", 20-i), c.ID, acctB)
		if i%3 == 1 {
			m.Status = cleanrooms.MembershipRemoved
		}
		h.mustInsertCollaboration(c)
		h.mustInsertMembership(m, membership("other-"+c.ID, c.ID, acctC))
		all = append(all, *m)
		if m.Status == cleanrooms.MembershipActive {
			active = append(active, *m)
		}
	}
	checkPages(t, h, "ListMembershipsOf(acctB, all)", all, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.Membership, string, error) {
		return tx.ListMembershipsOf(h.ctx, acctB, nil, p)
	})
	checkPages(t, h, "ListMembershipsOf(acctB, ACTIVE)", active, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.Membership, string, error) {
		return tx.ListMembershipsOf(h.ctx, acctB, []string{cleanrooms.MembershipActive}, p)
	})
}

// Keyset pagination resumes after the last row returned even if that row
// is gone, and rows created meanwhile come later, once.
func testPaginationChangesBetweenPages(t *testing.T, h *harness) {
	var ids []string
	for i := range 7 {
		c := collaboration(fmt.Sprintf("c%d", i), acctA)
		h.mustInsertCollaboration(c)
		if i < 6 {
			ids = append(ids, fmt.Sprintf("m%d", i))
			h.mustInsertMembership(membership(ids[i], c.ID, acctB))
		}
	}
	list := func(cursor string) (got []string, next string) {
		h.mustRead(func(tx cleanrooms.ReadTx) error {
			page, n, err := tx.ListMembershipsOf(h.ctx, acctB, nil, cleanrooms.Page{Cursor: cursor, Limit: 2})
			for _, m := range page {
				got = append(got, m.ID)
			}
			next = n
			return err
		})
		return got, next
	}
	first, next := list("")
	if strings.Join(first, " ") != "m0 m1" || next == "" {
		t.Fatalf("first page = %v, next %q; want [m0 m1] and a cursor", first, next)
	}
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, id := range []string{"m1", "m3"} { // the cursor's row, and one not yet listed
			if err := tx.DeleteMembership(h.ctx, id); err != nil {
				return err
			}
		}
		return tx.InsertMembership(h.ctx, membership("m-new", "c6", acctB))
	})
	var rest []string
	for next != "" {
		var page []string
		page, next = list(next)
		rest = append(rest, page...)
	}
	if got, want := strings.Join(rest, " "), "m2 m4 m5 m-new"; got != want {
		t.Errorf("pages after the changes = %s, want %s", got, want)
	}
}

func testInvalidCursor(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	h.mustInsertMember(member("c1", acctA, 0), member("c1", acctB, 1), member("c2", acctB, 0))
	h.mustInsertMembership(membership("m1", "c1", acctB), membership("m2", "c2", acctB))

	lists := map[string]func(tx cleanrooms.ReadTx, cursor string) (string, error){
		"ListMembers": func(tx cleanrooms.ReadTx, cursor string) (string, error) {
			_, next, err := tx.ListMembers(h.ctx, "c1", cleanrooms.Page{Cursor: cursor, Limit: 1})
			return next, err
		},
		"ListCollaborationsOf": func(tx cleanrooms.ReadTx, cursor string) (string, error) {
			_, next, err := tx.ListCollaborationsOf(h.ctx, acctB, nil, cleanrooms.Page{Cursor: cursor, Limit: 1})
			return next, err
		},
		"ListMembershipsOf": func(tx cleanrooms.ReadTx, cursor string) (string, error) {
			_, next, err := tx.ListMembershipsOf(h.ctx, acctB, nil, cleanrooms.Page{Cursor: cursor, Limit: 1})
			return next, err
		},
		"ListMembershipSummariesOf": func(tx cleanrooms.ReadTx, cursor string) (string, error) {
			_, next, err := tx.ListMembershipSummariesOf(h.ctx, acctB, nil, cleanrooms.Page{Cursor: cursor, Limit: 1})
			return next, err
		},
		// The same list with another filter.
		"ListMembershipSummariesOf(ACTIVE)": func(tx cleanrooms.ReadTx, cursor string) (string, error) {
			_, next, err := tx.ListMembershipSummariesOf(h.ctx, acctB, []string{cleanrooms.MembershipActive}, cleanrooms.Page{Cursor: cursor, Limit: 1})
			return next, err
		},
	}
	// ListMembershipsOf and ListMembershipSummariesOf are one list: their
	// cursors are interchangeable (testMembershipsWithCursorsInterchangeable).
	sameList := func(a, b string) bool {
		return a == "ListMembershipsOf" && b == "ListMembershipSummariesOf" || a == "ListMembershipSummariesOf" && b == "ListMembershipsOf"
	}
	// A genuine cursor of each list, to replay on the others.
	genuine := map[string]string{}
	for name, list := range lists {
		h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
			genuine[name], err = list(tx, "")
			return err
		})
		if genuine[name] == "" {
			t.Fatalf("%s: no next cursor after the first of two items", name)
		}
	}
	garbage := []string{"garbage", "!!!", "djE6", " ", "\x00", strings.Repeat("A", 600)}
	for name, list := range lists {
		bad := garbage
		for other, c := range genuine {
			if other != name && !sameList(name, other) {
				bad = append(bad[:len(bad):len(bad)], c)
			}
		}
		for _, c := range bad {
			err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
				_, err := list(tx, c)
				return err
			})
			wantErr(t, fmt.Sprintf("%s with cursor %.30q", name, c), err, cleanrooms.ErrInvalidCursor)
		}
	}
}
