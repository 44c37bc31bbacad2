package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// Privacy budget templates (dataplane spec 1.9): a member's template
// under its membership. A collaboration has at most one
// DIFFERENTIAL_PRIVACY template and at most one ACCESS_BUDGET template per
// configured table association; any ACTIVE member may create the DP
// template, only the association's owner an access budget on it
// (docs/behavior-decisions.md, "Privacy budgets").

func privacyBudgetTemplateARN(region, account, membershipID, id string) string {
	return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:membership/%s/privacybudgettemplate/%s", region, account, membershipID, id)
}

func budgetTemplateARN(t *cleanrooms.PrivacyBudgetTemplate) string {
	return privacyBudgetTemplateARN(t.Region, t.AccountID, t.MembershipID, t.ID)
}

// budgetTemplateNotFound: the ResourceType enum has no privacy budget
// template, so the parent type MEMBERSHIP is sent, as for analysis
// templates.
func budgetTemplateNotFound(id string) error {
	msg := fmt.Sprintf("Privacy budget template %s not found.", id)
	return &api.ResourceNotFoundException{Message: &msg, ResourceId: &id, ResourceType: api.ResourceTypeMembership}
}

func toBudgetParameters(t *cleanrooms.PrivacyBudgetTemplate) *api.PrivacyBudgetTemplateParametersOutput {
	out := &api.PrivacyBudgetTemplateParametersOutput{}
	if t.DP != nil {
		out.DifferentialPrivacy = &api.DifferentialPrivacyTemplateParametersOutput{
			Epsilon: int32p(t.DP.Epsilon), UsersNoisePerQuery: int32p(t.DP.UsersNoise)}
	}
	if t.Access != nil {
		a := &api.AccessBudgetsPrivacyTemplateParametersOutput{ResourceArn: str(t.Access.ResourceArn), BudgetParameters: []api.BudgetParameter{}}
		for _, b := range t.Access.Budgets {
			a.BudgetParameters = append(a.BudgetParameters, api.BudgetParameter{Type: api.AccessBudgetType(b.Type),
				Budget: int32p(b.Budget), AutoRefresh: api.AutoRefreshMode(b.AutoRefresh)})
		}
		out.AccessBudget = a
	}
	return out
}

func int32p(n int) *int32 { v := int32(n); return &v }

func toPrivacyBudgetTemplate(t *cleanrooms.PrivacyBudgetTemplate) *api.PrivacyBudgetTemplate {
	return &api.PrivacyBudgetTemplate{
		Id: str(t.ID), Arn: str(budgetTemplateARN(t)), AutoRefresh: api.PrivacyBudgetTemplateAutoRefresh(t.AutoRefresh),
		CollaborationId: str(t.CollaborationID), CollaborationArn: str(collaborationARN(t.Region, t.CollaborationCreatorAccountID, t.CollaborationID)),
		MembershipId: str(t.MembershipID), MembershipArn: str(membershipARN(t.Region, t.AccountID, t.MembershipID)),
		PrivacyBudgetType: api.PrivacyBudgetType(t.Type), Parameters: toBudgetParameters(t),
		CreateTime: ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
	}
}

func toPrivacyBudgetTemplateSummary(t *cleanrooms.PrivacyBudgetTemplate) api.PrivacyBudgetTemplateSummary {
	return api.PrivacyBudgetTemplateSummary{
		Id: str(t.ID), Arn: str(budgetTemplateARN(t)),
		CollaborationId: str(t.CollaborationID), CollaborationArn: str(collaborationARN(t.Region, t.CollaborationCreatorAccountID, t.CollaborationID)),
		MembershipId: str(t.MembershipID), MembershipArn: str(membershipARN(t.Region, t.AccountID, t.MembershipID)),
		PrivacyBudgetType: api.PrivacyBudgetType(t.Type), CreateTime: ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
	}
}

// checkNoBudgetTemplates is DeleteMembership's check that no privacy
// budget template is left under the membership.
func (s *Service) checkNoBudgetTemplates(ctx context.Context, tx cleanrooms.ReadTx, membershipID string) error {
	n, err := tx.CountPrivacyBudgetTemplatesOf(ctx, membershipID)
	if err != nil {
		return err
	}
	if n > 0 {
		return conflict(api.ConflictExceptionReasonSubresourcesExist, api.ResourceTypeMembership, membershipID,
			fmt.Sprintf("Membership %s still has %d privacy budget template(s); delete them first.", membershipID, n))
	}
	return nil
}

