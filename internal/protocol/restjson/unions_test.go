package restjson_test

import (
	"reflect"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// unionTable lists, for each union of the SDK (an interface), the types
// that implement it; Go reflection cannot enumerate them. Written from the
// SDK's types/types.go; a union missing here makes the filler fail.
type unionTable map[reflect.Type][]reflect.Type

type unionEntry struct {
	iface   reflect.Type
	members []reflect.Type
}

func union[I any](members ...I) unionEntry {
	e := unionEntry{iface: reflect.TypeFor[I]()}
	for _, m := range members {
		e.members = append(e.members, reflect.TypeOf(m).Elem())
	}
	return e
}

func newUnionTable(entries ...unionEntry) unionTable {
	t := unionTable{}
	for _, e := range entries {
		t[e.iface] = e.members
	}
	return t
}

var sdkUnions = newUnionTable(
	union[types.AnalysisRulePolicy](
		&types.AnalysisRulePolicyMemberV1{},
	),
	union[types.AnalysisRulePolicyV1](
		&types.AnalysisRulePolicyV1MemberAggregation{},
		&types.AnalysisRulePolicyV1MemberCustom{},
		&types.AnalysisRulePolicyV1MemberIdMappingTable{},
		&types.AnalysisRulePolicyV1MemberList{},
	),
	union[types.AnalysisSource](
		&types.AnalysisSourceMemberArtifacts{},
		&types.AnalysisSourceMemberText{},
	),
	union[types.AnalysisSourceMetadata](
		&types.AnalysisSourceMetadataMemberArtifacts{},
	),
	union[types.ChangeSpecification](
		&types.ChangeSpecificationMemberCollaboration{},
		&types.ChangeSpecificationMemberMember{},
	),
	union[types.ComputeConfiguration](
		&types.ComputeConfigurationMemberWorker{},
	),
	union[types.ConfigurationDetails](
		&types.ConfigurationDetailsMemberDirectAnalysisConfigurationDetails{},
	),
	union[types.ConfiguredTableAnalysisRulePolicy](
		&types.ConfiguredTableAnalysisRulePolicyMemberV1{},
	),
	union[types.ConfiguredTableAnalysisRulePolicyV1](
		&types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{},
		&types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{},
		&types.ConfiguredTableAnalysisRulePolicyV1MemberList{},
	),
	union[types.ConfiguredTableAssociationAnalysisRulePolicy](
		&types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{},
	),
	union[types.ConfiguredTableAssociationAnalysisRulePolicyV1](
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation{},
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom{},
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList{},
	),
	union[types.ConsolidatedPolicy](
		&types.ConsolidatedPolicyMemberV1{},
	),
	union[types.ConsolidatedPolicyV1](
		&types.ConsolidatedPolicyV1MemberAggregation{},
		&types.ConsolidatedPolicyV1MemberCustom{},
		&types.ConsolidatedPolicyV1MemberList{},
	),
	union[types.MembershipProtectedJobOutputConfiguration](
		&types.MembershipProtectedJobOutputConfigurationMemberS3{},
	),
	union[types.MembershipProtectedQueryOutputConfiguration](
		&types.MembershipProtectedQueryOutputConfigurationMemberS3{},
	),
	union[types.PreviewPrivacyImpactParametersInput](
		&types.PreviewPrivacyImpactParametersInputMemberDifferentialPrivacy{},
	),
	union[types.PrivacyBudget](
		&types.PrivacyBudgetMemberAccessBudget{},
		&types.PrivacyBudgetMemberDifferentialPrivacy{},
	),
	union[types.PrivacyBudgetTemplateParametersInput](
		&types.PrivacyBudgetTemplateParametersInputMemberAccessBudget{},
		&types.PrivacyBudgetTemplateParametersInputMemberDifferentialPrivacy{},
	),
	union[types.PrivacyBudgetTemplateParametersOutput](
		&types.PrivacyBudgetTemplateParametersOutputMemberAccessBudget{},
		&types.PrivacyBudgetTemplateParametersOutputMemberDifferentialPrivacy{},
	),
	union[types.PrivacyBudgetTemplateUpdateParameters](
		&types.PrivacyBudgetTemplateUpdateParametersMemberAccessBudget{},
		&types.PrivacyBudgetTemplateUpdateParametersMemberDifferentialPrivacy{},
	),
	union[types.PrivacyImpact](
		&types.PrivacyImpactMemberDifferentialPrivacy{},
	),
	union[types.ProtectedJobComputeConfiguration](
		&types.ProtectedJobComputeConfigurationMemberWorker{},
	),
	union[types.ProtectedJobConfigurationDetails](
		&types.ProtectedJobConfigurationDetailsMemberDirectAnalysisConfigurationDetails{},
	),
	union[types.ProtectedJobOutput](
		&types.ProtectedJobOutputMemberMemberList{},
		&types.ProtectedJobOutputMemberS3{},
	),
	union[types.ProtectedJobOutputConfigurationInput](
		&types.ProtectedJobOutputConfigurationInputMemberMember{},
	),
	union[types.ProtectedJobOutputConfigurationOutput](
		&types.ProtectedJobOutputConfigurationOutputMemberMember{},
		&types.ProtectedJobOutputConfigurationOutputMemberS3{},
	),
	union[types.ProtectedQueryDistributeOutputConfigurationLocation](
		&types.ProtectedQueryDistributeOutputConfigurationLocationMemberMember{},
		&types.ProtectedQueryDistributeOutputConfigurationLocationMemberS3{},
	),
	union[types.ProtectedQueryOutput](
		&types.ProtectedQueryOutputMemberDistribute{},
		&types.ProtectedQueryOutputMemberMemberList{},
		&types.ProtectedQueryOutputMemberS3{},
	),
	union[types.ProtectedQueryOutputConfiguration](
		&types.ProtectedQueryOutputConfigurationMemberDistribute{},
		&types.ProtectedQueryOutputConfigurationMemberMember{},
		&types.ProtectedQueryOutputConfigurationMemberS3{},
	),
	union[types.QueryConstraint](
		&types.QueryConstraintMemberRequireOverlap{},
	),
	union[types.SchemaTypeProperties](
		&types.SchemaTypePropertiesMemberIdMappingTable{},
	),
	union[types.SnowflakeTableSchema](
		&types.SnowflakeTableSchemaMemberV1{},
	),
	union[types.SyntheticDataParameters](
		&types.SyntheticDataParametersMemberMlSyntheticDataParameters{},
	),
	union[types.TableReference](
		&types.TableReferenceMemberAthena{},
		&types.TableReferenceMemberGlue{},
		&types.TableReferenceMemberSnowflake{},
	),
	union[types.WorkerComputeConfigurationProperties](
		&types.WorkerComputeConfigurationPropertiesMemberSpark{},
	),
)
