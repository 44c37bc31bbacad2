package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

// listed reports how account sees collaboration id under each
// ListCollaborations filter: "" when not listed, else its memberStatus.
func listed(t *testing.T, cl *cleanrooms.Client, id string) map[types.FilterableMemberStatus]types.MemberStatus {
	t.Helper()
	out := map[types.FilterableMemberStatus]types.MemberStatus{}
	for _, f := range []types.FilterableMemberStatus{"", types.FilterableMemberStatusInvited, types.FilterableMemberStatusActive} {
		for _, c := range allCollabs(t, cl, f) {
			if aws.ToString(c.Id) == id {
				out[f] = c.MemberStatus
			}
		}
	}
	return out
}

func TestMembershipLifecycle(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("lifecycle"))
	id := aws.ToString(c.Id)
	invited := map[types.FilterableMemberStatus]types.MemberStatus{"": types.MemberStatusInvited, types.FilterableMemberStatusInvited: types.MemberStatusInvited}
	active := map[types.FilterableMemberStatus]types.MemberStatus{"": types.MemberStatusActive, types.FilterableMemberStatusActive: types.MemberStatusActive}
	gone := map[types.FilterableMemberStatus]types.MemberStatus{}

	// Everyone named starts INVITED, the creator too; the outsider sees nothing.
	for name, cl := range map[string]*cleanrooms.Client{"A": e.A, "B": e.B, "C": e.C} {
		if d := diff(invited, listed(t, cl, id)); d != "" {
			t.Errorf("%s's listings before joining (-want +got):\n%s", name, d)
		}
		if g := mustGetCollab(t, cl, id); g.MemberStatus != types.MemberStatusInvited || g.MembershipId != nil {
			t.Errorf("%s GetCollaboration memberStatus %s membershipId %v, want INVITED without membership", name, g.MemberStatus, g.MembershipId)
		}
	}
	if d := diff(gone, listed(t, e.D, id)); d != "" {
		t.Errorf("outsider's listings (-want +got):\n%s", d)
	}
	for _, r := range allMembers(t, e.A, id) {
		if r.Status != types.MemberStatusInvited || r.MembershipId != nil {
			t.Errorf("row %s: %s %v, want INVITED without membership", *r.AccountId, r.Status, r.MembershipId)
		}
	}

	mA := mustJoin(t, e.A, joinInput(id))
	if d := diff(active, listed(t, e.A, id)); d != "" {
		t.Errorf("A's listings after joining (-want +got):\n%s", d)
	}
	if d := diff(invited, listed(t, e.B, id)); d != "" {
		t.Errorf("B's listings after A joined (-want +got):\n%s", d)
	}
	tick()
	mB := mustJoin(t, e.B, joinInput(id))
	if d := diff(active, listed(t, e.B, id)); d != "" {
		t.Errorf("B's listings after joining (-want +got):\n%s", d)
	}
	// Each caller sees its own membership in the summaries.
	for name, x := range map[string]struct {
		cl *cleanrooms.Client
		m  types.Membership
	}{"A": {e.A, mA}, "B": {e.B, mB}} {
		l := allCollabs(t, x.cl, types.FilterableMemberStatusActive)
		if len(l) != 1 || aws.ToString(l[0].MembershipId) != *x.m.Id || aws.ToString(l[0].MembershipArn) != *x.m.Arn {
			t.Errorf("%s's ListCollaborations(ACTIVE) = %+v, want its membership %s", name, l, *x.m.Id)
		}
	}
	rowB := memberRow(t, e.A, id, acctB)
	if rowB.Status != types.MemberStatusActive || aws.ToString(rowB.MembershipId) != *mB.Id || aws.ToString(rowB.MembershipArn) != membershipARN(acctB, *mB.Id) {
		t.Errorf("B's row after joining = %+v", rowB)
	}

	// B leaves: the row is LEFT, the membership is gone, B cannot come back.
	tick()
	if _, err := e.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: mB.Id}); err != nil {
		t.Fatalf("B leaves: %v", err)
	}
	rowB = memberRow(t, e.A, id, acctB)
	if rowB.Status != types.MemberStatusLeft || rowB.MembershipId != nil || rowB.MembershipArn != nil || !rowB.UpdateTime.After(*mB.CreateTime) {
		t.Errorf("B's row after leaving = status %s membershipId %v updateTime %v", rowB.Status, rowB.MembershipId, rowB.UpdateTime)
	}
	_, err := e.B.GetMembership(t.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: mB.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, *mB.Id)
	for _, s := range []types.MembershipStatus{"", types.MembershipStatusActive, types.MembershipStatusRemoved, types.MembershipStatusCollaborationDeleted} {
		if l := allMemberships(t, e.B, s); len(l) != 0 {
			t.Errorf("B's ListMemberships(%q) after leaving = %v", s, membershipIDs(l))
		}
	}
	_, err = e.B.CreateMembership(t.Context(), joinInput(id))
	wantConflict(t, err, types.ConflictExceptionReasonInvalidState)
	_, err = e.B.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
	wantAccessDenied(t, err)
	_, err = e.B.ListMembers(t.Context(), &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(id)})
	wantAccessDenied(t, err)
	if d := diff(gone, listed(t, e.B, id)); d != "" {
		t.Errorf("B's listings after leaving (-want +got):\n%s", d)
	}
	_, err = e.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: mB.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, *mB.Id)
	if r := memberRow(t, e.A, id, acctB); r.Status != types.MemberStatusLeft {
		t.Errorf("B's row after the refused rejoin = %s, want LEFT", r.Status)
	}

	// The creator cannot leave.
	_, err = e.A.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: mA.Id})
	wantConflict(t, err, types.ConflictExceptionReasonInvalidState)
	// terraform-provider-aws matches on this text (docs/behavior-decisions.md).
	if want := "Cannot delete membership for the creator of the collaboration while their membership is still ACTIVE"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("creator's DeleteMembership: %v, want a message containing %q", err, want)
	}
	if m := mustGetMembership(t, e.A, *mA.Id); m.Status != types.MembershipStatusActive {
		t.Errorf("creator's membership after refused leave = %s", m.Status)
	}
	if r := memberRow(t, e.A, id, acctA); r.Status != types.MemberStatusActive || aws.ToString(r.MembershipId) != *mA.Id {
		t.Errorf("creator's row after refused leave = %+v", r)
	}
}

