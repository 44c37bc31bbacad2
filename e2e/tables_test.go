package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
	domain "github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// fakeCatalog is a Glue Data Catalog of a few tables, keyed by
// account/region/database/table.
type fakeCatalog map[string]*domain.CatalogTable

func (f fakeCatalog) LookupTable(_ context.Context, account, region, db, table string) (*domain.CatalogTable, error) {
	t, ok := f[account+"/"+region+"/"+db+"/"+table]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return t, nil
}

func catalogEnv(t *testing.T) *env {
	cat := fakeCatalog{}
	for _, acct := range []string{acctA, acctB} {
		cat[acct+"/"+region+"/sales/users"] = &domain.CatalogTable{
			Columns:       []domain.CatalogColumn{{Name: "user_id", Type: "string"}, {Name: "city", Type: "string"}, {Name: "spend", Type: "double"}},
			PartitionKeys: []domain.CatalogColumn{{Name: "day", Type: "date"}},
		}
	}
	return newEnv(t, cleanroomstest.WithCatalog(cat))
}

func glueRef(db, table string) types.TableReference {
	return &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String(db), TableName: aws.String(table)}}
}

func tableInput(name string, cols ...string) *cleanrooms.CreateConfiguredTableInput {
	return &cleanrooms.CreateConfiguredTableInput{
		Name: aws.String(name), AllowedColumns: cols, AnalysisMethod: types.AnalysisMethodDirectQuery,
		TableReference: glueRef("sales", "users"), Description: aws.String("d " + name),
	}
}

func mustTable(t *testing.T, c *cleanrooms.Client, in *cleanrooms.CreateConfiguredTableInput) types.ConfiguredTable {
	t.Helper()
	out, err := c.CreateConfiguredTable(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateConfiguredTable: %v", err)
	}
	return *out.ConfiguredTable
}

func listRule(join, list []string) types.ConfiguredTableAnalysisRulePolicy {
	return &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberList{
		Value: types.AnalysisRuleList{JoinColumns: join, ListColumns: list}}}
}

func customRule(analyses []string, providers ...string) types.ConfiguredTableAnalysisRulePolicy {
	return &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{
		Value: types.AnalysisRuleCustom{AllowedAnalyses: analyses, AllowedAnalysisProviders: providers}}}
}

