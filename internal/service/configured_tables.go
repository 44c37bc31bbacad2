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

func configuredTableARN(region, account, id string) string {
	return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:configuredtable/%s", region, account, id)
}

func tableARN(t *cleanrooms.ConfiguredTable) string {
	return configuredTableARN(t.Region, t.AccountID, t.ID)
}

// recode maps between a wire shape and a domain record that share their
// JSON form (table references and policies): the domain types carry the
// wire's JSON names, so one encoding round trip converts them.
func recode[T any](v any) T {
	var out T
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		// Both sides are plain structs of strings, numbers and slices.
		panic(fmt.Sprintf("service: recode %T: %v", v, err))
	}
	return out
}

func ruleTypes[T ~string](t string) []T {
	if t == "" {
		return []T{}
	}
	return []T{T(t)}
}

func toConfiguredTable(t *cleanrooms.ConfiguredTable) *api.ConfiguredTable {
	ref := recode[api.TableReference](t.TableReference)
	return &api.ConfiguredTable{
		Id: str(t.ID), Arn: str(tableARN(t)), Name: str(t.Name), Description: optStr(t.Description),
		TableReference: &ref, AllowedColumns: slices.Clone(t.AllowedColumns),
		AnalysisMethod:          api.AnalysisMethod(t.AnalysisMethod),
		SelectedAnalysisMethods: strings2[api.SelectedAnalysisMethod](t.SelectedAnalysisMethods),
		AnalysisRuleTypes:       ruleTypes[api.ConfiguredTableAnalysisRuleType](t.RuleType),
		CreateTime:              ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
	}
}

func toConfiguredTableSummary(t *cleanrooms.ConfiguredTable) api.ConfiguredTableSummary {
	return api.ConfiguredTableSummary{
		Id: str(t.ID), Arn: str(tableARN(t)), Name: str(t.Name),
		AnalysisMethod:          api.AnalysisMethod(t.AnalysisMethod),
		SelectedAnalysisMethods: strings2[api.SelectedAnalysisMethod](t.SelectedAnalysisMethods),
		AnalysisRuleTypes:       ruleTypes[api.ConfiguredTableAnalysisRuleType](t.RuleType),
		CreateTime:              ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
	}
}

// ownTable loads a configured table of the caller. Another account's or an
// unknown table is ResourceNotFound CONFIGURED_TABLE (dataplane 1.10).
func ownTable(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id string) (*cleanrooms.ConfiguredTable, error) {
	t, err := tx.GetConfiguredTable(ctx, id)
	if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && (t.AccountID != caller.AccountID || t.Region != caller.Region)) {
		return nil, notFound(api.ResourceTypeConfiguredTable, id)
	}
	return t, err
}

// checkAnalysisMethods: MULTIPLE needs both methods selected, the other
// methods none but themselves (terraform PR #48143's reading).
func checkAnalysisMethods(method api.AnalysisMethod, selected []api.SelectedAnalysisMethod) error {
	if err := noDuplicates("selectedAnalysisMethods", selected); err != nil {
		return err
	}
	switch {
	case method == api.AnalysisMethodMultiple && len(selected) != 2:
		return invalid("selectedAnalysisMethods", "analysisMethod MULTIPLE needs selectedAnalysisMethods DIRECT_QUERY and DIRECT_JOB.")
	case method != api.AnalysisMethodMultiple && len(selected) > 0 && (len(selected) != 1 || string(selected[0]) != string(method)):
		return invalid("selectedAnalysisMethods", fmt.Sprintf("selectedAnalysisMethods must be [%s] or absent for analysisMethod %s.", method, method))
	}
	return nil
}

