package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// policyType is the rule type named by the policy member that is set (the
// validators have checked that exactly one is).
func policyType(p *api.ConfiguredTableAnalysisRulePolicyV1) string {
	switch {
	case p.Aggregation != nil:
		return cleanrooms.RuleAggregation
	case p.List != nil:
		return cleanrooms.RuleList
	}
	return cleanrooms.RuleCustom
}

// checkPolicyColumns: every column a policy names is an allowed column of
// the table (dataplane 1.3).
func checkPolicyColumns(p *cleanrooms.TablePolicy, allowed []string) error {
	ok := func(field string, cols ...string) error {
		for _, c := range cols {
			if !slices.Contains(allowed, c) {
				return invalid(field, fmt.Sprintf("Column %q in %s is not an allowed column of the configured table.", c, field))
			}
		}
		return nil
	}
	var errs []error
	switch {
	case p.Aggregation != nil:
		a := p.Aggregation
		for _, c := range a.AggregateColumns {
			errs = append(errs, ok("analysisRulePolicy.v1.aggregation.aggregateColumns", c.ColumnNames...))
		}
		errs = append(errs, ok("analysisRulePolicy.v1.aggregation.joinColumns", a.JoinColumns...),
			ok("analysisRulePolicy.v1.aggregation.dimensionColumns", a.DimensionColumns...))
		for _, c := range a.OutputConstraints {
			errs = append(errs, ok("analysisRulePolicy.v1.aggregation.outputConstraints", c.ColumnName))
		}
	case p.List != nil:
		errs = append(errs, ok("analysisRulePolicy.v1.list.joinColumns", p.List.JoinColumns...),
			ok("analysisRulePolicy.v1.list.listColumns", p.List.ListColumns...))
	case p.Custom != nil:
		errs = append(errs, ok("analysisRulePolicy.v1.custom.disallowedOutputColumns", p.Custom.DisallowedOutputColumns...))
		if dp := p.Custom.DifferentialPrivacy; dp != nil {
			for _, c := range dp.Columns {
				errs = append(errs, ok("analysisRulePolicy.v1.custom.differentialPrivacy.columns", c.Name))
			}
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkTablePolicy applies dataplane 1.3's rules to a policy of ruleType.
func checkTablePolicy(t *cleanrooms.ConfiguredTable, ruleType string, in *api.ConfiguredTableAnalysisRulePolicy) (cleanrooms.TablePolicy, error) {
	v1 := in.V1
	if got := policyType(v1); got != ruleType {
		return cleanrooms.TablePolicy{}, invalid("analysisRulePolicy.v1", fmt.Sprintf("The policy is a %s policy but analysisRuleType is %s.", got, ruleType))
	}
	p := recode[cleanrooms.TablePolicy](v1)
	if err := checkPolicyColumns(&p, t.AllowedColumns); err != nil {
		return p, err
	}
	const agg = "analysisRulePolicy.v1.aggregation."
	switch {
	case p.Aggregation != nil:
		a := p.Aggregation
		for _, d := range a.DimensionColumns {
			if slices.Contains(a.JoinColumns, d) || slices.ContainsFunc(a.AggregateColumns, func(c cleanrooms.AggregateColumn) bool { return slices.Contains(c.ColumnNames, d) }) {
				return p, invalid(agg+"dimensionColumns", fmt.Sprintf("Dimension column %q cannot also be a join or aggregate column.", d))
			}
		}
		if len(a.JoinColumns) == 0 && a.JoinRequired != "" {
			return p, invalid(agg+"joinColumns", "joinRequired QUERY_RUNNER needs at least one join column.")
		}
		if len(a.JoinColumns) >= 2 && a.AllowedJoinOperators != nil && len(a.AllowedJoinOperators) == 0 {
			return p, invalid(agg+"allowedJoinOperators", "With two or more join columns at least one join operator must be allowed.")
		}
		if err := noDuplicates(agg+"scalarFunctions", a.ScalarFunctions); err != nil {
			return p, err
		}
		if err := noDuplicates(agg+"allowedJoinOperators", a.AllowedJoinOperators); err != nil {
			return p, err
		}
	case p.List != nil:
		if err := noDuplicates("analysisRulePolicy.v1.list.allowedJoinOperators", p.List.AllowedJoinOperators); err != nil {
			return p, err
		}
	case p.Custom != nil:
		for _, a := range p.Custom.AllowedAnalyses {
			if a == "ANY_JOB" && t.AnalysisMethod == string(api.AnalysisMethodDirectQuery) {
				return p, invalid("analysisRulePolicy.v1.custom.allowedAnalyses", "ANY_JOB needs a configured table whose analysisMethod is DIRECT_JOB or MULTIPLE.")
			}
		}
		if err := noDuplicates("analysisRulePolicy.v1.custom.allowedAnalyses", p.Custom.AllowedAnalyses); err != nil {
			return p, err
		}
	}
	if b, _ := jsonSize(p); b > 100*1024 {
		return p, invalid("analysisRulePolicy", "An analysis rule can be at most 100 KB.")
	}
	return p, nil
}

func jsonSize(v any) (int, error) {
	b, err := json.Marshal(v)
	return len(b), err
}

func toTableRule(t *cleanrooms.ConfiguredTable, r *cleanrooms.TableAnalysisRule) *api.ConfiguredTableAnalysisRule {
	v1 := recode[api.ConfiguredTableAnalysisRulePolicyV1](r.Policy)
	return &api.ConfiguredTableAnalysisRule{
		ConfiguredTableId: str(t.ID), ConfiguredTableArn: str(tableARN(t)),
		Policy: &api.ConfiguredTableAnalysisRulePolicy{V1: &v1}, Type: api.ConfiguredTableAnalysisRuleType(r.Type),
		CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime),
	}
}

// ruleNotFound: a rule has no resource type of its own; its table's is
// sent (terraform and CloudFormation read a 404 as "no such rule").
func ruleNotFound(tableID, ruleType string) error {
	msg := fmt.Sprintf("Configured table %s has no %s analysis rule.", tableID, ruleType)
	return &api.ResourceNotFoundException{Message: &msg, ResourceId: &tableID, ResourceType: api.ResourceTypeConfiguredTable}
}

// ownTableRule loads the caller's table and its rule of ruleType.
func ownTableRule(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id, ruleType string) (*cleanrooms.ConfiguredTable, *cleanrooms.TableAnalysisRule, error) {
	t, err := ownTable(ctx, tx, caller, id)
	if err != nil {
		return nil, nil, err
	}
	if t.RuleType != ruleType {
		return nil, nil, ruleNotFound(id, ruleType)
	}
	r, err := tx.GetTableAnalysisRule(ctx, id)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, nil, ruleNotFound(id, ruleType)
	}
	return t, r, err
}

// CreateConfiguredTableAnalysisRule adds the table's one rule.
func (s *Service) CreateConfiguredTableAnalysisRule(ctx context.Context, in *api.CreateConfiguredTableAnalysisRuleInput) (*api.CreateConfiguredTableAnalysisRuleOutput, error) {
	caller := callerOf(ctx)
	var out *api.ConfiguredTableAnalysisRule
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		t, err := ownTable(ctx, tx, caller, *in.ConfiguredTableIdentifier)
		if err != nil {
			return err
		}
		p, err := checkTablePolicy(t, string(in.AnalysisRuleType), in.AnalysisRulePolicy)
		if err != nil {
			return err
		}
		if t.RuleType != "" {
			return conflict(api.ConflictExceptionReasonAlreadyExists, api.ResourceTypeConfiguredTable, t.ID,
				fmt.Sprintf("Configured table %s already has a %s analysis rule.", t.ID, t.RuleType))
		}
		now := s.clock()
		r := &cleanrooms.TableAnalysisRule{ConfiguredTableID: t.ID, Type: string(in.AnalysisRuleType), Policy: p, CreateTime: now, UpdateTime: now}
		if err := tx.InsertTableAnalysisRule(ctx, r); err != nil {
			if errors.Is(err, cleanrooms.ErrConflict) {
				return conflict(api.ConflictExceptionReasonAlreadyExists, api.ResourceTypeConfiguredTable, t.ID,
					fmt.Sprintf("Configured table %s already has an analysis rule.", t.ID))
			}
			return err
		}
		out = toTableRule(t, r)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.CreateConfiguredTableAnalysisRuleOutput{AnalysisRule: out}, nil
}

// GetConfiguredTableAnalysisRule returns the table's rule of that type.
func (s *Service) GetConfiguredTableAnalysisRule(ctx context.Context, in *api.GetConfiguredTableAnalysisRuleInput) (*api.GetConfiguredTableAnalysisRuleOutput, error) {
	caller := callerOf(ctx)
	var out *api.ConfiguredTableAnalysisRule
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		t, r, err := ownTableRule(ctx, tx, caller, *in.ConfiguredTableIdentifier, string(in.AnalysisRuleType))
		if err != nil {
			return err
		}
		out = toTableRule(t, r)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.GetConfiguredTableAnalysisRuleOutput{AnalysisRule: out}, nil
}

// UpdateConfiguredTableAnalysisRule replaces the policy of the rule.
func (s *Service) UpdateConfiguredTableAnalysisRule(ctx context.Context, in *api.UpdateConfiguredTableAnalysisRuleInput) (*api.UpdateConfiguredTableAnalysisRuleOutput, error) {
	caller := callerOf(ctx)
	var out *api.ConfiguredTableAnalysisRule
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		t, r, err := ownTableRule(ctx, tx, caller, *in.ConfiguredTableIdentifier, string(in.AnalysisRuleType))
		if err != nil {
			return err
		}
		p, err := checkTablePolicy(t, r.Type, in.AnalysisRulePolicy)
		if err != nil {
			return err
		}
		r.Policy, r.UpdateTime = p, s.clock()
		if err := tx.UpdateTableAnalysisRule(ctx, r); err != nil {
			return err
		}
		out = toTableRule(t, r)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.UpdateConfiguredTableAnalysisRuleOutput{AnalysisRule: out}, nil
}

// DeleteConfiguredTableAnalysisRule deletes the rule, also while the table
// is associated (CloudFormation replaces rules by delete-then-create); the
// schemas of its associations are NOT_READY until a rule exists again.
func (s *Service) DeleteConfiguredTableAnalysisRule(ctx context.Context, in *api.DeleteConfiguredTableAnalysisRuleInput) (*api.DeleteConfiguredTableAnalysisRuleOutput, error) {
	caller := callerOf(ctx)
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		t, _, err := ownTableRule(ctx, tx, caller, *in.ConfiguredTableIdentifier, string(in.AnalysisRuleType))
		if err != nil {
			return err
		}
		return tx.DeleteTableAnalysisRule(ctx, t.ID)
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.DeleteConfiguredTableAnalysisRuleOutput{}, nil
}
