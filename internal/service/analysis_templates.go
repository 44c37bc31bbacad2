package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/sqlrefs"
)

func analysisTemplateARN(region, account, membershipID, id string) string {
	return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:membership/%s/analysistemplate/%s", region, account, membershipID, id)
}

func templateARN(t *cleanrooms.AnalysisTemplate) string {
	return analysisTemplateARN(t.Region, t.AccountID, t.MembershipID, t.ID)
}

// templateNotFound: the ResourceType enum has no analysis template, so the
// parent type MEMBERSHIP is sent (dataplane spec 1.10), with the template's
// id (or ARN, in the collaboration views).
func templateNotFound(id string) error {
	msg := fmt.Sprintf("Analysis template %s not found.", id)
	return &api.ResourceNotFoundException{Message: &msg, ResourceId: &id, ResourceType: api.ResourceTypeMembership}
}

// checkNoTemplates is DeleteMembership's check that no analysis template
// is left under the membership (shared spec 2.7, AWSCC #3000).
func (s *Service) checkNoTemplates(ctx context.Context, tx cleanrooms.ReadTx, membershipID string) error {
	n, err := tx.CountAnalysisTemplatesOf(ctx, membershipID)
	if err != nil {
		return err
	}
	if n > 0 {
		return conflict(api.ConflictExceptionReasonSubresourcesExist, api.ResourceTypeMembership, membershipID,
			fmt.Sprintf("Membership %s still has %d analysis template(s); delete them first.", membershipID, n))
	}
	return nil
}

// activeMembership is ownMembership for CreateAnalysisTemplate, which
// needs the membership ACTIVE.
func activeMembership(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id string) (*cleanrooms.Membership, *cleanrooms.Collaboration, error) {
	ms, c, _, err := ownMembership(ctx, tx, caller, id)
	if err != nil {
		return nil, nil, err
	}
	if ms.Status != cleanrooms.MembershipActive {
		return nil, nil, conflict(api.ConflictExceptionReasonInvalidState, api.ResourceTypeMembership, ms.ID,
			fmt.Sprintf("Membership %s is %s: its analysis templates can no longer be changed.", ms.ID, ms.Status))
	}
	return ms, c, nil
}

// CreateAnalysisTemplate stores a template under the caller's ACTIVE
// membership. Any ACTIVE member may create one, whatever its abilities
// (dataplane spec 1.7, Q6): data owners review a template before they
// allow it in a custom analysis rule.
func (s *Service) CreateAnalysisTemplate(ctx context.Context, in *api.CreateAnalysisTemplateInput) (*api.CreateAnalysisTemplateOutput, error) {
	caller := callerOf(ctx)
	if err := checkTagKeys("tags", tagKeys(in.Tags)); err != nil {
		return nil, err
	}
	var out *api.AnalysisTemplate
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		ms, c, err := activeMembership(ctx, tx, caller, *in.MembershipIdentifier)
		if err != nil {
			return err
		}
		t, tables, err := templateFromInput(in)
		if err != nil {
			return err
		}
		if len(tables) > 0 {
			missing, err := s.schemaNamesOf(ctx, tx, ms.CollaborationID, tables)
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				return invalid("source.text", fmt.Sprintf("The analysis template references %s, which %s not in collaboration %s.",
					quotedList(missing), plural(len(missing), "is", "are"), ms.CollaborationID))
			}
		}
		// Quotas come after every validation rule (shared spec 4.3).
		n, err := tx.CountAnalysisTemplatesOf(ctx, ms.ID)
		if err != nil {
			return err
		}
		if n >= s.quotas.AnalysisTemplatesPerMembership {
			return quotaExceeded(quotaTemplates, s.quotas.AnalysisTemplatesPerMembership)
		}
		now := s.clock()
		t.ID, t.AccountID, t.Region, t.MembershipID, t.CollaborationID = s.newID(), ms.AccountID, ms.Region, ms.ID, ms.CollaborationID
		t.CollaborationCreatorAccountID = c.CreatorAccountID
		t.CreateTime, t.UpdateTime = now, now
		if err := tx.InsertAnalysisTemplate(ctx, t); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := tx.TagResource(ctx, templateARN(t), in.Tags); err != nil {
				return err
			}
		}
		out = toAnalysisTemplate(t)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.CreateAnalysisTemplateOutput{AnalysisTemplate: out}, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return "table " + strings.Join(q, ", ")
}

