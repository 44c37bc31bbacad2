package e2e

import (
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

// bigEnv: A created 120 collaborations inviting B, and B joined them all;
// one more collaboration invites 110 accounts.
type bigEnv struct {
	*env
	collabs     []string // in creation order
	memberships []string // B's, in creation order
	wide        string   // the 110-member collaboration
	wideMembers []string // its accounts, creator first
}

func newBigEnv(t *testing.T) *bigEnv {
	t.Helper()
	e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{
		CollaborationsPerAccount: 200, MembershipsPerAccount: 200, MembersPerCollaboration: 120,
	}))
	b := &bigEnv{env: e}
	for i := range 120 {
		c := mustCreate(t, e.A, collabInput(fmt.Sprintf("c%03d", i), abilities(canQuery), spec(acctB, "b")))
		b.collabs = append(b.collabs, *c.Id)
		b.memberships = append(b.memberships, *mustJoin(t, e.B, joinInput(*c.Id)).Id)
	}
	var members []types.MemberSpecification
	b.wideMembers = []string{acctC}
	for i := range 110 {
		acct := fmt.Sprintf("9000000%05d", i)
		members = append(members, spec(acct, "m"+acct))
		b.wideMembers = append(b.wideMembers, acct)
	}
	b.wide = *mustCreate(t, e.C, collabInput("wide", abilities(canQuery), members...)).Id
	return b
}

func TestListsPaging(t *testing.T) {
	b := newBigEnv(t)

	t.Run("default page size is 100", func(t *testing.T) {
		p1, err := b.A.ListCollaborations(t.Context(), &cleanrooms.ListCollaborationsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p1.CollaborationList) != 100 || p1.NextToken == nil {
			t.Fatalf("first ListCollaborations page: %d items, token %v; want 100 and a token", len(p1.CollaborationList), p1.NextToken)
		}
		p2, err := b.A.ListCollaborations(t.Context(), &cleanrooms.ListCollaborationsInput{NextToken: p1.NextToken})
		if err != nil {
			t.Fatal(err)
		}
		if len(p2.CollaborationList) != 20 || p2.NextToken != nil {
			t.Errorf("second page: %d items, token %v; want 20 and none", len(p2.CollaborationList), p2.NextToken)
		}
		if d := diff(b.collabs, collabIDs(append(p1.CollaborationList, p2.CollaborationList...))); d != "" {
			t.Errorf("ListCollaborations order (-creation +listed):\n%s", d)
		}

		m1, err := b.B.ListMemberships(t.Context(), &cleanrooms.ListMembershipsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(m1.MembershipSummaries) != 100 || m1.NextToken == nil {
			t.Errorf("first ListMemberships page: %d items, token %v", len(m1.MembershipSummaries), m1.NextToken)
		}

		l1, err := b.C.ListMembers(t.Context(), &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(b.wide)})
		if err != nil {
			t.Fatal(err)
		}
		if len(l1.MemberSummaries) != 100 || l1.NextToken == nil {
			t.Fatalf("first ListMembers page: %d items, token %v", len(l1.MemberSummaries), l1.NextToken)
		}
		l2, err := b.C.ListMembers(t.Context(), &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(b.wide), NextToken: l1.NextToken})
		if err != nil {
			t.Fatal(err)
		}
		if len(l2.MemberSummaries) != 11 || l2.NextToken != nil {
			t.Errorf("second ListMembers page: %d items, token %v", len(l2.MemberSummaries), l2.NextToken)
		}
	})

	t.Run("paginators see every item once, in a stable order", func(t *testing.T) {
		for _, limit := range []int32{1, 7, 100} {
			for run := range 2 {
				var got []string
				p := cleanrooms.NewListCollaborationsPaginator(b.B, &cleanrooms.ListCollaborationsInput{}, func(o *cleanrooms.ListCollaborationsPaginatorOptions) { o.Limit = limit })
				for p.HasMorePages() {
					page, err := p.NextPage(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					if len(page.CollaborationList) > int(limit) {
						t.Fatalf("page of %d items with limit %d", len(page.CollaborationList), limit)
					}
					got = append(got, collabIDs(page.CollaborationList)...)
				}
				if d := diff(b.collabs, got); d != "" {
					t.Errorf("ListCollaborations limit %d run %d (-want +got):\n%s", limit, run, d)
				}

				got = nil
				mp := cleanrooms.NewListMembershipsPaginator(b.B, &cleanrooms.ListMembershipsInput{Status: types.MembershipStatusActive}, func(o *cleanrooms.ListMembershipsPaginatorOptions) { o.Limit = limit })
				for mp.HasMorePages() {
					page, err := mp.NextPage(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					if len(page.MembershipSummaries) > int(limit) {
						t.Fatalf("page of %d items with limit %d", len(page.MembershipSummaries), limit)
					}
					got = append(got, membershipIDs(page.MembershipSummaries)...)
				}
				if d := diff(b.memberships, got); d != "" {
					t.Errorf("ListMemberships limit %d run %d (-want +got):\n%s", limit, run, d)
				}

				got = nil
				lp := cleanrooms.NewListMembersPaginator(b.C, &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(b.wide)}, func(o *cleanrooms.ListMembersPaginatorOptions) { o.Limit = limit })
				for lp.HasMorePages() {
					page, err := lp.NextPage(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					if len(page.MemberSummaries) > int(limit) {
						t.Fatalf("page of %d items with limit %d", len(page.MemberSummaries), limit)
					}
					for _, m := range page.MemberSummaries {
						got = append(got, aws.ToString(m.AccountId))
					}
				}
				if d := diff(b.wideMembers, got); d != "" {
					t.Errorf("ListMembers limit %d run %d (-want +got):\n%s", limit, run, d)
				}
			}
		}
		// An invited member sees the same rows as the creator.
		if d := diff(allMembers(t, b.C, b.wide), allMembers(t, b.srv.Client(b.wideMembers[55]), b.wide)); d != "" {
			t.Errorf("ListMembers differs between readers (-creator +member):\n%s", d)
		}
	})

	t.Run("filters apply across pages", func(t *testing.T) {
		// B leaves every third collaboration; they drop out of every list.
		var keep, keepM []string
		for i, id := range b.collabs {
			if i%3 == 0 {
				if _, err := b.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: aws.String(b.memberships[i])}); err != nil {
					t.Fatal(err)
				}
				continue
			}
			keep, keepM = append(keep, id), append(keepM, b.memberships[i])
		}
		if d := diff(keep, collabIDs(allCollabs(t, b.B, types.FilterableMemberStatusActive))); d != "" {
			t.Errorf("ListCollaborations(ACTIVE) (-want +got):\n%s", d)
		}
		if l := allCollabs(t, b.B, types.FilterableMemberStatusInvited); len(l) != 0 {
			t.Errorf("ListCollaborations(INVITED) = %d items", len(l))
		}
		if d := diff(keepM, membershipIDs(allMemberships(t, b.B, ""))); d != "" {
			t.Errorf("ListMemberships (-want +got):\n%s", d)
		}
		// A still sees all 120, as INVITED (it never joined).
		if d := diff(b.collabs, collabIDs(allCollabs(t, b.A, types.FilterableMemberStatusInvited))); d != "" {
			t.Errorf("A's ListCollaborations(INVITED) (-want +got):\n%s", d)
		}
	})
}