func TestDeleteMember(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("removals"))
	id := aws.ToString(c.Id)
	mustJoin(t, e.A, joinInput(id))
	mB := mustJoin(t, e.B, joinInput(id))
	remove := func(cl *cleanrooms.Client, collab, account string) error {
		_, err := cl.DeleteMember(t.Context(), &cleanrooms.DeleteMemberInput{CollaborationIdentifier: aws.String(collab), AccountId: aws.String(account)})
		return err
	}

	wantAccessDenied(t, remove(e.B, id, acctC)) // a member, not the creator
	wantAccessDenied(t, remove(e.C, id, acctB)) // an invitee
	wantAccessDenied(t, remove(e.D, id, acctC)) // an outsider
	wantValidation(t, remove(e.A, id, acctA))   // the creator itself
	wantNotFound(t, remove(e.A, id, acctD), types.ResourceTypeMembership, acctD)
	for _, r := range allMembers(t, e.A, id) {
		if aws.ToString(r.AccountId) != acctC && r.Status != types.MemberStatusActive || aws.ToString(r.AccountId) == acctC && r.Status != types.MemberStatusInvited {
			t.Errorf("after refused removals, row %s is %s", *r.AccountId, r.Status)
		}
	}

	// Removing an active member removes its membership too.
	tick()
	if err := remove(e.A, id, acctB); err != nil {
		t.Fatalf("DeleteMember(B): %v", err)
	}
	rowB := memberRow(t, e.A, id, acctB)
	if rowB.Status != types.MemberStatusRemoved || aws.ToString(rowB.MembershipId) != *mB.Id || !rowB.UpdateTime.After(*mB.CreateTime) {
		t.Errorf("B's row after removal = %+v", rowB)
	}
	got := mustGetMembership(t, e.B, *mB.Id)
	if got.Status != types.MembershipStatusRemoved || !got.UpdateTime.After(*mB.UpdateTime) {
		t.Errorf("B's membership after removal: %s, updateTime %v", got.Status, got.UpdateTime)
	}
	if ids := membershipIDs(allMemberships(t, e.B, types.MembershipStatusRemoved)); len(ids) != 1 || ids[0] != *mB.Id {
		t.Errorf("ListMemberships(REMOVED) = %v, want [%s]", ids, *mB.Id)
	}
	if l := allMemberships(t, e.B, types.MembershipStatusActive); len(l) != 0 {
		t.Errorf("ListMemberships(ACTIVE) = %v, want none", membershipIDs(l))
	}
	_, err := e.B.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
	wantAccessDenied(t, err)
	if l := allCollabs(t, e.B, ""); len(l) != 0 {
		t.Errorf("removed B still lists %v", collabIDs(l))
	}
	_, err = e.B.CreateMembership(t.Context(), joinInput(id))
	wantConflict(t, err, types.ConflictExceptionReasonInvalidState)
	_, err = e.B.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{MembershipIdentifier: mB.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
	wantConflict(t, err, types.ConflictExceptionReasonInvalidState)
	wantConflict(t, remove(e.A, id, acctB), types.ConflictExceptionReasonInvalidState) // already removed

	// Removing an invited member: no membership, and no joining later.
	if err := remove(e.A, id, acctC); err != nil {
		t.Fatalf("DeleteMember(C): %v", err)
	}
	if r := memberRow(t, e.A, id, acctC); r.Status != types.MemberStatusRemoved || r.MembershipId != nil {
		t.Errorf("C's row after removal = %+v", r)
	}
	_, err = e.C.CreateMembership(t.Context(), joinInput(id))
	wantConflict(t, err, types.ConflictExceptionReasonInvalidState)
	if l := allMemberships(t, e.C, ""); len(l) != 0 {
		t.Errorf("C has memberships %v", membershipIDs(l))
	}

	// A member who left cannot be removed.
	left := mustCreate(t, e.A, standard("left"))
	mL := mustJoin(t, e.B, joinInput(*left.Id))
	if _, err := e.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: mL.Id}); err != nil {
		t.Fatal(err)
	}
	wantConflict(t, remove(e.A, *left.Id, acctB), types.ConflictExceptionReasonInvalidState)
	if r := memberRow(t, e.A, *left.Id, acctB); r.Status != types.MemberStatusLeft {
		t.Errorf("B's row = %s, want LEFT", r.Status)
	}
}

