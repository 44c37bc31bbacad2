package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var membershipWithTests = []test{
	{"RoundTrip", testMembershipWithRoundTrip},
	{"GetMissing", testMembershipWithGetMissing},
	{"WithoutMemberRow", testMembershipWithoutMemberRow},
	{"FollowsUpdates", testMembershipWithFollowsUpdates},
	{"SummariesAreListMembershipsOf", testListMembershipSummariesOf},
	{"CursorsInterchangeable", testMembershipsWithCursorsInterchangeable},
	{"NoAliasing", testMembershipWithNoAliasing},
}

// with is the MembershipWith of m, c and row, as the store returns it.
func with(m *cleanrooms.Membership, c *cleanrooms.Collaboration, row *cleanrooms.Member) *cleanrooms.MembershipWith {
	return &cleanrooms.MembershipWith{Membership: *m, Collaboration: *c, Member: row}
}

// summaryOf is what ListMembershipSummariesOf returns for w's records.
func summaryOf(w *cleanrooms.MembershipWith) cleanrooms.MembershipSummary {
	return cleanrooms.SummaryOf(&w.Membership, &w.Collaboration, w.Member)
}

func (h *harness) mustGetMembershipWith(id string) *cleanrooms.MembershipWith {
	h.t.Helper()
	var w *cleanrooms.MembershipWith
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		w, err = tx.GetMembershipWith(h.ctx, id)
		return err
	})
	return w
}

// withWorld is three collaborations with every encoding choice of the
// three records (full, minimal, and empty-but-present values), each with
// acctB's member row and membership.
func withWorld(h *harness) []*cleanrooms.MembershipWith {
	h.t.Helper()
	cFull := fullCollaboration("c-full", acctA)
	cMin := minimalCollaboration("c-min", acctA)
	cFlip := minimalCollaboration("c-flip", acctC)
	cFlip.AutoApprovedChangeTypes = nil
	cFlip.AllowedResultRegions = []string{}
	cFlip.IsMetricsEnabled = ptr(true)
	cFlip.DataEncryption = &cleanrooms.DataEncryptionMetadata{}
	cFlip.DeleteTime = ptr(at(99))

	rFull := fullMember("c-full", acctB, 1)
	rMin := member("c-min", acctB, 1) // empty Abilities, nil MLAbilities
	rFlip := member("c-flip", acctB, 2)
	rFlip.MLAbilities = []string{}
	rFlip.Status = cleanrooms.MemberRemoved

	mFull := fullMembership("m-full", "c-full", acctB)
	mMin := membership("m-min", "c-min", acctB)
	mEmpty := membership("m-empty", "c-flip", acctB)
	mEmpty.Status = cleanrooms.MembershipRemoved
	mEmpty.DefaultResultConfig = &cleanrooms.ResultConfig{}
	mEmpty.DefaultJobResultConfig = &cleanrooms.JobResultConfig{S3: &cleanrooms.S3Output{}}
	mEmpty.IsMetricsEnabled = ptr(false)
	mEmpty.Payment = cleanrooms.PaymentConfig{JobCompute: ptr(false), SyntheticDataGeneration: ptr(true)}

	h.mustInsertCollaboration(cFull, cMin, cFlip)
	// Other accounts' rows in the same collaborations must not be joined.
	h.mustInsertMember(fullMember("c-full", acctA, 0), rFull, member("c-min", acctA, 0), rMin, rFlip)
	h.mustInsertMembership(mFull, mMin, mEmpty, fullMembership("m-other", "c-full", acctA))
	return []*cleanrooms.MembershipWith{with(mFull, cFull, rFull), with(mMin, cMin, rMin), with(mEmpty, cFlip, rFlip)}
}

func testMembershipWithRoundTrip(t *testing.T, h *harness) {
	for _, want := range withWorld(h) {
		checkEqual(t, "GetMembershipWith "+want.Membership.ID, want, h.mustGetMembershipWith(want.Membership.ID))
	}
	// A transaction reads its own writes through the join.
	c := collaboration("c-new", acctA)
	row := fullMember("c-new", acctC, 1)
	m := fullMembership("m-new", "c-new", acctC)
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.InsertCollaboration(h.ctx, c); err != nil {
			return err
		}
		if err := tx.InsertMember(h.ctx, row); err != nil {
			return err
		}
		if err := tx.InsertMembership(h.ctx, m); err != nil {
			return err
		}
		got, err := tx.GetMembershipWith(h.ctx, "m-new")
		if err != nil {
			return err
		}
		checkEqual(t, "GetMembershipWith in the inserting transaction", with(m, c, row), got)
		return nil
	})
}

