package model

// The random privacy budget operations (templates, budgets, the privacy
// impact preview) and their leak audit (budget_model_test.go predicts).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

func init() {
	operations = append(operations,
		weightedOp{"CreatePrivacyBudgetTemplate", fixed(7), (*harness).opCreateBudgetTemplate},
		weightedOp{"GetPrivacyBudgetTemplate", fixed(3), (*harness).opGetBudgetTemplate},
		weightedOp{"ListPrivacyBudgetTemplates", fixed(2), (*harness).opListBudgetTemplates},
		weightedOp{"UpdatePrivacyBudgetTemplate", fixed(4), (*harness).opUpdateBudgetTemplate},
		weightedOp{"DeletePrivacyBudgetTemplate", fixed(2), (*harness).opDeleteBudgetTemplate},
		weightedOp{"GetCollaborationPrivacyBudgetTemplate", fixed(2), (*harness).opGetCollabBudgetTemplate},
		weightedOp{"ListCollaborationPrivacyBudgetTemplates", fixed(2), (*harness).opListCollabBudgetTemplates},
		weightedOp{"ListPrivacyBudgets", fixed(3), (*harness).opListBudgets},
		weightedOp{"ListCollaborationPrivacyBudgets", fixed(3), (*harness).opListCollabBudgets},
		weightedOp{"PreviewPrivacyImpact", fixed(2), (*harness).opPreviewPrivacyImpact},
	)
}

var accessPeriods = []string{periodDay, periodWeek, periodMonth, periodLifetime}

// randomDP is a differentialPrivacy parameter pair, out of range some of
// the time; with partial, either may be left out (updates).
func (h *harness) randomDP(partial bool) *[2]*int {
	e, n := 1+h.r.IntN(20), 10+h.r.IntN(91)
	if h.chance(0.05) {
		e = pick(h, []int{0, 21})
	}
	if h.chance(0.05) {
		n = pick(h, []int{9, 101})
	}
	p := &[2]*int{&e, &n}
	if partial && h.chance(0.3) {
		p[h.r.IntN(2)] = nil
	}
	return p
}

// randomAccessParams: one or two details (sometimes none, three or a type
// twice), small budgets so that queries run out.
func (h *harness) randomAccessParams() []mAccessParam {
	n := 1 + h.r.IntN(2)
	if h.chance(0.03) {
		n = pick(h, []int{0, 3})
	}
	typs := slices.Clone(accessPeriods)
	h.r.Shuffle(len(typs), func(i, j int) { typs[i], typs[j] = typs[j], typs[i] })
	var out []mAccessParam
	for i := range n {
		p := mAccessParam{typ: typs[i], budget: 1 + h.r.IntN(4), refresh: pick(h, []string{refreshOn, "DISABLED", ""})}
		if h.chance(0.15) {
			p.budget = 0
		}
		if h.chance(0.1) {
			p.budget = 10 + h.r.IntN(100)
		}
		if h.chance(0.02) {
			p.budget = -1
		}
		out = append(out, p)
	}
	if len(out) == 2 && h.chance(0.05) {
		out[1].typ = out[0].typ
	}
	return out
}

func wireAccessParams(ps []mAccessParam) []types.BudgetParameter {
	out := []types.BudgetParameter{}
	for _, p := range ps {
		out = append(out, types.BudgetParameter{Type: types.AccessBudgetType(p.typ), Budget: aws.Int32(int32(p.budget)), AutoRefresh: types.AutoRefreshMode(p.refresh)})
	}
	return out
}

func modelParams(ps []types.BudgetParameter) []mAccessParam {
	var out []mAccessParam
	for _, p := range ps {
		out = append(out, mAccessParam{typ: string(p.Type), budget: int(aws.ToInt32(p.Budget)), refresh: string(p.AutoRefresh)})
	}
	return out
}

func fmtIntPtr(p *int) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func (in budgetInput) String() string {
	s := in.typ
	if in.autoRefresh != "" {
		s += " refresh=" + in.autoRefresh
	}
	if in.dp != nil {
		s += " dp(eps=" + fmtIntPtr(in.dp[0]) + " noise=" + fmtIntPtr(in.dp[1]) + ")"
	}
	if in.access != nil {
		s += " access(" + in.access.arn + fmt.Sprint(in.access.params) + ")"
	}
	if len(in.tags) > 0 {
		s += " tags=" + fmtTags(in.tags)
	}
	return s
}

