package service

import (
	"context"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// The collaboration views of analysis templates: every ACTIVE member of
// the collaboration reads every template of it, with its full source
// (table owners read the SQL before they allow it), the creator's account
// and no membership ids. Anyone else gets AccessDenied, whether or not the
// collaboration exists (shared spec 2.5). Templates of a member that was
// removed stay listed: they are part of the collaboration's history and
// analysis rules may still name them.

// activeCollaboration loads a collaboration whose ACTIVE member the caller
// is; INVITED is not enough (dataplane spec 1.10).
func activeCollaboration(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id string) (*cleanrooms.Collaboration, error) {
	c, m, err := visibleCollaboration(ctx, tx, caller, id)
	if err != nil {
		return nil, err
	}
	if m.Status != cleanrooms.MemberActive {
		return nil, collaborationAccessDenied(id)
	}
	return c, nil
}

// templateIDOf returns the template id of a template ARN, "" if arn is not
// one (the model's pattern has checked its form).
func templateIDOf(arn string) string {
	ref, ok := parseARN(arn)
	if !ok || ref.Type != "membership" || len(ref.Path) != 2 || ref.Path[0] != "analysistemplate" {
		return ""
	}
	return ref.Path[1]
}

// inCollaboration: t is the template arn names, in collaboration c.
func inCollaboration(t *cleanrooms.AnalysisTemplate, c *cleanrooms.Collaboration, arn string) bool {
	return t.CollaborationID == c.ID && templateARN(t) == arn
}

// GetCollaborationAnalysisTemplate reads a template by its ARN.
func (s *Service) GetCollaborationAnalysisTemplate(ctx context.Context, in *api.GetCollaborationAnalysisTemplateInput) (*api.GetCollaborationAnalysisTemplateOutput, error) {
	caller := callerOf(ctx)
	arn := *in.AnalysisTemplateArn
	var out *api.CollaborationAnalysisTemplate
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		c, err := activeCollaboration(ctx, tx, caller, *in.CollaborationIdentifier)
		if err != nil {
			return err
		}
		ts, err := tx.GetAnalysisTemplates(ctx, []string{templateIDOf(arn)})
		if err != nil {
			return err
		}
		if len(ts) == 0 || !inCollaboration(&ts[0], c, arn) {
			return templateNotFound(arn)
		}
		out = toCollaborationAnalysisTemplate(&ts[0], c)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.GetCollaborationAnalysisTemplateOutput{CollaborationAnalysisTemplate: out}, nil
}

// BatchGetCollaborationAnalysisTemplate reads up to 10 templates by ARN;
// an ARN that names no template of the collaboration is an entry of errors
// (code ResourceNotFoundException), not a failure of the call. An ARN
// given twice is answered once.
func (s *Service) BatchGetCollaborationAnalysisTemplate(ctx context.Context, in *api.BatchGetCollaborationAnalysisTemplateInput) (*api.BatchGetCollaborationAnalysisTemplateOutput, error) {
	caller := callerOf(ctx)
	out := &api.BatchGetCollaborationAnalysisTemplateOutput{
		CollaborationAnalysisTemplates: []api.CollaborationAnalysisTemplate{},
		Errors:                         []api.BatchGetCollaborationAnalysisTemplateError{},
	}
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		c, err := activeCollaboration(ctx, tx, caller, *in.CollaborationIdentifier)
		if err != nil {
			return err
		}
		var ids []string
		for _, arn := range in.AnalysisTemplateArns {
			if id := templateIDOf(arn); id != "" {
				ids = append(ids, id)
			}
		}
		ts, err := tx.GetAnalysisTemplates(ctx, ids)
		if err != nil {
			return err
		}
		byID := make(map[string]*cleanrooms.AnalysisTemplate, len(ts))
		for i := range ts {
			byID[ts[i].ID] = &ts[i]
		}
		seen := map[string]bool{}
		for _, arn := range in.AnalysisTemplateArns {
			if seen[arn] {
				continue
			}
			seen[arn] = true
			if t := byID[templateIDOf(arn)]; t != nil && inCollaboration(t, c, arn) {
				out.CollaborationAnalysisTemplates = append(out.CollaborationAnalysisTemplates, *toCollaborationAnalysisTemplate(t, c))
				continue
			}
			out.Errors = append(out.Errors, api.BatchGetCollaborationAnalysisTemplateError{
				Arn: str(arn), Code: str("ResourceNotFoundException"),
				Message: str(fmt.Sprintf("Analysis template %s not found in collaboration %s.", arn, c.ID)),
			})
		}
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// ListCollaborationAnalysisTemplates lists the collaboration's templates
// in creation order.
func (s *Service) ListCollaborationAnalysisTemplates(ctx context.Context, in *api.ListCollaborationAnalysisTemplatesInput) (*api.ListCollaborationAnalysisTemplatesOutput, error) {
	caller := callerOf(ctx)
	id := *in.CollaborationIdentifier
	cursor, err := decodeToken(in.NextToken, "ListCollaborationAnalysisTemplates", caller.AccountID, id)
	if err != nil {
		return nil, err
	}
	out := &api.ListCollaborationAnalysisTemplatesOutput{CollaborationAnalysisTemplateSummaries: []api.CollaborationAnalysisTemplateSummary{}}
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		c, err := activeCollaboration(ctx, tx, caller, id)
		if err != nil {
			return err
		}
		items, next, err := tx.ListCollaborationAnalysisTemplates(ctx, id, page(in.MaxResults, cursor))
		if err != nil {
			return err
		}
		for i := range items {
			out.CollaborationAnalysisTemplateSummaries = append(out.CollaborationAnalysisTemplateSummaries, toCollaborationTemplateSummary(&items[i], c))
		}
		out.NextToken = encodeToken("ListCollaborationAnalysisTemplates", caller.AccountID, id, next)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// Conversions.

func toAnalysisSource(t *cleanrooms.AnalysisTemplate) *api.AnalysisSource {
	if t.Text != nil {
		return &api.AnalysisSource{Text: str(*t.Text)}
	}
	src := &api.AnalysisSource{}
	if a := t.Artifacts; a != nil {
		src.Artifacts = &api.AnalysisTemplateArtifacts{EntryPoint: toArtifact(a.EntryPoint), RoleArn: str(a.RoleArn)}
		for _, x := range a.AdditionalArtifacts {
			src.Artifacts.AdditionalArtifacts = append(src.Artifacts.AdditionalArtifacts, *toArtifact(x))
		}
	}
	return src
}

func toArtifact(l cleanrooms.S3Location) *api.AnalysisTemplateArtifact {
	return &api.AnalysisTemplateArtifact{Location: &api.S3Location{Bucket: str(l.Bucket), Key: str(l.Key)}}
}

func toSourceMetadata(h *cleanrooms.TemplateArtifactHashes) *api.AnalysisSourceMetadata {
	if h == nil {
		return nil
	}
	m := &api.AnalysisTemplateArtifactMetadata{EntryPointHash: &api.Hash{Sha256: optStr(h.EntryPoint)}}
	for _, x := range h.Additional {
		m.AdditionalArtifactHashes = append(m.AdditionalArtifactHashes, api.Hash{Sha256: optStr(x)})
	}
	return &api.AnalysisSourceMetadata{Artifacts: m}
}

func toParameters(ps []cleanrooms.TemplateParameter) []api.AnalysisParameter {
	if ps == nil {
		return nil
	}
	out := make([]api.AnalysisParameter, len(ps))
	for i, p := range ps {
		out[i] = api.AnalysisParameter{Name: str(p.Name), Type: api.ParameterType(p.Type), DefaultValue: p.DefaultValue}
	}
	return out
}

func toErrorMessageConfiguration(typ string) *api.ErrorMessageConfiguration {
	if typ == "" {
		return nil
	}
	return &api.ErrorMessageConfiguration{Type: api.ErrorMessageType(typ)}
}

func fromSyntheticData(p *api.SyntheticDataParameters) *cleanrooms.SyntheticDataParams {
	if p == nil || p.MlSyntheticDataParameters == nil {
		return nil
	}
	ml := p.MlSyntheticDataParameters
	out := &cleanrooms.SyntheticDataParams{Epsilon: *ml.Epsilon, MaxMembershipInferenceAttackScore: *ml.MaxMembershipInferenceAttackScore,
		ColumnMapping: []cleanrooms.SyntheticDataColumn{}}
	for _, c := range ml.ColumnClassification.ColumnMapping {
		out.ColumnMapping = append(out.ColumnMapping, cleanrooms.SyntheticDataColumn{
			ColumnName: *c.ColumnName, ColumnType: string(c.ColumnType), IsPredictiveValue: *c.IsPredictiveValue})
	}
	return out
}

func toSyntheticData(p *cleanrooms.SyntheticDataParams) *api.SyntheticDataParameters {
	if p == nil {
		return nil
	}
	cols := make([]api.SyntheticDataColumnProperties, len(p.ColumnMapping))
	for i, c := range p.ColumnMapping {
		cols[i] = api.SyntheticDataColumnProperties{ColumnName: str(c.ColumnName), ColumnType: api.SyntheticDataColumnType(c.ColumnType),
			IsPredictiveValue: boolPtr(c.IsPredictiveValue)}
	}
	eps, score := p.Epsilon, p.MaxMembershipInferenceAttackScore
	return &api.SyntheticDataParameters{MlSyntheticDataParameters: &api.MLSyntheticDataParameters{
		Epsilon: &eps, MaxMembershipInferenceAttackScore: &score,
		ColumnClassification: &api.ColumnClassificationDetails{ColumnMapping: cols},
	}}
}

func toSchema(t *cleanrooms.AnalysisTemplate) *api.AnalysisSchema {
	tables := t.ReferencedTables
	if tables == nil {
		tables = []string{}
	}
	return &api.AnalysisSchema{ReferencedTables: tables}
}

// toAnalysisTemplate is the owner's view. validations (DIFFERENTIAL_PRIVACY)
// are only reported when a referenced table has a differential privacy
// policy, which cannot be configured yet: they are omitted.
func toAnalysisTemplate(t *cleanrooms.AnalysisTemplate) *api.AnalysisTemplate {
	return &api.AnalysisTemplate{
		Id: str(t.ID), Arn: str(templateARN(t)),
		MembershipId: str(t.MembershipID), MembershipArn: str(membershipARN(t.Region, t.AccountID, t.MembershipID)),
		CollaborationId: str(t.CollaborationID), CollaborationArn: str(collaborationARN(t.Region, t.CollaborationCreatorAccountID, t.CollaborationID)),
		Name: str(t.Name), Description: optStr(t.Description), Format: api.AnalysisFormat(t.Format),
		Source: toAnalysisSource(t), SourceMetadata: toSourceMetadata(t.ArtifactHashes),
		Schema: toSchema(t), AnalysisParameters: toParameters(t.Parameters),
		ErrorMessageConfiguration: toErrorMessageConfiguration(t.ErrorMessageType),
		SyntheticDataParameters:   toSyntheticData(t.SyntheticData),
		CreateTime:                ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
	}
}

func toCollaborationAnalysisTemplate(t *cleanrooms.AnalysisTemplate, c *cleanrooms.Collaboration) *api.CollaborationAnalysisTemplate {
	return &api.CollaborationAnalysisTemplate{
		Id: str(t.ID), Arn: str(templateARN(t)), CreatorAccountId: str(t.AccountID),
		CollaborationId: str(c.ID), CollaborationArn: str(collaborationARN(c.Region, c.CreatorAccountID, c.ID)),
		Name: str(t.Name), Description: optStr(t.Description), Format: api.AnalysisFormat(t.Format),
		Source: toAnalysisSource(t), SourceMetadata: toSourceMetadata(t.ArtifactHashes),
		Schema: toSchema(t), AnalysisParameters: toParameters(t.Parameters),
		ErrorMessageConfiguration: toErrorMessageConfiguration(t.ErrorMessageType),
		SyntheticDataParameters:   toSyntheticData(t.SyntheticData),
		CreateTime:                ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
	}
}

func toCollaborationTemplateSummary(t *cleanrooms.AnalysisTemplate, c *cleanrooms.Collaboration) api.CollaborationAnalysisTemplateSummary {
	return api.CollaborationAnalysisTemplateSummary{
		Id: str(t.ID), Arn: str(templateARN(t)), CreatorAccountId: str(t.AccountID),
		CollaborationId: str(c.ID), CollaborationArn: str(collaborationARN(c.Region, c.CreatorAccountID, c.ID)),
		Name: str(t.Name), Description: optStr(t.Description), IsSyntheticData: boolPtr(t.SyntheticData != nil),
		CreateTime: ts(t.CreateTime), UpdateTime: ts(t.UpdateTime),
	}
}

func toAnalysisTemplateSummary(t *cleanrooms.AnalysisTemplate) api.AnalysisTemplateSummary {
	f := toAnalysisTemplate(t)
	return api.AnalysisTemplateSummary{
		Id: f.Id, Arn: f.Arn, MembershipId: f.MembershipId, MembershipArn: f.MembershipArn,
		CollaborationId: f.CollaborationId, CollaborationArn: f.CollaborationArn,
		Name: f.Name, Description: f.Description, IsSyntheticData: boolPtr(t.SyntheticData != nil),
		CreateTime: f.CreateTime, UpdateTime: f.UpdateTime,
	}
}