// activeBudgetMembership is the caller's membership, which must be
// ACTIVE to create or change privacy budget templates (409 otherwise).
func activeBudgetMembership(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id string) (*cleanrooms.Membership, *cleanrooms.Collaboration, error) {
	ms, c, _, err := ownMembership(ctx, tx, caller, id)
	if err != nil {
		return nil, nil, err
	}
	if ms.Status != cleanrooms.MembershipActive {
		return nil, nil, conflict(api.ConflictExceptionReasonInvalidState, api.ResourceTypeMembership, ms.ID,
			fmt.Sprintf("Membership %s is %s: its privacy budget templates can no longer be created or changed.", ms.ID, ms.Status))
	}
	return ms, c, nil
}

// CreatePrivacyBudgetTemplate stores a template under the caller's ACTIVE
// membership.
func (s *Service) CreatePrivacyBudgetTemplate(ctx context.Context, in *api.CreatePrivacyBudgetTemplateInput) (*api.CreatePrivacyBudgetTemplateOutput, error) {
	caller := callerOf(ctx)
	if err := checkTagKeys("tags", tagKeys(in.Tags)); err != nil {
		return nil, err
	}
	var out *api.PrivacyBudgetTemplate
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		ms, c, err := activeBudgetMembership(ctx, tx, caller, *in.MembershipIdentifier)
		if err != nil {
			return err
		}
		t := &cleanrooms.PrivacyBudgetTemplate{Type: string(in.PrivacyBudgetType), AutoRefresh: string(in.AutoRefresh)}
		if t.AutoRefresh == "" {
			t.AutoRefresh = string(api.PrivacyBudgetTemplateAutoRefreshNone)
		}
		if err := budgetParamsFromInput(ctx, tx, caller, c, t, in.Parameters); err != nil {
			return err
		}
		now := s.clock()
		t.ID, t.AccountID, t.Region, t.MembershipID, t.CollaborationID = s.newID(), ms.AccountID, ms.Region, ms.ID, ms.CollaborationID
		t.CollaborationCreatorAccountID = c.CreatorAccountID
		t.CreateTime, t.UpdateTime = now, now
		err = tx.InsertPrivacyBudgetTemplate(ctx, t)
		if errors.Is(err, cleanrooms.ErrConflict) {
			what := "a DIFFERENTIAL_PRIVACY privacy budget template"
			if t.Access != nil {
				what = "an ACCESS_BUDGET privacy budget template for " + t.Access.ResourceArn
			}
			return conflict(api.ConflictExceptionReasonAlreadyExists, api.ResourceTypeCollaboration, c.ID,
				fmt.Sprintf("Collaboration %s already has %s.", c.ID, what))
		}
		if err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := tx.TagResource(ctx, budgetTemplateARN(t), in.Tags); err != nil {
				return err
			}
		}
		out = toPrivacyBudgetTemplate(t)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.CreatePrivacyBudgetTemplateOutput{PrivacyBudgetTemplate: out}, nil
}

// budgetParamsFromInput checks that the parameters union member matches
// the type and sets it on t.
func budgetParamsFromInput(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, c *cleanrooms.Collaboration, t *cleanrooms.PrivacyBudgetTemplate, p *api.PrivacyBudgetTemplateParametersInput) error {
	switch t.Type {
	case cleanrooms.BudgetDifferentialPrivacy:
		if p.DifferentialPrivacy == nil || p.AccessBudget != nil {
			return invalid("parameters.differentialPrivacy", "A DIFFERENTIAL_PRIVACY template takes parameters.differentialPrivacy (and no other member).")
		}
		dp := p.DifferentialPrivacy
		t.DP = &cleanrooms.DPBudgetParams{Epsilon: int(*dp.Epsilon), UsersNoise: int(*dp.UsersNoisePerQuery)}
		return checkDPParams("parameters.differentialPrivacy", t.DP)
	case cleanrooms.BudgetAccess:
		if p.AccessBudget == nil || p.DifferentialPrivacy != nil {
			return invalid("parameters.accessBudget", "An ACCESS_BUDGET template takes parameters.accessBudget (and no other member).")
		}
		arn := *p.AccessBudget.ResourceArn
		if err := checkBudgetResource(ctx, tx, caller, c, arn); err != nil {
			return err
		}
		budgets, err := accessBudgetsFromInput("parameters.accessBudget.budgetParameters", p.AccessBudget.BudgetParameters)
		if err != nil {
			return err
		}
		t.Access = &cleanrooms.AccessBudgetParams{ResourceArn: arn, Budgets: budgets}
		return nil
	}
	return invalid("privacyBudgetType", fmt.Sprintf("Unsupported privacy budget type %s.", t.Type))
}

