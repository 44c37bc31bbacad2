package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// fullCollabInput sets every CreateCollaboration field. Payers: B pays
// query compute and synthetic data, A (the job runner) job compute, C model
// training; nobody is designated for model inference, so the querier A
// pays it.
func fullCollabInput() *cleanrooms.CreateCollaborationInput {
	return &cleanrooms.CreateCollaborationInput{
		Name:                        aws.String("full"),
		Description:                 aws.String("every field set"),
		CreatorDisplayName:          aws.String("Creator A"),
		CreatorMemberAbilities:      abilities(types.MemberAbilityCanQuery, types.MemberAbilityCanRunJob, types.MemberAbilityCanReceiveResults),
		CreatorMLMemberAbilities:    mlAbilities(types.CustomMLMemberAbilityCanReceiveModelOutput),
		CreatorPaymentConfiguration: costs{Query: no, Job: yes}.collab(),
		Members: []types.MemberSpecification{
			{
				AccountId: aws.String(acctB), DisplayName: aws.String("Member B"),
				MemberAbilities:      abilities(types.MemberAbilityCanReceiveResults),
				MlMemberAbilities:    mlAbilities(types.CustomMLMemberAbilityCanReceiveInferenceOutput),
				PaymentConfiguration: costs{Query: yes, Synth: yes}.collab(),
			},
			{
				AccountId: aws.String(acctC), DisplayName: aws.String("Member C"),
				MemberAbilities:      abilities(),
				MlMemberAbilities:    mlAbilities(types.CustomMLMemberAbilityCanReceiveModelOutput, types.CustomMLMemberAbilityCanReceiveInferenceOutput),
				PaymentConfiguration: costs{Query: no, Train: yes}.collab(),
			},
		},
		QueryLogStatus:   types.CollaborationQueryLogStatusEnabled,
		JobLogStatus:     types.CollaborationJobLogStatusEnabled,
		IsMetricsEnabled: yes,
		DataEncryptionMetadata: &types.DataEncryptionMetadata{
			AllowCleartext: yes, AllowDuplicates: no, AllowJoinsOnColumnsWithDifferentNames: yes, PreserveNulls: no,
		},
		AutoApprovedChangeRequestTypes: []types.AutoApprovedChangeType{types.AutoApprovedChangeTypeAddMember, types.AutoApprovedChangeTypeGrantReceiveResultsAbility},
		AllowedResultRegions:           []types.SupportedS3Region{types.SupportedS3RegionUsEast1, types.SupportedS3RegionEuWest1},
		AnalyticsEngine:                types.AnalyticsEngineCleanRoomsSql,
		Tags:                           map[string]string{"project": "e2e"},
	}
}

// The resolved payments of fullCollabInput's rows.
var (
	fullPayA = costs{Query: no, Job: yes, Train: no, Infer: yes, Synth: no}
	fullPayB = costs{Query: yes, Job: no, Train: no, Infer: no, Synth: yes}
	fullPayC = costs{Query: no, Job: no, Train: yes, Infer: no, Synth: no}
)

