package e2e

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// Custom rules are READY only with ANY_QUERY and providers, or with a
// template ARN of a membership of this collaboration.
func TestSchemaTemplatesStatus(t *testing.T) {
	e := catalogEnv(t)
	ctx := t.Context()
	c := mustCreate(t, e.A, standard("templates"))
	msA := mustJoin(t, e.A, joinInput(*c.Id))
	other := mustCreate(t, e.A, standard("other"))
	msOther := mustJoin(t, e.A, joinInput(*other.Id))
	tmpl := func(ms string) string {
		return "arn:aws:cleanrooms:" + region + ":" + acctA + ":membership/" + ms + "/analysistemplate/" + unknownID
	}
	cases := []struct {
		analyses []string
		want     types.SchemaStatus
	}{
		{[]string{tmpl(*msOther.Id)}, types.SchemaStatusNotReady},
		{[]string{tmpl(*msA.Id)}, types.SchemaStatusReady},
	}
	for i, tc := range cases {
		name := fmt.Sprintf("t%d", i)
		ct := mustTable(t, e.A, tableInput(name, "user_id"))
		if _, err := e.A.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id,
			AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom, AnalysisRulePolicy: customRule(tc.analyses)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.A.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
			MembershipIdentifier: msA.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String(name), RoleArn: roleARN(acctA)}); err != nil {
			t.Fatal(err)
		}
		sc, err := e.A.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: c.Id, Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		st := sc.Schema.SchemaStatusDetails
		if len(st) != 1 || st[0].Status != tc.want {
			t.Errorf("%v: status %+v, want %s", tc.analyses, st, tc.want)
		}
		if tc.want == types.SchemaStatusNotReady && (len(st[0].Reasons) != 1 || st[0].Reasons[0].Code != types.SchemaStatusReasonCodeAnalysisTemplatesNotConfigured) {
			t.Errorf("reasons = %+v", st[0].Reasons)
		}
	}
}

// Lists page through the SDK paginators, each item once.
func TestTableListsPaginate(t *testing.T) {
	e := catalogEnv(t)
	ctx := t.Context()
	c := mustCreate(t, e.A, standard("pages"))
	msA := mustJoin(t, e.A, joinInput(*c.Id))
	const n = 5
	for i := range n {
		ct := mustTable(t, e.A, tableInput(fmt.Sprintf("t%d", i), "user_id"))
		if _, err := e.A.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
			MembershipIdentifier: msA.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String(fmt.Sprintf("s%d", i)), RoleArn: roleARN(acctA)}); err != nil {
			t.Fatal(err)
		}
	}
	var tables, assocs, schemas []string
	p1 := cleanrooms.NewListConfiguredTablesPaginator(e.A, &cleanrooms.ListConfiguredTablesInput{MaxResults: aws.Int32(2)})
	for p1.HasMorePages() {
		out, err := p1.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.ConfiguredTableSummaries {
			tables = append(tables, *s.Name)
		}
	}
	p2 := cleanrooms.NewListConfiguredTableAssociationsPaginator(e.A, &cleanrooms.ListConfiguredTableAssociationsInput{MembershipIdentifier: msA.Id, MaxResults: aws.Int32(2)})
	for p2.HasMorePages() {
		out, err := p2.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.ConfiguredTableAssociationSummaries {
			assocs = append(assocs, *s.Name)
		}
	}
	p3 := cleanrooms.NewListSchemasPaginator(e.A, &cleanrooms.ListSchemasInput{CollaborationIdentifier: c.Id, MaxResults: aws.Int32(2)})
	for p3.HasMorePages() {
		out, err := p3.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.SchemaSummaries {
			schemas = append(schemas, *s.Name)
		}
	}
	want := func(prefix string) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("%s%d", prefix, i))
		}
		return out
	}
	if d := diff(want("t"), tables); d != "" {
		t.Errorf("tables: %s", d)
	}
	if d := diff(want("s"), assocs); d != "" {
		t.Errorf("associations: %s", d)
	}
	if d := diff(want("s"), schemas); d != "" {
		t.Errorf("schemas: %s", d)
	}
	// A token of one list is refused by another and by another account.
	first, err := e.A.ListConfiguredTables(ctx, &cleanrooms.ListConfiguredTablesInput{MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.B.ListConfiguredTables(ctx, &cleanrooms.ListConfiguredTablesInput{NextToken: first.NextToken})
	wantValidation(t, err)
	_, err = e.A.ListSchemas(ctx, &cleanrooms.ListSchemasInput{CollaborationIdentifier: c.Id, NextToken: first.NextToken})
	wantValidation(t, err)
}
