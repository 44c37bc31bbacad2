package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/dp"
)

// A privacy budget is derived: one per template, reporting what is left
// of it now. Its id is a name-based (SHA-1) UUID of the template id, so
// it is stable and needs no storage; it changes when the template is
// deleted and recreated (the new template is a new budget, although the
// spend ledger it reads is the same).

var budgetIDSpace = uuid.MustParse("5b0c3d8e-3f0a-4c1e-9a57-4f7d1d2f6c11")

func privacyBudgetID(templateID string) string {
	return uuid.NewSHA1(budgetIDSpace, []byte(templateID)).String()
}

// budgetView is a template with its budget as of now.
type budgetView struct {
	t      cleanrooms.PrivacyBudgetTemplate
	budget *api.PrivacyBudget
}

// dpRemaining is what is left of the DP template's budget in the current
// period, in nano-epsilon (negative when epsilon was lowered below what
// was spent).
func dpRemaining(ctx context.Context, tx cleanrooms.ReadTx, t *cleanrooms.PrivacyBudgetTemplate, now time.Time) (int64, error) {
	kind := dpPeriodKind(t)
	spent, err := tx.PrivacyBudgetSpent(ctx, cleanrooms.BudgetPeriod{Scope: t.CollaborationID, Period: kind, Start: periodStart(kind, now)})
	return dp.Budget(t.DP.Epsilon) - spent, err
}

func dpBudget(ctx context.Context, tx cleanrooms.ReadTx, t *cleanrooms.PrivacyBudgetTemplate, now time.Time) (*api.PrivacyBudget, error) {
	rem, err := dpRemaining(ctx, tx, t, now)
	if err != nil {
		return nil, err
	}
	b := &api.DifferentialPrivacyPrivacyBudget{Epsilon: int32p(t.DP.Epsilon)}
	for _, typ := range dp.Types {
		b.Aggregations = append(b.Aggregations, api.DifferentialPrivacyPrivacyBudgetAggregation{
			Type:           api.DifferentialPrivacyAggregationType(typ),
			MaxCount:       int32p(int(dp.MaxCount(t.DP.Epsilon, t.DP.UsersNoise, typ))),
			RemainingCount: int32p(int(dp.RemainingCount(rem, t.DP.UsersNoise, typ))),
		})
	}
	return &api.PrivacyBudget{DifferentialPrivacy: b}, nil
}

// accessRemaining is what is left of one budget parameter now.
func accessRemaining(ctx context.Context, tx cleanrooms.ReadTx, arn string, b cleanrooms.AccessBudgetParam, now time.Time) (int64, error) {
	kind := accessPeriodKind(b)
	spent, err := tx.PrivacyBudgetSpent(ctx, cleanrooms.BudgetPeriod{Scope: arn, Period: kind, Start: periodStart(kind, now)})
	return max(0, int64(b.Budget)-spent), err
}

func accessBudget(ctx context.Context, tx cleanrooms.ReadTx, t *cleanrooms.PrivacyBudgetTemplate, now time.Time) (*api.PrivacyBudget, error) {
	a := &api.AccessBudget{ResourceArn: str(t.Access.ResourceArn), Details: []api.AccessBudgetDetails{}}
	var least int64 = -1
	for _, b := range t.Access.Budgets {
		rem, err := accessRemaining(ctx, tx, t.Access.ResourceArn, b, now)
		if err != nil {
			return nil, err
		}
		if least < 0 || rem < least {
			least = rem
		}
		d := api.AccessBudgetDetails{BudgetType: api.AccessBudgetType(b.Type), Budget: int32p(b.Budget),
			RemainingBudget: int32p(int(rem)), AutoRefresh: api.AutoRefreshMode(b.AutoRefresh)}
		if kind := accessPeriodKind(b); kind == cleanrooms.PeriodLifetime {
			d.StartTime = ts(t.CreateTime)
		} else {
			start := periodStart(kind, now)
			d.StartTime, d.EndTime = ts(start), ts(periodEnd(kind, start))
		}
		a.Details = append(a.Details, d)
	}
	a.AggregateRemainingBudget = int32p(int(max(least, 0)))
	return &api.PrivacyBudget{AccessBudget: a}, nil
}

