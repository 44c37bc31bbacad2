package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// The templates here read no table, except where a test wants the "not in
// the collaboration" 400; templates over associated tables are in
// templates_tables_test.go.

// templateWorld is the standard collaboration with A and B joined (C only
// invited, D an outsider).
type templateWorld struct {
	*env
	collabID string
	mA, mB   types.Membership
}

func newTemplateWorld(t *testing.T) *templateWorld {
	t.Helper()
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("templates"))
	w := &templateWorld{env: e, collabID: aws.ToString(c.Id)}
	w.mA = mustJoin(t, e.A, joinInput(w.collabID))
	w.mB = mustJoin(t, e.B, joinInput(w.collabID))
	return w
}

func sqlTemplate(membershipID, name, text string, params ...types.AnalysisParameter) *cleanrooms.CreateAnalysisTemplateInput {
	return &cleanrooms.CreateAnalysisTemplateInput{
		MembershipIdentifier: aws.String(membershipID), Name: aws.String(name), Format: types.AnalysisFormatSql,
		Source: &types.AnalysisSourceMemberText{Value: text}, AnalysisParameters: params,
	}
}

func mustCreateTemplate(t *testing.T, c *cleanrooms.Client, in *cleanrooms.CreateAnalysisTemplateInput) types.AnalysisTemplate {
	t.Helper()
	out, err := c.CreateAnalysisTemplate(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateAnalysisTemplate(%s): %v", aws.ToString(in.Name), err)
	}
	return *out.AnalysisTemplate
}

func templateARN(account, membershipID, id string) string {
	return membershipARN(account, membershipID) + "/analysistemplate/" + id
}

