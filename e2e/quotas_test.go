package e2e

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

const (
	quotaCollaborations = "Collaborations created per account"
	quotaMemberships    = "Memberships per account"
	quotaMembers        = "Members invited per collaboration"
)

// AWS's default: 10 collaborations created per account.
func TestCollaborationsQuotaDefault(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 10 {
		ids = append(ids, *mustCreate(t, e.A, standard(fmt.Sprint("c", i))).Id)
	}
	_, err := e.A.CreateCollaboration(t.Context(), standard("eleventh"))
	wantQuota(t, err, quotaCollaborations, 10)
	if l := allCollabs(t, e.A, ""); len(l) != 10 {
		t.Errorf("A lists %d collaborations after the refusal, want 10", len(l))
	}
	if l := allCollabs(t, e.B, ""); len(l) != 10 {
		t.Errorf("B is invited to %d collaborations, want 10", len(l))
	}
	// The quota is the creator's: B may still create, and being invited
	// does not count against it.
	mustCreate(t, e.B, collabInput("b's own", nil, spec(acctA, "a")))
	// A deleted collaboration frees its slot.
	if _, err := e.A.DeleteCollaboration(t.Context(), &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: aws.String(ids[0])}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e.A, standard("replacement"))
	_, err = e.A.CreateCollaboration(t.Context(), standard("again too many"))
	wantQuota(t, err, quotaCollaborations, 10)
}

func TestCollaborationsQuotaConfigurable(t *testing.T) {
	e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{CollaborationsPerAccount: 3}))
	for i := range 3 {
		mustCreate(t, e.A, standard(fmt.Sprint("c", i)))
	}
	_, err := e.A.CreateCollaboration(t.Context(), standard("fourth"))
	wantQuota(t, err, quotaCollaborations, 3)

	e = newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{CollaborationsPerAccount: 12}))
	for i := range 12 {
		mustCreate(t, e.A, standard(fmt.Sprint("c", i)))
	}
	_, err = e.A.CreateCollaboration(t.Context(), standard("thirteenth"))
	wantQuota(t, err, quotaCollaborations, 12)
}

// inviteB has creator create n collaborations that invite B.
func inviteB(t *testing.T, creator *cleanrooms.Client, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		c := mustCreate(t, creator, collabInput(fmt.Sprint("m", i), abilities(canQuery), spec(acctB, "b")))
		ids = append(ids, *c.Id)
	}
	return ids
}

// AWS's default: 100 memberships per account.
func TestMembershipsQuotaDefault(t *testing.T) {
	e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{CollaborationsPerAccount: 101}))
	ids := inviteB(t, e.A, 101)
	for _, id := range ids[:100] {
		mustJoin(t, e.B, joinInput(id))
	}
	_, err := e.B.CreateMembership(t.Context(), joinInput(ids[100]))
	wantQuota(t, err, quotaMemberships, 100)
}

func TestMembershipsQuotaConfigurable(t *testing.T) {
	e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{MembershipsPerAccount: 3}))
	ids := inviteB(t, e.A, 6)
	var ms []types.Membership
	for _, id := range ids[:3] {
		ms = append(ms, mustJoin(t, e.B, joinInput(id)))
	}
	_, err := e.B.CreateMembership(t.Context(), joinInput(ids[3]))
	wantQuota(t, err, quotaMemberships, 3)
	// The refused join wrote nothing.
	if r := memberRow(t, e.A, ids[3], acctB); r.Status != types.MemberStatusInvited || r.MembershipId != nil {
		t.Errorf("B's row after the refusal = %+v", r)
	}
	if l := allMemberships(t, e.B, ""); len(l) != 3 {
		t.Errorf("B has %d memberships, want 3", len(l))
	}
	// Only ACTIVE memberships count: leaving, being removed and a deleted
	// collaboration each free a slot.
	if _, err := e.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: ms[0].Id}); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, e.B, joinInput(ids[3]))
	if _, err := e.A.DeleteMember(t.Context(), &cleanrooms.DeleteMemberInput{CollaborationIdentifier: aws.String(ids[1]), AccountId: aws.String(acctB)}); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, e.B, joinInput(ids[4]))
	if _, err := e.A.DeleteCollaboration(t.Context(), &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: aws.String(ids[2])}); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, e.B, joinInput(ids[5]))
	// Three ACTIVE again; a seventh collaboration is one too many.
	extra := mustCreate(t, e.A, collabInput("extra", abilities(canQuery), spec(acctB, "b")))
	_, err = e.B.CreateMembership(t.Context(), joinInput(*extra.Id))
	wantQuota(t, err, quotaMemberships, 3)
	// The quota is per account: the creator can still join its own.
	mustJoin(t, e.A, joinInput(*extra.Id))
}