func TestCreateCollaborationStoresEveryField(t *testing.T) {
	e := newEnv(t)
	in := fullCollabInput()
	before := time.Now()
	c := mustCreate(t, e.A, in)
	after := time.Now()

	id := aws.ToString(c.Id)
	checkUUID(t, "collaboration id", c.Id)
	within(t, "createTime", c.CreateTime, before, after)
	want := types.Collaboration{
		Arn: aws.String(collabARN(acctA, id)), CreateTime: c.CreateTime, UpdateTime: c.CreateTime,
		CreatorAccountId: aws.String(acctA), CreatorDisplayName: aws.String("Creator A"), Id: aws.String(id),
		MemberStatus: types.MemberStatusInvited, Name: aws.String("full"), Description: aws.String("every field set"),
		QueryLogStatus: types.CollaborationQueryLogStatusEnabled, JobLogStatus: types.CollaborationJobLogStatusEnabled,
		AllowedResultRegions:    in.AllowedResultRegions,
		AnalyticsEngine:         types.AnalyticsEngineCleanRoomsSql,
		AutoApprovedChangeTypes: in.AutoApprovedChangeRequestTypes,
		DataEncryptionMetadata:  in.DataEncryptionMetadata,
		IsMetricsEnabled:        yes,
	}
	if d := diff(want, c); d != "" {
		t.Fatalf("CreateCollaboration (-want +got):\n%s", d)
	}
	for name, cl := range map[string]*cleanrooms.Client{"A": e.A, "B": e.B, "C": e.C} {
		if d := diff(want, mustGetCollab(t, cl, id)); d != "" {
			t.Errorf("GetCollaboration as %s (-want +got):\n%s", name, d)
		}
		if d := diff([]types.CollaborationSummary{summaryOf(want)}, allCollabs(t, cl, "")); d != "" {
			t.Errorf("ListCollaborations as %s (-want +got):\n%s", name, d)
		}
	}

	created := c.CreateTime
	wantRows := []types.MemberSummary{
		{AccountId: aws.String(acctA), DisplayName: aws.String("Creator A"), Status: types.MemberStatusInvited,
			Abilities: in.CreatorMemberAbilities, MlAbilities: in.CreatorMLMemberAbilities,
			CreateTime: created, UpdateTime: created, PaymentConfiguration: fullPayA.collab()},
		{AccountId: aws.String(acctB), DisplayName: aws.String("Member B"), Status: types.MemberStatusInvited,
			Abilities: in.Members[0].MemberAbilities, MlAbilities: in.Members[0].MlMemberAbilities,
			CreateTime: created, UpdateTime: created, PaymentConfiguration: fullPayB.collab()},
		{AccountId: aws.String(acctC), DisplayName: aws.String("Member C"), Status: types.MemberStatusInvited,
			Abilities: in.Members[1].MemberAbilities, MlAbilities: in.Members[1].MlMemberAbilities,
			CreateTime: created, UpdateTime: created, PaymentConfiguration: fullPayC.collab()},
	}
	if d := diff(wantRows, allMembers(t, e.B, id)); d != "" {
		t.Fatalf("ListMembers before joining (-want +got):\n%s", d)
	}

	// Every account joins with every membership field it may set.
	tick()
	aRes := &types.MembershipProtectedQueryResultConfiguration{OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{
		Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("a-results"), ResultFormat: types.ResultFormatParquet,
			KeyPrefix: aws.String("a/out"), SingleFileOutput: no},
	}}
	joins := []struct {
		name, account string
		client        *cleanrooms.Client
		in            *cleanrooms.CreateMembershipInput
		pay           costs
		row           int
	}{
		{"A", acctA, e.A, &cleanrooms.CreateMembershipInput{
			CollaborationIdentifier: aws.String(id), QueryLogStatus: types.MembershipQueryLogStatusEnabled,
			JobLogStatus: types.MembershipJobLogStatusEnabled, IsMetricsEnabled: yes,
			DefaultResultConfiguration:    aRes,
			DefaultJobResultConfiguration: jobResultConfig("a-jobs", "jobs/", acctA),
			PaymentConfiguration:          fullPayA.membership(),
			Tags:                          map[string]string{"owner": "a"},
		}, fullPayA, 0},
		{"B", acctB, e.B, &cleanrooms.CreateMembershipInput{
			CollaborationIdentifier: aws.String(id), QueryLogStatus: types.MembershipQueryLogStatusDisabled,
			JobLogStatus: types.MembershipJobLogStatusDisabled, IsMetricsEnabled: yes,
			DefaultResultConfiguration: resultConfig("b-results", acctB),
			PaymentConfiguration:       costs{Query: yes, Synth: yes}.membership(),
		}, fullPayB, 1},
		{"C", acctC, e.C, &cleanrooms.CreateMembershipInput{
			CollaborationIdentifier: aws.String(id), QueryLogStatus: types.MembershipQueryLogStatusDisabled,
			PaymentConfiguration: costs{Query: no, Train: yes}.membership(),
		}, fullPayC, 2},
	}
	memberships := map[string]types.Membership{}
	for _, j := range joins {
		before := time.Now()
		m := mustJoin(t, j.client, j.in)
		after := time.Now()
		mid := aws.ToString(m.Id)
		checkUUID(t, j.name+" membership id", m.Id)
		within(t, j.name+" membership createTime", m.CreateTime, before, after)
		want := types.Membership{
			Arn: aws.String(membershipARN(j.account, mid)), Id: aws.String(mid),
			CollaborationArn: aws.String(collabARN(acctA, id)), CollaborationId: aws.String(id),
			CollaborationCreatorAccountId: aws.String(acctA), CollaborationCreatorDisplayName: aws.String("Creator A"),
			CollaborationName: aws.String("full"), CreateTime: m.CreateTime, UpdateTime: m.CreateTime,
			Status: types.MembershipStatusActive, MemberAbilities: wantRows[j.row].Abilities, MlMemberAbilities: wantRows[j.row].MlAbilities,
			QueryLogStatus: j.in.QueryLogStatus, JobLogStatus: j.in.JobLogStatus, IsMetricsEnabled: j.in.IsMetricsEnabled,
			DefaultResultConfiguration: j.in.DefaultResultConfiguration, DefaultJobResultConfiguration: j.in.DefaultJobResultConfiguration,
			PaymentConfiguration: j.pay.membership(),
		}
		if d := diff(want, m); d != "" {
			t.Errorf("CreateMembership as %s (-want +got):\n%s", j.name, d)
		}
		if d := diff(want, mustGetMembership(t, j.client, mid)); d != "" {
			t.Errorf("GetMembership as %s (-want +got):\n%s", j.name, d)
		}
		if d := diff([]types.MembershipSummary{membershipSummaryOf(want)}, allMemberships(t, j.client, "")); d != "" {
			t.Errorf("ListMemberships as %s (-want +got):\n%s", j.name, d)
		}
		memberships[j.name] = m
		wantRows[j.row].Status = types.MemberStatusActive
		wantRows[j.row].MembershipId = m.Id
		wantRows[j.row].MembershipArn = m.Arn
		wantRows[j.row].UpdateTime = m.CreateTime
	}
	// A membership without a key prefix stays without one.
	if kp := memberships["B"].DefaultResultConfiguration.OutputConfiguration.(*types.MembershipProtectedQueryOutputConfigurationMemberS3).Value.KeyPrefix; kp != nil {
		t.Errorf("B's keyPrefix = %q, want omitted", *kp)
	}

	for name, cl := range map[string]*cleanrooms.Client{"A": e.A, "B": e.B, "C": e.C} {
		if d := diff(wantRows, allMembers(t, cl, id)); d != "" {
			t.Errorf("ListMembers as %s after joining (-want +got):\n%s", name, d)
		}
		// memberStatus, membershipId and membershipArn are the caller's.
		m := memberships[name]
		got := mustGetCollab(t, cl, id)
		wantC := want
		wantC.MemberStatus, wantC.MembershipId, wantC.MembershipArn = types.MemberStatusActive, m.Id, m.Arn
		if d := diff(wantC, got); d != "" {
			t.Errorf("GetCollaboration as %s after joining (-want +got):\n%s", name, d)
		}
		if d := diff([]types.CollaborationSummary{summaryOf(wantC)}, allCollabs(t, cl, types.FilterableMemberStatusActive)); d != "" {
			t.Errorf("ListCollaborations(ACTIVE) as %s (-want +got):\n%s", name, d)
		}
	}
}

