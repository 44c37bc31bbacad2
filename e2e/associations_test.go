package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

func ctaRule(receivers ...string) types.ConfiguredTableAssociationAnalysisRulePolicy {
	return &types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList{
		Value: types.ConfiguredTableAssociationAnalysisRuleList{AllowedResultReceivers: receivers}}}
}

// B brings a LIST table into A's collaboration; A receives results.
func TestAssociationRulesAndSchemaStatus(t *testing.T) {
	e := catalogEnv(t)
	ctx := t.Context()
	c := mustCreate(t, e.A, standard("rules"))
	mustJoin(t, e.A, joinInput(*c.Id))
	msB := mustJoin(t, e.B, joinInput(*c.Id))
	ct := mustTable(t, e.B, tableInput("users", "user_id", "city"))
	if _, err := e.B.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList, AnalysisRulePolicy: listRule([]string{"user_id"}, []string{"city"})}); err != nil {
		t.Fatal(err)
	}
	out, err := e.B.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: msB.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String("b_users"), RoleArn: roleARN(acctB),
		Description: aws.String("B's users")})
	if err != nil {
		t.Fatal(err)
	}
	cta := out.ConfiguredTableAssociation
	status := func() []types.SchemaStatusDetail {
		t.Helper()
		sc, err := e.A.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: c.Id, Name: aws.String("b_users")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(sc.Schema.Description) != "B's users" || aws.ToString(sc.Schema.CreatorAccountId) != acctB {
			t.Errorf("schema = %+v", sc.Schema)
		}
		return sc.Schema.SchemaStatusDetails
	}
	reasons := func(ds []types.SchemaStatusDetail) []types.SchemaStatusReasonCode {
		var out []types.SchemaStatusReasonCode
		for _, d := range ds {
			for _, r := range d.Reasons {
				out = append(out, r.Code)
			}
		}
		return out
	}
	if st := status(); len(st) != 1 || st[0].Status != types.SchemaStatusReady || st[0].AnalysisRuleType != types.AnalysisRuleTypeList {
		t.Errorf("without an association rule: %+v", st)
	}
	// A receiver that cannot receive results: C (no abilities).
	rule, err := e.B.CreateConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: msB.Id, ConfiguredTableAssociationIdentifier: cta.Id,
		AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeList, AnalysisRulePolicy: ctaRule(acctC)})
	if err != nil {
		t.Fatal(err)
	}
	if rule.AnalysisRule.Type != types.ConfiguredTableAssociationAnalysisRuleTypeList || aws.ToString(rule.AnalysisRule.ConfiguredTableAssociationArn) != aws.ToString(cta.Arn) {
		t.Errorf("rule = %+v", rule.AnalysisRule)
	}
	if d := diff([]types.SchemaStatusReasonCode{types.SchemaStatusReasonCodeResultReceiversNotAllowed}, reasons(status())); d != "" {
		t.Errorf("reasons: %s", d)
	}
	// A second LIST rule: 409; a policy of another type than named: 400.
	_, err = e.B.CreateConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: msB.Id, ConfiguredTableAssociationIdentifier: cta.Id,
		AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeList, AnalysisRulePolicy: ctaRule(acctA)})
	wantConflict(t, err, types.ConflictExceptionReasonAlreadyExists)
	_, err = e.B.CreateConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: msB.Id, ConfiguredTableAssociationIdentifier: cta.Id,
		AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeCustom, AnalysisRulePolicy: ctaRule(acctA)})
	wantValidation(t, err)
	// Update to A, who can receive: READY.
	if _, err := e.B.UpdateConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.UpdateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: msB.Id, ConfiguredTableAssociationIdentifier: cta.Id,
		AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeList, AnalysisRulePolicy: ctaRule(acctA)}); err != nil {
		t.Fatal(err)
	}
	if st := status(); len(st) != 1 || st[0].Status != types.SchemaStatusReady {
		t.Errorf("with A as receiver: %+v", st)
	}
	sr, err := e.A.GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{CollaborationIdentifier: c.Id, Name: aws.String("b_users"), Type: types.AnalysisRuleTypeList})
	if err != nil {
		t.Fatal(err)
	}
	cons, ok := sr.AnalysisRule.ConsolidatedPolicy.(*types.ConsolidatedPolicyMemberV1)
	if !ok {
		t.Fatalf("consolidatedPolicy = %#v", sr.AnalysisRule.ConsolidatedPolicy)
	}
	if l, ok := cons.Value.(*types.ConsolidatedPolicyV1MemberList); !ok || diff([]string{acctA}, l.Value.AllowedResultReceivers) != "" || diff([]string{"city"}, l.Value.ListColumns) != "" {
		t.Errorf("consolidated = %#v", cons.Value)
	}
	// The association shows its rule types; A and D cannot reach B's
	// association or its rule.
	got, err := e.B.GetConfiguredTableAssociation(ctx, &cleanrooms.GetConfiguredTableAssociationInput{MembershipIdentifier: msB.Id, ConfiguredTableAssociationIdentifier: cta.Id})
	if err != nil || diff([]types.ConfiguredTableAssociationAnalysisRuleType{types.ConfiguredTableAssociationAnalysisRuleTypeList}, got.ConfiguredTableAssociation.AnalysisRuleTypes) != "" {
		t.Errorf("GetConfiguredTableAssociation = %+v, %v", got, err)
	}
	for _, cl := range []*cleanrooms.Client{e.A, e.D} {
		_, err = cl.GetConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAssociationAnalysisRuleInput{MembershipIdentifier: msB.Id,
			ConfiguredTableAssociationIdentifier: cta.Id, AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeList})
		wantNotFound(t, err, types.ResourceTypeMembership, *msB.Id)
	}
	_, err = e.B.GetConfiguredTableAssociation(ctx, &cleanrooms.GetConfiguredTableAssociationInput{MembershipIdentifier: msB.Id, ConfiguredTableAssociationIdentifier: aws.String(unknownID)})
	wantNotFound(t, err, types.ResourceTypeConfiguredTableAssociation, unknownID)
	// Update only the description (the model allows description and role).
	upd, err := e.B.UpdateConfiguredTableAssociation(ctx, &cleanrooms.UpdateConfiguredTableAssociationInput{MembershipIdentifier: msB.Id,
		ConfiguredTableAssociationIdentifier: cta.Id, Description: aws.String("new")})
	if err != nil || aws.ToString(upd.ConfiguredTableAssociation.Description) != "new" || aws.ToString(upd.ConfiguredTableAssociation.RoleArn) != aws.ToString(roleARN(acctB)) {
		t.Errorf("UpdateConfiguredTableAssociation = %+v, %v", upd, err)
	}
	list, err := e.B.ListConfiguredTableAssociations(ctx, &cleanrooms.ListConfiguredTableAssociationsInput{MembershipIdentifier: msB.Id})
	if err != nil || len(list.ConfiguredTableAssociationSummaries) != 1 {
		t.Errorf("ListConfiguredTableAssociations = %+v, %v", list, err)
	}
	// Delete the rule, then the association: the schema is gone.
	if _, err := e.B.DeleteConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput{MembershipIdentifier: msB.Id,
		ConfiguredTableAssociationIdentifier: cta.Id, AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeList}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.B.DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{MembershipIdentifier: msB.Id, ConfiguredTableAssociationIdentifier: cta.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = e.A.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: c.Id, Name: aws.String("b_users")})
	apiError[*types.ResourceNotFoundException](t, err, 404)
}