func TestMaxResultsRange(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 3 {
		c := mustCreate(t, e.A, standard(fmt.Sprint("c", i)))
		mustJoin(t, e.A, joinInput(*c.Id))
		ids = append(ids, *c.Id)
	}
	calls := []struct {
		name string
		call func(max int32) (int, error)
	}{
		{"ListCollaborations", func(max int32) (int, error) {
			out, err := e.A.ListCollaborations(t.Context(), &cleanrooms.ListCollaborationsInput{MaxResults: aws.Int32(max)})
			if err != nil {
				return 0, err
			}
			return len(out.CollaborationList), nil
		}},
		{"ListMemberships", func(max int32) (int, error) {
			out, err := e.A.ListMemberships(t.Context(), &cleanrooms.ListMembershipsInput{MaxResults: aws.Int32(max)})
			if err != nil {
				return 0, err
			}
			return len(out.MembershipSummaries), nil
		}},
		{"ListMembers", func(max int32) (int, error) {
			out, err := e.A.ListMembers(t.Context(), &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(ids[0]), MaxResults: aws.Int32(max)})
			if err != nil {
				return 0, err
			}
			return len(out.MemberSummaries), nil
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			for _, bad := range []int32{0, -1, 101, 1000} {
				_, err := c.call(bad)
				if ve := wantValidation(t, err); !fieldNamed(ve, "maxResults") {
					t.Errorf("maxResults %d: %q does not name maxResults", bad, aws.ToString(ve.Message))
				}
			}
			for max, want := range map[int32]int{1: 1, 2: 2, 100: 3} {
				n, err := c.call(max)
				if err != nil || n != want {
					t.Errorf("maxResults %d: %d items, %v; want %d", max, n, err, want)
				}
			}
		})
	}
}

