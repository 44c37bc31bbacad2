package e2e

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

// Privacy budget templates and budgets with aws-sdk-go-v2 (dataplane spec
// 1.9; docs/behavior-decisions.md "Privacy budgets"): CRUD, validation,
// cardinality, visibility, PreviewPrivacyImpact's numbers, and access
// budgets counting down as queries run on the query world.

func dpParams(eps, noise int32) *types.PrivacyBudgetTemplateParametersInputMemberDifferentialPrivacy {
	return &types.PrivacyBudgetTemplateParametersInputMemberDifferentialPrivacy{Value: types.DifferentialPrivacyTemplateParametersInput{
		Epsilon: aws.Int32(eps), UsersNoisePerQuery: aws.Int32(noise)}}
}

func accessParams(arn string, ps ...types.BudgetParameter) *types.PrivacyBudgetTemplateParametersInputMemberAccessBudget {
	return &types.PrivacyBudgetTemplateParametersInputMemberAccessBudget{Value: types.AccessBudgetsPrivacyTemplateParametersInput{
		ResourceArn: aws.String(arn), BudgetParameters: ps}}
}

func budgetParam(typ types.AccessBudgetType, budget int32, refresh types.AutoRefreshMode) types.BudgetParameter {
	return types.BudgetParameter{Type: typ, Budget: aws.Int32(budget), AutoRefresh: refresh}
}

func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	if e := wantValidation(t, err); !fieldNamed(e, field) {
		t.Errorf("%s: ValidationException %q names %v, want field %s", what, aws.ToString(e.Message), e.FieldList, field)
	}
}

// dpAggregations maps type → [maxCount, remainingCount].
func dpAggregations(t *testing.T, b types.PrivacyBudget) map[types.DifferentialPrivacyAggregationType][2]int32 {
	t.Helper()
	d, ok := b.(*types.PrivacyBudgetMemberDifferentialPrivacy)
	if !ok {
		t.Fatalf("budget %T, want differentialPrivacy", b)
	}
	out := map[types.DifferentialPrivacyAggregationType][2]int32{}
	for _, a := range d.Value.Aggregations {
		out[a.Type] = [2]int32{aws.ToInt32(a.MaxCount), aws.ToInt32(a.RemainingCount)}
	}
	return out
}