func TestAnalysisTemplateLifecycle(t *testing.T) {
	w := newTemplateWorld(t)
	ctx := t.Context()
	text := "SELECT CAST(:threshold AS INT) + 1 AS v, ':not_a_param' AS s -- FROM nowhere\n"
	in := sqlTemplate(*w.mB.Id, "threshold plus one", text,
		types.AnalysisParameter{Name: aws.String("threshold"), Type: types.ParameterTypeInteger, DefaultValue: aws.String("41")},
		types.AnalysisParameter{Name: aws.String("unused"), Type: types.ParameterTypeVarchar})
	in.Description = aws.String("e2e template")
	in.ErrorMessageConfiguration = &types.ErrorMessageConfiguration{Type: types.ErrorMessageTypeDetailed}
	in.Tags = map[string]string{"team": "data", "empty": ""}
	// schema is computed by the server, whatever the input says.
	in.Schema = &types.AnalysisSchema{ReferencedTables: []string{"made_up"}}
	before := time.Now()
	created := mustCreateTemplate(t, w.B, in)
	after := time.Now()

	checkUUID(t, "id", created.Id)
	id := aws.ToString(created.Id)
	arn := templateARN(acctB, *w.mB.Id, id)
	want := types.AnalysisTemplate{
		Id: created.Id, Arn: aws.String(arn),
		MembershipId: w.mB.Id, MembershipArn: aws.String(membershipARN(acctB, *w.mB.Id)),
		CollaborationId: aws.String(w.collabID), CollaborationArn: aws.String(collabARN(acctA, w.collabID)),
		Name: in.Name, Description: in.Description, Format: types.AnalysisFormatSql,
		Source: &types.AnalysisSourceMemberText{Value: text},
		// No table: the wire carries "schema":{} (an empty optional list
		// is omitted), which the SDK reads as a nil list.
		Schema:                    &types.AnalysisSchema{},
		AnalysisParameters:        in.AnalysisParameters,
		ErrorMessageConfiguration: in.ErrorMessageConfiguration,
		CreateTime:                created.CreateTime, UpdateTime: created.CreateTime,
	}
	if d := diff(want, created); d != "" {
		t.Errorf("created template (-want +got):\n%s", d)
	}
	within(t, "createTime", created.CreateTime, before, after)

	got, err := w.B.GetAnalysisTemplate(ctx, &cleanrooms.GetAnalysisTemplateInput{MembershipIdentifier: w.mB.Id, AnalysisTemplateIdentifier: created.Id})
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(created, *got.AnalysisTemplate); d != "" {
		t.Errorf("GetAnalysisTemplate (-create +get):\n%s", d)
	}
	list, err := w.B.ListAnalysisTemplates(ctx, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: w.mB.Id})
	if err != nil {
		t.Fatal(err)
	}
	wantSummary := types.AnalysisTemplateSummary{Arn: want.Arn, Id: want.Id, MembershipId: want.MembershipId, MembershipArn: want.MembershipArn,
		CollaborationId: want.CollaborationId, CollaborationArn: want.CollaborationArn, Name: want.Name, Description: want.Description,
		CreateTime: created.CreateTime, UpdateTime: created.UpdateTime, IsSyntheticData: no}
	if d := diff([]types.AnalysisTemplateSummary{wantSummary}, list.AnalysisTemplateSummaries); d != "" {
		t.Errorf("ListAnalysisTemplates (-want +got):\n%s", d)
	}

	// Tags: given on create, changed through the ARN.
	tags := func() map[string]string {
		t.Helper()
		out, err := w.B.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("ListTagsForResource(%s): %v", arn, err)
		}
		return out.Tags
	}
	if d := diff(in.Tags, tags()); d != "" {
		t.Errorf("tags after create (-want +got):\n%s", d)
	}
	if _, err := w.B.TagResource(ctx, &cleanrooms.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.B.UntagResource(ctx, &cleanrooms.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"empty"}}); err != nil {
		t.Fatal(err)
	}
	if d := diff(map[string]string{"team": "data", "env": "prod"}, tags()); d != "" {
		t.Errorf("tags after tag and untag (-want +got):\n%s", d)
	}

	// Update changes the description only.
	tick()
	up, err := w.B.UpdateAnalysisTemplate(ctx, &cleanrooms.UpdateAnalysisTemplateInput{MembershipIdentifier: w.mB.Id,
		AnalysisTemplateIdentifier: created.Id, Description: aws.String("changed")})
	if err != nil {
		t.Fatal(err)
	}
	updated := created
	updated.Description, updated.UpdateTime = aws.String("changed"), up.AnalysisTemplate.UpdateTime
	if d := diff(updated, *up.AnalysisTemplate); d != "" {
		t.Errorf("updated template (-want +got):\n%s", d)
	}
	if !up.AnalysisTemplate.UpdateTime.After(*created.UpdateTime) {
		t.Errorf("updateTime %v not after %v", up.AnalysisTemplate.UpdateTime, created.UpdateTime)
	}

	// The other member reads it in the collaboration, source included.
	wantCollab := types.CollaborationAnalysisTemplate{
		Arn: want.Arn, Id: want.Id, CreatorAccountId: aws.String(acctB),
		CollaborationId: want.CollaborationId, CollaborationArn: want.CollaborationArn,
		Name: want.Name, Description: aws.String("changed"), Format: want.Format, Source: want.Source, Schema: want.Schema,
		AnalysisParameters: want.AnalysisParameters, ErrorMessageConfiguration: want.ErrorMessageConfiguration,
		CreateTime: created.CreateTime, UpdateTime: up.AnalysisTemplate.UpdateTime,
	}
	cg, err := w.A.GetCollaborationAnalysisTemplate(ctx, &cleanrooms.GetCollaborationAnalysisTemplateInput{CollaborationIdentifier: aws.String(w.collabID), AnalysisTemplateArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetCollaborationAnalysisTemplate by the other member: %v", err)
	}
	if d := diff(wantCollab, *cg.CollaborationAnalysisTemplate); d != "" {
		t.Errorf("collaboration view (-want +got):\n%s", d)
	}
	cl, err := w.A.ListCollaborationAnalysisTemplates(ctx, &cleanrooms.ListCollaborationAnalysisTemplatesInput{CollaborationIdentifier: aws.String(w.collabID)})
	if err != nil {
		t.Fatal(err)
	}
	wantCS := types.CollaborationAnalysisTemplateSummary{Arn: want.Arn, Id: want.Id, CreatorAccountId: aws.String(acctB),
		CollaborationId: want.CollaborationId, CollaborationArn: want.CollaborationArn, Name: want.Name, Description: aws.String("changed"),
		CreateTime: created.CreateTime, UpdateTime: up.AnalysisTemplate.UpdateTime, IsSyntheticData: no}
	if d := diff([]types.CollaborationAnalysisTemplateSummary{wantCS}, cl.CollaborationAnalysisTemplateSummaries); d != "" {
		t.Errorf("ListCollaborationAnalysisTemplates (-want +got):\n%s", d)
	}

	// Delete: 204, then gone everywhere, tags too.
	if _, err := w.B.DeleteAnalysisTemplate(ctx, &cleanrooms.DeleteAnalysisTemplateInput{MembershipIdentifier: w.mB.Id, AnalysisTemplateIdentifier: created.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = w.B.GetAnalysisTemplate(ctx, &cleanrooms.GetAnalysisTemplateInput{MembershipIdentifier: w.mB.Id, AnalysisTemplateIdentifier: created.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, id)
	_, err = w.A.GetCollaborationAnalysisTemplate(ctx, &cleanrooms.GetCollaborationAnalysisTemplateInput{CollaborationIdentifier: aws.String(w.collabID), AnalysisTemplateArn: aws.String(arn)})
	wantNotFound(t, err, types.ResourceTypeMembership, arn)
	_, err = w.B.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	apiError[*types.ResourceNotFoundException](t, err, 404)
	_, err = w.B.DeleteAnalysisTemplate(ctx, &cleanrooms.DeleteAnalysisTemplateInput{MembershipIdentifier: w.mB.Id, AnalysisTemplateIdentifier: created.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, id)
}

func TestAnalysisTemplatePySpark(t *testing.T) {
	w := newTemplateWorld(t)
	art := types.AnalysisTemplateArtifacts{
		EntryPoint:          &types.AnalysisTemplateArtifact{Location: &types.S3Location{Bucket: aws.String("code"), Key: aws.String("main.py")}},
		AdditionalArtifacts: []types.AnalysisTemplateArtifact{{Location: &types.S3Location{Bucket: aws.String("code"), Key: aws.String("lib.zip")}}},
		RoleArn:             roleARN(acctA),
	}
	created := mustCreateTemplate(t, w.A, &cleanrooms.CreateAnalysisTemplateInput{MembershipIdentifier: w.mA.Id, Name: aws.String("spark job"),
		Format: types.AnalysisFormatPyspark10, Source: &types.AnalysisSourceMemberArtifacts{Value: art}})
	if d := diff(&types.AnalysisSourceMemberArtifacts{Value: art}, created.Source); d != "" {
		t.Errorf("PySpark source (-want +got):\n%s", d)
	}
	// No hashes until the server can read the artifacts (behavior-decisions).
	if created.SourceMetadata != nil || created.Schema == nil || len(created.Schema.ReferencedTables) != 0 {
		t.Errorf("PySpark sourceMetadata %v schema %+v, want none and no tables", created.SourceMetadata, created.Schema)
	}
}

func TestAnalysisTemplateAuthorization(t *testing.T) {
	w := newTemplateWorld(t)
	ctx := t.Context()
	tA := mustCreateTemplate(t, w.A, sqlTemplate(*w.mA.Id, "mine", "SELECT 1"))
	arn := aws.ToString(tA.Arn)
	get := func(c *cleanrooms.Client, ms, id string) error {
		_, err := c.GetAnalysisTemplate(ctx, &cleanrooms.GetAnalysisTemplateInput{MembershipIdentifier: aws.String(ms), AnalysisTemplateIdentifier: aws.String(id)})
		return err
	}
	// The membership-scoped operations: the owner only; everyone else 404.
	if err := get(w.A, *w.mA.Id, *tA.Id); err != nil {
		t.Errorf("owner GetAnalysisTemplate: %v", err)
	}
	for name, c := range map[string]*cleanrooms.Client{"other member": w.B, "invited": w.C, "outsider": w.D} {
		wantNotFound(t, get(c, *w.mA.Id, *tA.Id), types.ResourceTypeMembership, *w.mA.Id)
		_, err := c.ListAnalysisTemplates(ctx, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: w.mA.Id})
		wantNotFound(t, err, types.ResourceTypeMembership, *w.mA.Id)
		_, err = c.UpdateAnalysisTemplate(ctx, &cleanrooms.UpdateAnalysisTemplateInput{MembershipIdentifier: w.mA.Id, AnalysisTemplateIdentifier: tA.Id, Description: aws.String("x")})
		wantNotFound(t, err, types.ResourceTypeMembership, *w.mA.Id)
		_, err = c.DeleteAnalysisTemplate(ctx, &cleanrooms.DeleteAnalysisTemplateInput{MembershipIdentifier: w.mA.Id, AnalysisTemplateIdentifier: tA.Id})
		wantNotFound(t, err, types.ResourceTypeMembership, *w.mA.Id)
		_, err = c.CreateAnalysisTemplate(ctx, sqlTemplate(*w.mA.Id, "intruder", "SELECT 1"))
		wantNotFound(t, err, types.ResourceTypeMembership, *w.mA.Id)
		_, err = c.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		apiError[*types.ResourceNotFoundException](t, err, 404)
		_, err = c.TagResource(ctx, &cleanrooms.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"k": "v"}})
		apiError[*types.ResourceNotFoundException](t, err, 404)
		t.Logf("%s: 404 on the owner's template", name)
	}
	// B's own membership does not reach A's template.
	wantNotFound(t, get(w.B, *w.mB.Id, *tA.Id), types.ResourceTypeMembership, *tA.Id)
	wantNotFound(t, get(w.A, *w.mA.Id, unknownID), types.ResourceTypeMembership, unknownID)
	wantNotFound(t, get(w.A, unknownID, *tA.Id), types.ResourceTypeMembership, unknownID)
	// Listing an empty membership of one's own is an empty list.
	l, err := w.B.ListAnalysisTemplates(ctx, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: w.mB.Id})
	if err != nil || len(l.AnalysisTemplateSummaries) != 0 {
		t.Errorf("B's empty list = %v, %v", l, err)
	}

	// The collaboration views: ACTIVE members only, 403 for the rest.
	cget := func(c *cleanrooms.Client, collab, arn string) error {
		_, err := c.GetCollaborationAnalysisTemplate(ctx, &cleanrooms.GetCollaborationAnalysisTemplateInput{CollaborationIdentifier: aws.String(collab), AnalysisTemplateArn: aws.String(arn)})
		return err
	}
	for name, c := range map[string]*cleanrooms.Client{"owner": w.A, "other member": w.B} {
		if err := cget(c, w.collabID, arn); err != nil {
			t.Errorf("%s GetCollaborationAnalysisTemplate: %v", name, err)
		}
	}
	for name, c := range map[string]*cleanrooms.Client{"invited": w.C, "outsider": w.D} {
		wantAccessDenied(t, cget(c, w.collabID, arn))
		_, err := c.ListCollaborationAnalysisTemplates(ctx, &cleanrooms.ListCollaborationAnalysisTemplatesInput{CollaborationIdentifier: aws.String(w.collabID)})
		wantAccessDenied(t, err)
		_, err = c.BatchGetCollaborationAnalysisTemplate(ctx, &cleanrooms.BatchGetCollaborationAnalysisTemplateInput{CollaborationIdentifier: aws.String(w.collabID), AnalysisTemplateArns: []string{arn}})
		wantAccessDenied(t, err)
		t.Logf("%s: 403 on the collaboration views", name)
	}
	wantAccessDenied(t, cget(w.A, unknownID, arn))
	// A template of another collaboration is not in this one.
	other := mustCreate(t, w.A, standard("other"))
	mOther := mustJoin(t, w.A, joinInput(*other.Id))
	tOther := mustCreateTemplate(t, w.A, sqlTemplate(*mOther.Id, "elsewhere", "SELECT 2"))
	wantNotFound(t, cget(w.B, w.collabID, *tOther.Arn), types.ResourceTypeMembership, *tOther.Arn)
	unknownARN := templateARN(acctA, *w.mA.Id, unknownID)
	wantNotFound(t, cget(w.B, w.collabID, unknownARN), types.ResourceTypeMembership, unknownARN)

	// BatchGet: found ones, and an error entry for each other ARN.
	out, err := w.B.BatchGetCollaborationAnalysisTemplate(ctx, &cleanrooms.BatchGetCollaborationAnalysisTemplateInput{
		CollaborationIdentifier: aws.String(w.collabID), AnalysisTemplateArns: []string{unknownARN, arn, *tOther.Arn, arn}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.CollaborationAnalysisTemplates) != 1 || aws.ToString(out.CollaborationAnalysisTemplates[0].Arn) != arn {
		t.Errorf("BatchGet templates = %+v, want only %s", out.CollaborationAnalysisTemplates, arn)
	}
	var errArns []string
	for _, e := range out.Errors {
		errArns = append(errArns, aws.ToString(e.Arn))
		if aws.ToString(e.Code) != "ResourceNotFoundException" || aws.ToString(e.Message) == "" {
			t.Errorf("BatchGet error %+v", e)
		}
	}
	if d := diff([]string{unknownARN, *tOther.Arn}, errArns); d != "" {
		t.Errorf("BatchGet error ARNs (-want +got):\n%s", d)
	}
	_, err = w.B.BatchGetCollaborationAnalysisTemplate(ctx, &cleanrooms.BatchGetCollaborationAnalysisTemplateInput{
		CollaborationIdentifier: aws.String(w.collabID), AnalysisTemplateArns: slices.Repeat([]string{arn}, 11)})
	if e := wantValidation(t, err); !fieldNamed(e, "analysisTemplateArns") {
		t.Errorf("11 ARNs: %v", err)
	}
}

func TestAnalysisTemplateValidation(t *testing.T) {
	w := newTemplateWorld(t)
	ctx := t.Context()
	param := func(name string, typ types.ParameterType, def string) types.AnalysisParameter {
		p := types.AnalysisParameter{Name: aws.String(name), Type: typ}
		if def != "" {
			p.DefaultValue = aws.String(def)
		}
		return p
	}
	cases := []struct {
		name     string
		in       *cleanrooms.CreateAnalysisTemplateInput
		field    string
		inMsg    string
		fieldMsg bool // the generated validators: the message is per field
	}{
		// No table is in any collaboration yet (see the top of this file).
		{"table not in the collaboration", sqlTemplate(*w.mA.Id, "t", `SELECT COUNT(*) FROM users u JOIN "purchases" p ON u.id = p.uid`), "source.text", `"users", "purchases"`, false},
		{"undeclared parameter", sqlTemplate(*w.mA.Id, "t", "SELECT :x + :y", param("x", types.ParameterTypeInt, "")), "analysisParameters", ":y", false},
		{"parameter declared twice", sqlTemplate(*w.mA.Id, "t", "SELECT :x", param("x", types.ParameterTypeInt, ""), param("x", types.ParameterTypeInt, "")), "analysisParameters.1.name", "x", false},
		{"default of the wrong type", sqlTemplate(*w.mA.Id, "t", "SELECT :x", param("x", types.ParameterTypeBigint, "ten")), "analysisParameters.0.defaultValue", "BIGINT", false},
		{"not a SELECT", sqlTemplate(*w.mA.Id, "t", "DELETE FROM users"), "source.text", "SELECT", false},
		{"bad parameter name", sqlTemplate(*w.mA.Id, "t", "SELECT 1", param("bad-name", types.ParameterTypeInt, "")), "analysisParameters.0.name", "", true},
		{"SQL needs text", &cleanrooms.CreateAnalysisTemplateInput{MembershipIdentifier: w.mA.Id, Name: aws.String("t"), Format: types.AnalysisFormatPyspark10,
			Source: &types.AnalysisSourceMemberText{Value: "SELECT 1"}}, "source.artifacts", "PYSPARK_1_0", false},
		{"reserved tag key", func() *cleanrooms.CreateAnalysisTemplateInput {
			in := sqlTemplate(*w.mA.Id, "t", "SELECT 1")
			in.Tags = map[string]string{"aws:x": "y"}
			return in
		}(), "tags", "aws:", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.A.CreateAnalysisTemplate(ctx, tc.in)
			e := wantValidation(t, err)
			if !fieldNamed(e, tc.field) {
				t.Errorf("fieldList %+v does not name %s (%s)", e.FieldList, tc.field, aws.ToString(e.Message))
			}
			if !strings.Contains(aws.ToString(e.Message), tc.inMsg) {
				t.Errorf("message %q does not mention %q", aws.ToString(e.Message), tc.inMsg)
			}
		})
	}
	l, err := w.A.ListAnalysisTemplates(ctx, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: w.mA.Id})
	if err != nil || len(l.AnalysisTemplateSummaries) != 0 {
		t.Errorf("templates after refused creates: %v, %v", l, err)
	}
}