// templateFromInput applies the rules on the input alone and returns the
// record (without ids and times) and, for SQL, the tables its text reads.
// schema in the input is ignored: referencedTables is computed here
// (CloudFormation marks Schema read-only).
func templateFromInput(in *api.CreateAnalysisTemplateInput) (*cleanrooms.AnalysisTemplate, []string, error) {
	t := &cleanrooms.AnalysisTemplate{
		Name: *in.Name, Description: deref(in.Description), Format: string(in.Format),
		SyntheticData: fromSyntheticData(in.SyntheticDataParameters),
	}
	if in.ErrorMessageConfiguration != nil {
		t.ErrorMessageType = string(in.ErrorMessageConfiguration.Type)
	}
	if err := noDuplicateParameters(in.AnalysisParameters); err != nil {
		return nil, nil, err
	}
	for i, p := range in.AnalysisParameters {
		if p.DefaultValue != nil {
			if err := checkDefaultValue(p.Type, *p.DefaultValue); err != nil {
				return nil, nil, invalid(fmt.Sprintf("analysisParameters.%d.defaultValue", i),
					fmt.Sprintf("The default value of parameter %s is not a %s: %v", *p.Name, p.Type, err))
			}
		}
		t.Parameters = append(t.Parameters, cleanrooms.TemplateParameter{Name: *p.Name, Type: string(p.Type), DefaultValue: p.DefaultValue})
	}
	if in.AnalysisParameters != nil && t.Parameters == nil {
		t.Parameters = []cleanrooms.TemplateParameter{}
	}
	switch in.Format {
	case api.AnalysisFormatSql:
		if in.Source.Text == nil {
			return nil, nil, invalid("source.text", "An analysis template in the SQL format needs source.text.")
		}
		text := *in.Source.Text
		if strings.ContainsRune(text, 0) {
			return nil, nil, invalid("source.text", "source.text must not contain the NUL character.")
		}
		refs, err := sqlrefs.Analyze(text)
		if err != nil {
			return nil, nil, invalid("source.text", "The SQL of the analysis template cannot be read "+err.Error()+".")
		}
		for _, name := range refs.Parameters {
			if !slices.ContainsFunc(t.Parameters, func(p cleanrooms.TemplateParameter) bool { return p.Name == name }) {
				return nil, nil, invalid("analysisParameters",
					fmt.Sprintf("The SQL uses parameter :%s, which analysisParameters does not declare.", name))
			}
		}
		t.Text = &text
		t.ReferencedTables = refs.Tables
		if t.ReferencedTables == nil {
			t.ReferencedTables = []string{}
		}
		return t, refs.Tables, nil
	case api.AnalysisFormatPyspark10:
		a := in.Source.Artifacts
		if a == nil {
			return nil, nil, invalid("source.artifacts", "An analysis template in the PYSPARK_1_0 format needs source.artifacts.")
		}
		t.Artifacts = &cleanrooms.TemplateArtifacts{EntryPoint: fromS3Location(a.EntryPoint.Location), RoleArn: *a.RoleArn}
		for _, x := range a.AdditionalArtifacts {
			t.Artifacts.AdditionalArtifacts = append(t.Artifacts.AdditionalArtifacts, fromS3Location(x.Location))
		}
		// The artifacts' sha256 hashes (sourceMetadata) need the objects,
		// which this server cannot read yet: they are left out until it
		// can (docs/behavior-decisions.md).
		return t, nil, nil
	}
	return nil, nil, invalid("format", fmt.Sprintf("Unsupported format %s.", in.Format))
}