func TestPrivacyBudgetTemplates(t *testing.T) {
	w := newQueryWorld(t)
	ctx := t.Context()

	// A (CAN_QUERY) creates the DP template, with tags.
	dp, err := w.A.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy, AutoRefresh: types.PrivacyBudgetTemplateAutoRefreshCalendarMonth,
		Parameters: dpParams(2, 20), Tags: map[string]string{"team": "privacy"}})
	if err != nil {
		t.Fatalf("CreatePrivacyBudgetTemplate(DP): %v", err)
	}
	tmpl := dp.PrivacyBudgetTemplate
	checkUUID(t, "template id", tmpl.Id)
	wantARN := "arn:aws:cleanrooms:" + region + ":" + acctA + ":membership/" + w.mA + "/privacybudgettemplate/" + aws.ToString(tmpl.Id)
	if aws.ToString(tmpl.Arn) != wantARN || aws.ToString(tmpl.MembershipId) != w.mA || aws.ToString(tmpl.CollaborationId) != w.collabID ||
		tmpl.AutoRefresh != types.PrivacyBudgetTemplateAutoRefreshCalendarMonth {
		t.Errorf("template %+v, want arn %s in membership %s", tmpl, wantARN, w.mA)
	}
	tags, err := w.A.cr.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: tmpl.Arn})
	if err != nil || tags.Tags["team"] != "privacy" {
		t.Errorf("ListTagsForResource(template) = %v, %v; want team=privacy", tags, err)
	}

	// One DP template per collaboration.
	_, err = w.B.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy, Parameters: dpParams(5, 50)})
	wantConflict(t, err, types.ConflictExceptionReasonAlreadyExists)

	// Validation: the union member must match the type; an access budget
	// is on an association of this collaboration that the caller owns;
	// budget types are unique.
	usersARN := aws.ToString(w.usersCTA.Arn)
	day := budgetParam(types.AccessBudgetTypeCalendarDay, 5, types.AutoRefreshModeEnabled)
	for _, tc := range []struct {
		what  string
		c     *cleanrooms.Client
		ms    string
		typ   types.PrivacyBudgetType
		p     types.PrivacyBudgetTemplateParametersInput
		field string
	}{
		{"DP type with access parameters", w.B.cr, w.mB, types.PrivacyBudgetTypeDifferentialPrivacy, accessParams(usersARN, day), "parameters.differentialPrivacy"},
		{"access type with DP parameters", w.B.cr, w.mB, types.PrivacyBudgetTypeAccessBudget, dpParams(1, 10), "parameters.accessBudget"},
		{"someone else's association", w.A.cr, w.mA, types.PrivacyBudgetTypeAccessBudget, accessParams(usersARN, day), "parameters.accessBudget.resourceArn"},
		{"not an association", w.B.cr, w.mB, types.PrivacyBudgetTypeAccessBudget, accessParams(membershipARN(acctB, w.mB), day), "parameters.accessBudget.resourceArn"},
		{"duplicate budget types", w.B.cr, w.mB, types.PrivacyBudgetTypeAccessBudget, accessParams(usersARN, day, day), "parameters.accessBudget.budgetParameters"},
	} {
		_, err := tc.c.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(tc.ms),
			PrivacyBudgetType: tc.typ, Parameters: tc.p})
		wantField(t, tc.what, err, tc.field)
	}

	// B, the owner of users, sets its access budget; a second one is a conflict.
	ab, err := w.B.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget, Parameters: accessParams(usersARN, day)})
	if err != nil {
		t.Fatalf("CreatePrivacyBudgetTemplate(access): %v", err)
	}
	if ab.PrivacyBudgetTemplate.AutoRefresh != types.PrivacyBudgetTemplateAutoRefreshNone {
		t.Errorf("autoRefresh = %q, want the default NONE", ab.PrivacyBudgetTemplate.AutoRefresh)
	}
	abID := aws.ToString(ab.PrivacyBudgetTemplate.Id)
	_, err = w.B.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget, Parameters: accessParams(usersARN, budgetParam(types.AccessBudgetTypeLifetime, 1, ""))})
	wantConflict(t, err, types.ConflictExceptionReasonAlreadyExists)

	// Membership views: only the owner's membership; others' are 404.
	if _, err := w.B.cr.GetPrivacyBudgetTemplate(ctx, &cleanrooms.GetPrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetTemplateIdentifier: aws.String(abID)}); err != nil {
		t.Errorf("GetPrivacyBudgetTemplate(own): %v", err)
	}
	_, err = w.A.cr.GetPrivacyBudgetTemplate(ctx, &cleanrooms.GetPrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetTemplateIdentifier: aws.String(abID)})
	wantNotFound(t, err, types.ResourceTypeMembership, abID)
	_, err = w.D.cr.GetPrivacyBudgetTemplate(ctx, &cleanrooms.GetPrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetTemplateIdentifier: aws.String(abID)})
	wantNotFound(t, err, types.ResourceTypeMembership, w.mB)
	lt, err := w.B.cr.ListPrivacyBudgetTemplates(ctx, &cleanrooms.ListPrivacyBudgetTemplatesInput{MembershipIdentifier: aws.String(w.mB)})
	if err != nil || len(lt.PrivacyBudgetTemplateSummaries) != 1 || aws.ToString(lt.PrivacyBudgetTemplateSummaries[0].Id) != abID {
		t.Errorf("ListPrivacyBudgetTemplates(B) = %+v, %v; want B's access budget only", lt, err)
	}

	// Collaboration views: every ACTIVE member, 403 for others.
	g, err := w.C.cr.GetCollaborationPrivacyBudgetTemplate(ctx, &cleanrooms.GetCollaborationPrivacyBudgetTemplateInput{
		CollaborationIdentifier: aws.String(w.collabID), PrivacyBudgetTemplateIdentifier: tmpl.Id})
	if err != nil || aws.ToString(g.CollaborationPrivacyBudgetTemplate.CreatorAccountId) != acctA {
		t.Errorf("GetCollaborationPrivacyBudgetTemplate(C) = %+v, %v; want creator %s", g, err, acctA)
	}
	_, err = w.D.cr.GetCollaborationPrivacyBudgetTemplate(ctx, &cleanrooms.GetCollaborationPrivacyBudgetTemplateInput{
		CollaborationIdentifier: aws.String(w.collabID), PrivacyBudgetTemplateIdentifier: tmpl.Id})
	wantAccessDenied(t, err)
	lc, err := w.C.cr.ListCollaborationPrivacyBudgetTemplates(ctx, &cleanrooms.ListCollaborationPrivacyBudgetTemplatesInput{
		CollaborationIdentifier: aws.String(w.collabID), MaxResults: aws.Int32(1)})
	if err != nil || len(lc.CollaborationPrivacyBudgetTemplateSummaries) != 1 || lc.NextToken == nil {
		t.Fatalf("ListCollaborationPrivacyBudgetTemplates page 1 = %+v, %v; want one item and a token", lc, err)
	}
	lc2, err := w.C.cr.ListCollaborationPrivacyBudgetTemplates(ctx, &cleanrooms.ListCollaborationPrivacyBudgetTemplatesInput{
		CollaborationIdentifier: aws.String(w.collabID), MaxResults: aws.Int32(1), NextToken: lc.NextToken})
	if err != nil || len(lc2.CollaborationPrivacyBudgetTemplateSummaries) != 1 || aws.ToString(lc2.CollaborationPrivacyBudgetTemplateSummaries[0].Id) != abID {
		t.Errorf("ListCollaborationPrivacyBudgetTemplates page 2 = %+v, %v; want the access budget", lc2, err)
	}

	// PreviewPrivacyImpact: maxCount = floor(eps·1e9 / ceil(units·1e9/N)).
	pv, err := w.A.cr.PreviewPrivacyImpact(ctx, &cleanrooms.PreviewPrivacyImpactInput{MembershipIdentifier: aws.String(w.mA),
		Parameters: &types.PreviewPrivacyImpactParametersInputMemberDifferentialPrivacy{Value: types.DifferentialPrivacyPreviewParametersInput{
			Epsilon: aws.Int32(2), UsersNoisePerQuery: aws.Int32(20)}}})
	if err != nil {
		t.Fatalf("PreviewPrivacyImpact: %v", err)
	}
	wantMax := map[types.DifferentialPrivacyAggregationType]int32{"COUNT": 20, "COUNT_DISTINCT": 20, "SUM": 13, "AVG": 10, "STDDEV": 8}
	got := map[types.DifferentialPrivacyAggregationType]int32{}
	for _, a := range pv.PrivacyImpact.(*types.PrivacyImpactMemberDifferentialPrivacy).Value.Aggregations {
		got[a.Type] = aws.ToInt32(a.MaxCount)
	}
	if d := diff(wantMax, got); d != "" {
		t.Errorf("PreviewPrivacyImpact (-want +got):\n%s", d)
	}

	// The DP budget: what Preview said, all of it remaining; only a
	// member who can query sees it.
	lb, err := w.A.cr.ListPrivacyBudgets(ctx, &cleanrooms.ListPrivacyBudgetsInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy})
	if err != nil || len(lb.PrivacyBudgetSummaries) != 1 {
		t.Fatalf("ListPrivacyBudgets(DP) = %+v, %v; want one budget", lb, err)
	}
	s := lb.PrivacyBudgetSummaries[0]
	checkUUID(t, "budget id", s.Id)
	if aws.ToString(s.PrivacyBudgetTemplateId) != aws.ToString(tmpl.Id) || aws.ToString(s.MembershipId) != w.mA {
		t.Errorf("budget %+v, want template %s through membership %s", s, aws.ToString(tmpl.Id), w.mA)
	}
	for typ, mr := range dpAggregations(t, s.Budget) {
		if mr[0] != wantMax[typ] || mr[1] != wantMax[typ] {
			t.Errorf("%s: maxCount/remainingCount %v, want %d/%d", typ, mr, wantMax[typ], wantMax[typ])
		}
	}
	_, err = w.B.cr.ListPrivacyBudgets(ctx, &cleanrooms.ListPrivacyBudgetsInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy})
	wantAccessDenied(t, err)
	_, err = w.C.cr.ListCollaborationPrivacyBudgets(ctx, &cleanrooms.ListCollaborationPrivacyBudgetsInput{CollaborationIdentifier: aws.String(w.collabID),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy})
	wantAccessDenied(t, err)
	_, err = w.D.cr.ListPrivacyBudgets(ctx, &cleanrooms.ListPrivacyBudgetsInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget})
	wantNotFound(t, err, types.ResourceTypeMembership, w.mA)
	ac, err := w.C.cr.ListCollaborationPrivacyBudgets(ctx, &cleanrooms.ListCollaborationPrivacyBudgetsInput{CollaborationIdentifier: aws.String(w.collabID),
		PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget})
	if err != nil || len(ac.CollaborationPrivacyBudgetSummaries) != 1 || aws.ToString(ac.CollaborationPrivacyBudgetSummaries[0].CreatorAccountId) != acctB {
		t.Errorf("ListCollaborationPrivacyBudgets(access, C) = %+v, %v; want B's budget", ac, err)
	}

	// Update: a new epsilon is a new budget; the type must match.
	_, err = w.A.cr.UpdatePrivacyBudgetTemplate(ctx, &cleanrooms.UpdatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetTemplateIdentifier: tmpl.Id, PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget})
	wantField(t, "update with the wrong type", err, "privacyBudgetType")
	up, err := w.A.cr.UpdatePrivacyBudgetTemplate(ctx, &cleanrooms.UpdatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetTemplateIdentifier: tmpl.Id, PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy,
		Parameters: &types.PrivacyBudgetTemplateUpdateParametersMemberDifferentialPrivacy{Value: types.DifferentialPrivacyTemplateUpdateParameters{Epsilon: aws.Int32(4)}}})
	if err != nil {
		t.Fatalf("UpdatePrivacyBudgetTemplate: %v", err)
	}
	p := up.PrivacyBudgetTemplate.Parameters.(*types.PrivacyBudgetTemplateParametersOutputMemberDifferentialPrivacy).Value
	if aws.ToInt32(p.Epsilon) != 4 || aws.ToInt32(p.UsersNoisePerQuery) != 20 {
		t.Errorf("updated parameters %+v, want epsilon 4 and the noise kept", p)
	}
	lb, err = w.A.cr.ListPrivacyBudgets(ctx, &cleanrooms.ListPrivacyBudgetsInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy})
	if err != nil || len(lb.PrivacyBudgetSummaries) != 1 {
		t.Fatalf("ListPrivacyBudgets after update = %+v, %v", lb, err)
	}
	if got := dpAggregations(t, lb.PrivacyBudgetSummaries[0].Budget)["COUNT"]; got != [2]int32{40, 40} {
		t.Errorf("COUNT after epsilon 4: %v, want 40/40", got)
	}

	// Delete: gone from both views, and its tags with it.
	if _, err := w.A.cr.DeletePrivacyBudgetTemplate(ctx, &cleanrooms.DeletePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetTemplateIdentifier: tmpl.Id}); err != nil {
		t.Fatalf("DeletePrivacyBudgetTemplate: %v", err)
	}
	_, err = w.A.cr.GetPrivacyBudgetTemplate(ctx, &cleanrooms.GetPrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mA), PrivacyBudgetTemplateIdentifier: tmpl.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, aws.ToString(tmpl.Id))
	_, err = w.A.cr.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: tmpl.Arn})
	apiError[*types.ResourceNotFoundException](t, err, 404)

	// Any ACTIVE member may create the DP template (C only receives); a
	// membership with a template cannot be deleted.
	cdp, err := w.C.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mC),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy, Parameters: dpParams(1, 10)})
	if err != nil {
		t.Fatalf("CreatePrivacyBudgetTemplate(C): %v", err)
	}
	_, err = w.C.cr.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: aws.String(w.mC)})
	wantConflict(t, err, types.ConflictExceptionReasonSubresourcesExist)
	if _, err := w.C.cr.DeletePrivacyBudgetTemplate(ctx, &cleanrooms.DeletePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mC),
		PrivacyBudgetTemplateIdentifier: cdp.PrivacyBudgetTemplate.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.C.cr.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: aws.String(w.mC)}); err != nil {
		t.Errorf("DeleteMembership(C) without templates: %v", err)
	}
	_, err = w.C.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mC),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy, Parameters: dpParams(1, 10)})
	wantNotFound(t, err, types.ResourceTypeMembership, w.mC)
}