// checkTableReference validates a reference against the caller's catalog
// (dataplane 1.2): a glue table must exist in the caller's catalog of its
// region and have every allowed column. It runs outside the store's
// transactions (the catalog reads its own store).
func (s *Service) checkTableReference(ctx context.Context, caller identity.Caller, ref *cleanrooms.TableReference, columns []string) error {
	if err := noDuplicates("allowedColumns", columns); err != nil {
		return err
	}
	switch {
	case ref.Snowflake != nil:
		have := map[string]bool{}
		for _, c := range ref.Snowflake.TableSchema {
			have[c.ColumnName] = true
		}
		for _, c := range columns {
			if !have[c] {
				return invalid("allowedColumns", fmt.Sprintf("Column %q is not in the Snowflake table schema.", c))
			}
		}
		return nil
	case ref.Glue == nil:
		return nil // Athena: stored, validated on shape only.
	}
	g := ref.Glue
	if s.catalog == nil {
		return nil
	}
	region := g.Region
	if region == "" {
		region = caller.Region
	}
	ct, err := s.catalog.LookupTable(ctx, caller.AccountID, region, g.DatabaseName, g.TableName)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		if s.lenient {
			return nil
		}
		return invalid("tableReference.glue", fmt.Sprintf("Glue table %s.%s does not exist in the catalog of account %s in %s.",
			g.DatabaseName, g.TableName, caller.AccountID, region))
	}
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, c := range append(slices.Clone(ct.Columns), ct.PartitionKeys...) {
		have[c.Name] = true
	}
	for _, c := range columns {
		if !have[c] {
			return invalid("allowedColumns", fmt.Sprintf("Column %q does not exist in Glue table %s.%s.", c, g.DatabaseName, g.TableName))
		}
	}
	return nil
}

// CreateConfiguredTable describes a table of the caller's.
func (s *Service) CreateConfiguredTable(ctx context.Context, in *api.CreateConfiguredTableInput) (*api.CreateConfiguredTableOutput, error) {
	caller := callerOf(ctx)
	if err := checkTagKeys("tags", tagKeys(in.Tags)); err != nil {
		return nil, err
	}
	if err := checkAnalysisMethods(in.AnalysisMethod, in.SelectedAnalysisMethods); err != nil {
		return nil, err
	}
	ref := recode[cleanrooms.TableReference](in.TableReference)
	if err := s.checkTableReference(ctx, caller, &ref, in.AllowedColumns); err != nil {
		return nil, err
	}
	now := s.clock()
	t := &cleanrooms.ConfiguredTable{
		ID: s.newID(), AccountID: caller.AccountID, Region: caller.Region,
		Name: *in.Name, Description: deref(in.Description), TableReference: ref,
		AllowedColumns: slices.Clone(in.AllowedColumns), AnalysisMethod: string(in.AnalysisMethod),
		SelectedAnalysisMethods: fromEnums(in.SelectedAnalysisMethods), CreateTime: now, UpdateTime: now,
	}
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		if err := tx.InsertConfiguredTable(ctx, t); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			return tx.TagResource(ctx, tableARN(t), in.Tags)
		}
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.CreateConfiguredTableOutput{ConfiguredTable: toConfiguredTable(t)}, nil
}

// GetConfiguredTable is one joined read (the table and its rule's type).
func (s *Service) GetConfiguredTable(ctx context.Context, in *api.GetConfiguredTableInput) (*api.GetConfiguredTableOutput, error) {
	caller := callerOf(ctx)
	var out *api.ConfiguredTable
	err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		t, err := ownTable(ctx, tx, caller, *in.ConfiguredTableIdentifier)
		if err != nil {
			return err
		}
		out = toConfiguredTable(t)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.GetConfiguredTableOutput{ConfiguredTable: out}, nil
}