func TestConfiguredTableLifecycle(t *testing.T) {
	e := catalogEnv(t)
	ctx := t.Context()
	in := tableInput("users", "user_id", "city", "day")
	in.Tags = map[string]string{"Project": "x"}
	ct := mustTable(t, e.A, in)
	checkUUID(t, "configured table id", ct.Id)
	if want := "arn:aws:cleanrooms:" + region + ":" + acctA + ":configuredtable/" + *ct.Id; aws.ToString(ct.Arn) != want {
		t.Errorf("arn = %s, want %s", aws.ToString(ct.Arn), want)
	}
	if d := diff([]string{"user_id", "city", "day"}, ct.AllowedColumns); d != "" {
		t.Errorf("allowedColumns: %s", d)
	}
	if len(ct.AnalysisRuleTypes) != 0 || ct.AnalysisRuleTypes == nil {
		t.Errorf("analysisRuleTypes = %#v, want []", ct.AnalysisRuleTypes)
	}
	got, err := e.A.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: ct.Id})
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(ct, *got.ConfiguredTable); d != "" {
		t.Errorf("Get differs from Create: %s", d)
	}
	tags, err := e.A.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: ct.Arn})
	if err != nil || tags.Tags["Project"] != "x" {
		t.Errorf("tags = %v, %v", tags, err)
	}
	// Other accounts and unknown ids: 404 CONFIGURED_TABLE.
	_, err = e.B.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: ct.Id})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct.Id)
	_, err = e.A.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: aws.String(unknownID)})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, unknownID)
	// The catalog is checked: a missing table or column is a 400 naming it,
	// and nothing is written.
	bad := tableInput("bad", "user_id", "nope")
	if ve := wantValidation(t, mustErr(e.A.CreateConfiguredTable(ctx, bad))); !strings.Contains(aws.ToString(ve.Message), `"nope"`) {
		t.Errorf("message %q does not name the column", aws.ToString(ve.Message))
	}
	bad = tableInput("bad", "user_id")
	bad.TableReference = glueRef("sales", "missing")
	if ve := wantValidation(t, mustErr(e.A.CreateConfiguredTable(ctx, bad))); !strings.Contains(aws.ToString(ve.Message), "sales.missing") {
		t.Errorf("message %q does not name the table", aws.ToString(ve.Message))
	}
	// D has no such Glue table in its own catalog.
	wantValidation(t, mustErr(e.D.CreateConfiguredTable(ctx, tableInput("users", "user_id"))))
	list, err := e.A.ListConfiguredTables(ctx, &cleanrooms.ListConfiguredTablesInput{})
	if err != nil || len(list.ConfiguredTableSummaries) != 1 {
		t.Fatalf("ListConfiguredTables = %v, %v; want the one table", list, err)
	}
	// Terraform's update: only name and description.
	upd, err := e.A.UpdateConfiguredTable(ctx, &cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: ct.Id, Name: aws.String("renamed")})
	if err != nil || aws.ToString(upd.ConfiguredTable.Name) != "renamed" || aws.ToString(upd.ConfiguredTable.Description) != "d users" {
		t.Fatalf("UpdateConfiguredTable = %+v, %v", upd, err)
	}
	// Rules: one per table, columns among the allowed ones, type matches.
	_, err = e.A.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList, AnalysisRulePolicy: listRule([]string{"user_id"}, []string{"spend"})})
	wantValidation(t, err)
	_, err = e.A.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeAggregation, AnalysisRulePolicy: listRule([]string{"user_id"}, []string{"city"})})
	wantValidation(t, err)
	rule, err := e.A.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList, AnalysisRulePolicy: listRule([]string{"user_id"}, []string{"city"})})
	if err != nil {
		t.Fatal(err)
	}
	if rule.AnalysisRule.Type != types.ConfiguredTableAnalysisRuleTypeList || aws.ToString(rule.AnalysisRule.ConfiguredTableArn) != aws.ToString(ct.Arn) {
		t.Errorf("rule = %+v", rule.AnalysisRule)
	}
	_, err = e.A.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom, AnalysisRulePolicy: customRule([]string{"ANY_QUERY"})})
	apiError[*types.ConflictException](t, err, 409)
	got, _ = e.A.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: ct.Id})
	if d := diff([]types.ConfiguredTableAnalysisRuleType{types.ConfiguredTableAnalysisRuleTypeList}, got.ConfiguredTable.AnalysisRuleTypes); d != "" {
		t.Errorf("analysisRuleTypes: %s", d)
	}
	_, err = e.A.GetConfiguredTableAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id, AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct.Id)
	_, err = e.B.GetConfiguredTableAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id, AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct.Id)

	// Associate it into a collaboration; B sees the schema.
	c := mustCreate(t, e.A, standard("tables"))
	msA := mustJoin(t, e.A, joinInput(*c.Id))
	msB := mustJoin(t, e.B, joinInput(*c.Id))
	cta, err := e.A.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: msA.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String("users"), RoleArn: roleARN(acctA),
		Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:cleanrooms:" + region + ":" + acctA + ":membership/" + *msA.Id + "/configuredtableassociation/" + *cta.ConfiguredTableAssociation.Id
	if aws.ToString(cta.ConfiguredTableAssociation.Arn) != wantARN {
		t.Errorf("association arn = %s, want %s", aws.ToString(cta.ConfiguredTableAssociation.Arn), wantARN)
	}
	if tags, err := e.A.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(wantARN)}); err != nil || tags.Tags["k"] != "v" {
		t.Errorf("association tags = %v, %v", tags, err)
	}
	// Same name in another case, same table twice: 409. B cannot
	// associate A's table; D's membership does not exist.
	_, err = e.A.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: msA.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String("USERS"), RoleArn: roleARN(acctA)})
	apiError[*types.ConflictException](t, err, 409)
	_, err = e.A.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: msA.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String("again"), RoleArn: roleARN(acctA)})
	apiError[*types.ConflictException](t, err, 409)
	_, err = e.B.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: msB.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String("stolen"), RoleArn: roleARN(acctB)})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct.Id)
	_, err = e.B.GetConfiguredTableAssociation(ctx, &cleanrooms.GetConfiguredTableAssociationInput{
		MembershipIdentifier: msA.Id, ConfiguredTableAssociationIdentifier: cta.ConfiguredTableAssociation.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, *msA.Id)

	sc, err := e.B.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: c.Id, Name: aws.String("users")})
	if err != nil {
		t.Fatal(err)
	}
	s := sc.Schema
	if aws.ToString(s.CreatorAccountId) != acctA || aws.ToString(s.ResourceArn) != wantARN || s.Type != types.SchemaTypeTable {
		t.Errorf("schema = %+v", s)
	}
	wantCols := []types.Column{{Name: aws.String("user_id"), Type: aws.String("string")}, {Name: aws.String("city"), Type: aws.String("string")}}
	if d := diff(wantCols, s.Columns); d != "" {
		t.Errorf("columns: %s", d)
	}
	if d := diff([]types.Column{{Name: aws.String("day"), Type: aws.String("date")}}, s.PartitionKeys); d != "" {
		t.Errorf("partitionKeys: %s", d)
	}
	if len(s.SchemaStatusDetails) != 1 || s.SchemaStatusDetails[0].Status != types.SchemaStatusReady {
		t.Errorf("status = %+v, want READY", s.SchemaStatusDetails)
	}
	_, err = e.D.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: c.Id, Name: aws.String("users")})
	wantAccessDenied(t, err)
	_, err = e.C.ListSchemas(ctx, &cleanrooms.ListSchemasInput{CollaborationIdentifier: c.Id}) // C is only invited
	wantAccessDenied(t, err)
	ls, err := e.B.ListSchemas(ctx, &cleanrooms.ListSchemasInput{CollaborationIdentifier: c.Id})
	if err != nil || len(ls.SchemaSummaries) != 1 {
		t.Errorf("ListSchemas = %v, %v", ls, err)
	}
	bg, err := e.B.BatchGetSchema(ctx, &cleanrooms.BatchGetSchemaInput{CollaborationIdentifier: c.Id, Names: []string{"users", "missing"}})
	if err != nil || len(bg.Schemas) != 1 || len(bg.Errors) != 1 || aws.ToString(bg.Errors[0].Name) != "missing" {
		t.Errorf("BatchGetSchema = %+v, %v", bg, err)
	}
	sr, err := e.B.GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{CollaborationIdentifier: c.Id, Name: aws.String("users"), Type: types.AnalysisRuleTypeList})
	if err != nil || sr.AnalysisRule.Type != types.AnalysisRuleTypeList {
		t.Errorf("GetSchemaAnalysisRule = %+v, %v", sr, err)
	}

	// CloudFormation's rule replacement while associated: delete, then
	// create. In between the schema is NOT_READY (ANALYSIS_RULE_MISSING).
	if _, err := e.A.DeleteConfiguredTableAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id, AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList}); err != nil {
		t.Fatal(err)
	}
	sc, _ = e.B.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: c.Id, Name: aws.String("users")})
	if st := sc.Schema.SchemaStatusDetails; len(st) != 1 || st[0].Status != types.SchemaStatusNotReady || len(st[0].Reasons) != 1 || st[0].Reasons[0].Code != types.SchemaStatusReasonCodeAnalysisRuleMissing {
		t.Errorf("status without a rule = %+v", st)
	}
	if _, err := e.A.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom, AnalysisRulePolicy: customRule([]string{"ANY_QUERY"})}); err != nil {
		t.Fatal(err)
	}
	sc, _ = e.B.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: c.Id, Name: aws.String("users")})
	if st := sc.Schema.SchemaStatusDetails; len(st) != 1 || len(st[0].Reasons) != 1 || st[0].Reasons[0].Code != types.SchemaStatusReasonCodeAnalysisProvidersNotConfigured {
		t.Errorf("status of ANY_QUERY without providers = %+v", st)
	}

	// Deletes in the wrong order are 409s and write nothing.
	_, err = e.A.DeleteConfiguredTable(ctx, &cleanrooms.DeleteConfiguredTableInput{ConfiguredTableIdentifier: ct.Id})
	apiError[*types.ConflictException](t, err, 409)
	_, err = e.B.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: msB.Id})
	if err != nil {
		t.Errorf("B, without associations, cannot leave: %v", err)
	}
	if _, err := e.A.DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{MembershipIdentifier: msA.Id, ConfiguredTableAssociationIdentifier: cta.ConfiguredTableAssociation.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.A.DeleteConfiguredTable(ctx, &cleanrooms.DeleteConfiguredTableInput{ConfiguredTableIdentifier: ct.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = e.A.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: ct.Id})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct.Id)
	_, err = e.A.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: ct.Arn})
	apiError[*types.ResourceNotFoundException](t, err, 404)
}