func fromS3Location(l *api.S3Location) cleanrooms.S3Location {
	return cleanrooms.S3Location{Bucket: *l.Bucket, Key: *l.Key}
}

func noDuplicateParameters(ps []api.AnalysisParameter) error {
	seen := map[string]bool{}
	for i, p := range ps {
		if seen[*p.Name] {
			return invalid(fmt.Sprintf("analysisParameters.%d.name", i), fmt.Sprintf("Parameter %s is declared more than once.", *p.Name))
		}
		seen[*p.Name] = true
	}
	return nil
}

// checkDefaultValue checks the types that are cheap to check: integers
// (with their ranges), floating point and decimal numbers, booleans and
// dates. Other types (strings, binary, times with zones) are taken as
// given; the engine checks them when it binds the value.
func checkDefaultValue(typ api.ParameterType, v string) error {
	intRange := map[api.ParameterType]int{
		api.ParameterTypeTinyint: 8, api.ParameterTypeByte: 8,
		api.ParameterTypeSmallint: 16, api.ParameterTypeShort: 16,
		api.ParameterTypeInteger: 32, api.ParameterTypeInt: 32,
		api.ParameterTypeBigint: 64, api.ParameterTypeLong: 64,
	}
	if bits, ok := intRange[typ]; ok {
		_, err := strconv.ParseInt(strings.TrimSpace(v), 10, bits)
		return err
	}
	switch typ {
	case api.ParameterTypeDecimal, api.ParameterTypeNumeric, api.ParameterTypeReal, api.ParameterTypeDouble,
		api.ParameterTypeDoublePrecision, api.ParameterTypeFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) && (typ == api.ParameterTypeDecimal || typ == api.ParameterTypeNumeric) {
			return fmt.Errorf("%q is not a finite number", v)
		}
		return err
	case api.ParameterTypeBoolean:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "false":
			return nil
		}
		return fmt.Errorf("%q is neither true nor false", v)
	case api.ParameterTypeDate:
		_, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
		return err
	}
	return nil
}

// GetAnalysisTemplate returns a template of one of the caller's
// memberships, in any membership status. The template is one read
// (Store.ViewOne); only a miss reads the membership, to say which of the
// two is unknown.
func (s *Service) GetAnalysisTemplate(ctx context.Context, in *api.GetAnalysisTemplateInput) (*api.GetAnalysisTemplateOutput, error) {
	caller := callerOf(ctx)
	var out *api.AnalysisTemplate
	err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		t, err := tx.GetAnalysisTemplate(ctx, *in.AnalysisTemplateIdentifier)
		if err != nil && !errors.Is(err, cleanrooms.ErrNotFound) {
			return err
		}
		if err == nil && ownTemplate(t, caller, *in.MembershipIdentifier) {
			out = toAnalysisTemplate(t)
		}
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	if out == nil {
		if err := s.checkOwnMembership(ctx, caller, *in.MembershipIdentifier); err != nil {
			return nil, err
		}
		return nil, templateNotFound(*in.AnalysisTemplateIdentifier)
	}
	return &api.GetAnalysisTemplateOutput{AnalysisTemplate: out}, nil
}

// ownTemplate: t is under membership membershipID of the caller.
func ownTemplate(t *cleanrooms.AnalysisTemplate, caller identity.Caller, membershipID string) bool {
	return t.MembershipID == membershipID && t.AccountID == caller.AccountID && t.Region == caller.Region
}

// checkOwnMembership is nil if membershipID is one of the caller's
// memberships, else its 404.
func (s *Service) checkOwnMembership(ctx context.Context, caller identity.Caller, membershipID string) error {
	err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		_, _, _, err := ownMembership(ctx, tx, caller, membershipID)
		return err
	})
	return storeError(err)
}