// budgetARNChoice is a resourceArn: mostly an association of msID's
// caller in the collaboration (a query world's when there is one),
// sometimes another member's, another collaboration's, an unknown id, or
// an ARN that is not an association's.
func (h *harness) budgetARNChoice(caller, collabID string) string {
	var own, others, world []string
	for _, a := range h.m.data.ctasOfCollab(h.m, collabID) {
		if a.account == caller {
			own = append(own, ctaARN(a))
			if h.m.data.cts[a.ctID].db == queryDB {
				world = append(world, ctaARN(a))
			}
		} else {
			others = append(others, ctaARN(a))
		}
	}
	var foreign []string
	for _, id := range h.m.data.ctaIDs {
		if a := h.m.data.ctas[id]; a != nil {
			if ms := h.m.memberships[a.membershipID]; ms != nil && ms.collabID != collabID {
				foreign = append(foreign, ctaARN(a))
			}
		}
	}
	switch x := h.r.Float64(); {
	case x < 0.5 && len(world) > 0:
		return pick(h, world)
	case x < 0.8 && len(own) > 0:
		return pick(h, own)
	case x < 0.88 && len(others) > 0:
		return pick(h, others)
	case x < 0.94 && len(foreign) > 0:
		return pick(h, foreign)
	case x < 0.97:
		return membershipARN(caller, h.randomUUID()) + "/configuredtableassociation/" + h.randomUUID()
	}
	return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:configuredtable/%s", region, caller, h.randomUUID())
}

func (h *harness) opCreateBudgetTemplate() {
	msID, caller := h.pickMembership()
	if h.chance(0.75) {
		var active []string
		for _, id := range h.m.shipIDs {
			if ms := h.m.memberships[id]; ms != nil && ms.status == msActive {
				active = append(active, id)
			}
		}
		if len(active) > 0 {
			msID = pick(h, active)
			caller = h.m.memberships[msID].account
		}
	}
	if h.chance(0.4) {
		// the owner of a query world's association, so that queries
		// spend and run out
		var world []string
		for _, id := range h.m.data.ctaIDs {
			a := h.m.data.ctas[id]
			if a == nil || h.m.data.cts[a.ctID].db != queryDB {
				continue
			}
			if ms := h.m.memberships[a.membershipID]; ms != nil && ms.status == msActive {
				world = append(world, a.membershipID)
			}
		}
		if len(world) > 0 {
			msID = pick(h, world)
			caller = h.m.memberships[msID].account
		}
	}
	collabID := ""
	if ms := h.m.memberships[msID]; ms != nil {
		collabID = ms.collabID
	}
	in := budgetInput{typ: budgetAccess, autoRefresh: pick(h, []string{"", "NONE", "CALENDAR_MONTH"})}
	if h.chance(0.35) {
		in.typ = budgetDP
	}
	member := in.typ
	if h.chance(0.05) { // the other union member: invalid
		member = map[string]string{budgetDP: budgetAccess, budgetAccess: budgetDP}[in.typ]
	}
	var params types.PrivacyBudgetTemplateParametersInput
	if member == budgetDP {
		in.dp = h.randomDP(false)
		params = &types.PrivacyBudgetTemplateParametersInputMemberDifferentialPrivacy{Value: types.DifferentialPrivacyTemplateParametersInput{
			Epsilon: aws.Int32(int32(*in.dp[0])), UsersNoisePerQuery: aws.Int32(int32(*in.dp[1]))}}
	} else {
		in.access = &accessInput{arn: h.budgetARNChoice(caller, collabID), params: h.randomAccessParams()}
		params = &types.PrivacyBudgetTemplateParametersInputMemberAccessBudget{Value: types.AccessBudgetsPrivacyTemplateParametersInput{
			ResourceArn: aws.String(in.access.arn), BudgetParameters: wireAccessParams(in.access.params)}}
	}
	if h.chance(0.15) {
		in.tags = h.randomTags(2)
	}
	h.begin("%s CreatePrivacyBudgetTemplate %s %s", caller, short(msID), in)
	want, commit := h.m.createBudgetTemplate(caller, msID, in)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{
		MembershipIdentifier: aws.String(msID), PrivacyBudgetType: types.PrivacyBudgetType(in.typ),
		AutoRefresh: types.PrivacyBudgetTemplateAutoRefresh(in.autoRefresh), Parameters: params, Tags: in.tags})
	cancel()
	agree := h.outcome("CreatePrivacyBudgetTemplate", want, err)
	h.validationField(want, err)
	if err != nil {
		return
	}
	id := aws.ToString(out.PrivacyBudgetTemplate.Id)
	h.note(" " + short(id))
	if !agree {
		return
	}
	commit(id)
	h.same("CreatePrivacyBudgetTemplate result", budgetTplView(h.m.budgets.tpls[id]), viewOfBudgetTpl(out.PrivacyBudgetTemplate))
}