// budgetsOf pages the collaboration's budgets of one type (and one
// resource, if given). A page holds the budgets of one page of the
// collaboration's templates, so it may be short.
func (s *Service) budgetsOf(ctx context.Context, tx cleanrooms.ReadTx, c *cleanrooms.Collaboration, typ api.PrivacyBudgetType, resourceArn *string, p cleanrooms.Page) ([]budgetView, string, error) {
	now := s.clock()
	var tmpls []cleanrooms.PrivacyBudgetTemplate
	var next string
	switch {
	case typ == api.PrivacyBudgetTypeDifferentialPrivacy || resourceArn != nil:
		key := ""
		if typ == api.PrivacyBudgetTypeAccessBudget {
			key = *resourceArn
		}
		t, err := tx.PrivacyBudgetTemplateFor(ctx, c.ID, key)
		if err != nil && !errors.Is(err, cleanrooms.ErrNotFound) {
			return nil, "", err
		}
		if err == nil && t.Type == string(typ) && p.Cursor == "" {
			tmpls = append(tmpls, *t)
		}
	default:
		var err error
		if tmpls, next, err = tx.ListCollaborationPrivacyBudgetTemplates(ctx, c.ID, p); err != nil {
			return nil, "", err
		}
	}
	var out []budgetView
	for i := range tmpls {
		t := &tmpls[i]
		if t.Type != string(typ) {
			continue
		}
		v := budgetView{t: *t}
		var err error
		if t.DP != nil {
			v.budget, err = dpBudget(ctx, tx, t, now)
		} else {
			v.budget, err = accessBudget(ctx, tx, t, now)
		}
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}

// checkSeesBudgets: remaining differential privacy budget is shown only
// to a member who can query (every item carries remainingCount, so there
// is no partial view); access budgets to every member.
func checkSeesBudgets(me *cleanrooms.Member, c *cleanrooms.Collaboration, typ api.PrivacyBudgetType) error {
	if typ == api.PrivacyBudgetTypeDifferentialPrivacy && !hasAbility(me.Abilities, api.MemberAbilityCanQuery) {
		return accessDenied(fmt.Sprintf("Member %s of collaboration %s cannot query (it lacks the CAN_QUERY ability): differential privacy budgets are shown only to the member who can query.", me.AccountID, c.ID))
	}
	return nil
}

func budgetFilter(parent string, typ api.PrivacyBudgetType, arn *string) string {
	return parent + "|" + string(typ) + "|" + deref(arn)
}

// ListPrivacyBudgets lists the collaboration's budgets through one of the
// caller's memberships.
func (s *Service) ListPrivacyBudgets(ctx context.Context, in *api.ListPrivacyBudgetsInput) (*api.ListPrivacyBudgetsOutput, error) {
	caller := callerOf(ctx)
	msID := *in.MembershipIdentifier
	filter := budgetFilter(msID, in.PrivacyBudgetType, in.AccessBudgetResourceArn)
	cursor, err := decodeToken(in.NextToken, "ListPrivacyBudgets", caller.AccountID, filter)
	if err != nil {
		return nil, err
	}
	out := &api.ListPrivacyBudgetsOutput{PrivacyBudgetSummaries: []api.PrivacyBudgetSummary{}}
	var items []budgetView
	var next string
	var ms *cleanrooms.Membership
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		var c *cleanrooms.Collaboration
		var me *cleanrooms.Member
		var err error
		if ms, c, me, err = ownMembership(ctx, tx, caller, msID); err != nil {
			return err
		}
		if err := checkSeesBudgets(me, c, in.PrivacyBudgetType); err != nil {
			return err
		}
		items, next, err = s.budgetsOf(ctx, tx, c, in.PrivacyBudgetType, in.AccessBudgetResourceArn, page(in.MaxResults, cursor))
		return err
	})
	if err != nil {
		return nil, storeError(err)
	}
	for _, v := range items {
		t := &v.t
		out.PrivacyBudgetSummaries = append(out.PrivacyBudgetSummaries, api.PrivacyBudgetSummary{
			Id: str(privacyBudgetID(t.ID)), Budget: v.budget, Type: api.PrivacyBudgetType(t.Type),
			CollaborationId: str(t.CollaborationID), CollaborationArn: str(collaborationARN(t.Region, t.CollaborationCreatorAccountID, t.CollaborationID)),
			MembershipId: str(ms.ID), MembershipArn: str(membershipARN(ms.Region, ms.AccountID, ms.ID)),
			PrivacyBudgetTemplateId: str(t.ID), PrivacyBudgetTemplateArn: str(budgetTemplateARN(t)),
			CreateTime: ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
		})
	}
	out.NextToken = encodeToken("ListPrivacyBudgets", caller.AccountID, filter, next)
	return out, nil
}