func testMembershipWithGetMissing(t *testing.T, h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA))
	h.mustInsertMember(member("c1", acctB, 1))
	h.mustInsertMembership(membership("m1", "c1", acctB))
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "m1") })
	for _, id := range []string{"m1", "nope", ""} {
		err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
			got, err := tx.GetMembershipWith(h.ctx, id)
			if err == nil {
				t.Errorf("GetMembershipWith(%q) = %+v", id, got)
			}
			return err
		})
		wantErr(t, fmt.Sprintf("GetMembershipWith(%q)", id), err, cleanrooms.ErrNotFound)
	}
}

// The store does not require a member row for a membership (the service
// never leaves one without): the membership is still found, and listed,
// with a nil Member.
func testMembershipWithoutMemberRow(t *testing.T, h *harness) {
	c := collaboration("c1", acctA)
	h.mustInsertCollaboration(c, collaboration("c2", acctA))
	h.mustInsertMember(member("c1", acctA, 0), member("c2", acctC, 1)) // rows of other accounts
	m := membership("m1", "c1", acctC)
	h.mustInsertMembership(m)
	want := with(m, c, nil)
	checkEqual(t, "GetMembershipWith of a membership without a member row", want, h.mustGetMembershipWith("m1"))
	got := listAll(t, h, 10, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.MembershipSummary, string, error) {
		return tx.ListMembershipSummariesOf(h.ctx, acctC, nil, p)
	})
	checkEqual(t, "ListMembershipSummariesOf with a membership without a member row", []cleanrooms.MembershipSummary{summaryOf(want)}, got)
	if got[0].HasMember || got[0].Abilities != nil {
		t.Errorf("a summary without a member row has HasMember %v and abilities %v", got[0].HasMember, got[0].Abilities)
	}
}

// The records joined are the current ones, deleted collaborations
// included.
func testMembershipWithFollowsUpdates(t *testing.T, h *harness) {
	c := collaboration("c1", acctA)
	row := member("c1", acctB, 1)
	m := membership("m1", "c1", acctB)
	h.mustInsertCollaboration(c)
	h.mustInsertMember(row)
	h.mustInsertMembership(m)

	c.Name, c.DeleteTime = "renamed", ptr(at(70))
	row.Status, row.MembershipID, row.Abilities = cleanrooms.MemberActive, "m1", []string{"CAN_QUERY"}
	m.Status, m.UpdateTime = cleanrooms.MembershipCollaborationDeleted, at(71)
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.UpdateCollaboration(h.ctx, c); err != nil {
			return err
		}
		if err := tx.UpdateMember(h.ctx, row); err != nil {
			return err
		}
		return tx.UpdateMembership(h.ctx, m)
	})
	checkEqual(t, "GetMembershipWith after updating all three records", with(m, c, row), h.mustGetMembershipWith("m1"))
}

