package api_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
)

func p[T any](v T) *T { return &v }

const (
	uuid    = "0f1e2d3c-4b5a-4697-8877-665544332211"
	account = "111122223333"
	atARN   = "arn:aws:cleanrooms:us-east-1:123456789012:membership/" + uuid + "/analysistemplate/" + uuid
	ctaARN  = "arn:aws:cleanrooms:us-east-1:123456789012:membership/" + uuid + "/configuredtableassociation/" + uuid
)

func collaboration() *api.CreateCollaborationInput {
	return &api.CreateCollaborationInput{
		Name: p("Ad measurement"), Description: p("Measure ads"), CreatorDisplayName: p("Creator"),
		CreatorMemberAbilities: []api.MemberAbility{"CAN_QUERY"}, QueryLogStatus: "ENABLED",
		Members: []api.MemberSpecification{
			{AccountId: p(account), DisplayName: p("One"), MemberAbilities: []api.MemberAbility{}},
			{AccountId: p("444455556666"), DisplayName: p("Two"), MemberAbilities: []api.MemberAbility{"CAN_RECEIVE_RESULTS"}},
		},
	}
}

func protectedQuery(bucket string) *api.StartProtectedQueryInput {
	return &api.StartProtectedQueryInput{
		MembershipIdentifier: p(uuid), Type: "SQL",
		SqlParameters: &api.ProtectedQuerySQLParameters{QueryString: p("SELECT 1"), Parameters: map[string]string{"p1": "v"}},
		ResultConfiguration: &api.ProtectedQueryResultConfiguration{OutputConfiguration: &api.ProtectedQueryOutputConfiguration{
			S3: &api.ProtectedQueryS3OutputConfiguration{Bucket: p(bucket), ResultFormat: "CSV"},
		}},
	}
}

func aggregationRule() *api.CreateConfiguredTableAnalysisRuleInput {
	return &api.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: p(uuid), AnalysisRuleType: "AGGREGATION",
		AnalysisRulePolicy: &api.ConfiguredTableAnalysisRulePolicy{V1: &api.ConfiguredTableAnalysisRulePolicyV1{
			Aggregation: &api.AnalysisRuleAggregation{
				AggregateColumns:  []api.AggregateColumn{{ColumnNames: []string{"spend"}, Function: "SUM"}},
				DimensionColumns:  []string{"city"},
				JoinColumns:       []string{"user_id"},
				OutputConstraints: []api.AggregationConstraint{{ColumnName: p("user_id"), Minimum: p(int32(2)), Type: "COUNT_DISTINCT"}},
				ScalarFunctions:   []api.ScalarFunctions{"ABS"},
			},
		}},
	}
}

func budgetTemplate() *api.CreatePrivacyBudgetTemplateInput {
	return &api.CreatePrivacyBudgetTemplateInput{
		MembershipIdentifier: p(uuid), PrivacyBudgetType: "ACCESS_BUDGET", AutoRefresh: "NONE",
		Parameters: &api.PrivacyBudgetTemplateParametersInput{AccessBudget: &api.AccessBudgetsPrivacyTemplateParametersInput{
			ResourceArn:      p(ctaARN),
			BudgetParameters: []api.BudgetParameter{{Type: "CALENDAR_DAY", Budget: p(int32(10)), AutoRefresh: "ENABLED"}},
		}},
		Tags: map[string]string{"k": "v"},
	}
}

func tags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = "v"
	}
	return m
}

func arns(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = atARN
	}
	return s
}

// mod applies f to a fresh value and returns it.
func mod[T any](v *T, f func(*T)) *T { f(v); return v }