// ListCollaborationPrivacyBudgets lists the collaboration's budgets to
// its ACTIVE members.
func (s *Service) ListCollaborationPrivacyBudgets(ctx context.Context, in *api.ListCollaborationPrivacyBudgetsInput) (*api.ListCollaborationPrivacyBudgetsOutput, error) {
	caller := callerOf(ctx)
	cID := *in.CollaborationIdentifier
	filter := budgetFilter(cID, in.PrivacyBudgetType, in.AccessBudgetResourceArn)
	cursor, err := decodeToken(in.NextToken, "ListCollaborationPrivacyBudgets", caller.AccountID, filter)
	if err != nil {
		return nil, err
	}
	out := &api.ListCollaborationPrivacyBudgetsOutput{CollaborationPrivacyBudgetSummaries: []api.CollaborationPrivacyBudgetSummary{}}
	var items []budgetView
	var next string
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		c, me, err := visibleCollaboration(ctx, tx, caller, cID)
		if err != nil {
			return err
		}
		if me.Status != cleanrooms.MemberActive {
			return collaborationAccessDenied(cID)
		}
		if err := checkSeesBudgets(me, c, in.PrivacyBudgetType); err != nil {
			return err
		}
		items, next, err = s.budgetsOf(ctx, tx, c, in.PrivacyBudgetType, in.AccessBudgetResourceArn, page(in.MaxResults, cursor))
		return err
	})
	if err != nil {
		return nil, storeError(err)
	}
	for _, v := range items {
		t := &v.t
		out.CollaborationPrivacyBudgetSummaries = append(out.CollaborationPrivacyBudgetSummaries, api.CollaborationPrivacyBudgetSummary{
			Id: str(privacyBudgetID(t.ID)), Budget: v.budget, Type: api.PrivacyBudgetType(t.Type),
			CollaborationId: str(t.CollaborationID), CollaborationArn: str(collaborationARN(t.Region, t.CollaborationCreatorAccountID, t.CollaborationID)),
			CreatorAccountId:        str(t.AccountID),
			PrivacyBudgetTemplateId: str(t.ID), PrivacyBudgetTemplateArn: str(budgetTemplateARN(t)),
			CreateTime: ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
		})
	}
	out.NextToken = encodeToken("ListCollaborationPrivacyBudgets", caller.AccountID, filter, next)
	return out, nil
}

// PreviewPrivacyImpact reports, for a DP template with these parameters,
// the most aggregates of each type a whole budget allows: exactly what
// the accountant enforces (dp.MaxCount). It reads nothing but the
// membership and changes nothing.
func (s *Service) PreviewPrivacyImpact(ctx context.Context, in *api.PreviewPrivacyImpactInput) (*api.PreviewPrivacyImpactOutput, error) {
	caller := callerOf(ctx)
	if err := s.checkOwnMembership(ctx, caller, *in.MembershipIdentifier); err != nil {
		return nil, err
	}
	p := in.Parameters.DifferentialPrivacy
	if p == nil {
		return nil, invalid("parameters.differentialPrivacy", "PreviewPrivacyImpact takes parameters.differentialPrivacy.")
	}
	params := cleanrooms.DPBudgetParams{Epsilon: int(deref(p.Epsilon)), UsersNoise: int(deref(p.UsersNoisePerQuery))}
	if err := checkDPParams("parameters.differentialPrivacy", &params); err != nil {
		return nil, err
	}
	impact := &api.DifferentialPrivacyPrivacyImpact{}
	for _, typ := range dp.Types {
		impact.Aggregations = append(impact.Aggregations, api.DifferentialPrivacyPreviewAggregation{
			Type: api.DifferentialPrivacyAggregationType(typ), MaxCount: int32p(int(dp.MaxCount(params.Epsilon, params.UsersNoise, typ)))})
	}
	return &api.PreviewPrivacyImpactOutput{PrivacyImpact: &api.PrivacyImpact{DifferentialPrivacy: impact}}, nil
}