// ListAnalysisTemplates lists the templates of one of the caller's
// memberships. A non-empty page proves the membership is the caller's
// (every template of a membership is in its account), so only an empty
// page reads the membership too.
func (s *Service) ListAnalysisTemplates(ctx context.Context, in *api.ListAnalysisTemplatesInput) (*api.ListAnalysisTemplatesOutput, error) {
	caller := callerOf(ctx)
	msID := *in.MembershipIdentifier
	cursor, err := decodeToken(in.NextToken, "ListAnalysisTemplates", caller.AccountID, msID)
	if err != nil {
		return nil, err
	}
	out := &api.ListAnalysisTemplatesOutput{AnalysisTemplateSummaries: []api.AnalysisTemplateSummary{}}
	var items []cleanrooms.AnalysisTemplate
	var next string
	err = s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
		items, next, err = tx.ListAnalysisTemplatesOf(ctx, msID, page(in.MaxResults, cursor))
		return err
	})
	if err != nil {
		return nil, storeError(err)
	}
	if len(items) == 0 || !ownTemplate(&items[0], caller, msID) {
		if err := s.checkOwnMembership(ctx, caller, msID); err != nil {
			return nil, err
		}
		if len(items) > 0 { // the membership is the caller's but the templates are not: a broken store
			return nil, fmt.Errorf("service: membership %s lists templates of account %s", msID, items[0].AccountID)
		}
	}
	for i := range items {
		out.AnalysisTemplateSummaries = append(out.AnalysisTemplateSummaries, toAnalysisTemplateSummary(&items[i]))
	}
	out.NextToken = encodeToken("ListAnalysisTemplates", caller.AccountID, msID, next)
	return out, nil
}

// UpdateAnalysisTemplate changes the description, the one mutable field;
// without a description it changes nothing but the update time.
func (s *Service) UpdateAnalysisTemplate(ctx context.Context, in *api.UpdateAnalysisTemplateInput) (*api.UpdateAnalysisTemplateOutput, error) {
	caller := callerOf(ctx)
	var out *api.AnalysisTemplate
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		// Any membership status: the model declares no ConflictException
		// for this operation, and a description is harmless.
		ms, _, _, err := ownMembership(ctx, tx, caller, *in.MembershipIdentifier)
		if err != nil {
			return err
		}
		t, err := s.templateOf(ctx, tx, ms, *in.AnalysisTemplateIdentifier)
		if err != nil {
			return err
		}
		if in.Description != nil {
			t.Description = *in.Description
		}
		t.UpdateTime = s.clock()
		if err := tx.UpdateAnalysisTemplate(ctx, t); err != nil {
			return err
		}
		out = toAnalysisTemplate(t)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.UpdateAnalysisTemplateOutput{AnalysisTemplate: out}, nil
}

// templateOf reads template id of membership ms.
func (s *Service) templateOf(ctx context.Context, tx cleanrooms.ReadTx, ms *cleanrooms.Membership, id string) (*cleanrooms.AnalysisTemplate, error) {
	t, err := tx.GetAnalysisTemplate(ctx, id)
	if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && t.MembershipID != ms.ID) {
		return nil, templateNotFound(id)
	}
	return t, err
}

// DeleteAnalysisTemplate deletes a template and its tags, in any
// membership status (a REMOVED member cleans up before deleting its
// membership).
func (s *Service) DeleteAnalysisTemplate(ctx context.Context, in *api.DeleteAnalysisTemplateInput) (*api.DeleteAnalysisTemplateOutput, error) {
	caller := callerOf(ctx)
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		ms, _, _, err := ownMembership(ctx, tx, caller, *in.MembershipIdentifier)
		if err != nil {
			return err
		}
		t, err := s.templateOf(ctx, tx, ms, *in.AnalysisTemplateIdentifier)
		if err != nil {
			return err
		}
		if err := tx.DeleteAnalysisTemplate(ctx, t.ID); err != nil {
			return err
		}
		return tx.DeleteTags(ctx, templateARN(t))
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.DeleteAnalysisTemplateOutput{}, nil
}