// validationField: where the decisions say a 400 names a field (the
// model's why starts with "field=NAME:"), a field of the fieldList must
// start with NAME.
func (h *harness) validationField(want outcome, err error) {
	f, found := strings.CutPrefix(want.why, "field=")
	var ve *types.ValidationException
	if !found || want.code != codeValidation || !errors.As(err, &ve) {
		return
	}
	f, _, _ = strings.Cut(f, ":")
	var names []string
	for _, x := range ve.FieldList {
		if strings.HasPrefix(aws.ToString(x.Name), f) {
			h.stats["privacy budget ValidationException names "+f]++
			return
		}
		names = append(names, aws.ToString(x.Name))
	}
	h.diverge("ValidationException fieldList %v (%s) does not name %s; model expected %s", names, aws.ToString(ve.Message), f, want)
}

// ---- views ------------------------------------------------------------------

type budgetTplViewT struct {
	ID, Arn, Type, AutoRefresh, Collab, Membership, MembershipArn, Params string
}

func fmtBudgetParams(typ string, eps, noise int, arn string, ps []mAccessParam) string {
	if typ == budgetDP {
		return fmt.Sprintf("eps=%d noise=%d", eps, noise)
	}
	var ds []string
	for _, p := range ps {
		ds = append(ds, fmt.Sprintf("%s:%d/%s", p.typ, p.budget, p.refresh))
	}
	return arn + " " + strings.Join(ds, ",")
}

func budgetTplView(t *mBudgetTpl) budgetTplViewT {
	return budgetTplViewT{ID: t.id, Arn: budgetTplARN(t), Type: t.typ, AutoRefresh: t.autoRefresh, Collab: t.collabID,
		Membership: t.membershipID, MembershipArn: membershipARN(t.account, t.membershipID),
		Params: fmtBudgetParams(t.typ, t.eps, t.noise, t.resource, t.params)}
}

func wireBudgetParams(typ string, p types.PrivacyBudgetTemplateParametersOutput) string {
	switch v := p.(type) {
	case *types.PrivacyBudgetTemplateParametersOutputMemberDifferentialPrivacy:
		return fmtBudgetParams(budgetDP, int(aws.ToInt32(v.Value.Epsilon)), int(aws.ToInt32(v.Value.UsersNoisePerQuery)), "", nil)
	case *types.PrivacyBudgetTemplateParametersOutputMemberAccessBudget:
		return fmtBudgetParams(budgetAccess, 0, 0, aws.ToString(v.Value.ResourceArn), modelParams(v.Value.BudgetParameters))
	}
	return fmt.Sprintf("parameters %T for %s", p, typ)
}

func viewOfBudgetTpl(t *types.PrivacyBudgetTemplate) budgetTplViewT {
	return budgetTplViewT{ID: aws.ToString(t.Id), Arn: aws.ToString(t.Arn), Type: string(t.PrivacyBudgetType), AutoRefresh: string(t.AutoRefresh),
		Collab: aws.ToString(t.CollaborationId), Membership: aws.ToString(t.MembershipId), MembershipArn: aws.ToString(t.MembershipArn),
		Params: wireBudgetParams(string(t.PrivacyBudgetType), t.Parameters)}
}

// ---- membership reads and writes ----------------------------------------------

// pickBudgetTemplate returns (membership, template id, caller): mostly an
// existing template and its owner, sometimes another account or an
// unknown id.
func (h *harness) pickBudgetTemplate() (msID, id, caller string) {
	b := h.m.budgets
	var live []string
	for _, id := range b.ids {
		if b.tpls[id] != nil {
			live = append(live, id)
		}
	}
	if len(live) == 0 || h.chance(0.1) {
		msID, caller = h.pickMembership()
		if len(b.ids) > 0 && h.chance(0.5) {
			return msID, pick(h, b.ids), caller // a deleted one, or another membership's
		}
		return msID, h.randomUUID(), caller
	}
	t := b.tpls[pick(h, live)]
	msID, id, caller = t.membershipID, t.id, t.account
	if h.chance(0.15) {
		caller = h.anyAccount()
	}
	return msID, id, caller
}

func (h *harness) getBudgetTemplate(op, caller, msID, id string) {
	want := h.m.ownBudgetTemplate(caller, msID, id)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].GetPrivacyBudgetTemplate(ctx, &cleanrooms.GetPrivacyBudgetTemplateInput{
		MembershipIdentifier: aws.String(msID), PrivacyBudgetTemplateIdentifier: aws.String(id)})
	cancel()
	h.notFoundMembership(want, err)
	if h.outcome(op, want, err) {
		h.same(op, budgetTplView(h.m.budgets.tpls[id]), viewOfBudgetTpl(out.PrivacyBudgetTemplate))
	}
}

func (h *harness) opGetBudgetTemplate() {
	msID, id, caller := h.pickBudgetTemplate()
	h.begin("%s GetPrivacyBudgetTemplate %s/%s", caller, short(msID), short(id))
	h.getBudgetTemplate("GetPrivacyBudgetTemplate", caller, msID, id)
}

