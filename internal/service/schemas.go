package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// unknownColumnType is the type of a column whose table the catalog does
// not describe (lenient mode, Athena references, a Glue table deleted
// since): Glue's most general type.
const unknownColumnType = "string"

// activeMember checks that the caller is an ACTIVE member of a live
// collaboration of its region; anyone else gets 403 (shared spec 2.5).
func activeMember(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id string) (*cleanrooms.Collaboration, error) {
	w, err := tx.GetCollaborationMember(ctx, id, caller.AccountID)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, collaborationAccessDenied(id)
	}
	if err != nil {
		return nil, err
	}
	return activeIn(w, caller, id)
}

// activeIn is activeMember's check on a collaboration and member row
// already read.
func activeIn(w *cleanrooms.CollaborationWithMember, caller identity.Caller, id string) (*cleanrooms.Collaboration, error) {
	if c := &w.Collaboration; c.Deleted() || c.Region != caller.Region || w.Member.Status != cleanrooms.MemberActive {
		return nil, collaborationAccessDenied(id)
	}
	return &w.Collaboration, nil
}

// hasDifferentialPrivacyTemplate reports whether the collaboration has a
// DIFFERENTIAL_PRIVACY privacy budget template, without which its
// differential privacy tables are NOT_READY.
func hasDifferentialPrivacyTemplate(ctx context.Context, tx cleanrooms.ReadTx, collaborationID string) (bool, error) {
	_, err := tx.PrivacyBudgetTemplateFor(ctx, collaborationID, "")
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// schemaState reads what a schema's status needs beyond its source: the
// rows of the receivers its association rule names, whether a template
// ARN of its custom rule is of this collaboration, and the DP template.
func schemaState(ctx context.Context, tx cleanrooms.ReadTx, collaborationID string, src *cleanrooms.SchemaSource) (statusInput, error) {
	in := statusInput{tableRule: src.TableRule, associationRules: src.AssociationRules, members: map[string]*cleanrooms.Member{}}
	if r := src.TableRule; r != nil {
		for _, ar := range src.AssociationRules {
			if ar.Type != r.Type {
				continue
			}
			for _, acct := range ar.Policy.AllowedResultReceivers {
				m, err := tx.GetMember(ctx, collaborationID, acct)
				if err != nil && !errors.Is(err, cleanrooms.ErrNotFound) {
					return in, err
				}
				in.members[acct] = m
			}
		}
		if c := r.Policy.Custom; c != nil {
			for _, a := range c.AllowedAnalyses {
				ref, ok := parseARN(a)
				if !ok || ref.Type != "membership" || len(ref.Path) != 2 || ref.Path[0] != "analysistemplate" {
					continue
				}
				ms, err := tx.GetMembership(ctx, ref.ID)
				if err != nil && !errors.Is(err, cleanrooms.ErrNotFound) {
					return in, err
				}
				if ms != nil && ms.CollaborationID == collaborationID {
					in.hasTemplate = true
					break
				}
			}
			if c.DifferentialPrivacy != nil {
				var err error
				if in.hasDPTemplate, err = hasDifferentialPrivacyTemplate(ctx, tx, collaborationID); err != nil {
					return in, err
				}
			}
		}
	}
	return in, nil
}

type schemaRead struct {
	src    cleanrooms.SchemaSource
	status []api.SchemaStatusDetail
}

func schemaRuleTypes(src *cleanrooms.SchemaSource) []api.AnalysisRuleType {
	if src.TableRule == nil {
		return []api.AnalysisRuleType{}
	}
	return []api.AnalysisRuleType{api.AnalysisRuleType(src.TableRule.Type)}
}

// columns types the allowed columns from the catalog, read now; allowed
// columns that are partition keys there are the schema's partition keys.
func (s *Service) columns(ctx context.Context, t *cleanrooms.ConfiguredTable) (cols, parts []api.Column, err error) {
	types, partition := map[string]string{}, map[string]bool{}
	switch ref := t.TableReference; {
	case ref.Snowflake != nil:
		for _, c := range ref.Snowflake.TableSchema {
			types[c.ColumnName] = c.ColumnType
		}
	case ref.Glue != nil && s.catalog != nil:
		region := ref.Glue.Region
		if region == "" {
			region = t.Region
		}
		ct, err := s.catalog.LookupTable(ctx, t.AccountID, region, ref.Glue.DatabaseName, ref.Glue.TableName)
		if err != nil && !errors.Is(err, cleanrooms.ErrNotFound) {
			return nil, nil, err
		}
		if ct != nil {
			for _, c := range ct.Columns {
				types[c.Name] = c.Type
			}
			for _, c := range ct.PartitionKeys {
				types[c.Name], partition[c.Name] = c.Type, true
			}
		}
	}
	cols, parts = []api.Column{}, []api.Column{}
	for _, name := range t.AllowedColumns {
		typ, ok := types[name]
		if !ok {
			typ = unknownColumnType
		}
		c := api.Column{Name: str(name), Type: str(typ)}
		if partition[name] {
			parts = append(parts, c)
		} else {
			cols = append(cols, c)
		}
	}
	return cols, parts, nil
}

func (s *Service) toSchema(ctx context.Context, c *cleanrooms.Collaboration, r *schemaRead) (api.Schema, error) {
	a, t := &r.src.Association, &r.src.Table
	cols, parts, err := s.columns(ctx, t)
	if err != nil {
		return api.Schema{}, err
	}
	return api.Schema{
		Name: str(a.Name), Type: api.SchemaTypeTable, Description: str(a.Description),
		CollaborationId: str(c.ID), CollaborationArn: str(collaborationARN(c.Region, c.CreatorAccountID, c.ID)),
		CreatorAccountId: str(a.AccountID), ResourceArn: str(associationARN(a)),
		Columns: cols, PartitionKeys: parts, AnalysisRuleTypes: schemaRuleTypes(&r.src),
		AnalysisMethod:          api.AnalysisMethod(t.AnalysisMethod),
		SelectedAnalysisMethods: strings2[api.SelectedAnalysisMethod](t.SelectedAnalysisMethods),
		SchemaStatusDetails:     r.status, CreateTime: ts(a.CreateTime), UpdateTime: ts(a.UpdateTime),
	}, nil
}

// readSchemas reads the named schemas of a collaboration the caller is an
// ACTIVE member of; missing names are nil entries.
func (s *Service) readSchemas(ctx context.Context, id string, names []string) (*cleanrooms.Collaboration, []*schemaRead, error) {
	if len(names) == 1 {
		return s.readSchema(ctx, id, names[0])
	}
	caller := callerOf(ctx)
	var c *cleanrooms.Collaboration
	out := make([]*schemaRead, len(names))
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		var err error
		if c, err = activeMember(ctx, tx, caller, id); err != nil {
			return err
		}
		for i, name := range names {
			src, err := tx.GetSchemaSource(ctx, id, name)
			if errors.Is(err, cleanrooms.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			st, err := schemaState(ctx, tx, id, src)
			if err != nil {
				return err
			}
			out[i] = &schemaRead{src: *src, status: schemaStatus(st)}
		}
		return nil
	})
	return c, out, err
}