func TestDeleteMembershipWithAnalysisTemplates(t *testing.T) {
	w := newTemplateWorld(t)
	ctx := t.Context()
	tB := mustCreateTemplate(t, w.B, sqlTemplate(*w.mB.Id, "t", "SELECT 1"))
	_, err := w.B.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: w.mB.Id})
	e := wantConflict(t, err, types.ConflictExceptionReasonSubresourcesExist)
	if e.ResourceType != types.ResourceTypeMembership || aws.ToString(e.ResourceId) != *w.mB.Id {
		t.Errorf("conflict on %s %s, want the membership", e.ResourceType, aws.ToString(e.ResourceId))
	}
	mustGetMembership(t, w.B, *w.mB.Id)
	if _, err := w.B.DeleteAnalysisTemplate(ctx, &cleanrooms.DeleteAnalysisTemplateInput{MembershipIdentifier: w.mB.Id, AnalysisTemplateIdentifier: tB.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.B.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: w.mB.Id}); err != nil {
		t.Fatalf("DeleteMembership without templates: %v", err)
	}
}

// TestAnalysisTemplateQuotaAndPages fills a membership to its quota (25)
// and pages through both lists.
func TestAnalysisTemplateQuotaAndPages(t *testing.T) {
	w := newTemplateWorld(t)
	ctx := t.Context()
	var want []string
	for i := range 25 {
		tp := mustCreateTemplate(t, w.B, sqlTemplate(*w.mB.Id, fmt.Sprintf("t%02d", i), fmt.Sprintf("SELECT %d", i)))
		want = append(want, *tp.Id)
	}
	_, err := w.B.CreateAnalysisTemplate(ctx, sqlTemplate(*w.mB.Id, "one too many", "SELECT 1"))
	wantQuota(t, err, "Analysis templates per membership", 25)
	// The quota is per membership: A still creates one.
	tA := mustCreateTemplate(t, w.A, sqlTemplate(*w.mA.Id, "a", "SELECT 1"))

	var got []string
	p := cleanrooms.NewListAnalysisTemplatesPaginator(w.B, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: w.mB.Id, MaxResults: aws.Int32(7)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.AnalysisTemplateSummaries {
			got = append(got, *s.Id)
		}
	}
	if d := diff(want, got); d != "" || pages != 4 {
		t.Errorf("ListAnalysisTemplates in pages of 7: %d pages (-want +got):\n%s", pages, d)
	}
	got = nil
	cp := cleanrooms.NewListCollaborationAnalysisTemplatesPaginator(w.A, &cleanrooms.ListCollaborationAnalysisTemplatesInput{CollaborationIdentifier: aws.String(w.collabID), MaxResults: aws.Int32(10)})
	var token *string
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.CollaborationAnalysisTemplateSummaries {
			got = append(got, *s.Id)
		}
		if page.NextToken != nil {
			token = page.NextToken
		}
	}
	if d := diff(append(slices.Clone(want), *tA.Id), got); d != "" {
		t.Errorf("ListCollaborationAnalysisTemplates (-want +got):\n%s", d)
	}
	// A token is bound to its list and caller.
	_, err = w.B.ListAnalysisTemplates(ctx, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: w.mB.Id, NextToken: token})
	if e := wantValidation(t, err); !fieldNamed(e, "nextToken") {
		t.Errorf("foreign token: %v", err)
	}
	_, err = w.B.ListCollaborationAnalysisTemplates(ctx, &cleanrooms.ListCollaborationAnalysisTemplatesInput{CollaborationIdentifier: aws.String(w.collabID), NextToken: token})
	wantValidation(t, err)
}