func (h *harness) listBudgetTemplates(op, caller, msID string) {
	want := h.m.getMembership(caller, msID)
	got, err := collect(h, op, func(ctx context.Context, size *int32, token *string) ([]types.PrivacyBudgetTemplateSummary, *string, error) {
		page, err := h.clients[caller].ListPrivacyBudgetTemplates(ctx, &cleanrooms.ListPrivacyBudgetTemplatesInput{
			MembershipIdentifier: aws.String(msID), MaxResults: size, NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		return page.PrivacyBudgetTemplateSummaries, page.NextToken, nil
	})
	if !h.outcome(op, want, err) {
		return
	}
	wantM, have := map[string]string{}, map[string]string{}
	for _, t := range h.m.budgets.tpls {
		if t.membershipID == msID {
			wantM[t.id] = t.typ + " " + budgetTplARN(t)
		}
	}
	for _, s := range got {
		have[aws.ToString(s.Id)] = string(s.PrivacyBudgetType) + " " + aws.ToString(s.Arn)
	}
	h.same(op+"("+short(msID)+")", wantM, have)
}

func (h *harness) opListBudgetTemplates() {
	msID, caller := h.pickMembership()
	h.begin("%s ListPrivacyBudgetTemplates %s", caller, short(msID))
	h.listBudgetTemplates("ListPrivacyBudgetTemplates", caller, msID)
}

func (h *harness) opUpdateBudgetTemplate() {
	msID, id, caller := h.pickBudgetTemplate()
	in := budgetInput{typ: budgetAccess}
	if t := h.m.budgets.tpls[id]; t != nil && h.chance(0.93) {
		in.typ = t.typ
	} else if h.chance(0.5) {
		in.typ = budgetDP
	}
	var params types.PrivacyBudgetTemplateUpdateParameters
	member := in.typ
	if h.chance(0.05) {
		member = map[string]string{budgetDP: budgetAccess, budgetAccess: budgetDP}[in.typ]
	}
	switch {
	case h.chance(0.08): // no parameters: only updateTime changes
	case member == budgetDP:
		in.dp = h.randomDP(true)
		v := types.DifferentialPrivacyTemplateUpdateParameters{}
		if e := in.dp[0]; e != nil {
			v.Epsilon = aws.Int32(int32(*e))
		}
		if n := in.dp[1]; n != nil {
			v.UsersNoisePerQuery = aws.Int32(int32(*n))
		}
		params = &types.PrivacyBudgetTemplateUpdateParametersMemberDifferentialPrivacy{Value: v}
	default:
		in.access = &accessInput{params: h.randomAccessParams()}
		params = &types.PrivacyBudgetTemplateUpdateParametersMemberAccessBudget{Value: types.AccessBudgetsPrivacyTemplateUpdateParameters{
			BudgetParameters: wireAccessParams(in.access.params)}}
	}
	h.begin("%s UpdatePrivacyBudgetTemplate %s/%s %s", caller, short(msID), short(id), in)
	want, commit := h.m.updateBudgetTemplate(caller, msID, id, in)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].UpdatePrivacyBudgetTemplate(ctx, &cleanrooms.UpdatePrivacyBudgetTemplateInput{
		MembershipIdentifier: aws.String(msID), PrivacyBudgetTemplateIdentifier: aws.String(id),
		PrivacyBudgetType: types.PrivacyBudgetType(in.typ), Parameters: params})
	cancel()
	agree := h.outcome("UpdatePrivacyBudgetTemplate", want, err)
	h.validationField(want, err)
	h.notFoundMembership(want, err)
	if agree {
		commit()
		h.same("UpdatePrivacyBudgetTemplate result", budgetTplView(h.m.budgets.tpls[id]), viewOfBudgetTpl(out.PrivacyBudgetTemplate))
	}
}

func (h *harness) opDeleteBudgetTemplate() {
	msID, id, caller := h.pickBudgetTemplate()
	h.begin("%s DeletePrivacyBudgetTemplate %s/%s", caller, short(msID), short(id))
	want := h.m.ownBudgetTemplate(caller, msID, id)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].DeletePrivacyBudgetTemplate(ctx, &cleanrooms.DeletePrivacyBudgetTemplateInput{
		MembershipIdentifier: aws.String(msID), PrivacyBudgetTemplateIdentifier: aws.String(id)})
	cancel()
	h.notFoundMembership(want, err)
	if h.outcome("DeletePrivacyBudgetTemplate", want, err) {
		delete(h.m.tags, budgetTplARN(h.m.budgets.tpls[id]))
		delete(h.m.budgets.tpls, id) // the ledger stays: nothing is refunded
	}
}

// ---- collaboration views ----------------------------------------------------