// checkDPParams re-checks the model's ranges (epsilon 1..20,
// usersNoisePerQuery 10..100), which the accountant relies on.
func checkDPParams(field string, p *cleanrooms.DPBudgetParams) error {
	if p.Epsilon < 1 || p.Epsilon > 20 {
		return invalidField(field+".epsilon", "epsilon must be between 1 and 20.")
	}
	if p.UsersNoise < 10 || p.UsersNoise > 100 {
		return invalidField(field+".usersNoisePerQuery", "usersNoisePerQuery must be between 10 and 100.")
	}
	return nil
}

// checkBudgetResource: arn is a configured table association of
// collaboration c owned by the caller.
func checkBudgetResource(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, c *cleanrooms.Collaboration, arn string) error {
	const field = "parameters.accessBudget.resourceArn"
	ref, ok := parseARN(arn)
	if !ok || ref.Type != "membership" || len(ref.Path) != 2 || ref.Path[0] != "configuredtableassociation" {
		return invalid(field, fmt.Sprintf("%s is not a configured table association ARN.", arn))
	}
	a, err := tx.GetAssociation(ctx, ref.Path[1])
	if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && (associationARN(a) != arn || a.CollaborationID != c.ID)) {
		return invalid(field, fmt.Sprintf("%s is not a configured table association of collaboration %s.", arn, c.ID))
	}
	if err != nil {
		return err
	}
	if a.AccountID != caller.AccountID || a.Region != caller.Region {
		return invalid(field, fmt.Sprintf("Configured table association %s belongs to account %s: only its owner may set its access budget.", arn, a.AccountID))
	}
	return nil
}

func accessBudgetsFromInput(field string, in []api.BudgetParameter) ([]cleanrooms.AccessBudgetParam, error) {
	if len(in) == 0 {
		return nil, invalidField(field, "At least one budget parameter is required.")
	}
	var types []string
	out := make([]cleanrooms.AccessBudgetParam, 0, len(in))
	for i, b := range in {
		if *b.Budget < 0 {
			return nil, invalidField(fmt.Sprintf("%s.%d.budget", field, i), "budget must not be negative.")
		}
		types = append(types, string(b.Type))
		out = append(out, cleanrooms.AccessBudgetParam{Type: string(b.Type), Budget: int(*b.Budget), AutoRefresh: string(b.AutoRefresh)})
	}
	if err := noDuplicates(field, types); err != nil {
		return nil, err
	}
	return out, nil
}

// ownBudgetTemplate: t is under membership membershipID of the caller.
func ownBudgetTemplate(t *cleanrooms.PrivacyBudgetTemplate, caller identity.Caller, membershipID string) bool {
	return t.MembershipID == membershipID && t.AccountID == caller.AccountID && t.Region == caller.Region
}

// budgetTemplateOf reads template id of the caller's membership: 404
// MEMBERSHIP for a membership that is not the caller's, 404 for a
// template not under it.
func budgetTemplateOf(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, membershipID, id string) (*cleanrooms.Membership, *cleanrooms.PrivacyBudgetTemplate, error) {
	ms, _, _, err := ownMembership(ctx, tx, caller, membershipID)
	if err != nil {
		return nil, nil, err
	}
	t, err := tx.GetPrivacyBudgetTemplate(ctx, id)
	if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && !ownBudgetTemplate(t, caller, ms.ID)) {
		return nil, nil, budgetTemplateNotFound(id)
	}
	return ms, t, err
}

// GetPrivacyBudgetTemplate reads a template of one of the caller's
// memberships, in any membership status.
func (s *Service) GetPrivacyBudgetTemplate(ctx context.Context, in *api.GetPrivacyBudgetTemplateInput) (*api.GetPrivacyBudgetTemplateOutput, error) {
	caller := callerOf(ctx)
	var out *api.PrivacyBudgetTemplate
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		_, t, err := budgetTemplateOf(ctx, tx, caller, *in.MembershipIdentifier, *in.PrivacyBudgetTemplateIdentifier)
		if err != nil {
			return err
		}
		out = toPrivacyBudgetTemplate(t)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.GetPrivacyBudgetTemplateOutput{PrivacyBudgetTemplate: out}, nil
}