// A removed member may delete its REMOVED membership; the member row stays
// REMOVED, and no longer points at a membership that does not exist.
func TestDeleteRemovedMembership(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("cleanup"))
	id := aws.ToString(c.Id)
	mB := mustJoin(t, e.B, joinInput(id))
	if _, err := e.A.DeleteMember(t.Context(), &cleanrooms.DeleteMemberInput{CollaborationIdentifier: c.Id, AccountId: aws.String(acctB)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: mB.Id}); err != nil {
		t.Fatalf("DeleteMembership of a REMOVED membership: %v", err)
	}
	_, err := e.B.GetMembership(t.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: mB.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, *mB.Id)
	if l := allMemberships(t, e.B, ""); len(l) != 0 {
		t.Errorf("ListMemberships = %v, want none", membershipIDs(l))
	}
	r := memberRow(t, e.A, id, acctB)
	if r.Status != types.MemberStatusRemoved {
		t.Errorf("B's row = %s, want REMOVED", r.Status)
	}
	if r.MembershipId != nil || r.MembershipArn != nil {
		t.Errorf("B's row still names deleted membership %s (%s)", aws.ToString(r.MembershipId), aws.ToString(r.MembershipArn))
	}
}

func TestMembershipSettingsRoundTripAndUpdate(t *testing.T) {
	e := newEnv(t)
	in := collabInput("settings", abilities(types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults),
		spec(acctB, "b", types.MemberAbilityCanReceiveResults))
	in.QueryLogStatus = types.CollaborationQueryLogStatusEnabled
	in.JobLogStatus = types.CollaborationJobLogStatusEnabled
	c := mustCreate(t, e.A, in)

	res := resultConfig("b-results", acctB) // no key prefix
	job := jobResultConfig("b-jobs", "", acctB)
	m := mustJoin(t, e.B, &cleanrooms.CreateMembershipInput{
		CollaborationIdentifier: c.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled,
		DefaultResultConfiguration: res, DefaultJobResultConfiguration: job,
	})
	if d := diff(res, m.DefaultResultConfiguration); d != "" {
		t.Errorf("defaultResultConfiguration (-want +got):\n%s", d)
	}
	if d := diff(job, m.DefaultJobResultConfiguration); d != "" {
		t.Errorf("defaultJobResultConfiguration (-want +got):\n%s", d)
	}
	s3 := m.DefaultResultConfiguration.OutputConfiguration.(*types.MembershipProtectedQueryOutputConfigurationMemberS3).Value
	if s3.KeyPrefix != nil || s3.SingleFileOutput != nil {
		t.Errorf("omitted keyPrefix/singleFileOutput came back: %v %v", s3.KeyPrefix, s3.SingleFileOutput)
	}
	if d := diff(m, mustGetMembership(t, e.B, *m.Id)); d != "" {
		t.Errorf("GetMembership (-want +got):\n%s", d)
	}

	prev := m
	newRes := &types.MembershipProtectedQueryResultConfiguration{
		OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{Value: types.ProtectedQueryS3OutputConfiguration{
			Bucket: aws.String("b-results-2"), ResultFormat: types.ResultFormatParquet, KeyPrefix: aws.String("out/"), SingleFileOutput: yes,
		}},
		RoleArn: roleARN(acctB),
	}
	newJob := jobResultConfig("b-jobs-2", "jobs/", acctB)
	steps := []struct {
		name string
		in   *cleanrooms.UpdateMembershipInput
		want func(*types.Membership)
	}{
		{"query log", &cleanrooms.UpdateMembershipInput{QueryLogStatus: types.MembershipQueryLogStatusEnabled},
			func(w *types.Membership) { w.QueryLogStatus = types.MembershipQueryLogStatusEnabled }},
		{"result configuration", &cleanrooms.UpdateMembershipInput{DefaultResultConfiguration: newRes},
			func(w *types.Membership) { w.DefaultResultConfiguration = newRes }},
		{"job log and job results", &cleanrooms.UpdateMembershipInput{JobLogStatus: types.MembershipJobLogStatusEnabled, DefaultJobResultConfiguration: newJob},
			func(w *types.Membership) {
				w.JobLogStatus, w.DefaultJobResultConfiguration = types.MembershipJobLogStatusEnabled, newJob
			}},
	}
	for _, s := range steps {
		tick()
		s.in.MembershipIdentifier = m.Id
		out, err := e.B.UpdateMembership(t.Context(), s.in)
		if err != nil {
			t.Fatalf("%s: UpdateMembership: %v", s.name, err)
		}
		got := *out.Membership
		want := prev
		s.want(&want)
		if !got.UpdateTime.After(*prev.UpdateTime) {
			t.Errorf("%s: updateTime %v did not advance past %v", s.name, got.UpdateTime, prev.UpdateTime)
		}
		want.UpdateTime = got.UpdateTime
		if d := diff(want, got); d != "" {
			t.Errorf("%s: UpdateMembership (-want +got):\n%s", s.name, d)
		}
		if d := diff(want, mustGetMembership(t, e.B, *m.Id)); d != "" {
			t.Errorf("%s: GetMembership (-want +got):\n%s", s.name, d)
		}
		prev = got
	}

	// Rejected updates change nothing.
	rejected := []*cleanrooms.UpdateMembershipInput{
		{DefaultResultConfiguration: resultConfig("no-role", "")},                                                            // receive-only without a role
		{QueryLogStatus: types.MembershipQueryLogStatusDisabled, MembershipPaymentConfiguration: costs{Query: yes}.update()}, // B does not pay
	}
	for i, in := range rejected {
		in.MembershipIdentifier = m.Id
		_, err := e.B.UpdateMembership(t.Context(), in)
		wantValidation(t, err)
		if d := diff(prev, mustGetMembership(t, e.B, *m.Id)); d != "" {
			t.Errorf("rejected update %d changed the membership (-want +got):\n%s", i, d)
		}
	}
	if d := diff([]types.MembershipSummary{membershipSummaryOf(prev)}, allMemberships(t, e.B, "")); d != "" {
		t.Errorf("ListMemberships (-want +got):\n%s", d)
	}
}

