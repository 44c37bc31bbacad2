package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

func associationPolicy(in *api.ConfiguredTableAssociationAnalysisRulePolicy) (string, cleanrooms.AssociationPolicy) {
	v1 := in.V1
	switch {
	case v1.Aggregation != nil:
		return cleanrooms.RuleAggregation, recode[cleanrooms.AssociationPolicy](v1.Aggregation)
	case v1.List != nil:
		return cleanrooms.RuleList, recode[cleanrooms.AssociationPolicy](v1.List)
	}
	return cleanrooms.RuleCustom, recode[cleanrooms.AssociationPolicy](v1.Custom)
}

func toAssociationPolicy(typ string, p cleanrooms.AssociationPolicy) *api.ConfiguredTableAssociationAnalysisRulePolicy {
	v1 := &api.ConfiguredTableAssociationAnalysisRulePolicyV1{}
	switch typ {
	case cleanrooms.RuleAggregation:
		v1.Aggregation = &api.ConfiguredTableAssociationAnalysisRuleAggregation{AllowedResultReceivers: p.AllowedResultReceivers, AllowedAdditionalAnalyses: p.AllowedAdditionalAnalyses}
	case cleanrooms.RuleList:
		v1.List = &api.ConfiguredTableAssociationAnalysisRuleList{AllowedResultReceivers: p.AllowedResultReceivers, AllowedAdditionalAnalyses: p.AllowedAdditionalAnalyses}
	default:
		v1.Custom = &api.ConfiguredTableAssociationAnalysisRuleCustom{AllowedResultReceivers: p.AllowedResultReceivers, AllowedAdditionalAnalyses: p.AllowedAdditionalAnalyses}
	}
	return &api.ConfiguredTableAssociationAnalysisRulePolicy{V1: v1}
}

func toAssociationRule(a *cleanrooms.Association, r *cleanrooms.AssociationAnalysisRule) *api.ConfiguredTableAssociationAnalysisRule {
	return &api.ConfiguredTableAssociationAnalysisRule{
		MembershipIdentifier: str(a.MembershipID), ConfiguredTableAssociationId: str(a.ID), ConfiguredTableAssociationArn: str(associationARN(a)),
		Policy: toAssociationPolicy(r.Type, r.Policy), Type: api.ConfiguredTableAssociationAnalysisRuleType(r.Type),
		CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime),
	}
}

func checkAssociationPolicy(ruleType string, in *api.ConfiguredTableAssociationAnalysisRulePolicy) (cleanrooms.AssociationPolicy, error) {
	typ, p := associationPolicy(in)
	if typ != ruleType {
		return p, invalid("analysisRulePolicy.v1", fmt.Sprintf("The policy is a %s policy but analysisRuleType is %s.", typ, ruleType))
	}
	if err := noDuplicates("analysisRulePolicy.v1.allowedResultReceivers", p.AllowedResultReceivers); err != nil {
		return p, err
	}
	return p, nil
}

func associationRuleNotFound(id, typ string) error {
	msg := fmt.Sprintf("Configured table association %s has no %s analysis rule.", id, typ)
	return &api.ResourceNotFoundException{Message: &msg, ResourceId: &id, ResourceType: api.ResourceTypeConfiguredTableAssociation}
}