type collabBudgetTplView struct {
	ID, Arn, Type, AutoRefresh, Collab, Creator, Params string
}

func (h *harness) opGetCollabBudgetTemplate() {
	collabID, caller := h.schemaCollab()
	var in, out []*mBudgetTpl
	for _, id := range h.m.budgets.ids {
		if t := h.m.budgets.tpls[id]; t != nil {
			if t.collabID == collabID {
				in = append(in, t)
			} else {
				out = append(out, t)
			}
		}
	}
	id := h.randomUUID()
	var t *mBudgetTpl
	switch x := h.r.Float64(); {
	case x < 0.7 && len(in) > 0:
		t = pick(h, in)
		id = t.id
	case x < 0.9 && len(out) > 0:
		id = pick(h, out).id // another collaboration's template: 404
	}
	h.begin("%s GetCollaborationPrivacyBudgetTemplate %s/%s", caller, short(collabID), short(id))
	want := h.m.activeMember(caller, collabID)
	if want.code == codeOK && t == nil {
		want = fail(codeNotFound, "no such template in this collaboration")
	}
	ctx, cancel := h.ctx()
	res, err := h.clients[caller].GetCollaborationPrivacyBudgetTemplate(ctx, &cleanrooms.GetCollaborationPrivacyBudgetTemplateInput{
		CollaborationIdentifier: aws.String(collabID), PrivacyBudgetTemplateIdentifier: aws.String(id)})
	cancel()
	h.notFoundMembership(want, err)
	if h.outcome("GetCollaborationPrivacyBudgetTemplate", want, err) {
		g := res.CollaborationPrivacyBudgetTemplate
		h.same("GetCollaborationPrivacyBudgetTemplate",
			collabBudgetTplView{t.id, budgetTplARN(t), t.typ, t.autoRefresh, t.collabID, t.account, fmtBudgetParams(t.typ, t.eps, t.noise, t.resource, t.params)},
			collabBudgetTplView{aws.ToString(g.Id), aws.ToString(g.Arn), string(g.PrivacyBudgetType), string(g.AutoRefresh), aws.ToString(g.CollaborationId),
				aws.ToString(g.CreatorAccountId), wireBudgetParams(string(g.PrivacyBudgetType), g.Parameters)})
	}
}