func TestMembershipSettingRules(t *testing.T) {
	q, r := types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults
	type collabOpts struct {
		engine   types.AnalyticsEngine
		queryLog types.CollaborationQueryLogStatus
		jobLog   types.CollaborationJobLogStatus
		metrics  *bool
	}
	// A queries and receives, B only receives, C only contributes.
	mk := func(o collabOpts) *cleanrooms.CreateCollaborationInput {
		in := collabInput("rules", abilities(q, r), spec(acctB, "b", r), spec(acctC, "c"))
		in.AnalyticsEngine, in.JobLogStatus, in.IsMetricsEnabled = o.engine, o.jobLog, o.metrics
		if o.queryLog != "" {
			in.QueryLogStatus = o.queryLog
		}
		return in
	}
	single := func(account string) *types.MembershipProtectedQueryResultConfiguration {
		rc := resultConfig("single", account)
		s3 := rc.OutputConfiguration.(*types.MembershipProtectedQueryOutputConfigurationMemberS3)
		s3.Value.SingleFileOutput = yes
		return rc
	}
	cases := []struct {
		name   string
		collab collabOpts
		joiner string
		join   func(*cleanrooms.CreateMembershipInput)
		ok     bool
		field  string // the field a ValidationException names, if checked
	}{
		{"receive-only without result configuration", collabOpts{}, acctB, func(*cleanrooms.CreateMembershipInput) {}, false, "defaultResultConfiguration"},
		{"receive-only without role", collabOpts{}, acctB, func(in *cleanrooms.CreateMembershipInput) {
			in.DefaultResultConfiguration = resultConfig("b-bucket", "")
		}, false, "defaultResultConfiguration.roleArn"},
		{"receive-only with role", collabOpts{}, acctB, func(in *cleanrooms.CreateMembershipInput) {
			in.DefaultResultConfiguration = resultConfig("b-bucket", acctB)
		}, true, ""},
		{"querier-receiver without result configuration", collabOpts{}, acctA, func(*cleanrooms.CreateMembershipInput) {}, true, ""},
		{"querier-receiver without role", collabOpts{}, acctA, func(in *cleanrooms.CreateMembershipInput) {
			in.DefaultResultConfiguration = resultConfig("a-bucket", "")
		}, true, ""},
		{"singleFileOutput with CLEAN_ROOMS_SQL", collabOpts{engine: types.AnalyticsEngineCleanRoomsSql}, acctA, func(in *cleanrooms.CreateMembershipInput) {
			in.DefaultResultConfiguration = single("")
		}, false, "defaultResultConfiguration.outputConfiguration.s3.singleFileOutput"},
		{"singleFileOutput with SPARK", collabOpts{engine: types.AnalyticsEngineSpark}, acctA, func(in *cleanrooms.CreateMembershipInput) {
			in.DefaultResultConfiguration = single("")
		}, true, ""},
		{"singleFileOutput with the default engine", collabOpts{}, acctB, func(in *cleanrooms.CreateMembershipInput) {
			in.DefaultResultConfiguration = single(acctB)
		}, true, ""},
		{"result configuration from a non-receiver", collabOpts{}, acctC, func(in *cleanrooms.CreateMembershipInput) {
			in.DefaultResultConfiguration = resultConfig("c-bucket", acctC)
		}, false, "defaultResultConfiguration"},
		{"job result configuration from a non-receiver", collabOpts{}, acctC, func(in *cleanrooms.CreateMembershipInput) {
			in.DefaultJobResultConfiguration = jobResultConfig("c-bucket", "", acctC)
		}, false, "defaultJobResultConfiguration"},
		{"query logging in a collaboration without it", collabOpts{queryLog: types.CollaborationQueryLogStatusDisabled}, acctC, func(in *cleanrooms.CreateMembershipInput) {
			in.QueryLogStatus = types.MembershipQueryLogStatusEnabled
		}, false, "queryLogStatus"},
		{"no query logging in a collaboration with it", collabOpts{queryLog: types.CollaborationQueryLogStatusEnabled}, acctC, func(in *cleanrooms.CreateMembershipInput) {
			in.QueryLogStatus = types.MembershipQueryLogStatusDisabled
		}, true, ""},
		{"query logging in a collaboration with it", collabOpts{queryLog: types.CollaborationQueryLogStatusEnabled}, acctC, func(in *cleanrooms.CreateMembershipInput) {
			in.QueryLogStatus = types.MembershipQueryLogStatusEnabled
		}, true, ""},
		{"job logging in a collaboration without it", collabOpts{}, acctA, func(in *cleanrooms.CreateMembershipInput) {
			in.JobLogStatus = types.MembershipJobLogStatusEnabled
		}, false, "jobLogStatus"},
		{"job logging in a collaboration with it", collabOpts{jobLog: types.CollaborationJobLogStatusEnabled}, acctA, func(in *cleanrooms.CreateMembershipInput) {
			in.JobLogStatus = types.MembershipJobLogStatusEnabled
		}, true, ""},
		{"metrics in a collaboration without them", collabOpts{}, acctA, func(in *cleanrooms.CreateMembershipInput) {
			in.IsMetricsEnabled = yes
		}, false, "isMetricsEnabled"},
		{"metrics from a member that neither queries nor pays", collabOpts{metrics: yes}, acctC, func(in *cleanrooms.CreateMembershipInput) {
			in.IsMetricsEnabled = yes
		}, false, "isMetricsEnabled"},
		{"metrics from the querier", collabOpts{metrics: yes}, acctA, func(in *cleanrooms.CreateMembershipInput) {
			in.IsMetricsEnabled = yes
		}, true, ""},
	}
	e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{CollaborationsPerAccount: 100}))
	clients := map[string]*cleanrooms.Client{acctA: e.A, acctB: e.B, acctC: e.C}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCreate(t, e.A, mk(tc.collab))
			cl := clients[tc.joiner]
			in := joinInput(*c.Id)
			tc.join(in)
			before := allMemberships(t, cl, "")
			out, err := cl.CreateMembership(t.Context(), in)
			if tc.ok {
				if err != nil {
					t.Fatalf("CreateMembership: %v", err)
				}
				if d := diff(in.DefaultResultConfiguration, out.Membership.DefaultResultConfiguration); d != "" {
					t.Errorf("defaultResultConfiguration (-want +got):\n%s", d)
				}
				if out.Membership.QueryLogStatus != in.QueryLogStatus || out.Membership.JobLogStatus != in.JobLogStatus ||
					aws.ToBool(out.Membership.IsMetricsEnabled) != aws.ToBool(in.IsMetricsEnabled) {
					t.Errorf("membership settings = %+v", out.Membership)
				}
				return
			}
			ve := wantValidation(t, err)
			if tc.field != "" && !fieldNamed(ve, tc.field) {
				t.Errorf("ValidationException %q does not name %s", aws.ToString(ve.Message), tc.field)
			}
			// The rejected join wrote nothing.
			if r := memberRow(t, e.A, *c.Id, tc.joiner); r.Status != types.MemberStatusInvited || r.MembershipId != nil {
				t.Errorf("row after rejected join = %+v", r)
			}
			if d := diff(before, allMemberships(t, cl, "")); d != "" {
				t.Errorf("memberships changed (-before +after):\n%s", d)
			}
			if g := mustGetCollab(t, cl, *c.Id); g.MemberStatus != types.MemberStatusInvited {
				t.Errorf("memberStatus after rejected join = %s", g.MemberStatus)
			}
		})
	}
}