// Concurrent creates never exceed the quota, and every acknowledged
// template is listed.
func TestAnalysisTemplateConcurrentQuota(t *testing.T) {
	w := newTemplateWorld(t)
	const n = 40
	errs := make(chan error, n)
	ids := make(chan string, n)
	for i := range n {
		go func() {
			out, err := w.B.CreateAnalysisTemplate(t.Context(), sqlTemplate(*w.mB.Id, fmt.Sprintf("c%d", i), "SELECT 1"))
			if err == nil {
				ids <- *out.AnalysisTemplate.Id
			}
			errs <- err
		}()
	}
	ok := 0
	for range n {
		if err := <-errs; err == nil {
			ok++
		} else {
			wantQuota(t, err, "Analysis templates per membership", 25)
		}
	}
	close(ids)
	if ok != 25 {
		t.Errorf("%d concurrent creates succeeded, want exactly 25", ok)
	}
	var acked []string
	for id := range ids {
		acked = append(acked, id)
	}
	var listed []string
	p := cleanrooms.NewListAnalysisTemplatesPaginator(w.B, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: w.mB.Id})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.AnalysisTemplateSummaries {
			listed = append(listed, *s.Id)
		}
	}
	slices.Sort(acked)
	slices.Sort(listed)
	if d := diff(acked, listed); d != "" {
		t.Errorf("listed templates vs acknowledged creates (-acked +listed):\n%s", d)
	}
}