func (h *harness) listCollabBudgetTemplates(op, caller, collabID string) {
	want := h.m.activeMember(caller, collabID)
	got, err := collect(h, op, func(ctx context.Context, size *int32, token *string) ([]types.CollaborationPrivacyBudgetTemplateSummary, *string, error) {
		page, err := h.clients[caller].ListCollaborationPrivacyBudgetTemplates(ctx, &cleanrooms.ListCollaborationPrivacyBudgetTemplatesInput{
			CollaborationIdentifier: aws.String(collabID), MaxResults: size, NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		return page.CollaborationPrivacyBudgetTemplateSummaries, page.NextToken, nil
	})
	if !h.outcome(op, want, err) {
		return
	}
	wantM, have := map[string]string{}, map[string]string{}
	for _, t := range h.m.budgets.ofCollab(collabID) {
		wantM[t.id] = t.typ + " by " + t.account + " " + budgetTplARN(t)
	}
	for _, s := range got {
		have[aws.ToString(s.Id)] = string(s.PrivacyBudgetType) + " by " + aws.ToString(s.CreatorAccountId) + " " + aws.ToString(s.Arn)
	}
	h.same(op+"("+short(collabID)+")", wantM, have)
}

func (h *harness) opListCollabBudgetTemplates() {
	collabID, caller := h.schemaCollab()
	h.begin("%s ListCollaborationPrivacyBudgetTemplates %s", caller, short(collabID))
	h.listCollabBudgetTemplates("ListCollaborationPrivacyBudgetTemplates", caller, collabID)
}

// ---- budgets ------------------------------------------------------------------

func wireBudgetView(b types.PrivacyBudget) string {
	switch v := b.(type) {
	case *types.PrivacyBudgetMemberDifferentialPrivacy:
		var aggs []string
		for _, a := range v.Value.Aggregations {
			aggs = append(aggs, fmt.Sprintf("%s:%d/%d", a.Type, aws.ToInt32(a.MaxCount), aws.ToInt32(a.RemainingCount)))
		}
		slices.Sort(aggs)
		return fmt.Sprintf("DP eps=%d %s", aws.ToInt32(v.Value.Epsilon), strings.Join(aggs, " "))
	case *types.PrivacyBudgetMemberAccessBudget:
		var ds []string
		for _, d := range v.Value.Details {
			s := fmt.Sprintf("%s:%d/%d/%s", d.BudgetType, aws.ToInt32(d.Budget), aws.ToInt32(d.RemainingBudget), d.AutoRefresh)
			if d.EndTime != nil {
				s += " " + aws.ToTime(d.StartTime).UTC().Format(time.DateOnly) + ".." + d.EndTime.UTC().Format(time.DateOnly)
			} else if d.StartTime != nil {
				s += " lifetime"
			}
			ds = append(ds, s)
		}
		return fmt.Sprintf("ACCESS %s agg=%d %s", aws.ToString(v.Value.ResourceArn), aws.ToInt32(v.Value.AggregateRemainingBudget), strings.Join(ds, " "))
	}
	return fmt.Sprintf("budget %T", b)
}

// budgetItem is one listed budget: its template, the membership it names
// (ListPrivacyBudgets) or the creator (ListCollaborationPrivacyBudgets),
// and the numbers.
type budgetItem struct {
	id, tplID, tplARN, typ, collab, who, view string
}

// checkBudgetIDs: a budget id is a name-based (version 5) UUID, one per
// template, the same in every list (decisions).
func (h *harness) checkBudgetIDs(items []budgetItem) {
	for _, it := range items {
		if !uuidRE.MatchString(it.id) || it.id[14] != '5' {
			h.diverge("budget id %q of template %s is not a name-based (v5) UUID (decisions)", it.id, short(it.tplID))
			continue
		}
		if prev, seen := h.m.budgets.budgetIDs[it.tplID]; seen && prev != it.id {
			h.diverge("budget of template %s has id %s, earlier %s (decisions: stable)", short(it.tplID), it.id, prev)
		}
		h.m.budgets.budgetIDs[it.tplID] = it.id
		for tpl, id := range h.m.budgets.budgetIDs {
			if id == it.id && tpl != it.tplID {
				h.diverge("templates %s and %s share budget id %s", short(tpl), short(it.tplID), id)
			}
		}
	}
}

func (h *harness) compareBudgets(op, collabID, typ, arn, who string, got []budgetItem) {
	now := time.Now()
	want := map[string]string{}
	for id, v := range h.m.budgetsOf(collabID, typ, arn, now) {
		t := h.m.budgets.tpls[id]
		w := who
		if w == "" {
			w = t.account
		}
		want[id] = fmt.Sprintf("%s %s %s %s | %s", budgetTplARN(t), t.typ, t.collabID, w, v)
	}
	have := map[string]string{}
	for _, it := range got {
		have[it.tplID] = fmt.Sprintf("%s %s %s %s | %s", it.tplARN, it.typ, it.collab, it.who, it.view)
	}
	h.checkBudgetIDs(got)
	h.same(op, want, have)
}

// budgetQuery is a random (type, resourceArn filter) for the budget lists.
func (h *harness) budgetQuery(collabID string) (string, string) {
	if h.chance(0.4) {
		return budgetDP, ""
	}
	arn := ""
	if h.chance(0.3) {
		var arns []string
		for _, t := range h.m.budgets.ofCollab(collabID) {
			if t.typ == budgetAccess {
				arns = append(arns, t.resource)
			}
		}
		if len(arns) > 0 && h.chance(0.8) {
			arn = pick(h, arns)
		} else if len(h.m.data.ctaIDs) > 0 {
			if a := h.m.data.ctas[pick(h, h.m.data.ctaIDs)]; a != nil {
				arn = ctaARN(a)
			}
		}
	}
	return budgetAccess, arn
}

func (h *harness) listBudgets(op, caller, msID, typ, arn string) {
	collabID, want := h.m.budgetViewer(caller, "", msID, typ)
	got, err := collect(h, op, func(ctx context.Context, size *int32, token *string) ([]types.PrivacyBudgetSummary, *string, error) {
		in := &cleanrooms.ListPrivacyBudgetsInput{MembershipIdentifier: aws.String(msID), PrivacyBudgetType: types.PrivacyBudgetType(typ), MaxResults: size, NextToken: token}
		if arn != "" {
			in.AccessBudgetResourceArn = aws.String(arn)
		}
		page, err := h.clients[caller].ListPrivacyBudgets(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		return page.PrivacyBudgetSummaries, page.NextToken, nil
	})
	if !h.outcome(op, want, err) {
		return
	}
	var items []budgetItem
	for _, s := range got {
		items = append(items, budgetItem{aws.ToString(s.Id), aws.ToString(s.PrivacyBudgetTemplateId), aws.ToString(s.PrivacyBudgetTemplateArn),
			string(s.Type), aws.ToString(s.CollaborationId), aws.ToString(s.MembershipId) + " " + aws.ToString(s.MembershipArn), wireBudgetView(s.Budget)})
	}
	h.compareBudgets(op+"("+short(msID)+" "+typ+" "+arn+")", collabID, typ, arn, msID+" "+membershipARN(caller, msID), items)
}

func (h *harness) opListBudgets() {
	msID, caller := h.pickMembership()
	collabID := ""
	if ms := h.m.memberships[msID]; ms != nil {
		collabID = ms.collabID
	}
	typ, arn := h.budgetQuery(collabID)
	h.begin("%s ListPrivacyBudgets %s %s %s", caller, short(msID), typ, arn)
	h.listBudgets("ListPrivacyBudgets", caller, msID, typ, arn)
}

func (h *harness) listCollabBudgets(op, caller, collabID, typ, arn string) {
	_, want := h.m.budgetViewer(caller, collabID, "", typ)
	got, err := collect(h, op, func(ctx context.Context, size *int32, token *string) ([]types.CollaborationPrivacyBudgetSummary, *string, error) {
		in := &cleanrooms.ListCollaborationPrivacyBudgetsInput{CollaborationIdentifier: aws.String(collabID), PrivacyBudgetType: types.PrivacyBudgetType(typ), MaxResults: size, NextToken: token}
		if arn != "" {
			in.AccessBudgetResourceArn = aws.String(arn)
		}
		page, err := h.clients[caller].ListCollaborationPrivacyBudgets(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		return page.CollaborationPrivacyBudgetSummaries, page.NextToken, nil
	})
	if !h.outcome(op, want, err) {
		return
	}
	var items []budgetItem
	for _, s := range got {
		items = append(items, budgetItem{aws.ToString(s.Id), aws.ToString(s.PrivacyBudgetTemplateId), aws.ToString(s.PrivacyBudgetTemplateArn),
			string(s.Type), aws.ToString(s.CollaborationId), aws.ToString(s.CreatorAccountId), wireBudgetView(s.Budget)})
	}
	h.compareBudgets(op+"("+short(collabID)+" "+typ+" "+arn+")", collabID, typ, arn, "", items)
}

func (h *harness) opListCollabBudgets() {
	collabID, caller := h.schemaCollab()
	typ, arn := h.budgetQuery(collabID)
	h.begin("%s ListCollaborationPrivacyBudgets %s %s %s", caller, short(collabID), typ, arn)
	h.listCollabBudgets("ListCollaborationPrivacyBudgets", caller, collabID, typ, arn)
}

// ---- PreviewPrivacyImpact -------------------------------------------------------

func (h *harness) opPreviewPrivacyImpact() {
	msID, caller := h.pickMembership()
	dp := h.randomDP(false)
	h.begin("%s PreviewPrivacyImpact %s eps=%d noise=%d", caller, short(msID), *dp[0], *dp[1])
	want := ok()
	if why := (budgetInput{dp: dp}).shapeInvalid(); why != "" {
		want = fail(codeValidation, why)
	} else if _, o := h.m.ownMembership(caller, msID); o.code != codeOK {
		want = o
	}
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].PreviewPrivacyImpact(ctx, &cleanrooms.PreviewPrivacyImpactInput{MembershipIdentifier: aws.String(msID),
		Parameters: &types.PreviewPrivacyImpactParametersInputMemberDifferentialPrivacy{Value: types.DifferentialPrivacyPreviewParametersInput{
			Epsilon: aws.Int32(int32(*dp[0])), UsersNoisePerQuery: aws.Int32(int32(*dp[1]))}}})
	cancel()
	if !h.outcome("PreviewPrivacyImpact", want, err) {
		return
	}
	wantM, have := map[string]int{}, map[string]int{}
	for t := range dpUnits {
		wantM[t] = dpMaxCount(*dp[0], *dp[1], t)
		// The plain formula floor(eps·N / units) differs from the
		// accountant's rounded-up cost when eps·N/units is whole and
		// units·1e9/N is not (report: finding).
		if int(int64(*dp[0]*(*dp[1]))/dpUnits[t]) != wantM[t] {
			h.stats["PreviewPrivacyImpact maxCount below floor(eps·N/units) (cost rounded up)"]++
		}
	}
	if v, isDP := out.PrivacyImpact.(*types.PrivacyImpactMemberDifferentialPrivacy); isDP {
		for _, a := range v.Value.Aggregations {
			have[string(a.Type)] = int(aws.ToInt32(a.MaxCount))
		}
	}
	h.same("PreviewPrivacyImpact aggregations", wantM, have)
}

// ---- the leak audit -------------------------------------------------------------

// auditBudgets: every account, through every membership and every
// collaboration (a sample periodically, all at the end), lists exactly
// the templates and budgets the model says it may see: its own
// memberships' templates, the collaborations it is an ACTIVE member of,
// DP budgets only where it can query; 403/404 everywhere else. A
// template of another collaboration is 404 through every collaboration
// view.
func (h *harness) auditBudgets(final bool) {
	sample := func(n int) bool { return final || h.r.IntN(6*n) == 0 }
	for _, a := range accounts {
		for _, msID := range h.m.shipIDs {
			if h.m.memberships[msID] == nil || !sample(4) {
				continue
			}
			h.begin("audit: %s ListPrivacyBudgetTemplates %s (owner %s)", a, short(msID), h.m.memberships[msID].account)
			h.listBudgetTemplates("audit ListPrivacyBudgetTemplates", a, msID)
			for _, typ := range []string{budgetDP, budgetAccess} {
				h.begin("audit: %s ListPrivacyBudgets %s %s", a, short(msID), typ)
				h.listBudgets("audit ListPrivacyBudgets", a, msID, typ, "")
			}
		}
		for _, cid := range h.m.collabIDs {
			if !sample(4) {
				continue
			}
			h.begin("audit: %s ListCollaborationPrivacyBudgetTemplates %s", a, short(cid))
			h.listCollabBudgetTemplates("audit ListCollaborationPrivacyBudgetTemplates", a, cid)
			for _, typ := range []string{budgetDP, budgetAccess} {
				h.begin("audit: %s ListCollaborationPrivacyBudgets %s %s", a, short(cid), typ)
				h.listCollabBudgets("audit ListCollaborationPrivacyBudgets", a, cid, typ, "")
			}
			for _, id := range h.m.budgets.ids {
				t := h.m.budgets.tpls[id]
				if t == nil || t.collabID == cid || !sample(3) {
					continue
				}
				h.begin("audit: %s GetCollaborationPrivacyBudgetTemplate %s/%s (of %s)", a, short(cid), short(id), short(t.collabID))
				want := h.m.activeMember(a, cid)
				if want.code == codeOK {
					want = fail(codeNotFound, "a template of another collaboration")
				}
				ctx, cancel := h.ctx()
				_, err := h.clients[a].GetCollaborationPrivacyBudgetTemplate(ctx, &cleanrooms.GetCollaborationPrivacyBudgetTemplateInput{
					CollaborationIdentifier: aws.String(cid), PrivacyBudgetTemplateIdentifier: aws.String(id)})
				cancel()
				h.outcome("audit GetCollaborationPrivacyBudgetTemplate(foreign)", want, err)
			}
		}
		// Every template through its own membership by every account:
		// only the owner reads it.
		for _, id := range h.m.budgets.ids {
			if t := h.m.budgets.tpls[id]; t != nil && (final || (t.account != a && sample(3))) {
				h.begin("audit: %s GetPrivacyBudgetTemplate %s/%s (owner %s)", a, short(t.membershipID), short(id), t.account)
				h.getBudgetTemplate("audit GetPrivacyBudgetTemplate", a, t.membershipID, id)
			}
		}
	}
}

// auditBudgetTags lists, at the end, every template's tags as its owner
// sees them.
func (h *harness) auditBudgetTags() {
	for _, id := range h.m.budgets.ids {
		if t := h.m.budgets.tpls[id]; t != nil {
			h.begin("audit: %s ListTagsForResource %s", t.account, budgetTplARN(t))
			h.listTags(t.account, budgetTplARN(t))
		}
	}
}

// budgetTemplateARN is a privacy budget template's ARN (a deleted one
// sometimes) and its owner, for the tag operations.
func (h *harness) budgetTemplateARN() (string, string) {
	b := h.m.budgets
	if len(b.ids) == 0 {
		return "", ""
	}
	id := pick(h, b.ids)
	if t := b.tpls[id]; t != nil {
		return budgetTplARN(t), t.account
	}
	msID, caller := h.pickMembership()
	return membershipARN(caller, msID) + "/privacybudgettemplate/" + id, caller
}

// accessRefusalMessage: a query refused for its access budget says so,
// naming the table (decisions: "access budget spent for table NAME
// (PERIOD)").
func (h *harness) accessRefusalMessage(want outcome, err error) {
	prefix, _, found := strings.Cut(want.why, " (")
	var ve *types.ValidationException
	if !found || !strings.HasPrefix(prefix, "access budget spent for table ") || !errors.As(err, &ve) {
		return
	}
	if !strings.Contains(aws.ToString(ve.Message), prefix) {
		h.diverge("access budget refusal says %q; model expected it to contain %q", aws.ToString(ve.Message), prefix)
	}
}

// notFoundMembership: every privacy budget 404 is of type MEMBERSHIP
// (decisions: the ResourceType enum has no template type).
func (h *harness) notFoundMembership(want outcome, err error) {
	var nf *types.ResourceNotFoundException
	if want.code == codeNotFound && errors.As(err, &nf) && nf.ResourceType != types.ResourceTypeMembership {
		h.diverge("ResourceNotFoundException resourceType %q; model expected MEMBERSHIP (decisions)", nf.ResourceType)
	}
}
