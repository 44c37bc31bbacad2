package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

func associationARN(a *cleanrooms.Association) string {
	return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:membership/%s/configuredtableassociation/%s", a.Region, a.AccountID, a.MembershipID, a.ID)
}

func toAssociation(a *cleanrooms.Association) *api.ConfiguredTableAssociation {
	return &api.ConfiguredTableAssociation{
		Id: str(a.ID), Arn: str(associationARN(a)), Name: str(a.Name), Description: optStr(a.Description),
		ConfiguredTableId: str(a.ConfiguredTableID), ConfiguredTableArn: str(configuredTableARN(a.Region, a.AccountID, a.ConfiguredTableID)),
		MembershipId: str(a.MembershipID), MembershipArn: str(membershipARN(a.Region, a.AccountID, a.MembershipID)),
		RoleArn: str(a.RoleArn), AnalysisRuleTypes: strings2[api.ConfiguredTableAssociationAnalysisRuleType](a.RuleTypes),
		CreateTime: ts(a.CreateTime), UpdateTime: ts(a.UpdateTime),
	}
}

// ownAssociation loads an association under one of the caller's
// memberships: an unknown or foreign membership is 404 MEMBERSHIP, an
// association not under it 404 CONFIGURED_TABLE_ASSOCIATION.
func ownAssociation(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, membershipID, id string) (*cleanrooms.Association, error) {
	a, err := tx.GetAssociation(ctx, id)
	if err != nil && !errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, err
	}
	if a == nil || a.MembershipID != membershipID || a.AccountID != caller.AccountID || a.Region != caller.Region {
		if _, _, _, err := ownMembership(ctx, tx, caller, membershipID); err != nil {
			return nil, err
		}
		return nil, notFound(api.ResourceTypeConfiguredTableAssociation, id)
	}
	return a, nil
}

// CreateConfiguredTableAssociation brings one of the caller's tables into
// a collaboration through the caller's ACTIVE membership.
func (s *Service) CreateConfiguredTableAssociation(ctx context.Context, in *api.CreateConfiguredTableAssociationInput) (*api.CreateConfiguredTableAssociationOutput, error) {
	caller := callerOf(ctx)
	if err := checkTagKeys("tags", tagKeys(in.Tags)); err != nil {
		return nil, err
	}
	var out *api.ConfiguredTableAssociation
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		ms, _, _, err := ownMembership(ctx, tx, caller, *in.MembershipIdentifier)
		if err != nil {
			return err
		}
		t, err := ownTable(ctx, tx, caller, *in.ConfiguredTableIdentifier)
		if err != nil {
			return err
		}
		if ms.Status != cleanrooms.MembershipActive {
			return conflict(api.ConflictExceptionReasonInvalidState, api.ResourceTypeMembership, ms.ID,
				fmt.Sprintf("Membership %s is %s; tables can only be associated through an ACTIVE membership.", ms.ID, ms.Status))
		}
		if other, err := tx.GetSchemaSource(ctx, ms.CollaborationID, *in.Name); err == nil {
			return conflict(api.ConflictExceptionReasonAlreadyExists, api.ResourceTypeConfiguredTableAssociation, other.Association.ID,
				fmt.Sprintf("Collaboration %s already has a table named %s.", ms.CollaborationID, other.Association.Name))
		} else if !errors.Is(err, cleanrooms.ErrNotFound) {
			return err
		}
		if other, err := tx.AssociationOfTableIn(ctx, ms.CollaborationID, t.ID); err == nil {
			return conflict(api.ConflictExceptionReasonAlreadyExists, api.ResourceTypeConfiguredTableAssociation, other.ID,
				fmt.Sprintf("Configured table %s is already associated to collaboration %s as %s.", t.ID, ms.CollaborationID, other.Name))
		} else if !errors.Is(err, cleanrooms.ErrNotFound) {
			return err
		}
		now := s.clock()
		a := &cleanrooms.Association{
			ID: s.newID(), AccountID: caller.AccountID, Region: caller.Region, MembershipID: ms.ID, CollaborationID: ms.CollaborationID,
			ConfiguredTableID: t.ID, Name: *in.Name, Description: deref(in.Description), RoleArn: *in.RoleArn,
			CreateTime: now, UpdateTime: now, RuleTypes: []string{},
		}
		if err := tx.InsertAssociation(ctx, a); err != nil {
			if errors.Is(err, cleanrooms.ErrConflict) {
				msg := "A concurrent request associated this name or table in collaboration " + ms.CollaborationID + "."
				return &api.ConflictException{Message: &msg, Reason: api.ConflictExceptionReasonAlreadyExists, ResourceType: api.ResourceTypeConfiguredTableAssociation}
			}
			return err
		}
		if len(in.Tags) > 0 {
			if err := tx.TagResource(ctx, associationARN(a), in.Tags); err != nil {
				return err
			}
		}
		out = toAssociation(a)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.CreateConfiguredTableAssociationOutput{ConfiguredTableAssociation: out}, nil
}