// CreateConfiguredTableAssociationAnalysisRule adds the association's rule
// of a type (one per type). Its type need not be the table rule's: a
// mismatch shows in the schema status (ANALYSIS_RULE_TYPES_NOT_COMPATIBLE).
func (s *Service) CreateConfiguredTableAssociationAnalysisRule(ctx context.Context, in *api.CreateConfiguredTableAssociationAnalysisRuleInput) (*api.CreateConfiguredTableAssociationAnalysisRuleOutput, error) {
	caller := callerOf(ctx)
	var out *api.ConfiguredTableAssociationAnalysisRule
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		a, err := ownAssociation(ctx, tx, caller, *in.MembershipIdentifier, *in.ConfiguredTableAssociationIdentifier)
		if err != nil {
			return err
		}
		p, err := checkAssociationPolicy(string(in.AnalysisRuleType), in.AnalysisRulePolicy)
		if err != nil {
			return err
		}
		now := s.clock()
		r := &cleanrooms.AssociationAnalysisRule{AssociationID: a.ID, Type: string(in.AnalysisRuleType), Policy: p, CreateTime: now, UpdateTime: now}
		if err := tx.InsertAssociationRule(ctx, r); err != nil {
			if errors.Is(err, cleanrooms.ErrConflict) {
				return conflict(api.ConflictExceptionReasonAlreadyExists, api.ResourceTypeConfiguredTableAssociation, a.ID,
					fmt.Sprintf("Configured table association %s already has a %s analysis rule.", a.ID, r.Type))
			}
			return err
		}
		out = toAssociationRule(a, r)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.CreateConfiguredTableAssociationAnalysisRuleOutput{AnalysisRule: out}, nil
}

func ownAssociationRule(ctx context.Context, tx cleanrooms.ReadTx, s *Service, membershipID, id, typ string) (*cleanrooms.Association, *cleanrooms.AssociationAnalysisRule, error) {
	a, err := ownAssociation(ctx, tx, callerOf(ctx), membershipID, id)
	if err != nil {
		return nil, nil, err
	}
	r, err := tx.GetAssociationRule(ctx, a.ID, typ)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, nil, associationRuleNotFound(a.ID, typ)
	}
	return a, r, err
}

// GetConfiguredTableAssociationAnalysisRule returns the rule of a type.
func (s *Service) GetConfiguredTableAssociationAnalysisRule(ctx context.Context, in *api.GetConfiguredTableAssociationAnalysisRuleInput) (*api.GetConfiguredTableAssociationAnalysisRuleOutput, error) {
	var out *api.ConfiguredTableAssociationAnalysisRule
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		a, r, err := ownAssociationRule(ctx, tx, s, *in.MembershipIdentifier, *in.ConfiguredTableAssociationIdentifier, string(in.AnalysisRuleType))
		if err != nil {
			return err
		}
		out = toAssociationRule(a, r)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.GetConfiguredTableAssociationAnalysisRuleOutput{AnalysisRule: out}, nil
}

// UpdateConfiguredTableAssociationAnalysisRule replaces the policy.
func (s *Service) UpdateConfiguredTableAssociationAnalysisRule(ctx context.Context, in *api.UpdateConfiguredTableAssociationAnalysisRuleInput) (*api.UpdateConfiguredTableAssociationAnalysisRuleOutput, error) {
	var out *api.ConfiguredTableAssociationAnalysisRule
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		a, r, err := ownAssociationRule(ctx, tx, s, *in.MembershipIdentifier, *in.ConfiguredTableAssociationIdentifier, string(in.AnalysisRuleType))
		if err != nil {
			return err
		}
		p, err := checkAssociationPolicy(r.Type, in.AnalysisRulePolicy)
		if err != nil {
			return err
		}
		r.Policy, r.UpdateTime = p, s.clock()
		if err := tx.UpdateAssociationRule(ctx, r); err != nil {
			return err
		}
		out = toAssociationRule(a, r)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.UpdateConfiguredTableAssociationAnalysisRuleOutput{AnalysisRule: out}, nil
}

// DeleteConfiguredTableAssociationAnalysisRule deletes the rule of a type.
func (s *Service) DeleteConfiguredTableAssociationAnalysisRule(ctx context.Context, in *api.DeleteConfiguredTableAssociationAnalysisRuleInput) (*api.DeleteConfiguredTableAssociationAnalysisRuleOutput, error) {
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		a, r, err := ownAssociationRule(ctx, tx, s, *in.MembershipIdentifier, *in.ConfiguredTableAssociationIdentifier, string(in.AnalysisRuleType))
		if err != nil {
			return err
		}
		return tx.DeleteAssociationRule(ctx, a.ID, r.Type)
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.DeleteConfiguredTableAssociationAnalysisRuleOutput{}, nil
}