// ListMembershipSummariesOf is ListMembershipsOf, item for item, as the
// summaries of the records GetMembershipWith joins, for every filter and
// page size.
func testListMembershipSummariesOf(t *testing.T, h *harness) {
	statuses := []string{cleanrooms.MembershipActive, cleanrooms.MembershipRemoved, cleanrooms.MembershipCollaborationDeleted}
	for i := range 9 {
		c := collaboration(fmt.Sprintf("c%02d", 20-i), acctA) // ids sort against creation order
		if i%4 == 3 {
			c.DeleteTime = ptr(at(i))
		}
		row := member(c.ID, acctB, 1)
		if i%2 == 0 {
			row = fullMember(c.ID, acctB, 1)
		}
		m := membership(fmt.Sprintf("m%02d", 20-i), c.ID, acctB)
		if i%3 == 0 {
			m = fullMembership(m.ID, c.ID, acctB)
		}
		m.Status = statuses[i%len(statuses)]
		h.mustInsertCollaboration(c)
		h.mustInsertMember(member(c.ID, acctA, 0), row, member(c.ID, acctC, 2))
		h.mustInsertMembership(m, membership("other-"+c.ID, c.ID, acctC))
	}
	for _, filter := range [][]string{
		nil,
		{cleanrooms.MembershipActive},
		{cleanrooms.MembershipCollaborationDeleted, cleanrooms.MembershipRemoved},
		{"NO_SUCH_STATUS"},
	} {
		name := "(" + strings.Join(filter, ",") + ")"
		plain := listAll(t, h, 100, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.Membership, string, error) {
			return tx.ListMembershipsOf(h.ctx, acctB, filter, p)
		})
		var want []cleanrooms.MembershipSummary
		for _, m := range plain {
			w := h.mustGetMembershipWith(m.ID)
			checkEqual(t, "GetMembershipWith("+m.ID+").Membership", m, w.Membership)
			if w.Member == nil {
				t.Fatalf("GetMembershipWith(%s) has no member row", m.ID)
			}
			want = append(want, summaryOf(w))
		}
		if filter == nil && len(want) != 9 {
			t.Fatalf("ListMembershipsOf(acctB) listed %d memberships, want 9", len(want))
		}
		checkPages(t, h, "ListMembershipSummariesOf"+name, want, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.MembershipSummary, string, error) {
			return tx.ListMembershipSummariesOf(h.ctx, acctB, filter, p)
		})
	}
	got := listAll(t, h, 100, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.MembershipSummary, string, error) {
		return tx.ListMembershipSummariesOf(h.ctx, "999999999999", nil, p)
	})
	if len(got) != 0 {
		t.Errorf("ListMembershipSummariesOf of an account without memberships = %d items", len(got))
	}
}

// A cursor of ListMembershipsOf resumes ListMembershipSummariesOf and the
// other way round: one list, whichever of the two reads a page.
func testMembershipsWithCursorsInterchangeable(t *testing.T, h *harness) {
	var ids []string
	for i := range 5 {
		c := collaboration(fmt.Sprintf("c%d", i), acctA)
		h.mustInsertCollaboration(c)
		h.mustInsertMember(member(c.ID, acctB, 1))
		ids = append(ids, fmt.Sprintf("m%d", i))
		h.mustInsertMembership(membership(ids[i], c.ID, acctB))
	}
	for _, filter := range [][]string{nil, {cleanrooms.MembershipActive}} {
		var got []string
		cursor := ""
		for page := 0; ; page++ {
			h.mustRead(func(tx cleanrooms.ReadTx) error {
				p := cleanrooms.Page{Cursor: cursor, Limit: 2}
				if page%2 == 0 {
					items, next, err := tx.ListMembershipsOf(h.ctx, acctB, filter, p)
					for _, m := range items {
						got = append(got, m.ID)
					}
					cursor = next
					return err
				}
				items, next, err := tx.ListMembershipSummariesOf(h.ctx, acctB, filter, p)
				for _, w := range items {
					got = append(got, w.ID)
				}
				cursor = next
				return err
			})
			if cursor == "" {
				break
			}
		}
		if g, w := strings.Join(got, " "), strings.Join(ids, " "); g != w {
			t.Errorf("filter %v: pages alternating the two lists = %s, want %s", filter, g, w)
		}
	}
}

func testMembershipWithNoAliasing(t *testing.T, h *harness) {
	want := withWorld(h)[0]
	id := want.Membership.ID
	got := h.mustGetMembershipWith(id)
	got.Membership.DefaultResultConfig.S3.Bucket = "MUTATED"
	got.Collaboration.AllowedResultRegions[0] = "MUTATED"
	got.Member.Abilities[0] = "MUTATED"
	*got.Member.Payment.JobCompute = true
	checkEqual(t, "GetMembershipWith after mutating a returned record", want, h.mustGetMembershipWith(id))

	list := func() []cleanrooms.MembershipSummary {
		var page []cleanrooms.MembershipSummary
		h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
			page, _, err = tx.ListMembershipSummariesOf(h.ctx, acctB, nil, cleanrooms.Page{Limit: 1})
			return err
		})
		return page
	}
	page := list()
	page[0].Abilities[0] = "MUTATED"
	page[0].MLAbilities[0] = "MUTATED"
	checkEqual(t, "a listed summary after mutating one listed before", []cleanrooms.MembershipSummary{summaryOf(want)}, list())
	checkEqual(t, "GetMembershipWith after mutating a listed record", want, h.mustGetMembershipWith(id))
}