// ListConfiguredTables lists the caller's tables of its region.
func (s *Service) ListConfiguredTables(ctx context.Context, in *api.ListConfiguredTablesInput) (*api.ListConfiguredTablesOutput, error) {
	caller := callerOf(ctx)
	cursor, err := decodeToken(in.NextToken, "ListConfiguredTables", caller.AccountID, caller.Region)
	if err != nil {
		return nil, err
	}
	out := &api.ListConfiguredTablesOutput{ConfiguredTableSummaries: []api.ConfiguredTableSummary{}}
	err = s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		items, next, err := tx.ListConfiguredTablesOf(ctx, caller.AccountID, caller.Region, page(in.MaxResults, cursor))
		if err != nil {
			return err
		}
		for i := range items {
			out.ConfiguredTableSummaries = append(out.ConfiguredTableSummaries, toConfiguredTableSummary(&items[i]))
		}
		out.NextToken = encodeToken("ListConfiguredTables", caller.AccountID, caller.Region, next)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// UpdateConfiguredTable changes the fields given. A new reference or new
// allowed columns are checked against the catalog, outside the
// transaction; the transaction then applies the update only if the table
// is still the one checked (else the check runs again).
func (s *Service) UpdateConfiguredTable(ctx context.Context, in *api.UpdateConfiguredTableInput) (*api.UpdateConfiguredTableOutput, error) {
	caller := callerOf(ctx)
	id := *in.ConfiguredTableIdentifier
	for range 3 {
		var cur *cleanrooms.ConfiguredTable
		err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
			cur, err = ownTable(ctx, tx, caller, id)
			return err
		})
		if err != nil {
			return nil, storeError(err)
		}
		next := *cur
		if in.Name != nil {
			next.Name = *in.Name
		}
		if in.Description != nil {
			next.Description = *in.Description
		}
		if in.TableReference != nil {
			next.TableReference = recode[cleanrooms.TableReference](in.TableReference)
		}
		if in.AllowedColumns != nil {
			next.AllowedColumns = slices.Clone(in.AllowedColumns)
		}
		if in.AnalysisMethod != "" {
			next.AnalysisMethod = string(in.AnalysisMethod)
			if in.SelectedAnalysisMethods == nil && in.AnalysisMethod != api.AnalysisMethodMultiple {
				next.SelectedAnalysisMethods = nil
			}
		}
		if in.SelectedAnalysisMethods != nil {
			next.SelectedAnalysisMethods = fromEnums(in.SelectedAnalysisMethods)
		}
		if err := checkAnalysisMethods(api.AnalysisMethod(next.AnalysisMethod), strings2[api.SelectedAnalysisMethod](next.SelectedAnalysisMethods)); err != nil {
			return nil, err
		}
		if in.TableReference != nil || in.AllowedColumns != nil {
			if err := s.checkTableReference(ctx, caller, &next.TableReference, next.AllowedColumns); err != nil {
				return nil, err
			}
		}
		var out *api.ConfiguredTable
		stale := false
		err = s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
			now, err := ownTable(ctx, tx, caller, id)
			if err != nil {
				return err
			}
			if !now.UpdateTime.Equal(cur.UpdateTime) {
				stale = true
				return nil
			}
			if in.AllowedColumns != nil && now.RuleType != "" {
				rule, err := tx.GetTableAnalysisRule(ctx, id)
				if err != nil {
					return err
				}
				if err := checkPolicyColumns(&rule.Policy, next.AllowedColumns); err != nil {
					return err
				}
			}
			next.RuleType, next.UpdateTime = now.RuleType, s.clock()
			if err := tx.UpdateConfiguredTable(ctx, &next); err != nil {
				return err
			}
			out = toConfiguredTable(&next)
			return nil
		})
		if err != nil {
			return nil, storeError(err)
		}
		if !stale {
			return &api.UpdateConfiguredTableOutput{ConfiguredTable: out}, nil
		}
	}
	return nil, storeError(cleanrooms.ErrUnavailable)
}

// DeleteConfiguredTable deletes a table and its rule; an associated table
// is a 409.
func (s *Service) DeleteConfiguredTable(ctx context.Context, in *api.DeleteConfiguredTableInput) (*api.DeleteConfiguredTableOutput, error) {
	caller := callerOf(ctx)
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		t, err := ownTable(ctx, tx, caller, *in.ConfiguredTableIdentifier)
		if err != nil {
			return err
		}
		assoc, err := tx.TableIsAssociated(ctx, t.ID)
		if err != nil {
			return err
		}
		if assoc {
			return conflict(api.ConflictExceptionReasonSubresourcesExist, api.ResourceTypeConfiguredTable, t.ID,
				fmt.Sprintf("Configured table %s is associated to a collaboration; delete its associations first.", t.ID))
		}
		if err := tx.DeleteConfiguredTable(ctx, t.ID); err != nil {
			return err
		}
		return tx.DeleteTags(ctx, tableARN(t))
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.DeleteConfiguredTableOutput{}, nil
}