// accessDetails maps budgetType → detail of the one access budget listed.
func (w *queryWorld) accessDetails(t *testing.T) (map[types.AccessBudgetType]types.AccessBudgetDetails, int32) {
	t.Helper()
	out, err := w.A.cr.ListPrivacyBudgets(t.Context(), &cleanrooms.ListPrivacyBudgetsInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget, AccessBudgetResourceArn: w.usersCTA.Arn})
	if err != nil || len(out.PrivacyBudgetSummaries) != 1 {
		t.Fatalf("ListPrivacyBudgets(access) = %+v, %v; want one budget", out, err)
	}
	b := out.PrivacyBudgetSummaries[0].Budget.(*types.PrivacyBudgetMemberAccessBudget).Value
	m := map[types.AccessBudgetType]types.AccessBudgetDetails{}
	for _, d := range b.Details {
		m[d.BudgetType] = d
	}
	return m, aws.ToInt32(b.AggregateRemainingBudget)
}

func TestAccessBudgetSpending(t *testing.T) {
	w := newQueryWorld(t)
	ctx := t.Context()
	ab, err := w.B.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget, Parameters: accessParams(aws.ToString(w.usersCTA.Arn),
			budgetParam(types.AccessBudgetTypeCalendarDay, 3, types.AutoRefreshModeEnabled),
			budgetParam(types.AccessBudgetTypeLifetime, 2, types.AutoRefreshModeDisabled))})
	if err != nil {
		t.Fatalf("CreatePrivacyBudgetTemplate: %v", err)
	}
	before := time.Now().UTC()
	details, least := w.accessDetails(t)
	dayStart := time.Date(before.Year(), before.Month(), before.Day(), 0, 0, 0, 0, time.UTC)
	if d := details[types.AccessBudgetTypeCalendarDay]; aws.ToInt32(d.RemainingBudget) != 3 || !aws.ToTime(d.StartTime).Equal(dayStart) ||
		!aws.ToTime(d.EndTime).Equal(dayStart.AddDate(0, 0, 1)) {
		t.Errorf("CALENDAR_DAY detail %+v, want 3 remaining in [%v, +1 day)", d, dayStart)
	}
	if d := details[types.AccessBudgetTypeLifetime]; aws.ToInt32(d.RemainingBudget) != 2 || d.EndTime != nil ||
		!aws.ToTime(d.StartTime).Equal(aws.ToTime(ab.PrivacyBudgetTemplate.CreateTime)) {
		t.Errorf("LIFETIME detail %+v, want 2 remaining from the template's creation, no end", d)
	}
	if least != 2 {
		t.Errorf("aggregateRemainingBudget = %d, want 2", least)
	}

	// Each query on users spends 1 from every detail, whatever becomes of it.
	for i, want := range [][3]int32{{2, 1, 1}, {1, 0, 0}} {
		q := w.start(t, cityQuery, nil)
		if done := wait(t, w.A.cr, w.mA, aws.ToString(q.Id)); done.Status != types.ProtectedQueryStatusSuccess {
			t.Fatalf("query %d: %s %+v", i, done.Status, done.Error)
		}
		details, least := w.accessDetails(t)
		got := [3]int32{aws.ToInt32(details[types.AccessBudgetTypeCalendarDay].RemainingBudget),
			aws.ToInt32(details[types.AccessBudgetTypeLifetime].RemainingBudget), least}
		if got != want {
			t.Errorf("after query %d: day/lifetime/aggregate remaining %v, want %v", i+1, got, want)
		}
	}
	// Exhausted: refused, and the refusal spends nothing.
	_, err = w.A.cr.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(cityQuery)}})
	e := wantValidation(t, err)
	if e.Reason != types.ValidationExceptionReasonInvalidQuery || !strings.Contains(aws.ToString(e.Message), "access budget spent for table users (LIFETIME)") {
		t.Errorf("refusal %s %q, want INVALID_QUERY naming users and LIFETIME", e.Reason, aws.ToString(e.Message))
	}
	if details, _ := w.accessDetails(t); aws.ToInt32(details[types.AccessBudgetTypeCalendarDay].RemainingBudget) != 1 {
		t.Errorf("a refused query spent from the day budget: %+v", details[types.AccessBudgetTypeCalendarDay])
	}
	// Raising the lifetime budget lets one more query in: what was spent stays spent.
	if _, err := w.B.cr.UpdatePrivacyBudgetTemplate(ctx, &cleanrooms.UpdatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetTemplateIdentifier: ab.PrivacyBudgetTemplate.Id, PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget,
		Parameters: &types.PrivacyBudgetTemplateUpdateParametersMemberAccessBudget{Value: types.AccessBudgetsPrivacyTemplateUpdateParameters{
			BudgetParameters: []types.BudgetParameter{budgetParam(types.AccessBudgetTypeCalendarDay, 3, types.AutoRefreshModeEnabled),
				budgetParam(types.AccessBudgetTypeLifetime, 3, types.AutoRefreshModeDisabled)}}}}); err != nil {
		t.Fatalf("UpdatePrivacyBudgetTemplate: %v", err)
	}
	wait(t, w.A.cr, w.mA, aws.ToString(w.start(t, cityQuery, nil).Id))
	_, err = w.A.cr.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(cityQuery)}})
	if e := wantValidation(t, err); !strings.Contains(aws.ToString(e.Message), "access budget spent for table users") {
		t.Errorf("refusal %q, want the access budget spent", aws.ToString(e.Message))
	}
	// Deleting and recreating the template refunds nothing.
	if _, err := w.B.cr.DeletePrivacyBudgetTemplate(ctx, &cleanrooms.DeletePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetTemplateIdentifier: ab.PrivacyBudgetTemplate.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.B.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget, Parameters: accessParams(aws.ToString(w.usersCTA.Arn),
			budgetParam(types.AccessBudgetTypeCalendarWeek, 3, types.AutoRefreshModeEnabled))}); err != nil {
		t.Fatal(err)
	}
	details, least = w.accessDetails(t)
	if d := details[types.AccessBudgetTypeCalendarWeek]; aws.ToInt32(d.RemainingBudget) != 0 || least != 0 {
		t.Errorf("recreated weekly budget %+v (aggregate %d), want the 3 queries of this week spent", d, least)
	}
}