func TestCollaborationDefaultsAndOmittedFields(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("defaults"))
	id := aws.ToString(c.Id)
	if c.AnalyticsEngine != types.AnalyticsEngineSpark {
		t.Errorf("analyticsEngine omitted: got %q, want SPARK", c.AnalyticsEngine)
	}
	if g := mustGetCollab(t, e.B, id); g.AnalyticsEngine != types.AnalyticsEngineSpark {
		t.Errorf("GetCollaboration analyticsEngine = %q, want SPARK", g.AnalyticsEngine)
	}
	if l := allCollabs(t, e.B, ""); len(l) != 1 || l[0].AnalyticsEngine != types.AnalyticsEngineSpark {
		t.Errorf("ListCollaborations = %+v, want one SPARK collaboration", l)
	}
	// Fields that were not sent are not echoed.
	if c.JobLogStatus != "" || c.IsMetricsEnabled != nil || c.DataEncryptionMetadata != nil ||
		c.AutoApprovedChangeTypes != nil || c.AllowedResultRegions != nil || c.MembershipId != nil || c.MembershipArn != nil {
		t.Errorf("omitted fields echoed: %+v", c)
	}
	rows := allMembers(t, e.A, id)
	wantPay := []*types.PaymentConfiguration{costs{Query: yes}.collab(), costs{Query: no}.collab(), costs{Query: no}.collab()}
	for i, r := range rows {
		if r.MlAbilities != nil || r.MembershipId != nil {
			t.Errorf("row %d: unexpected mlAbilities/membershipId %+v", i, r)
		}
		if d := diff(wantPay[i], r.PaymentConfiguration); d != "" {
			t.Errorf("row %d payment (-want +got):\n%s", i, d)
		}
	}
	m := mustJoin(t, e.A, joinInput(id))
	if m.JobLogStatus != "" || m.IsMetricsEnabled != nil || m.DefaultResultConfiguration != nil ||
		m.DefaultJobResultConfiguration != nil || m.MlMemberAbilities != nil {
		t.Errorf("omitted membership fields echoed: %+v", m)
	}

	sql := collabInput("sql", nil)
	sql.AnalyticsEngine = types.AnalyticsEngineCleanRoomsSql
	if got := mustCreate(t, e.A, sql); got.AnalyticsEngine != types.AnalyticsEngineCleanRoomsSql {
		t.Errorf("analyticsEngine CLEAN_ROOMS_SQL came back as %q", got.AnalyticsEngine)
	}
}