func TestMembershipAbilitiesComeFromTheRow(t *testing.T) {
	e := newEnv(t)
	in := collabInput("abilities", abilities(types.MemberAbilityCanQuery),
		spec(acctB, "b", types.MemberAbilityCanReceiveResults), spec(acctC, "c"))
	in.Members[1].MlMemberAbilities = mlAbilities(types.CustomMLMemberAbilityCanReceiveInferenceOutput)
	c := mustCreate(t, e.A, in)
	mA := mustJoin(t, e.A, joinInput(*c.Id))
	bIn := joinInput(*c.Id)
	bIn.DefaultResultConfiguration = resultConfig("b-bucket", acctB)
	mB := mustJoin(t, e.B, bIn)
	mC := mustJoin(t, e.C, joinInput(*c.Id))
	for _, x := range []struct {
		m    types.Membership
		want []types.MemberAbility
		ml   *types.MLMemberAbilities
	}{
		{mA, abilities(types.MemberAbilityCanQuery), nil},
		{mB, abilities(types.MemberAbilityCanReceiveResults), nil},
		{mC, abilities(), in.Members[1].MlMemberAbilities},
	} {
		if d := diff(x.want, x.m.MemberAbilities); d != "" {
			t.Errorf("membership %s memberAbilities (-want +got):\n%s", *x.m.Arn, d)
		}
		if d := diff(x.ml, x.m.MlMemberAbilities); d != "" {
			t.Errorf("membership %s mlMemberAbilities (-want +got):\n%s", *x.m.Arn, d)
		}
	}
	if !slices.Equal(mB.MemberAbilities, allMemberships(t, e.B, "")[0].MemberAbilities) {
		t.Errorf("ListMemberships abilities differ from the membership's")
	}
}
