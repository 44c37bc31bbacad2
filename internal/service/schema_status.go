package service

import (
	"slices"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// statusInput is the state a schema's status is computed from, on every
// read (dataplane 1.6): nothing about it is stored.
type statusInput struct {
	tableRule        *cleanrooms.TableAnalysisRule
	associationRules []cleanrooms.AssociationAnalysisRule
	// members are the collaboration's rows of the accounts the matching
	// association rule lists as result receivers.
	members map[string]*cleanrooms.Member
	// hasTemplate: a template ARN of the custom rule names a membership of
	// this collaboration.
	hasTemplate bool
	// hasDPTemplate: the collaboration has a differential privacy budget
	// template.
	hasDPTemplate bool
}

func reason(code api.SchemaStatusReasonCode, msg string) api.SchemaStatusReason {
	return api.SchemaStatusReason{Code: code, Message: str(msg)}
}

func detail(typ api.AnalysisType, ruleType string, reasons []api.SchemaStatusReason) api.SchemaStatusDetail {
	d := api.SchemaStatusDetail{AnalysisType: typ, AnalysisRuleType: api.AnalysisRuleType(ruleType), Status: api.SchemaStatusReady}
	if len(reasons) > 0 {
		d.Status, d.Reasons = api.SchemaStatusNotReady, reasons
	}
	return d
}

// schemaStatus is one DIRECT_ANALYSIS entry, plus an ADDITIONAL_ANALYSIS
// entry when the table's rule or an association rule speaks of
// additional analyses.
func schemaStatus(in statusInput) []api.SchemaStatusDetail {
	r := in.tableRule
	if r == nil {
		return []api.SchemaStatusDetail{detail(api.AnalysisTypeDirectAnalysis, "", []api.SchemaStatusReason{
			reason(api.SchemaStatusReasonCodeAnalysisRuleMissing, "The configured table has no analysis rule.")})}
	}
	var direct []api.SchemaStatusReason
	var configs []api.SchemaConfiguration
	additional := ""
	switch {
	case r.Policy.Aggregation != nil:
		additional = r.Policy.Aggregation.AdditionalAnalyses
	case r.Policy.List != nil:
		additional = r.Policy.List.AdditionalAnalyses
	case r.Policy.Custom != nil:
		c := r.Policy.Custom
		additional = c.AdditionalAnalyses
		anyAnalysis := slices.Contains(c.AllowedAnalyses, "ANY_QUERY") || slices.Contains(c.AllowedAnalyses, "ANY_JOB")
		if !anyAnalysis && !in.hasTemplate {
			direct = append(direct, reason(api.SchemaStatusReasonCodeAnalysisTemplatesNotConfigured,
				"The custom analysis rule allows no analysis template of this collaboration."))
		}
		if anyAnalysis && len(c.AllowedAnalysisProviders) == 0 {
			direct = append(direct, reason(api.SchemaStatusReasonCodeAnalysisProvidersNotConfigured,
				"The custom analysis rule allows any query but no analysis providers."))
		}
		if c.DifferentialPrivacy != nil {
			if in.hasDPTemplate {
				configs = []api.SchemaConfiguration{api.SchemaConfigurationDifferentialPrivacy}
			} else {
				direct = append(direct, reason(api.SchemaStatusReasonCodeDifferentialPrivacyPolicyNotConfigured,
					"Differential privacy needs a differential privacy budget template in the collaboration."))
			}
		}
	}
	var match *cleanrooms.AssociationAnalysisRule
	mismatch := false
	for i := range in.associationRules {
		if ar := &in.associationRules[i]; ar.Type == r.Type {
			match = ar
		} else {
			mismatch = true
		}
	}
	if mismatch {
		direct = append(direct, reason(api.SchemaStatusReasonCodeAnalysisRuleTypesNotCompatible,
			"A collaboration analysis rule of the association is not of the configured table's analysis rule type."))
	}
	if match != nil {
		switch {
		case additional == string(api.AdditionalAnalysesRequired):
			direct = append(direct, reason(api.SchemaStatusReasonCodeResultReceiversNotAllowed,
				"The analysis rule requires additional analyses, so results cannot be received directly."))
		case len(match.Policy.AllowedResultReceivers) == 0:
			direct = append(direct, reason(api.SchemaStatusReasonCodeResultReceiversNotConfigured,
				"The collaboration analysis rule allows no result receivers."))
		default:
			for _, acct := range match.Policy.AllowedResultReceivers {
				m := in.members[acct]
				if m == nil || m.Status != cleanrooms.MemberActive || !hasAbility(m.Abilities, api.MemberAbilityCanReceiveResults) {
					direct = append(direct, reason(api.SchemaStatusReasonCodeResultReceiversNotAllowed,
						"Account "+acct+" is not an active member that can receive results."))
					break
				}
			}
		}
	}
	d := detail(api.AnalysisTypeDirectAnalysis, r.Type, direct)
	if len(direct) == 0 {
		d.Configurations = configs
	}
	out := []api.SchemaStatusDetail{d}
	listsAdditional := match != nil && len(match.Policy.AllowedAdditionalAnalyses) > 0
	allows := additional == string(api.AdditionalAnalysesAllowed) || additional == string(api.AdditionalAnalysesRequired)
	if allows || listsAdditional {
		var add []api.SchemaStatusReason
		switch {
		case !allows:
			add = append(add, reason(api.SchemaStatusReasonCodeAdditionalAnalysesNotAllowed,
				"The configured table's analysis rule does not allow additional analyses."))
		case match == nil:
			add = append(add, reason(api.SchemaStatusReasonCodeCollaborationAnalysisRuleNotConfigured,
				"Additional analyses need a collaboration analysis rule on the association."))
		case !listsAdditional:
			add = append(add, reason(api.SchemaStatusReasonCodeAdditionalAnalysesNotConfigured,
				"The collaboration analysis rule allows no additional analyses."))
		}
		out = append(out, detail(api.AnalysisTypeAdditionalAnalysis, r.Type, add))
	}
	return out
}