func TestCollaborationIDsAndARNs(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for i := range 5 {
		c := mustCreate(t, e.A, standard("ids"))
		checkUUID(t, "collaboration id", c.Id)
		if seen[*c.Id] {
			t.Fatalf("collaboration %d reuses id %s", i, *c.Id)
		}
		seen[*c.Id] = true
		if aws.ToString(c.Arn) != collabARN(acctA, *c.Id) {
			t.Errorf("arn = %s, want the creator's account", aws.ToString(c.Arn))
		}
		for _, m := range []types.Membership{mustJoin(t, e.A, joinInput(*c.Id)), mustJoin(t, e.B, joinInput(*c.Id))} {
			checkUUID(t, "membership id", m.Id)
			if seen[*m.Id] {
				t.Fatalf("membership reuses id %s", *m.Id)
			}
			seen[*m.Id] = true
		}
	}
	for _, m := range allMemberships(t, e.B, "") {
		if aws.ToString(m.Arn) != membershipARN(acctB, *m.Id) || aws.ToString(m.CollaborationArn) != collabARN(acctA, *m.CollaborationId) {
			t.Errorf("membership %s: arn %s, collaborationArn %s", *m.Id, *m.Arn, *m.CollaborationArn)
		}
	}
}

func TestUpdateCollaboration(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("before"))
	id := aws.ToString(c.Id)
	mB := mustJoin(t, e.B, joinInput(id))

	update := func(in *cleanrooms.UpdateCollaborationInput) types.Collaboration {
		t.Helper()
		tick()
		in.CollaborationIdentifier = aws.String(id)
		out, err := e.A.UpdateCollaboration(t.Context(), in)
		if err != nil {
			t.Fatalf("UpdateCollaboration: %v", err)
		}
		return *out.Collaboration
	}
	prev := c
	steps := []struct {
		name string
		in   *cleanrooms.UpdateCollaborationInput
		want func(*types.Collaboration)
	}{
		{"description", &cleanrooms.UpdateCollaborationInput{Description: aws.String("new description")},
			func(w *types.Collaboration) { w.Description = aws.String("new description") }},
		{"engine", &cleanrooms.UpdateCollaborationInput{AnalyticsEngine: types.AnalyticsEngineCleanRoomsSql},
			func(w *types.Collaboration) { w.AnalyticsEngine = types.AnalyticsEngineCleanRoomsSql }},
		{"name", &cleanrooms.UpdateCollaborationInput{Name: aws.String("after")},
			func(w *types.Collaboration) { w.Name = aws.String("after") }},
	}
	for _, s := range steps {
		got := update(s.in)
		want := prev
		s.want(&want)
		if !got.UpdateTime.After(*prev.UpdateTime) {
			t.Errorf("%s: updateTime %v did not advance past %v", s.name, got.UpdateTime, prev.UpdateTime)
		}
		want.UpdateTime = got.UpdateTime
		if d := diff(want, got); d != "" {
			t.Errorf("%s: UpdateCollaboration (-want +got):\n%s", s.name, d)
		}
		if d := diff(want, mustGetCollab(t, e.A, id)); d != "" {
			t.Errorf("%s: GetCollaboration (-want +got):\n%s", s.name, d)
		}
		prev = got
	}
	// Members see the rename, in the collaboration and their memberships.
	if g := mustGetCollab(t, e.B, id); aws.ToString(g.Name) != "after" || g.AnalyticsEngine != types.AnalyticsEngineCleanRoomsSql {
		t.Errorf("B's GetCollaboration = %s/%s", aws.ToString(g.Name), g.AnalyticsEngine)
	}
	if m := mustGetMembership(t, e.B, *mB.Id); aws.ToString(m.CollaborationName) != "after" {
		t.Errorf("membership collaborationName = %q, want the new name", aws.ToString(m.CollaborationName))
	}
	if l := allMemberships(t, e.B, ""); len(l) != 1 || aws.ToString(l[0].CollaborationName) != "after" {
		t.Errorf("ListMemberships collaborationName = %+v, want the new name", l)
	}
	if l := allCollabs(t, e.B, ""); len(l) != 1 || aws.ToString(l[0].Name) != "after" || !l[0].UpdateTime.Equal(*prev.UpdateTime) {
		t.Errorf("ListCollaborations = %+v, want the renamed collaboration", l)
	}

	// Only the creator may update; a refused update changes nothing.
	for name, cl := range map[string]*cleanrooms.Client{"active member B": e.B, "invited member C": e.C, "outsider D": e.D} {
		_, err := cl.UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{
			CollaborationIdentifier: aws.String(id), Name: aws.String("hijacked"),
		})
		wantAccessDenied(t, err)
		if d := diff(prev, mustGetCollab(t, e.A, id)); d != "" {
			t.Errorf("after %s's refused update (-want +got):\n%s", name, d)
		}
	}
}

