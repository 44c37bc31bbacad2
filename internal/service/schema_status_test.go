package service

import (
	"fmt"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

func TestSchemaStatus(t *testing.T) {
	agg := func(additional string) *cleanrooms.TableAnalysisRule {
		return &cleanrooms.TableAnalysisRule{Type: cleanrooms.RuleAggregation, Policy: cleanrooms.TablePolicy{
			Aggregation: &cleanrooms.AggregationPolicy{AdditionalAnalyses: additional}}}
	}
	custom := func(c cleanrooms.CustomPolicy) *cleanrooms.TableAnalysisRule {
		return &cleanrooms.TableAnalysisRule{Type: cleanrooms.RuleCustom, Policy: cleanrooms.TablePolicy{Custom: &c}}
	}
	arule := func(typ string, p cleanrooms.AssociationPolicy) []cleanrooms.AssociationAnalysisRule {
		return []cleanrooms.AssociationAnalysisRule{{Type: typ, Policy: p}}
	}
	receiver := &cleanrooms.Member{Status: cleanrooms.MemberActive, Abilities: []string{"CAN_RECEIVE_RESULTS"}}
	contributor := &cleanrooms.Member{Status: cleanrooms.MemberActive, Abilities: []string{}}
	dp := &cleanrooms.DifferentialPrivacyPolicy{Columns: []cleanrooms.DifferentialPrivacyColumn{{Name: "a"}}}
	cases := []struct {
		name string
		in   statusInput
		want string // DIRECT_ANALYSIS status and reasons, then ADDITIONAL_ANALYSIS's
	}{
		{"no rule", statusInput{}, "DIRECT_ANALYSIS NOT_READY [ANALYSIS_RULE_MISSING]"},
		{"aggregation, no association rule", statusInput{tableRule: agg("")}, "DIRECT_ANALYSIS READY []"},
		{"custom with templates of another collaboration", statusInput{tableRule: custom(cleanrooms.CustomPolicy{AllowedAnalyses: []string{"arn:x"}})},
			"DIRECT_ANALYSIS NOT_READY [ANALYSIS_TEMPLATES_NOT_CONFIGURED]"},
		{"custom with a template here", statusInput{hasTemplate: true, tableRule: custom(cleanrooms.CustomPolicy{AllowedAnalyses: []string{"arn:x"}})},
			"DIRECT_ANALYSIS READY []"},
		{"ANY_QUERY without providers", statusInput{tableRule: custom(cleanrooms.CustomPolicy{AllowedAnalyses: []string{"ANY_QUERY"}})},
			"DIRECT_ANALYSIS NOT_READY [ANALYSIS_PROVIDERS_NOT_CONFIGURED]"},
		{"ANY_QUERY with providers", statusInput{tableRule: custom(cleanrooms.CustomPolicy{AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{"1"}})},
			"DIRECT_ANALYSIS READY []"},
		{"differential privacy without a budget template", statusInput{tableRule: custom(cleanrooms.CustomPolicy{AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{"1"}, DifferentialPrivacy: dp})},
			"DIRECT_ANALYSIS NOT_READY [DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED]"},
		{"differential privacy with one", statusInput{hasDPTemplate: true, tableRule: custom(cleanrooms.CustomPolicy{AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{"1"}, DifferentialPrivacy: dp})},
			"DIRECT_ANALYSIS READY [] [DIFFERENTIAL_PRIVACY]"},
		{"association rule of another type", statusInput{tableRule: agg(""), associationRules: arule(cleanrooms.RuleList, cleanrooms.AssociationPolicy{AllowedResultReceivers: []string{"1"}})},
			"DIRECT_ANALYSIS NOT_READY [ANALYSIS_RULE_TYPES_NOT_COMPATIBLE]"},
		{"no receivers", statusInput{tableRule: agg(""), associationRules: arule(cleanrooms.RuleAggregation, cleanrooms.AssociationPolicy{})},
			"DIRECT_ANALYSIS NOT_READY [RESULT_RECEIVERS_NOT_CONFIGURED]"},
		{"a receiver that cannot receive", statusInput{tableRule: agg(""), members: map[string]*cleanrooms.Member{"1": receiver, "2": contributor},
			associationRules: arule(cleanrooms.RuleAggregation, cleanrooms.AssociationPolicy{AllowedResultReceivers: []string{"1", "2"}})},
			"DIRECT_ANALYSIS NOT_READY [RESULT_RECEIVERS_NOT_ALLOWED]"},
		{"a receiver that is no member", statusInput{tableRule: agg(""), members: map[string]*cleanrooms.Member{},
			associationRules: arule(cleanrooms.RuleAggregation, cleanrooms.AssociationPolicy{AllowedResultReceivers: []string{"9"}})},
			"DIRECT_ANALYSIS NOT_READY [RESULT_RECEIVERS_NOT_ALLOWED]"},
		{"receivers allowed", statusInput{tableRule: agg(""), members: map[string]*cleanrooms.Member{"1": receiver},
			associationRules: arule(cleanrooms.RuleAggregation, cleanrooms.AssociationPolicy{AllowedResultReceivers: []string{"1"}})},
			"DIRECT_ANALYSIS READY []"},
		{"additional analyses required", statusInput{tableRule: agg("REQUIRED"), members: map[string]*cleanrooms.Member{"1": receiver},
			associationRules: arule(cleanrooms.RuleAggregation, cleanrooms.AssociationPolicy{AllowedResultReceivers: []string{"1"}, AllowedAdditionalAnalyses: []string{"arn:a"}})},
			"DIRECT_ANALYSIS NOT_READY [RESULT_RECEIVERS_NOT_ALLOWED]; ADDITIONAL_ANALYSIS READY []"},
		{"additional analyses allowed without an association rule", statusInput{tableRule: agg("ALLOWED")},
			"DIRECT_ANALYSIS READY []; ADDITIONAL_ANALYSIS NOT_READY [COLLABORATION_ANALYSIS_RULE_NOT_CONFIGURED]"},
		{"additional analyses allowed, none listed", statusInput{tableRule: agg("ALLOWED"), members: map[string]*cleanrooms.Member{"1": receiver},
			associationRules: arule(cleanrooms.RuleAggregation, cleanrooms.AssociationPolicy{AllowedResultReceivers: []string{"1"}})},
			"DIRECT_ANALYSIS READY []; ADDITIONAL_ANALYSIS NOT_READY [ADDITIONAL_ANALYSES_NOT_CONFIGURED]"},
		{"additional analyses listed but not allowed", statusInput{tableRule: agg("NOT_ALLOWED"), members: map[string]*cleanrooms.Member{"1": receiver},
			associationRules: arule(cleanrooms.RuleAggregation, cleanrooms.AssociationPolicy{AllowedResultReceivers: []string{"1"}, AllowedAdditionalAnalyses: []string{"arn:a"}})},
			"DIRECT_ANALYSIS READY []; ADDITIONAL_ANALYSIS NOT_READY [ADDITIONAL_ANALYSES_NOT_ALLOWED]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := formatStatus(schemaStatus(c.in)); got != c.want {
				t.Errorf("status = %s\nwant %s", got, c.want)
			}
		})
	}
}

func formatStatus(ds []api.SchemaStatusDetail) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += "; "
		}
		var codes []string
		for _, r := range d.Reasons {
			codes = append(codes, string(r.Code))
			if r.Message == nil || *r.Message == "" {
				codes = append(codes, "(no message)")
			}
		}
		s += fmt.Sprintf("%s %s %v", d.AnalysisType, d.Status, codes)
		if d.Configurations != nil {
			s += fmt.Sprintf(" %v", d.Configurations)
		}
	}
	if s == "" {
		s = "none"
	}
	return s
}
