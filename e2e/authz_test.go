package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// collabOps are the collaboration-level operations, each run by cl on
// collaboration id.
var collabOps = []struct {
	name string
	call func(ctx context.Context, cl *cleanrooms.Client, id string) error
}{
	{"GetCollaboration", func(ctx context.Context, cl *cleanrooms.Client, id string) error {
		_, err := cl.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
		return err
	}},
	{"UpdateCollaboration", func(ctx context.Context, cl *cleanrooms.Client, id string) error {
		_, err := cl.UpdateCollaboration(ctx, &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: aws.String(id), Name: aws.String("x")})
		return err
	}},
	{"DeleteCollaboration", func(ctx context.Context, cl *cleanrooms.Client, id string) error {
		_, err := cl.DeleteCollaboration(ctx, &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: aws.String(id)})
		return err
	}},
	{"ListMembers", func(ctx context.Context, cl *cleanrooms.Client, id string) error {
		_, err := cl.ListMembers(ctx, &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(id)})
		return err
	}},
	{"DeleteMember", func(ctx context.Context, cl *cleanrooms.Client, id string) error {
		_, err := cl.DeleteMember(ctx, &cleanrooms.DeleteMemberInput{CollaborationIdentifier: aws.String(id), AccountId: aws.String(acctC)})
		return err
	}},
	{"CreateMembership", func(ctx context.Context, cl *cleanrooms.Client, id string) error {
		_, err := cl.CreateMembership(ctx, joinInput(id))
		return err
	}},
}

func TestCollaborationOpsDenyNonMembers(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("private"))
	id := aws.ToString(c.Id)
	mustJoin(t, e.A, joinInput(id))
	// B left, C stays invited (and is the DeleteMember target).
	mB := mustJoin(t, e.B, joinInput(id))
	if _, err := e.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: mB.Id}); err != nil {
		t.Fatal(err)
	}
	callers := []struct {
		name string
		cl   *cleanrooms.Client
		id   string
	}{
		{"outsider D", e.D, id},
		{"creator A, unknown id", e.A, unknownID},
		{"member B that left", e.B, id},
	}
	for _, who := range callers {
		for _, op := range collabOps {
			if who.name == "member B that left" && op.name == "CreateMembership" {
				continue // 409 INVALID_STATE, see TestMembershipLifecycle
			}
			t.Run(who.name+"/"+op.name, func(t *testing.T) {
				err := op.call(t.Context(), who.cl, who.id)
				ae := wantAccessDenied(t, err)
				if ae.Reason != "" && ae.Reason != types.AccessDeniedExceptionReasonInsufficientPermissions {
					t.Errorf("reason %q", ae.Reason)
				}
			})
		}
	}
	// Nothing changed: C still invited, the collaboration keeps its name.
	if g := mustGetCollab(t, e.A, id); aws.ToString(g.Name) != "private" {
		t.Errorf("name = %q", aws.ToString(g.Name))
	}
	if r := memberRow(t, e.A, id, acctC); r.Status != types.MemberStatusInvited {
		t.Errorf("C = %s, want INVITED", r.Status)
	}
	if l := allMemberships(t, e.D, ""); len(l) != 0 {
		t.Errorf("outsider has memberships %v", membershipIDs(l))
	}
}

func TestCreatorOnlyOps(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("creator only"))
	id := aws.ToString(c.Id)
	mustJoin(t, e.B, joinInput(id))
	for _, who := range []struct {
		name string
		cl   *cleanrooms.Client
	}{{"active member B", e.B}, {"invited member C", e.C}} {
		for _, op := range collabOps {
			switch op.name {
			case "UpdateCollaboration", "DeleteCollaboration", "DeleteMember":
			default:
				continue
			}
			t.Run(who.name+"/"+op.name, func(t *testing.T) {
				wantAccessDenied(t, op.call(t.Context(), who.cl, id))
			})
		}
	}
	// The members can still read it, and nothing changed.
	for _, cl := range []*cleanrooms.Client{e.A, e.B, e.C} {
		if g := mustGetCollab(t, cl, id); aws.ToString(g.Name) != "creator only" {
			t.Errorf("name = %q", aws.ToString(g.Name))
		}
	}
	for _, r := range allMembers(t, e.A, id) {
		if r.Status == types.MemberStatusRemoved {
			t.Errorf("%s was removed by a non-creator", *r.AccountId)
		}
	}
}