// A differential privacy table is NOT_READY until the collaboration has a
// DIFFERENTIAL_PRIVACY template, then READY with that configuration; it
// goes back to NOT_READY when the template is deleted.
func TestDPTableReadyWithTemplate(t *testing.T) {
	w := newQueryWorld(t)
	ctx := t.Context()
	dpt := w.B.configure(t, "dpusers", "crm", "users", []string{"user_id", "city"}, types.ConfiguredTableAnalysisRuleTypeCustom,
		&types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{Value: types.AnalysisRuleCustom{
			AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{acctA},
			DifferentialPrivacy: &types.DifferentialPrivacyConfiguration{Columns: []types.DifferentialPrivacyColumn{{Name: aws.String("user_id")}}}}}})
	w.B.associate(t, w.mB, *dpt.Id, "dpusers")
	status := func() types.SchemaStatusDetail {
		t.Helper()
		sc, err := w.A.cr.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: aws.String(w.collabID), Name: aws.String("dpusers")})
		if err != nil || len(sc.Schema.SchemaStatusDetails) != 1 {
			t.Fatalf("GetSchema(dpusers) = %+v, %v", sc, err)
		}
		return sc.Schema.SchemaStatusDetails[0]
	}
	if st := status(); st.Status != types.SchemaStatusNotReady || len(st.Reasons) != 1 ||
		st.Reasons[0].Code != types.SchemaStatusReasonCodeDifferentialPrivacyPolicyNotConfigured {
		t.Errorf("without a template: %+v, want NOT_READY DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED", st)
	}
	out, err := w.B.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy, Parameters: dpParams(3, 30)})
	if err != nil {
		t.Fatalf("CreatePrivacyBudgetTemplate: %v", err)
	}
	st := status()
	hasDP := false
	for _, c := range st.Configurations {
		hasDP = hasDP || c == types.SchemaConfigurationDifferentialPrivacy
	}
	if st.Status != types.SchemaStatusReady || !hasDP {
		t.Errorf("with a template: %+v, want READY with the DIFFERENTIAL_PRIVACY configuration", st)
	}
	if _, err := w.B.cr.DeletePrivacyBudgetTemplate(ctx, &cleanrooms.DeletePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetTemplateIdentifier: out.PrivacyBudgetTemplate.Id}); err != nil {
		t.Fatal(err)
	}
	if st := status(); st.Status != types.SchemaStatusNotReady {
		t.Errorf("after deleting the template: %s, want NOT_READY", st.Status)
	}
}