// A member the creator removes keeps read, update (description) and
// delete access to its templates, cannot add any, and the others still
// see them.
func TestAnalysisTemplatesOfRemovedMember(t *testing.T) {
	w := newTemplateWorld(t)
	ctx := t.Context()
	tB := mustCreateTemplate(t, w.B, sqlTemplate(*w.mB.Id, "before removal", "SELECT 1"))
	if _, err := w.A.DeleteMember(ctx, &cleanrooms.DeleteMemberInput{CollaborationIdentifier: aws.String(w.collabID), AccountId: aws.String(acctB)}); err != nil {
		t.Fatal(err)
	}
	_, err := w.B.CreateAnalysisTemplate(ctx, sqlTemplate(*w.mB.Id, "after removal", "SELECT 1"))
	wantConflict(t, err, types.ConflictExceptionReasonInvalidState)
	if _, err := w.B.UpdateAnalysisTemplate(ctx, &cleanrooms.UpdateAnalysisTemplateInput{MembershipIdentifier: w.mB.Id, AnalysisTemplateIdentifier: tB.Id, Description: aws.String("x")}); err != nil {
		t.Errorf("removed member's UpdateAnalysisTemplate: %v", err)
	}
	if _, err := w.B.GetAnalysisTemplate(ctx, &cleanrooms.GetAnalysisTemplateInput{MembershipIdentifier: w.mB.Id, AnalysisTemplateIdentifier: tB.Id}); err != nil {
		t.Errorf("removed member's GetAnalysisTemplate: %v", err)
	}
	// B is no longer an ACTIVE member: the collaboration views are closed to it.
	_, err = w.B.ListCollaborationAnalysisTemplates(ctx, &cleanrooms.ListCollaborationAnalysisTemplatesInput{CollaborationIdentifier: aws.String(w.collabID)})
	wantAccessDenied(t, err)
	if _, err := w.A.GetCollaborationAnalysisTemplate(ctx, &cleanrooms.GetCollaborationAnalysisTemplateInput{CollaborationIdentifier: aws.String(w.collabID), AnalysisTemplateArn: tB.Arn}); err != nil {
		t.Errorf("creator reading the removed member's template: %v", err)
	}
	_, err = w.B.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: w.mB.Id})
	wantConflict(t, err, types.ConflictExceptionReasonSubresourcesExist)
	if _, err := w.B.DeleteAnalysisTemplate(ctx, &cleanrooms.DeleteAnalysisTemplateInput{MembershipIdentifier: w.mB.Id, AnalysisTemplateIdentifier: tB.Id}); err != nil {
		t.Fatalf("removed member deleting its template: %v", err)
	}
	if _, err := w.B.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: w.mB.Id}); err != nil {
		t.Fatalf("DeleteMembership of the removed, emptied membership: %v", err)
	}
}