// TestValidate: api.Validate against the model's constraints, one case per
// kind of constraint, across the operations of the model. want lists the
// fieldList names, sorted; nil means valid.
func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		in   api.Input
		want []string
	}{
		// Valid inputs of many operations.
		{"CreateCollaboration", collaboration(), nil},
		{"StartProtectedQuery, bucket with dots", protectedQuery("my-bucket.example"), nil},
		{"CreateConfiguredTableAnalysisRule", aggregationRule(), nil},
		{"CreatePrivacyBudgetTemplate", budgetTemplate(), nil},
		{"ListCollaborations, nothing set", &api.ListCollaborationsInput{}, nil},
		{"ListCollaborations, bounds", &api.ListCollaborationsInput{MaxResults: p(int32(100)), MemberStatus: "ACTIVE"}, nil},
		{"TagResource, 200 tags", &api.TagResourceInput{ResourceArn: p(ctaARN[:90]), Tags: tags(200)}, nil},
		{"BatchGetCollaborationAnalysisTemplate, 10", &api.BatchGetCollaborationAnalysisTemplateInput{CollaborationIdentifier: p(uuid), AnalysisTemplateArns: arns(10)}, nil},
		{"UpdateMembership, only the label", &api.UpdateMembershipInput{MembershipIdentifier: p(uuid)}, nil},

		// Required members.
		{"missing URI member", &api.GetMembershipInput{}, []string{"membershipIdentifier"}},
		{"missing two URI members", &api.DeleteMemberInput{}, []string{"accountId", "collaborationIdentifier"}},
		{"missing body member", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Name = nil }), []string{"name"}},
		{"missing required list", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.CreatorMemberAbilities = nil }), []string{"creatorMemberAbilities"}},
		{"missing required enum", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.QueryLogStatus = "" }), []string{"queryLogStatus"}},
		{"missing required query member", &api.UntagResourceInput{ResourceArn: p(ctaARN[:90])}, []string{"tagKeys"}},
		{"missing required query enum", &api.ListPrivacyBudgetsInput{MembershipIdentifier: p(uuid)}, []string{"privacyBudgetType"}},
		{"missing nested boolean", &api.CreateIdNamespaceAssociationInput{MembershipIdentifier: p(uuid), Name: p("ns"),
			InputReferenceConfig: &api.IdNamespaceAssociationInputReferenceConfig{InputReferenceArn: p("arn:aws:entityresolution:us-east-1:123456789012:idnamespace/ns")},
			IdMappingConfig:      &api.IdMappingConfig{}}, []string{"idMappingConfig.allowUseAsDimensionColumn", "inputReferenceConfig.manageResourcePolicies"}},
		{"nested path", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Members[1].DisplayName = nil }), []string{"members.1.displayName"}},

		// Lengths.
		{"string too long", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Name = p(strings.Repeat("n", 101)) }), []string{"name"}},
		{"100 two-byte characters are 100", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Name = p(strings.Repeat("é", 100)) }), nil},
		{"empty label fails the pattern", &api.GetSchemaInput{CollaborationIdentifier: p(uuid), Name: p("")}, []string{"name"}}, // min 0, but the pattern needs a character
		{"string too short", &api.CreateConfiguredTableAssociationInput{MembershipIdentifier: p(uuid), Name: p("a"), ConfiguredTableIdentifier: p(uuid),
			RoleArn: p("arn:aws:iam::1:role/r")}, []string{"roleArn"}},
		{"label too long", &api.GetSchemaInput{CollaborationIdentifier: p(uuid), Name: p(strings.Repeat("t", 129))}, []string{"name"}},
		{"empty required string", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.CreatorDisplayName = p("") }),
			[]string{"creatorDisplayName", "creatorDisplayName"}}, // min 1 and not blank
		{"account id too short", &api.DeleteMemberInput{CollaborationIdentifier: p(uuid), AccountId: p("1234")}, []string{"accountId"}},

		// Numbers.
		{"maxResults 0", &api.ListCollaborationsInput{MaxResults: p(int32(0))}, []string{"maxResults"}},
		{"maxResults 101", &api.ListMembershipsInput{MaxResults: p(int32(101))}, []string{"maxResults"}},
		{"minimum below 2", mod(aggregationRule(), func(in *api.CreateConfiguredTableAnalysisRuleInput) {
			in.AnalysisRulePolicy.V1.Aggregation.OutputConstraints[0].Minimum = p(int32(1))
		}), []string{"analysisRulePolicy.v1.aggregation.outputConstraints.0.minimum"}},
		{"epsilon above 20", &api.PreviewPrivacyImpactInput{MembershipIdentifier: p(uuid), Parameters: &api.PreviewPrivacyImpactParametersInput{
			DifferentialPrivacy: &api.DifferentialPrivacyPreviewParametersInput{Epsilon: p(int32(21)), UsersNoisePerQuery: p(int32(10))}}},
			[]string{"parameters.differentialPrivacy.epsilon"}},
		{"worker number below 4", &api.StartProtectedJobInput{MembershipIdentifier: p(uuid), Type: "PYSPARK",
			JobParameters:        &api.ProtectedJobParameters{AnalysisTemplateArn: p(atARN)},
			ComputeConfiguration: &api.ProtectedJobComputeConfiguration{Worker: &api.ProtectedJobWorkerComputeConfiguration{Number: p(int32(3)), Type: "CR.1X"}}},
			[]string{"computeConfiguration.worker.number"}},

		// Enums.
		{"bad enum", &api.UpdateProtectedQueryInput{MembershipIdentifier: p(uuid), ProtectedQueryIdentifier: p(uuid), TargetStatus: "RUNNING"}, []string{"targetStatus"}},
		{"enum values are case-sensitive", &api.ListCollaborationsInput{MemberStatus: "active"}, []string{"memberStatus"}},
		{"bad enum in a list", mod(collaboration(), func(in *api.CreateCollaborationInput) {
			in.Members[0].MemberAbilities = []api.MemberAbility{"CAN_QUERY", "CAN_FLY"}
		}), []string{"members.0.memberAbilities.1"}},
		{"bad optional enum", &api.PopulateIdMappingTableInput{MembershipIdentifier: p(uuid), IdMappingTableIdentifier: p(uuid), JobType: "SOMETIMES"}, []string{"jobType"}},

		// Patterns.
		{"UUID with upper case", &api.GetMembershipInput{MembershipIdentifier: p(strings.ToUpper(uuid))}, []string{"membershipIdentifier"}},
		{"account id with a letter", &api.DeleteMemberInput{CollaborationIdentifier: p(uuid), AccountId: p("12345678901a")}, []string{"accountId"}},
		{"nested account id", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Members[0].AccountId = p("12345678901a") }), []string{"members.0.accountId"}},
		{"blank name", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Name = p("   ") }), []string{"name"}},
		{"blank with tabs and newlines", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Description = p("\t\r\n ") }), []string{"description"}},
		{"name with a newline", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Name = p("a\nb") }), []string{"name"}},
		{"name with a supplementary character", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Name = p("team 🚀") }), nil},
		{"name with a control character", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Name = p("a\x00b") }), []string{"name"}},
		{"bucket shaped like an IP address", protectedQuery("192.168.1.1"), []string{"resultConfiguration.outputConfiguration.s3.bucket"}},
		{"bucket with upper case", protectedQuery("My-Bucket"), []string{"resultConfiguration.outputConfiguration.s3.bucket"}},
		{"bucket with a trailing hyphen", protectedQuery("bucket-"), []string{"resultConfiguration.outputConfiguration.s3.bucket"}},
		{"bucket with empty label", protectedQuery("my..bucket"), []string{"resultConfiguration.outputConfiguration.s3.bucket"}},
		{"bucket of digits", protectedQuery("123"), nil},
		{"bucket of digits and dots but not four", protectedQuery("1.2.3.4a"), nil},
		{"column name with upper case", mod(aggregationRule(), func(in *api.CreateConfiguredTableAnalysisRuleInput) {
			in.AnalysisRulePolicy.V1.Aggregation.JoinColumns = []string{"user_id", "User_Id"}
		}), []string{"analysisRulePolicy.v1.aggregation.joinColumns.1"}},
		{"wildcard allowed in a list of ARNs", &api.CreateConfiguredTableAssociationAnalysisRuleInput{
			MembershipIdentifier: p(uuid), ConfiguredTableAssociationIdentifier: p(uuid), AnalysisRuleType: "LIST",
			AnalysisRulePolicy: &api.ConfiguredTableAssociationAnalysisRulePolicy{V1: &api.ConfiguredTableAssociationAnalysisRulePolicyV1{
				List: &api.ConfiguredTableAssociationAnalysisRuleList{
					AllowedAdditionalAnalyses: []string{"arn:aws:cleanrooms:us-east-1:*:membership/*/configuredaudiencemodelassociation/*", "arn:aws:s3:::x"},
					AllowedResultReceivers:    []string{account},
				}}}}, []string{"analysisRulePolicy.v1.list.allowedAdditionalAnalyses.1"}},
		{"resource ARN of another service", &api.TagResourceInput{ResourceArn: p("arn:aws:s3:::bucket"), Tags: tags(1)}, []string{"resourceArn"}},

		// Unions.
		{"union with no member", &api.CreateAnalysisTemplateInput{MembershipIdentifier: p(uuid), Name: p("t"), Format: "SQL",
			Source: &api.AnalysisSource{}}, []string{"source"}},
		{"union with two members", &api.CreateAnalysisTemplateInput{MembershipIdentifier: p(uuid), Name: p("t"), Format: "SQL",
			Source: &api.AnalysisSource{Text: p("SELECT 1"), Artifacts: &api.AnalysisTemplateArtifacts{
				EntryPoint: &api.AnalysisTemplateArtifact{Location: &api.S3Location{Bucket: p("code"), Key: p("main.py")}},
				RoleArn:    p("arn:aws:iam::123456789012:role/cleanrooms-role")}}}, []string{"source"}},
		{"nested union with no member", mod(aggregationRule(), func(in *api.CreateConfiguredTableAnalysisRuleInput) {
			in.AnalysisRulePolicy.V1 = &api.ConfiguredTableAnalysisRulePolicyV1{}
		}), []string{"analysisRulePolicy.v1"}},
		{"union member invalid inside", mod(budgetTemplate(), func(in *api.CreatePrivacyBudgetTemplateInput) {
			in.Parameters.AccessBudget.BudgetParameters[0].Budget = p(int32(-1))
		}), []string{"parameters.accessBudget.budgetParameters.0.budget"}},
		{"union in a list", &api.CreateCollaborationChangeRequestInput{CollaborationIdentifier: p(uuid), Changes: []api.ChangeInput{
			{SpecificationType: "MEMBER", Specification: &api.ChangeSpecification{Member: &api.MemberChangeSpecification{AccountId: p(account), MemberAbilities: []api.MemberAbility{}}}},
			{SpecificationType: "MEMBER", Specification: &api.ChangeSpecification{}},
		}}, []string{"changes.1.specification"}},
		{"union whose member is an empty map", &api.StartProtectedQueryInput{MembershipIdentifier: p(uuid), Type: "SQL",
			SqlParameters: &api.ProtectedQuerySQLParameters{QueryString: p("SELECT 1")},
			ComputeConfiguration: &api.ComputeConfiguration{Worker: &api.WorkerComputeConfiguration{
				Properties: &api.WorkerComputeConfigurationProperties{Spark: map[string]string{}}}}}, nil},
		{"union whose member is a nil map", &api.StartProtectedQueryInput{MembershipIdentifier: p(uuid), Type: "SQL",
			SqlParameters: &api.ProtectedQuerySQLParameters{QueryString: p("SELECT 1")},
			ComputeConfiguration: &api.ComputeConfiguration{Worker: &api.WorkerComputeConfiguration{
				Properties: &api.WorkerComputeConfigurationProperties{}}}}, []string{"computeConfiguration.worker.properties"}},

		// Collections.
		{"list too long", &api.BatchGetCollaborationAnalysisTemplateInput{CollaborationIdentifier: p(uuid), AnalysisTemplateArns: arns(11)}, []string{"analysisTemplateArns"}},
		{"list too short", &api.BatchGetCollaborationAnalysisTemplateInput{CollaborationIdentifier: p(uuid), AnalysisTemplateArns: []string{}}, []string{"analysisTemplateArns"}},
		{"list of 3 where 2 at most", mod(budgetTemplate(), func(in *api.CreatePrivacyBudgetTemplateInput) {
			b := in.Parameters.AccessBudget.BudgetParameters[0]
			in.Parameters.AccessBudget.BudgetParameters = []api.BudgetParameter{b, b, b}
		}), []string{"parameters.accessBudget.budgetParameters"}},
		{"map too big", &api.TagResourceInput{ResourceArn: p(ctaARN[:90]), Tags: tags(201)}, []string{"tags"}},
		{"map too big, in a create", mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Tags = tags(201) }), []string{"tags"}},
		{"map key too long", &api.TagResourceInput{ResourceArn: p(ctaARN[:90]), Tags: map[string]string{strings.Repeat("k", 129): "v"}},
			[]string{"tags." + strings.Repeat("k", 129)}},
		{"map key pattern", &api.StartProtectedJobInput{MembershipIdentifier: p(uuid), Type: "PYSPARK",
			JobParameters: &api.ProtectedJobParameters{AnalysisTemplateArn: p(atARN), Parameters: map[string]string{"bad key": "v"}}},
			[]string{"jobParameters.parameters.bad key"}},
	}
	ops := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops[fmt.Sprintf("%T", tc.in)] = true
			err := api.Validate(tc.in)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("rejected a valid input: %v", err)
				}
				return
			}
			var ve *api.ValidationException
			if !errors.As(err, &ve) {
				t.Fatalf("got %T %v, want a *api.ValidationException", err, err)
			}
			if ve.Reason != api.ValidationExceptionReasonFieldValidationFailed {
				t.Errorf("reason %q", ve.Reason)
			}
			var names []string
			for _, f := range ve.FieldList {
				names = append(names, *f.Name)
				if f.Message == nil || !strings.HasPrefix(*f.Message, "Member ") {
					t.Errorf("field %s: message %v", *f.Name, f.Message)
				}
			}
			slices.Sort(names)
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Errorf("fieldList names (-want +got):\n%s\n%s", diff, ve.ErrorMessage())
			}
			if ae := api.APIError(ve); ae.HTTPStatus() != 400 || ae.ErrorCode() != "ValidationException" || ae.ErrorFault() != api.FaultClient {
				t.Errorf("status %d code %s", ae.HTTPStatus(), ae.ErrorCode())
			}
		})
	}
	if len(ops) < 15 {
		t.Errorf("the cases cover %d operations, want at least 15", len(ops))
	}
}