func TestCreateCollaborationMemberRules(t *testing.T) {
	q, r, j := types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults, types.MemberAbilityCanRunJob
	withML := func(s types.MemberSpecification, ml ...types.CustomMLMemberAbility) types.MemberSpecification {
		s.MlMemberAbilities = &types.MLMemberAbilities{CustomMLMemberAbilities: ml}
		if ml == nil {
			s.MlMemberAbilities.CustomMLMemberAbilities = []types.CustomMLMemberAbility{}
		}
		return s
	}
	model := types.CustomMLMemberAbilityCanReceiveModelOutput
	creatorML := collabInput("creator ml", abilities(q))
	creatorML.CreatorMLMemberAbilities = mlAbilities(model, model)

	bad := []struct {
		name string
		in   *cleanrooms.CreateCollaborationInput
	}{
		{"two CAN_QUERY: creator and member", collabInput("x", abilities(q), spec(acctB, "b", q))},
		{"two CAN_QUERY among members", collabInput("x", nil, spec(acctB, "b", q, r), spec(acctC, "c", q))},
		{"CAN_RUN_JOB without CAN_QUERY (creator)", collabInput("x", abilities(j))},
		{"CAN_RUN_JOB without CAN_QUERY (member)", collabInput("x", abilities(q), spec(acctB, "b", j))},
		{"duplicate creator ability", collabInput("x", abilities(q, r, q))},
		{"duplicate member ability", collabInput("x", abilities(q), spec(acctB, "b", r, r))},
		{"duplicate ML ability", collabInput("x", abilities(q), withML(spec(acctB, "b"), model, model))},
		{"duplicate creator ML ability", creatorML},
		{"empty ML ability list", collabInput("x", abilities(q), withML(spec(acctB, "b")))},
		{"creator listed in members", collabInput("x", abilities(q), spec(acctA, "me again"))},
		{"account listed twice", collabInput("x", abilities(q), spec(acctB, "b"), spec(acctB, "b again"))},
		{"account id not 12 digits", collabInput("x", abilities(q), spec("12345", "short"))},
	}
	e := newEnv(t)
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.A.CreateCollaboration(t.Context(), tc.in)
			wantValidation(t, err)
			// A rejected call writes nothing.
			for name, cl := range map[string]*cleanrooms.Client{"A": e.A, "B": e.B, "C": e.C} {
				if l := allCollabs(t, cl, ""); len(l) != 0 {
					t.Errorf("%s lists %d collaborations after a rejected create", name, len(l))
				}
			}
		})
	}

	good := []struct {
		name string
		in   *cleanrooms.CreateCollaborationInput
	}{
		{"no abilities anywhere", collabInput("x", nil, spec(acctB, "b"))},
		{"no members", collabInput("x", abilities(q, r))},
		{"job runner that queries", collabInput("x", abilities(q, j, r), spec(acctB, "b", r))},
		{"member queries, several receivers", collabInput("x", abilities(r), spec(acctB, "b", q, r), spec(acctC, "c", r))},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCreate(t, e.A, tc.in)
			rows := allMembers(t, e.A, *c.Id)
			if len(rows) != len(tc.in.Members)+1 || aws.ToString(rows[0].AccountId) != acctA {
				t.Fatalf("ListMembers = %+v, want the creator then %d members", rows, len(tc.in.Members))
			}
			for i, m := range tc.in.Members {
				if d := diff(m.MemberAbilities, rows[i+1].Abilities); d != "" || aws.ToString(rows[i+1].AccountId) != *m.AccountId {
					t.Errorf("row %d (-want +got abilities):\n%s", i+1, d)
				}
			}
			if d := diff(tc.in.CreatorMemberAbilities, rows[0].Abilities); d != "" {
				t.Errorf("creator abilities (-want +got):\n%s", d)
			}
			if _, err := e.A.DeleteCollaboration(t.Context(), &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: c.Id}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDeleteCollaboration(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("doomed"))
	id := aws.ToString(c.Id)
	mA := mustJoin(t, e.A, joinInput(id))
	mB := mustJoin(t, e.B, joinInput(id))
	// Another collaboration in which C was removed after joining.
	other := mustCreate(t, e.A, standard("other"))
	mC := mustJoin(t, e.C, joinInput(*other.Id))
	if _, err := e.A.DeleteMember(t.Context(), &cleanrooms.DeleteMemberInput{CollaborationIdentifier: other.Id, AccountId: aws.String(acctC)}); err != nil {
		t.Fatal(err)
	}

	del := func(cl *cleanrooms.Client, id string) error {
		_, err := cl.DeleteCollaboration(t.Context(), &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: aws.String(id)})
		return err
	}
	for name, cl := range map[string]*cleanrooms.Client{"B": e.B, "C": e.C, "D": e.D} {
		wantAccessDenied(t, del(cl, id))
		if g := mustGetCollab(t, e.A, id); g.MemberStatus != types.MemberStatusActive {
			t.Errorf("after %s's refused delete, A's collaboration = %+v", name, g)
		}
	}

	tick()
	if err := del(e.A, id); err != nil {
		t.Fatalf("DeleteCollaboration: %v", err)
	}
	if err := del(e.A, *other.Id); err != nil {
		t.Fatalf("DeleteCollaboration(other): %v", err)
	}
	for name, cl := range map[string]*cleanrooms.Client{"A": e.A, "B": e.B, "C": e.C, "D": e.D} {
		_, err := cl.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
		wantAccessDenied(t, err)
		_, err = cl.ListMembers(t.Context(), &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(id)})
		wantAccessDenied(t, err)
		if l := allCollabs(t, cl, ""); len(l) != 0 {
			t.Errorf("%s still lists %v", name, collabIDs(l))
		}
	}
	wantAccessDenied(t, del(e.A, id)) // a second delete
	_, err := e.A.UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: aws.String(id), Name: aws.String("x")})
	wantAccessDenied(t, err)
	_, err = e.A.DeleteMember(t.Context(), &cleanrooms.DeleteMemberInput{CollaborationIdentifier: aws.String(id), AccountId: aws.String(acctB)})
	wantAccessDenied(t, err)
	_, err = e.C.CreateMembership(t.Context(), joinInput(id)) // C was still invited
	wantAccessDenied(t, err)

	// Active memberships become COLLABORATION_DELETED and stay readable.
	for name, x := range map[string]struct {
		cl *cleanrooms.Client
		m  types.Membership
	}{"A": {e.A, mA}, "B": {e.B, mB}} {
		got := mustGetMembership(t, x.cl, *x.m.Id)
		if got.Status != types.MembershipStatusCollaborationDeleted || !got.UpdateTime.After(*x.m.UpdateTime) {
			t.Errorf("%s's membership after delete: status %s, updateTime %v (was %v)", name, got.Status, got.UpdateTime, x.m.UpdateTime)
		}
		if ids := membershipIDs(allMemberships(t, x.cl, types.MembershipStatusCollaborationDeleted)); len(ids) != 1 || ids[0] != *x.m.Id {
			t.Errorf("%s ListMemberships(COLLABORATION_DELETED) = %v", name, ids)
		}
		if l := allMemberships(t, x.cl, types.MembershipStatusActive); len(l) != 0 {
			t.Errorf("%s ListMemberships(ACTIVE) = %v", name, membershipIDs(l))
		}
	}
	// A REMOVED membership stays REMOVED.
	if got := mustGetMembership(t, e.C, *mC.Id); got.Status != types.MembershipStatusRemoved {
		t.Errorf("C's removed membership became %s", got.Status)
	}
	// A deleted collaboration's membership can no longer change, but its
	// owner can delete it.
	_, err = e.B.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{MembershipIdentifier: mB.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
	wantConflict(t, err, types.ConflictExceptionReasonInvalidState)
	if _, err := e.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: mB.Id}); err != nil {
		t.Fatalf("DeleteMembership of a COLLABORATION_DELETED membership: %v", err)
	}
	_, err = e.B.GetMembership(t.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: mB.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, *mB.Id)
}