func TestMembershipOpsHideOtherAccounts(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("memberships"))
	mA := mustJoin(t, e.A, joinInput(*c.Id))
	mB := mustJoin(t, e.B, joinInput(*c.Id))
	ops := []struct {
		name string
		call func(cl *cleanrooms.Client, id string) error
	}{
		{"GetMembership", func(cl *cleanrooms.Client, id string) error {
			_, err := cl.GetMembership(t.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(id)})
			return err
		}},
		{"UpdateMembership", func(cl *cleanrooms.Client, id string) error {
			_, err := cl.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{MembershipIdentifier: aws.String(id), QueryLogStatus: types.MembershipQueryLogStatusDisabled})
			return err
		}},
		{"DeleteMembership", func(cl *cleanrooms.Client, id string) error {
			_, err := cl.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: aws.String(id)})
			return err
		}},
	}
	cases := []struct {
		name string
		cl   *cleanrooms.Client
		id   string
	}{
		{"creator A on B's membership", e.A, *mB.Id},
		{"member B on A's membership", e.B, *mA.Id},
		{"invited C on B's membership", e.C, *mB.Id},
		{"outsider D on B's membership", e.D, *mB.Id},
		{"B on an unknown membership", e.B, unknownID},
		{"B on a collaboration id", e.B, *c.Id},
	}
	for _, tc := range cases {
		for _, op := range ops {
			t.Run(tc.name+"/"+op.name, func(t *testing.T) {
				wantNotFound(t, op.call(tc.cl, tc.id), types.ResourceTypeMembership, tc.id)
			})
		}
	}
	for _, x := range []struct {
		cl *cleanrooms.Client
		m  types.Membership
	}{{e.A, mA}, {e.B, mB}} {
		if d := diff(x.m, mustGetMembership(t, x.cl, *x.m.Id)); d != "" {
			t.Errorf("membership changed by other accounts (-want +got):\n%s", d)
		}
	}
}

func TestSecondCreateMembership(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("twice"))
	for name, cl := range map[string]*cleanrooms.Client{"creator": e.A, "member": e.B} {
		m := mustJoin(t, cl, joinInput(*c.Id))
		_, err := cl.CreateMembership(t.Context(), joinInput(*c.Id))
		ce := wantConflict(t, err, types.ConflictExceptionReasonAlreadyExists)
		if ce.ResourceType != types.ResourceTypeMembership || aws.ToString(ce.ResourceId) != *m.Id {
			t.Errorf("%s: conflict names %s %s, want the existing membership %s", name, ce.ResourceType, aws.ToString(ce.ResourceId), *m.Id)
		}
		if ids := membershipIDs(allMemberships(t, cl, "")); len(ids) != 1 || ids[0] != *m.Id {
			t.Errorf("%s has memberships %v, want only %s", name, ids, *m.Id)
		}
	}
}

// Collaborations and memberships live in the region they were created in.
func TestRegionScoping(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("regional"))
	mA := mustJoin(t, e.A, joinInput(*c.Id))
	cfg := e.srv.AWSConfig(acctA)
	cfg.Region = "us-west-2"
	west := cleanrooms.NewFromConfig(cfg)

	_, err := west.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: c.Id})
	wantAccessDenied(t, err)
	_, err = west.GetMembership(t.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: mA.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, *mA.Id)
	if l := allCollabs(t, west, ""); len(l) != 0 {
		t.Errorf("us-west-2 lists %v", collabIDs(l))
	}
	if l := allMemberships(t, west, ""); len(l) != 0 {
		t.Errorf("us-west-2 lists memberships %v", membershipIDs(l))
	}
	// Created in us-west-2, the ARNs say so.
	wc := mustCreate(t, west, standard("west"))
	if !strings.HasPrefix(aws.ToString(wc.Arn), "arn:aws:cleanrooms:us-west-2:"+acctA+":collaboration/") {
		t.Errorf("us-west-2 collaboration ARN = %s", aws.ToString(wc.Arn))
	}
	if l := allCollabs(t, e.A, ""); len(l) != 1 || *l[0].Id != *c.Id {
		t.Errorf("us-east-1 lists %v, want only %s", collabIDs(l), *c.Id)
	}
}

// Identifiers that cannot be ids are refused before anything is looked up.
func TestMalformedIdentifiers(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"not-a-uuid", strings.ToUpper(unknownID), unknownID + "0"} {
		_, err := e.A.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
		wantValidation(t, err)
		_, err = e.A.GetMembership(t.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(id)})
		wantValidation(t, err)
	}
}