// GetConfiguredTableAssociation returns one association of the caller's
// membership.
func (s *Service) GetConfiguredTableAssociation(ctx context.Context, in *api.GetConfiguredTableAssociationInput) (*api.GetConfiguredTableAssociationOutput, error) {
	caller := callerOf(ctx)
	var out *api.ConfiguredTableAssociation
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		a, err := ownAssociation(ctx, tx, caller, *in.MembershipIdentifier, *in.ConfiguredTableAssociationIdentifier)
		if err != nil {
			return err
		}
		out = toAssociation(a)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.GetConfiguredTableAssociationOutput{ConfiguredTableAssociation: out}, nil
}

// ListConfiguredTableAssociations lists the associations of the caller's
// membership.
func (s *Service) ListConfiguredTableAssociations(ctx context.Context, in *api.ListConfiguredTableAssociationsInput) (*api.ListConfiguredTableAssociationsOutput, error) {
	caller := callerOf(ctx)
	mid := *in.MembershipIdentifier
	cursor, err := decodeToken(in.NextToken, "ListConfiguredTableAssociations", caller.AccountID, mid)
	if err != nil {
		return nil, err
	}
	out := &api.ListConfiguredTableAssociationsOutput{ConfiguredTableAssociationSummaries: []api.ConfiguredTableAssociationSummary{}}
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		if _, _, _, err := ownMembership(ctx, tx, caller, mid); err != nil {
			return err
		}
		items, next, err := tx.ListAssociationsOf(ctx, mid, page(in.MaxResults, cursor))
		if err != nil {
			return err
		}
		for i := range items {
			f := toAssociation(&items[i])
			out.ConfiguredTableAssociationSummaries = append(out.ConfiguredTableAssociationSummaries, api.ConfiguredTableAssociationSummary{
				Id: f.Id, Arn: f.Arn, Name: f.Name, ConfiguredTableId: f.ConfiguredTableId, MembershipId: f.MembershipId,
				MembershipArn: f.MembershipArn, AnalysisRuleTypes: f.AnalysisRuleTypes, CreateTime: f.CreateTime, UpdateTime: f.UpdateTime,
			})
		}
		out.NextToken = encodeToken("ListConfiguredTableAssociations", caller.AccountID, mid, next)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// UpdateConfiguredTableAssociation changes the description or role.
func (s *Service) UpdateConfiguredTableAssociation(ctx context.Context, in *api.UpdateConfiguredTableAssociationInput) (*api.UpdateConfiguredTableAssociationOutput, error) {
	caller := callerOf(ctx)
	var out *api.ConfiguredTableAssociation
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		a, err := ownAssociation(ctx, tx, caller, *in.MembershipIdentifier, *in.ConfiguredTableAssociationIdentifier)
		if err != nil {
			return err
		}
		if in.Description != nil {
			a.Description = *in.Description
		}
		if in.RoleArn != nil {
			a.RoleArn = *in.RoleArn
		}
		a.UpdateTime = s.clock()
		if err := tx.UpdateAssociation(ctx, a); err != nil {
			return err
		}
		out = toAssociation(a)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.UpdateConfiguredTableAssociationOutput{ConfiguredTableAssociation: out}, nil
}

// DeleteConfiguredTableAssociation removes the table from the
// collaboration, with the association's rules and tags.
func (s *Service) DeleteConfiguredTableAssociation(ctx context.Context, in *api.DeleteConfiguredTableAssociationInput) (*api.DeleteConfiguredTableAssociationOutput, error) {
	caller := callerOf(ctx)
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		a, err := ownAssociation(ctx, tx, caller, *in.MembershipIdentifier, *in.ConfiguredTableAssociationIdentifier)
		if err != nil {
			return err
		}
		if err := tx.DeleteAssociation(ctx, a.ID); err != nil {
			return err
		}
		return tx.DeleteTags(ctx, associationARN(a))
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.DeleteConfiguredTableAssociationOutput{}, nil
}