func invitees(n int) []types.MemberSpecification {
	out := make([]types.MemberSpecification, n)
	for i := range out {
		acct := fmt.Sprintf("8000000000%02d", i)
		out[i] = spec(acct, "m"+acct)
	}
	return out
}

func TestMembersQuota(t *testing.T) {
	t.Run("default 5", func(t *testing.T) {
		e := newEnv(t)
		c := mustCreate(t, e.A, collabInput("five", abilities(canQuery), invitees(5)...))
		if n := len(allMembers(t, e.A, *c.Id)); n != 6 {
			t.Errorf("%d rows, want the creator and 5 members", n)
		}
		_, err := e.A.CreateCollaboration(t.Context(), collabInput("six", abilities(canQuery), invitees(6)...))
		wantQuota(t, err, quotaMembers, 5)
		if l := allCollabs(t, e.A, ""); len(l) != 1 {
			t.Errorf("A lists %d collaborations, want 1", len(l))
		}
		if l := allCollabs(t, e.srv.Client(*invitees(6)[5].AccountId), ""); len(l) != 0 {
			t.Errorf("the sixth invitee sees %v", collabIDs(l))
		}
	})
	t.Run("configured 7", func(t *testing.T) {
		e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{MembersPerCollaboration: 7}))
		mustCreate(t, e.A, collabInput("seven", abilities(canQuery), invitees(7)...))
		_, err := e.A.CreateCollaboration(t.Context(), collabInput("eight", abilities(canQuery), invitees(8)...))
		wantQuota(t, err, quotaMembers, 7)
	})
	t.Run("configured 2", func(t *testing.T) {
		e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{MembersPerCollaboration: 2}))
		_, err := e.A.CreateCollaboration(t.Context(), standard("three")) // B, C
		if err != nil {
			t.Fatalf("two members with quota 2: %v", err)
		}
		_, err = e.A.CreateCollaboration(t.Context(), collabInput("three", abilities(canQuery), spec(acctB, "b"), spec(acctC, "c"), spec(acctD, "d")))
		wantQuota(t, err, quotaMembers, 2)
	})
}

// A request that breaks a rule and would also exceed a quota is refused
// for the rule: quotas are checked after every validation (shared spec
// 4.3), and the refusal writes nothing.
func TestQuotasComeAfterValidation(t *testing.T) {
	e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{CollaborationsPerAccount: 1, MembershipsPerAccount: 1}))
	tooMany := collabInput("invalid and too big", abilities(canQuery), invitees(6)...)
	tooMany.Members[5] = spec(acctA, "the creator again")
	_, err := e.A.CreateCollaboration(t.Context(), tooMany)
	wantValidation(t, err)

	mustCreate(t, e.A, standard("the only one"))
	bad := standard("over quota, two payers")
	bad.CreatorPaymentConfiguration = costs{Query: yes}.collab()
	bad.Members[0].PaymentConfiguration = costs{Query: yes}.collab()
	_, err = e.A.CreateCollaboration(t.Context(), bad)
	wantValidation(t, err)

	// B already holds its one membership; joining a collaboration where it
	// is receive-only, without saying where results go, is invalid first.
	first := mustCreate(t, e.C, collabInput("first", abilities(canQuery), spec(acctB, "b")))
	mustJoin(t, e.B, joinInput(*first.Id))
	second := mustCreate(t, e.D, collabInput("second", abilities(canQuery), spec(acctB, "b", canReceive)))
	_, err = e.B.CreateMembership(t.Context(), joinInput(*second.Id))
	wantValidation(t, err)
	if r := memberRow(t, e.D, *second.Id, acctB); r.Status != types.MemberStatusInvited {
		t.Errorf("B after the refused join: %s", r.Status)
	}
	// A valid join is then refused for the quota.
	valid := joinInput(*second.Id)
	valid.DefaultResultConfiguration = resultConfig("b-results", acctB)
	_, err = e.B.CreateMembership(t.Context(), valid)
	wantQuota(t, err, quotaMemberships, 1)
}