// ListPrivacyBudgetTemplates lists the templates of one of the caller's
// memberships.
func (s *Service) ListPrivacyBudgetTemplates(ctx context.Context, in *api.ListPrivacyBudgetTemplatesInput) (*api.ListPrivacyBudgetTemplatesOutput, error) {
	caller := callerOf(ctx)
	msID := *in.MembershipIdentifier
	cursor, err := decodeToken(in.NextToken, "ListPrivacyBudgetTemplates", caller.AccountID, msID)
	if err != nil {
		return nil, err
	}
	out := &api.ListPrivacyBudgetTemplatesOutput{PrivacyBudgetTemplateSummaries: []api.PrivacyBudgetTemplateSummary{}}
	var items []cleanrooms.PrivacyBudgetTemplate
	var next string
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) (err error) {
		if _, _, _, err := ownMembership(ctx, tx, caller, msID); err != nil {
			return err
		}
		items, next, err = tx.ListPrivacyBudgetTemplatesOf(ctx, msID, page(in.MaxResults, cursor))
		return err
	})
	if err != nil {
		return nil, storeError(err)
	}
	for i := range items {
		out.PrivacyBudgetTemplateSummaries = append(out.PrivacyBudgetTemplateSummaries, toPrivacyBudgetTemplateSummary(&items[i]))
	}
	out.NextToken = encodeToken("ListPrivacyBudgetTemplates", caller.AccountID, msID, next)
	return out, nil
}

// UpdatePrivacyBudgetTemplate changes a template's parameters: epsilon
// and usersNoisePerQuery of a DP template (each optional), or the whole
// budgetParameters list of an access budget. What was spent stays spent:
// a new epsilon is a new budget from which the period's spend is taken.
func (s *Service) UpdatePrivacyBudgetTemplate(ctx context.Context, in *api.UpdatePrivacyBudgetTemplateInput) (*api.UpdatePrivacyBudgetTemplateOutput, error) {
	caller := callerOf(ctx)
	var out *api.PrivacyBudgetTemplate
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		if _, _, err := activeBudgetMembership(ctx, tx, caller, *in.MembershipIdentifier); err != nil {
			return err
		}
		_, t, err := budgetTemplateOf(ctx, tx, caller, *in.MembershipIdentifier, *in.PrivacyBudgetTemplateIdentifier)
		if err != nil {
			return err
		}
		if string(in.PrivacyBudgetType) != t.Type {
			return invalid("privacyBudgetType", fmt.Sprintf("Privacy budget template %s is a %s template, not %s.", t.ID, t.Type, in.PrivacyBudgetType))
		}
		if p := in.Parameters; p != nil {
			switch {
			case t.DP != nil && (p.AccessBudget != nil || p.DifferentialPrivacy == nil):
				return invalid("parameters.differentialPrivacy", "A DIFFERENTIAL_PRIVACY template is updated with parameters.differentialPrivacy.")
			case t.Access != nil && (p.DifferentialPrivacy != nil || p.AccessBudget == nil):
				return invalid("parameters.accessBudget", "An ACCESS_BUDGET template is updated with parameters.accessBudget.")
			case t.DP != nil:
				dp := *t.DP
				if e := p.DifferentialPrivacy.Epsilon; e != nil {
					dp.Epsilon = int(*e)
				}
				if n := p.DifferentialPrivacy.UsersNoisePerQuery; n != nil {
					dp.UsersNoise = int(*n)
				}
				if err := checkDPParams("parameters.differentialPrivacy", &dp); err != nil {
					return err
				}
				t.DP = &dp
			default:
				budgets, err := accessBudgetsFromInput("parameters.accessBudget.budgetParameters", p.AccessBudget.BudgetParameters)
				if err != nil {
					return err
				}
				t.Access = &cleanrooms.AccessBudgetParams{ResourceArn: t.Access.ResourceArn, Budgets: budgets}
			}
		}
		t.UpdateTime = s.clock()
		if err := tx.UpdatePrivacyBudgetTemplate(ctx, t); err != nil {
			return err
		}
		out = toPrivacyBudgetTemplate(t)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.UpdatePrivacyBudgetTemplateOutput{PrivacyBudgetTemplate: out}, nil
}

// DeletePrivacyBudgetTemplate deletes a template and its tags, in any
// membership status. Nothing is refunded: the spend ledger outlives it.
func (s *Service) DeletePrivacyBudgetTemplate(ctx context.Context, in *api.DeletePrivacyBudgetTemplateInput) (*api.DeletePrivacyBudgetTemplateOutput, error) {
	caller := callerOf(ctx)
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		_, t, err := budgetTemplateOf(ctx, tx, caller, *in.MembershipIdentifier, *in.PrivacyBudgetTemplateIdentifier)
		if err != nil {
			return err
		}
		if err := tx.DeletePrivacyBudgetTemplate(ctx, t.ID); err != nil {
			return err
		}
		return tx.DeleteTags(ctx, budgetTemplateARN(t))
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.DeletePrivacyBudgetTemplateOutput{}, nil
}