func TestNextTokenBinding(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 3 {
		c := mustCreate(t, e.A, standard(fmt.Sprint("c", i)))
		ids = append(ids, *c.Id)
		mustJoin(t, e.A, joinInput(*c.Id))
		mustJoin(t, e.B, joinInput(*c.Id))
	}
	one := aws.Int32(1)
	collabToken := func(cl *cleanrooms.Client, f types.FilterableMemberStatus) *string {
		out, err := cl.ListCollaborations(t.Context(), &cleanrooms.ListCollaborationsInput{MemberStatus: f, MaxResults: one})
		if err != nil || out.NextToken == nil {
			t.Fatalf("ListCollaborations(%q): token %v, %v", f, out, err)
		}
		return out.NextToken
	}
	membershipToken := func(cl *cleanrooms.Client, s types.MembershipStatus) *string {
		out, err := cl.ListMemberships(t.Context(), &cleanrooms.ListMembershipsInput{Status: s, MaxResults: one})
		if err != nil || out.NextToken == nil {
			t.Fatalf("ListMemberships(%q): %v, %v", s, out, err)
		}
		return out.NextToken
	}
	membersToken := func(cl *cleanrooms.Client, id string) *string {
		out, err := cl.ListMembers(t.Context(), &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(id), MaxResults: one})
		if err != nil || out.NextToken == nil {
			t.Fatalf("ListMembers(%s): %v, %v", id, out, err)
		}
		return out.NextToken
	}
	listCollabs := func(cl *cleanrooms.Client, f types.FilterableMemberStatus) func(*string) error {
		return func(tok *string) error {
			_, err := cl.ListCollaborations(t.Context(), &cleanrooms.ListCollaborationsInput{MemberStatus: f, NextToken: tok})
			return err
		}
	}
	listMemberships := func(cl *cleanrooms.Client, s types.MembershipStatus) func(*string) error {
		return func(tok *string) error {
			_, err := cl.ListMemberships(t.Context(), &cleanrooms.ListMembershipsInput{Status: s, NextToken: tok})
			return err
		}
	}
	listMembers := func(cl *cleanrooms.Client, id string) func(*string) error {
		return func(tok *string) error {
			_, err := cl.ListMembers(t.Context(), &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(id), NextToken: tok})
			return err
		}
	}

	real := *collabToken(e.A, "")
	raw, _ := base64.RawURLEncoding.DecodeString(real)
	forged := map[string]string{
		"not base64":            "!!not a token!!",
		"random base64":         base64.RawURLEncoding.EncodeToString([]byte("hello, world")),
		"padded base64":         base64.StdEncoding.EncodeToString(raw),
		"truncated":             real[:len(real)-4],
		"half":                  real[:len(real)/2],
		"extended":              real + "AAAA",
		"another server's":      base64.RawURLEncoding.EncodeToString([]byte("1\x00ListCollaborations\x00" + acctA + "\x00|us-east-1\x00djE6ZGVhZGJlZWY6OTk5")),
		"empty cursor envelope": base64.RawURLEncoding.EncodeToString([]byte("1\x00ListCollaborations\x00" + acctA + "\x00|us-east-1\x00")),
	}
	for name, tok := range forged {
		t.Run("forged "+name, func(t *testing.T) {
			err := listCollabs(e.A, "")(aws.String(tok))
			if ve := wantValidation(t, err); !fieldNamed(ve, "nextToken") {
				t.Errorf("%q does not name nextToken", aws.ToString(ve.Message))
			}
		})
	}

	misuse := []struct {
		name string
		tok  *string
		use  func(*string) error
	}{
		{"collaborations token by another account", collabToken(e.A, ""), listCollabs(e.B, "")},
		{"collaborations token with another filter", collabToken(e.A, ""), listCollabs(e.A, types.FilterableMemberStatusActive)},
		{"ACTIVE token without the filter", collabToken(e.A, types.FilterableMemberStatusActive), listCollabs(e.A, "")},
		{"ACTIVE token with INVITED", collabToken(e.A, types.FilterableMemberStatusActive), listCollabs(e.A, types.FilterableMemberStatusInvited)},
		{"collaborations token for memberships", collabToken(e.A, ""), listMemberships(e.A, "")},
		{"collaborations token for members", collabToken(e.A, ""), listMembers(e.A, ids[0])},
		{"memberships token for collaborations", membershipToken(e.A, ""), listCollabs(e.A, "")},
		{"memberships token by another account", membershipToken(e.A, ""), listMemberships(e.B, "")},
		{"memberships token with another filter", membershipToken(e.A, ""), listMemberships(e.A, types.MembershipStatusActive)},
		{"ACTIVE memberships token with REMOVED", membershipToken(e.A, types.MembershipStatusActive), listMemberships(e.A, types.MembershipStatusRemoved)},
		{"members token for another collaboration", membersToken(e.A, ids[0]), listMembers(e.A, ids[1])},
		{"members token by another account", membersToken(e.A, ids[0]), listMembers(e.B, ids[0])},
		{"members token for collaborations", membersToken(e.A, ids[0]), listCollabs(e.A, "")},
	}
	for _, m := range misuse {
		t.Run(m.name, func(t *testing.T) {
			if ve := wantValidation(t, m.use(m.tok)); !fieldNamed(ve, "nextToken") {
				t.Errorf("%q does not name nextToken", aws.ToString(ve.Message))
			}
		})
	}

	// The genuine token still works where it belongs.
	out, err := e.A.ListCollaborations(t.Context(), &cleanrooms.ListCollaborationsInput{NextToken: aws.String(real)})
	if err != nil {
		t.Fatalf("genuine token: %v", err)
	}
	if got := collabIDs(out.CollaborationList); !slices.Equal(got, ids[1:]) {
		t.Errorf("after the first page: %v, want %v", got, ids[1:])
	}
}