// 50 concurrent starts against an access budget of 10 start exactly 10
// queries; the others are refused for the budget and record nothing.
func TestAccessBudgetConcurrentStarts(t *testing.T) {
	w := newQueryWorld(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{QueriesPerMembership: 100}))
	ctx := t.Context()
	if _, err := w.B.cr.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget, Parameters: accessParams(aws.ToString(w.usersCTA.Arn),
			budgetParam(types.AccessBudgetTypeLifetime, 10, ""))}); err != nil {
		t.Fatal(err)
	}
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.A.cr.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
				Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(cityQuery)}})
		}()
	}
	wg.Wait()
	started := 0
	for i, err := range errs {
		var v *types.ValidationException
		switch {
		case err == nil:
			started++
		case !errors.As(err, &v) || !strings.Contains(aws.ToString(v.Message), "access budget spent for table users"):
			t.Errorf("start %d: %v, want success or the budget refusal", i, err)
		}
	}
	qs, err := w.A.cr.ListProtectedQueries(ctx, &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: aws.String(w.mA), MaxResults: aws.Int32(100)})
	if err != nil {
		t.Fatal(err)
	}
	if _, least := w.accessDetails(t); started != 10 || len(qs.ProtectedQueries) != 10 || least != 0 {
		t.Errorf("%d started, %d recorded, %d remaining; want 10, 10, 0", started, len(qs.ProtectedQueries), least)
	}
}