func TestDeleteMembershipWithAssociations(t *testing.T) {
	e := catalogEnv(t)
	ctx := t.Context()
	c := mustCreate(t, e.A, standard("leave"))
	mustJoin(t, e.A, joinInput(*c.Id))
	msB := mustJoin(t, e.B, joinInput(*c.Id))
	ct := mustTable(t, e.B, tableInput("b", "user_id"))
	if _, err := e.B.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: msB.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String("b"), RoleArn: roleARN(acctB)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.B.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: msB.Id})
	ce := apiError[*types.ConflictException](t, err, 409)
	if ce.Reason != types.ConflictExceptionReasonSubresourcesExist {
		t.Errorf("reason = %s", ce.Reason)
	}
	if got := mustGetMembership(t, e.B, *msB.Id); got.Status != types.MembershipStatusActive {
		t.Errorf("membership after refused delete: %s", got.Status)
	}
}

func TestLenientCatalog(t *testing.T) {
	e := newEnv(t, cleanroomstest.WithLenientCatalog())
	ct := mustTable(t, e.A, tableInput("anything", "whatever"))
	if aws.ToString(ct.Name) != "anything" {
		t.Errorf("table = %+v", ct)
	}
	// Without the option the embedded Glue catalog is checked.
	strict := newEnv(t)
	_, err := strict.A.CreateConfiguredTable(t.Context(), tableInput("anything", "whatever"))
	apiError[*types.ValidationException](t, err, 400)
}

func mustErr[T any](_ T, err error) error { return err }
