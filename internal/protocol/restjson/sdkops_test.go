package restjson_test

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
)

// sdkCall calls one operation of the real Go SDK client.
type sdkCall struct {
	newInput func() any // a new *cleanrooms.XInput
	call     func(ctx context.Context, c *cleanrooms.Client, in any) (out any, err error)
}

// sdkOp adapts a client method expression such as
// (*cleanrooms.Client).GetMembership; it does not compile if the SDK lacks
// the operation or its shapes change.
func sdkOp[I, O any](m func(*cleanrooms.Client, context.Context, *I, ...func(*cleanrooms.Options)) (*O, error)) sdkCall {
	return sdkCall{
		newInput: func() any { return new(I) },
		call: func(ctx context.Context, c *cleanrooms.Client, in any) (any, error) {
			out, err := m(c, ctx, in.(*I))
			if out == nil {
				return nil, err
			}
			return out, err
		},
	}
}

// sdkOps has one entry per operation of the model; TestSDKOpsCoverModel
// fails when api.Operations and this table disagree.
var sdkOps = map[string]sdkCall{
	"BatchGetCollaborationAnalysisTemplate":                sdkOp((*cleanrooms.Client).BatchGetCollaborationAnalysisTemplate),
	"BatchGetSchema":                                       sdkOp((*cleanrooms.Client).BatchGetSchema),
	"BatchGetSchemaAnalysisRule":                           sdkOp((*cleanrooms.Client).BatchGetSchemaAnalysisRule),
	"CreateAnalysisTemplate":                               sdkOp((*cleanrooms.Client).CreateAnalysisTemplate),
	"CreateCollaboration":                                  sdkOp((*cleanrooms.Client).CreateCollaboration),
	"CreateCollaborationChangeRequest":                     sdkOp((*cleanrooms.Client).CreateCollaborationChangeRequest),
	"CreateConfiguredAudienceModelAssociation":             sdkOp((*cleanrooms.Client).CreateConfiguredAudienceModelAssociation),
	"CreateConfiguredTable":                                sdkOp((*cleanrooms.Client).CreateConfiguredTable),
	"CreateConfiguredTableAnalysisRule":                    sdkOp((*cleanrooms.Client).CreateConfiguredTableAnalysisRule),
	"CreateConfiguredTableAssociation":                     sdkOp((*cleanrooms.Client).CreateConfiguredTableAssociation),
	"CreateConfiguredTableAssociationAnalysisRule":         sdkOp((*cleanrooms.Client).CreateConfiguredTableAssociationAnalysisRule),
	"CreateIdMappingTable":                                 sdkOp((*cleanrooms.Client).CreateIdMappingTable),
	"CreateIdNamespaceAssociation":                         sdkOp((*cleanrooms.Client).CreateIdNamespaceAssociation),
	"CreateMembership":                                     sdkOp((*cleanrooms.Client).CreateMembership),
	"CreatePrivacyBudgetTemplate":                          sdkOp((*cleanrooms.Client).CreatePrivacyBudgetTemplate),
	"DeleteAnalysisTemplate":                               sdkOp((*cleanrooms.Client).DeleteAnalysisTemplate),
	"DeleteCollaboration":                                  sdkOp((*cleanrooms.Client).DeleteCollaboration),
	"DeleteConfiguredAudienceModelAssociation":             sdkOp((*cleanrooms.Client).DeleteConfiguredAudienceModelAssociation),
	"DeleteConfiguredTable":                                sdkOp((*cleanrooms.Client).DeleteConfiguredTable),
	"DeleteConfiguredTableAnalysisRule":                    sdkOp((*cleanrooms.Client).DeleteConfiguredTableAnalysisRule),
	"DeleteConfiguredTableAssociation":                     sdkOp((*cleanrooms.Client).DeleteConfiguredTableAssociation),
	"DeleteConfiguredTableAssociationAnalysisRule":         sdkOp((*cleanrooms.Client).DeleteConfiguredTableAssociationAnalysisRule),
	"DeleteIdMappingTable":                                 sdkOp((*cleanrooms.Client).DeleteIdMappingTable),
	"DeleteIdNamespaceAssociation":                         sdkOp((*cleanrooms.Client).DeleteIdNamespaceAssociation),
	"DeleteMember":                                         sdkOp((*cleanrooms.Client).DeleteMember),
	"DeleteMembership":                                     sdkOp((*cleanrooms.Client).DeleteMembership),
	"DeletePrivacyBudgetTemplate":                          sdkOp((*cleanrooms.Client).DeletePrivacyBudgetTemplate),
	"GetAnalysisTemplate":                                  sdkOp((*cleanrooms.Client).GetAnalysisTemplate),
	"GetCollaboration":                                     sdkOp((*cleanrooms.Client).GetCollaboration),
	"GetCollaborationAnalysisTemplate":                     sdkOp((*cleanrooms.Client).GetCollaborationAnalysisTemplate),
	"GetCollaborationChangeRequest":                        sdkOp((*cleanrooms.Client).GetCollaborationChangeRequest),
	"GetCollaborationConfiguredAudienceModelAssociation":   sdkOp((*cleanrooms.Client).GetCollaborationConfiguredAudienceModelAssociation),
	"GetCollaborationIdNamespaceAssociation":               sdkOp((*cleanrooms.Client).GetCollaborationIdNamespaceAssociation),
	"GetCollaborationPrivacyBudgetTemplate":                sdkOp((*cleanrooms.Client).GetCollaborationPrivacyBudgetTemplate),
	"GetConfiguredAudienceModelAssociation":                sdkOp((*cleanrooms.Client).GetConfiguredAudienceModelAssociation),
	"GetConfiguredTable":                                   sdkOp((*cleanrooms.Client).GetConfiguredTable),
	"GetConfiguredTableAnalysisRule":                       sdkOp((*cleanrooms.Client).GetConfiguredTableAnalysisRule),
	"GetConfiguredTableAssociation":                        sdkOp((*cleanrooms.Client).GetConfiguredTableAssociation),
	"GetConfiguredTableAssociationAnalysisRule":            sdkOp((*cleanrooms.Client).GetConfiguredTableAssociationAnalysisRule),
	"GetIdMappingTable":                                    sdkOp((*cleanrooms.Client).GetIdMappingTable),
	"GetIdNamespaceAssociation":                            sdkOp((*cleanrooms.Client).GetIdNamespaceAssociation),
	"GetMembership":                                        sdkOp((*cleanrooms.Client).GetMembership),
	"GetPrivacyBudgetTemplate":                             sdkOp((*cleanrooms.Client).GetPrivacyBudgetTemplate),
	"GetProtectedJob":                                      sdkOp((*cleanrooms.Client).GetProtectedJob),
	"GetProtectedQuery":                                    sdkOp((*cleanrooms.Client).GetProtectedQuery),
	"GetSchema":                                            sdkOp((*cleanrooms.Client).GetSchema),
	"GetSchemaAnalysisRule":                                sdkOp((*cleanrooms.Client).GetSchemaAnalysisRule),
	"ListAnalysisTemplates":                                sdkOp((*cleanrooms.Client).ListAnalysisTemplates),
	"ListCollaborationAnalysisTemplates":                   sdkOp((*cleanrooms.Client).ListCollaborationAnalysisTemplates),
	"ListCollaborationChangeRequests":                      sdkOp((*cleanrooms.Client).ListCollaborationChangeRequests),
	"ListCollaborationConfiguredAudienceModelAssociations": sdkOp((*cleanrooms.Client).ListCollaborationConfiguredAudienceModelAssociations),
	"ListCollaborationIdNamespaceAssociations":             sdkOp((*cleanrooms.Client).ListCollaborationIdNamespaceAssociations),
	"ListCollaborationPrivacyBudgetTemplates":              sdkOp((*cleanrooms.Client).ListCollaborationPrivacyBudgetTemplates),
	"ListCollaborationPrivacyBudgets":                      sdkOp((*cleanrooms.Client).ListCollaborationPrivacyBudgets),
	"ListCollaborations":                                   sdkOp((*cleanrooms.Client).ListCollaborations),
	"ListConfiguredAudienceModelAssociations":              sdkOp((*cleanrooms.Client).ListConfiguredAudienceModelAssociations),
	"ListConfiguredTableAssociations":                      sdkOp((*cleanrooms.Client).ListConfiguredTableAssociations),
	"ListConfiguredTables":                                 sdkOp((*cleanrooms.Client).ListConfiguredTables),
	"ListIdMappingTables":                                  sdkOp((*cleanrooms.Client).ListIdMappingTables),
	"ListIdNamespaceAssociations":                          sdkOp((*cleanrooms.Client).ListIdNamespaceAssociations),
	"ListMembers":                                          sdkOp((*cleanrooms.Client).ListMembers),
	"ListMemberships":                                      sdkOp((*cleanrooms.Client).ListMemberships),
	"ListPrivacyBudgetTemplates":                           sdkOp((*cleanrooms.Client).ListPrivacyBudgetTemplates),
	"ListPrivacyBudgets":                                   sdkOp((*cleanrooms.Client).ListPrivacyBudgets),
	"ListProtectedJobs":                                    sdkOp((*cleanrooms.Client).ListProtectedJobs),
	"ListProtectedQueries":                                 sdkOp((*cleanrooms.Client).ListProtectedQueries),
	"ListSchemas":                                          sdkOp((*cleanrooms.Client).ListSchemas),
	"ListTagsForResource":                                  sdkOp((*cleanrooms.Client).ListTagsForResource),
	"PopulateIdMappingTable":                               sdkOp((*cleanrooms.Client).PopulateIdMappingTable),
	"PreviewPrivacyImpact":                                 sdkOp((*cleanrooms.Client).PreviewPrivacyImpact),
	"StartProtectedJob":                                    sdkOp((*cleanrooms.Client).StartProtectedJob),
	"StartProtectedQuery":                                  sdkOp((*cleanrooms.Client).StartProtectedQuery),
	"TagResource":                                          sdkOp((*cleanrooms.Client).TagResource),
	"UntagResource":                                        sdkOp((*cleanrooms.Client).UntagResource),
	"UpdateAnalysisTemplate":                               sdkOp((*cleanrooms.Client).UpdateAnalysisTemplate),
	"UpdateCollaboration":                                  sdkOp((*cleanrooms.Client).UpdateCollaboration),
	"UpdateCollaborationChangeRequest":                     sdkOp((*cleanrooms.Client).UpdateCollaborationChangeRequest),
	"UpdateConfiguredAudienceModelAssociation":             sdkOp((*cleanrooms.Client).UpdateConfiguredAudienceModelAssociation),
	"UpdateConfiguredTable":                                sdkOp((*cleanrooms.Client).UpdateConfiguredTable),
	"UpdateConfiguredTableAnalysisRule":                    sdkOp((*cleanrooms.Client).UpdateConfiguredTableAnalysisRule),
	"UpdateConfiguredTableAssociation":                     sdkOp((*cleanrooms.Client).UpdateConfiguredTableAssociation),
	"UpdateConfiguredTableAssociationAnalysisRule":         sdkOp((*cleanrooms.Client).UpdateConfiguredTableAssociationAnalysisRule),
	"UpdateIdMappingTable":                                 sdkOp((*cleanrooms.Client).UpdateIdMappingTable),
	"UpdateIdNamespaceAssociation":                         sdkOp((*cleanrooms.Client).UpdateIdNamespaceAssociation),
	"UpdateMembership":                                     sdkOp((*cleanrooms.Client).UpdateMembership),
	"UpdatePrivacyBudgetTemplate":                          sdkOp((*cleanrooms.Client).UpdatePrivacyBudgetTemplate),
	"UpdateProtectedJob":                                   sdkOp((*cleanrooms.Client).UpdateProtectedJob),
	"UpdateProtectedQuery":                                 sdkOp((*cleanrooms.Client).UpdateProtectedQuery),
}
