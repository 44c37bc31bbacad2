package service

import (
	"context"
	"errors"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The collaboration views of privacy budget templates: every ACTIVE
// member reads every template (with the creator's account, no membership
// ids); anyone else gets AccessDenied.

func toCollaborationPrivacyBudgetTemplate(t *cleanrooms.PrivacyBudgetTemplate) *api.CollaborationPrivacyBudgetTemplate {
	return &api.CollaborationPrivacyBudgetTemplate{
		Id: str(t.ID), Arn: str(budgetTemplateARN(t)), AutoRefresh: api.PrivacyBudgetTemplateAutoRefresh(t.AutoRefresh),
		CollaborationId: str(t.CollaborationID), CollaborationArn: str(collaborationARN(t.Region, t.CollaborationCreatorAccountID, t.CollaborationID)),
		CreatorAccountId: str(t.AccountID), PrivacyBudgetType: api.PrivacyBudgetType(t.Type), Parameters: toBudgetParameters(t),
		CreateTime: ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
	}
}

// GetCollaborationPrivacyBudgetTemplate reads a template by id.
func (s *Service) GetCollaborationPrivacyBudgetTemplate(ctx context.Context, in *api.GetCollaborationPrivacyBudgetTemplateInput) (*api.GetCollaborationPrivacyBudgetTemplateOutput, error) {
	caller := callerOf(ctx)
	id := *in.PrivacyBudgetTemplateIdentifier
	var out *api.CollaborationPrivacyBudgetTemplate
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		c, err := activeCollaboration(ctx, tx, caller, *in.CollaborationIdentifier)
		if err != nil {
			return err
		}
		t, err := tx.GetPrivacyBudgetTemplate(ctx, id)
		if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && t.CollaborationID != c.ID) {
			return budgetTemplateNotFound(id)
		}
		if err != nil {
			return err
		}
		out = toCollaborationPrivacyBudgetTemplate(t)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.GetCollaborationPrivacyBudgetTemplateOutput{CollaborationPrivacyBudgetTemplate: out}, nil
}

// ListCollaborationPrivacyBudgetTemplates lists the collaboration's
// templates in creation order.
func (s *Service) ListCollaborationPrivacyBudgetTemplates(ctx context.Context, in *api.ListCollaborationPrivacyBudgetTemplatesInput) (*api.ListCollaborationPrivacyBudgetTemplatesOutput, error) {
	caller := callerOf(ctx)
	cID := *in.CollaborationIdentifier
	cursor, err := decodeToken(in.NextToken, "ListCollaborationPrivacyBudgetTemplates", caller.AccountID, cID)
	if err != nil {
		return nil, err
	}
	out := &api.ListCollaborationPrivacyBudgetTemplatesOutput{CollaborationPrivacyBudgetTemplateSummaries: []api.CollaborationPrivacyBudgetTemplateSummary{}}
	var items []cleanrooms.PrivacyBudgetTemplate
	var next string
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) (err error) {
		if _, err := activeCollaboration(ctx, tx, caller, cID); err != nil {
			return err
		}
		items, next, err = tx.ListCollaborationPrivacyBudgetTemplates(ctx, cID, page(in.MaxResults, cursor))
		return err
	})
	if err != nil {
		return nil, storeError(err)
	}
	for i := range items {
		t := &items[i]
		out.CollaborationPrivacyBudgetTemplateSummaries = append(out.CollaborationPrivacyBudgetTemplateSummaries, api.CollaborationPrivacyBudgetTemplateSummary{
			Id: str(t.ID), Arn: str(budgetTemplateARN(t)),
			CollaborationId: str(t.CollaborationID), CollaborationArn: str(collaborationARN(t.Region, t.CollaborationCreatorAccountID, t.CollaborationID)),
			CreatorAccountId: str(t.AccountID), PrivacyBudgetType: api.PrivacyBudgetType(t.Type),
			CreateTime: ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
		})
	}
	out.NextToken = encodeToken("ListCollaborationPrivacyBudgetTemplates", caller.AccountID, cID, next)
	return out, nil
}