// needsState reports whether a schema's status reads more than its source
// (receivers' rows, template memberships, the DP template).
func needsState(src *cleanrooms.SchemaSource) bool {
	r := src.TableRule
	if r == nil {
		return false
	}
	if r.Policy.Custom != nil {
		return true
	}
	for _, ar := range src.AssociationRules {
		if ar.Type == r.Type && len(ar.Policy.AllowedResultReceivers) > 0 {
			return true
		}
	}
	return false
}

// readSchema is readSchemas for one name, in single-statement reads
// (Store.ViewOne): the schema's source with the caller's member row, in
// one statement when both exist; otherwise the membership check alone
// tells 403 from 404. Then, only when the status needs them, the other
// rows it reads. They are not one snapshot, which is the same as the
// calls arriving one after another.
func (s *Service) readSchema(ctx context.Context, id, name string) (*cleanrooms.Collaboration, []*schemaRead, error) {
	caller := callerOf(ctx)
	var acc *cleanrooms.CollaborationAccess
	var src *cleanrooms.SchemaSource
	err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
		acc, src, err = tx.GetSchemaSourceFor(ctx, id, caller.AccountID, name)
		return err
	})
	if errors.Is(err, cleanrooms.ErrNotFound) {
		var c *cleanrooms.Collaboration
		err = s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
			c, err = activeMember(ctx, tx, caller, id)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		return c, []*schemaRead{nil}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	// activeIn's check on the narrowed rows; the collaboration carries
	// only what the schema answers name (ID, Region, CreatorAccountID).
	if acc.Deleted || acc.Region != caller.Region || acc.MemberStatus != cleanrooms.MemberActive {
		return nil, nil, collaborationAccessDenied(id)
	}
	c := &cleanrooms.Collaboration{ID: acc.CollaborationID, Region: acc.Region, CreatorAccountID: acc.CreatorAccountID}
	st := statusInput{tableRule: src.TableRule, associationRules: src.AssociationRules}
	if needsState(src) {
		err = s.store.View(ctx, func(tx cleanrooms.ReadTx) (err error) {
			st, err = schemaState(ctx, tx, id, src)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return c, []*schemaRead{{src: *src, status: schemaStatus(st)}}, nil
}

func schemaNotFound(collaborationID, name string) error {
	msg := fmt.Sprintf("Schema %s not found in collaboration %s.", name, collaborationID)
	return &api.ResourceNotFoundException{Message: &msg, ResourceId: &name, ResourceType: api.ResourceTypeConfiguredTableAssociation}
}

// GetSchema returns a schema of the collaboration with its status computed
// now.
func (s *Service) GetSchema(ctx context.Context, in *api.GetSchemaInput) (*api.GetSchemaOutput, error) {
	c, reads, err := s.readSchemas(ctx, *in.CollaborationIdentifier, []string{*in.Name})
	if err != nil {
		return nil, storeError(err)
	}
	if reads[0] == nil {
		return nil, schemaNotFound(c.ID, *in.Name)
	}
	sc, err := s.toSchema(ctx, c, reads[0])
	if err != nil {
		return nil, storeError(err)
	}
	return &api.GetSchemaOutput{Schema: &sc}, nil
}

// BatchGetSchema returns the schemas found and an error entry for each
// name that is not.
func (s *Service) BatchGetSchema(ctx context.Context, in *api.BatchGetSchemaInput) (*api.BatchGetSchemaOutput, error) {
	c, reads, err := s.readSchemas(ctx, *in.CollaborationIdentifier, in.Names)
	if err != nil {
		return nil, storeError(err)
	}
	out := &api.BatchGetSchemaOutput{Schemas: []api.Schema{}, Errors: []api.BatchGetSchemaError{}}
	for i, r := range reads {
		if r == nil {
			out.Errors = append(out.Errors, api.BatchGetSchemaError{Name: str(in.Names[i]), Code: str("ResourceNotFoundException"),
				Message: str(fmt.Sprintf("Schema %s not found in collaboration %s.", in.Names[i], c.ID))})
			continue
		}
		sc, err := s.toSchema(ctx, c, r)
		if err != nil {
			return nil, storeError(err)
		}
		out.Schemas = append(out.Schemas, sc)
	}
	return out, nil
}

// ListSchemas lists the collaboration's schemas (only TABLE schemas exist
// here; ID_MAPPING_TABLE lists none).
func (s *Service) ListSchemas(ctx context.Context, in *api.ListSchemasInput) (*api.ListSchemasOutput, error) {
	caller := callerOf(ctx)
	id := *in.CollaborationIdentifier
	filter := id + "|" + string(in.SchemaType)
	cursor, err := decodeToken(in.NextToken, "ListSchemas", caller.AccountID, filter)
	if err != nil {
		return nil, err
	}
	out := &api.ListSchemasOutput{SchemaSummaries: []api.SchemaSummary{}}
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		c, err := activeMember(ctx, tx, caller, id)
		if err != nil {
			return err
		}
		if in.SchemaType == api.SchemaTypeIdMappingTable {
			return nil
		}
		items, next, err := tx.ListSchemaSources(ctx, id, page(in.MaxResults, cursor))
		if err != nil {
			return err
		}
		for i := range items {
			a, t := &items[i].Association, &items[i].Table
			out.SchemaSummaries = append(out.SchemaSummaries, api.SchemaSummary{
				Name: str(a.Name), Type: api.SchemaTypeTable, CreatorAccountId: str(a.AccountID),
				CollaborationId: str(c.ID), CollaborationArn: str(collaborationARN(c.Region, c.CreatorAccountID, c.ID)),
				ResourceArn: str(associationARN(a)), AnalysisRuleTypes: schemaRuleTypes(&items[i]),
				AnalysisMethod:          api.AnalysisMethod(t.AnalysisMethod),
				SelectedAnalysisMethods: strings2[api.SelectedAnalysisMethod](t.SelectedAnalysisMethods),
				CreateTime:              ts(a.CreateTime), UpdateTime: ts(a.UpdateTime),
			})
		}
		out.NextToken = encodeToken("ListSchemas", caller.AccountID, filter, next)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// toSchemaRule is the table's rule as members see it: the policy, the
// association's rule of that type and the two merged.
func toSchemaRule(c *cleanrooms.Collaboration, r *schemaRead) api.AnalysisRule {
	tr := r.src.TableRule
	v1 := recode[api.AnalysisRulePolicyV1](tr.Policy)
	out := api.AnalysisRule{
		CollaborationId: str(c.ID), Name: str(r.src.Association.Name), Type: api.AnalysisRuleType(tr.Type),
		Policy: &api.AnalysisRulePolicy{V1: &v1}, CreateTime: ts(tr.CreateTime), UpdateTime: ts(tr.UpdateTime),
	}
	var ap cleanrooms.AssociationPolicy
	for _, ar := range r.src.AssociationRules {
		if ar.Type == tr.Type {
			ap = ar.Policy
			out.CollaborationPolicy = toAssociationPolicy(ar.Type, ar.Policy)
		}
	}
	cv1 := recode[api.ConsolidatedPolicyV1](tr.Policy)
	switch {
	case cv1.Aggregation != nil:
		cv1.Aggregation.AllowedResultReceivers, cv1.Aggregation.AllowedAdditionalAnalyses = ap.AllowedResultReceivers, ap.AllowedAdditionalAnalyses
	case cv1.List != nil:
		cv1.List.AllowedResultReceivers, cv1.List.AllowedAdditionalAnalyses = ap.AllowedResultReceivers, ap.AllowedAdditionalAnalyses
	case cv1.Custom != nil:
		cv1.Custom.AllowedResultReceivers, cv1.Custom.AllowedAdditionalAnalyses = ap.AllowedResultReceivers, ap.AllowedAdditionalAnalyses
	}
	out.ConsolidatedPolicy = &api.ConsolidatedPolicy{V1: &cv1}
	return out
}

func schemaRuleMissing(name string, typ api.AnalysisRuleType) string {
	return fmt.Sprintf("Schema %s has no %s analysis rule.", name, typ)
}

// GetSchemaAnalysisRule returns the analysis rule of a schema.
func (s *Service) GetSchemaAnalysisRule(ctx context.Context, in *api.GetSchemaAnalysisRuleInput) (*api.GetSchemaAnalysisRuleOutput, error) {
	c, reads, err := s.readSchemas(ctx, *in.CollaborationIdentifier, []string{*in.Name})
	if err != nil {
		return nil, storeError(err)
	}
	r := reads[0]
	if r == nil {
		return nil, schemaNotFound(c.ID, *in.Name)
	}
	if r.src.TableRule == nil || r.src.TableRule.Type != string(in.Type) {
		msg := schemaRuleMissing(*in.Name, in.Type)
		return nil, &api.ResourceNotFoundException{Message: &msg, ResourceId: in.Name, ResourceType: api.ResourceTypeConfiguredTableAssociation}
	}
	rule := toSchemaRule(c, r)
	return &api.GetSchemaAnalysisRuleOutput{AnalysisRule: &rule}, nil
}

// BatchGetSchemaAnalysisRule returns the rules found and an error entry for
// each request that names no rule.
func (s *Service) BatchGetSchemaAnalysisRule(ctx context.Context, in *api.BatchGetSchemaAnalysisRuleInput) (*api.BatchGetSchemaAnalysisRuleOutput, error) {
	names := make([]string, len(in.SchemaAnalysisRuleRequests))
	for i, r := range in.SchemaAnalysisRuleRequests {
		names[i] = *r.Name
	}
	c, reads, err := s.readSchemas(ctx, *in.CollaborationIdentifier, names)
	if err != nil {
		return nil, storeError(err)
	}
	out := &api.BatchGetSchemaAnalysisRuleOutput{AnalysisRules: []api.AnalysisRule{}, Errors: []api.BatchGetSchemaAnalysisRuleError{}}
	for i, req := range in.SchemaAnalysisRuleRequests {
		r := reads[i]
		if r == nil || r.src.TableRule == nil || r.src.TableRule.Type != string(req.Type) {
			msg := schemaRuleMissing(names[i], req.Type)
			if r == nil {
				msg = fmt.Sprintf("Schema %s not found in collaboration %s.", names[i], c.ID)
			}
			out.Errors = append(out.Errors, api.BatchGetSchemaAnalysisRuleError{Name: str(names[i]), Type: req.Type,
				Code: str("ResourceNotFoundException"), Message: str(msg)})
			continue
		}
		out.AnalysisRules = append(out.AnalysisRules, toSchemaRule(c, r))
	}
	return out, nil
}

// schemaNamesMissing returns which of names are not schema names of the
// collaboration (the seam analysis templates check their tables with).
func schemaNamesMissing(ctx context.Context, tx cleanrooms.ReadTx, collaborationID string, names []string) ([]string, error) {
	var missing []string
	for _, n := range names {
		_, err := tx.GetSchemaSource(ctx, collaborationID, strings.TrimSpace(n))
		if errors.Is(err, cleanrooms.ErrNotFound) {
			missing = append(missing, n)
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	return missing, nil
}