// TestValidationMessages: the texts follow AWS's.
func TestValidationMessages(t *testing.T) {
	err := api.Validate(&api.GetMembershipInput{})
	want := "1 validation error detected: Value null at 'membershipIdentifier' failed to satisfy constraint: Member must not be null"
	if err == nil || err.(*api.ValidationException).ErrorMessage() != want {
		t.Errorf("message %v, want %q", err, want)
	}

	err = api.Validate(&api.ListCollaborationsInput{MaxResults: p(int32(0)), MemberStatus: "NOPE"})
	msg := err.(*api.ValidationException).ErrorMessage()
	for _, s := range []string{
		"2 validation errors detected: ",
		"Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
		"Value 'NOPE' at 'memberStatus' failed to satisfy constraint: Member must satisfy enum value set: [",
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}

	err = api.Validate(&api.CreateAnalysisTemplateInput{MembershipIdentifier: p(uuid), Name: p("t"), Format: "SQL", Source: &api.AnalysisSource{}})
	if msg := err.(*api.ValidationException).ErrorMessage(); !strings.Contains(msg, "must have exactly one of [artifacts, text] set") {
		t.Errorf("union message %q", msg)
	}

	// Long values are cut short in messages, on a character boundary.
	long := "a" + strings.Repeat("é", 100)
	err = api.Validate(mod(collaboration(), func(in *api.CreateCollaborationInput) { in.Name = p(long) }))
	msg = err.(*api.ValidationException).ErrorMessage()
	if strings.Contains(msg, long) || !strings.Contains(msg, "...") {
		t.Errorf("the value is not cut short: %q", msg)
	}
	if !utf8.ValidString(msg) {
		t.Errorf("the message is not valid UTF-8 (a character was cut in two): %q", msg)
	}
}

// TestValidationReportsAtMost20: a hostile input gets a bounded answer.
func TestValidationReportsAtMost20(t *testing.T) {
	in := collaboration()
	in.Members = nil
	for range 50 {
		in.Members = append(in.Members, api.MemberSpecification{AccountId: p("x"), MemberAbilities: []api.MemberAbility{}})
	}
	err := api.Validate(in).(*api.ValidationException)
	if len(err.FieldList) != 20 || !strings.HasPrefix(err.ErrorMessage(), "20 validation errors detected") {
		t.Errorf("%d fields, message %.60q", len(err.FieldList), err.ErrorMessage())
	}
}

func TestFieldError(t *testing.T) {
	err := api.FieldError("members.0.accountId", "Value at 'members.0.accountId' failed to satisfy constraint: Member must be of type string")
	var ve *api.ValidationException
	if !errors.As(err, &ve) || len(ve.FieldList) != 1 || *ve.FieldList[0].Name != "members.0.accountId" ||
		ve.Reason != api.ValidationExceptionReasonFieldValidationFailed ||
		!strings.HasPrefix(ve.ErrorMessage(), "1 validation error detected: Value at 'members.0.accountId'") {
		t.Errorf("got %#v", err)
	}
}
