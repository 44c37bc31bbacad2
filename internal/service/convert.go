package service

import (
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Mapping between domain records and wire shapes. Optional wire members
// are set only when the record has them, so unset members stay absent.

func str(s string) *string { return &s }

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ts(t time.Time) *api.Timestamp { return api.NewTimestamp(t) }

func strings2[T ~string](in []string) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, s := range in {
		out[i] = T(s)
	}
	return out
}

func fromEnums[T ~string](in []T) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}

func mlAbilities(in []string) *api.MLMemberAbilities {
	if in == nil {
		return nil
	}
	return &api.MLMemberAbilities{CustomMLMemberAbilities: strings2[api.CustomMLMemberAbility](in)}
}

func toCollaboration(c *cleanrooms.Collaboration, me *cleanrooms.Member) *api.Collaboration {
	out := &api.Collaboration{
		Id:                      str(c.ID),
		Arn:                     str(collaborationARN(c.Region, c.CreatorAccountID, c.ID)),
		Name:                    str(c.Name),
		Description:             optStr(c.Description),
		CreatorAccountId:        str(c.CreatorAccountID),
		CreatorDisplayName:      str(c.CreatorDisplayName),
		CreateTime:              ts(c.CreateTime),
		UpdateTime:              ts(c.UpdateTime),
		MemberStatus:            api.MemberStatus(me.Status),
		QueryLogStatus:          api.CollaborationQueryLogStatus(c.QueryLogStatus),
		JobLogStatus:            api.CollaborationJobLogStatus(c.JobLogStatus),
		AnalyticsEngine:         api.AnalyticsEngine(c.AnalyticsEngine),
		AutoApprovedChangeTypes: strings2[api.AutoApprovedChangeType](c.AutoApprovedChangeTypes),
		AllowedResultRegions:    strings2[api.SupportedS3Region](c.AllowedResultRegions),
		IsMetricsEnabled:        c.IsMetricsEnabled,
	}
	if d := c.DataEncryption; d != nil {
		out.DataEncryptionMetadata = &api.DataEncryptionMetadata{
			AllowCleartext:                        &d.AllowCleartext,
			AllowDuplicates:                       &d.AllowDuplicates,
			AllowJoinsOnColumnsWithDifferentNames: &d.AllowJoinsOnColumnsWithDifferentNames,
			PreserveNulls:                         &d.PreserveNulls,
		}
	}
	if me.MembershipID != "" {
		out.MembershipId = str(me.MembershipID)
		out.MembershipArn = str(membershipARN(c.Region, me.AccountID, me.MembershipID))
	}
	return out
}

func toCollaborationSummary(c *cleanrooms.Collaboration, me *cleanrooms.Member) api.CollaborationSummary {
	full := toCollaboration(c, me)
	return api.CollaborationSummary{
		Id: full.Id, Arn: full.Arn, Name: full.Name,
		CreatorAccountId: full.CreatorAccountId, CreatorDisplayName: full.CreatorDisplayName,
		CreateTime: full.CreateTime, UpdateTime: full.UpdateTime, MemberStatus: full.MemberStatus,
		MembershipId: full.MembershipId, MembershipArn: full.MembershipArn, AnalyticsEngine: full.AnalyticsEngine,
	}
}

func boolPtr(b bool) *bool { return &b }

func toPaymentConfiguration(p cleanrooms.PaymentConfig) *api.PaymentConfiguration {
	out := &api.PaymentConfiguration{QueryCompute: &api.QueryComputePaymentConfig{IsResponsible: boolPtr(p.QueryCompute)}}
	if p.JobCompute != nil {
		out.JobCompute = &api.JobComputePaymentConfig{IsResponsible: p.JobCompute}
	}
	if p.ModelTraining != nil || p.ModelInference != nil || p.SyntheticDataGeneration != nil {
		ml := &api.MLPaymentConfig{}
		if p.ModelTraining != nil {
			ml.ModelTraining = &api.ModelTrainingPaymentConfig{IsResponsible: p.ModelTraining}
		}
		if p.ModelInference != nil {
			ml.ModelInference = &api.ModelInferencePaymentConfig{IsResponsible: p.ModelInference}
		}
		if p.SyntheticDataGeneration != nil {
			ml.SyntheticDataGeneration = &api.SyntheticDataGenerationPaymentConfig{IsResponsible: p.SyntheticDataGeneration}
		}
		out.MachineLearning = ml
	}
	return out
}

func toMembershipPayment(p cleanrooms.PaymentConfig) *api.MembershipPaymentConfiguration {
	c := toPaymentConfiguration(p)
	out := &api.MembershipPaymentConfiguration{QueryCompute: &api.MembershipQueryComputePaymentConfig{IsResponsible: c.QueryCompute.IsResponsible}}
	if c.JobCompute != nil {
		out.JobCompute = &api.MembershipJobComputePaymentConfig{IsResponsible: c.JobCompute.IsResponsible}
	}
	if ml := c.MachineLearning; ml != nil {
		out.MachineLearning = &api.MembershipMLPaymentConfig{}
		if ml.ModelTraining != nil {
			out.MachineLearning.ModelTraining = &api.MembershipModelTrainingPaymentConfig{IsResponsible: ml.ModelTraining.IsResponsible}
		}
		if ml.ModelInference != nil {
			out.MachineLearning.ModelInference = &api.MembershipModelInferencePaymentConfig{IsResponsible: ml.ModelInference.IsResponsible}
		}
		if ml.SyntheticDataGeneration != nil {
			out.MachineLearning.SyntheticDataGeneration = &api.MembershipSyntheticDataGenerationPaymentConfig{IsResponsible: ml.SyntheticDataGeneration.IsResponsible}
		}
	}
	return out
}

func toMemberSummary(c *cleanrooms.Collaboration, m *cleanrooms.Member) api.MemberSummary {
	out := api.MemberSummary{
		AccountId:            str(m.AccountID),
		Status:               api.MemberStatus(m.Status),
		DisplayName:          str(m.DisplayName),
		Abilities:            strings2[api.MemberAbility](m.Abilities),
		MlAbilities:          mlAbilities(m.MLAbilities),
		CreateTime:           ts(m.CreateTime),
		UpdateTime:           ts(m.UpdateTime),
		PaymentConfiguration: toPaymentConfiguration(m.Payment),
	}
	if m.MembershipID != "" {
		out.MembershipId = str(m.MembershipID)
		out.MembershipArn = str(membershipARN(c.Region, m.AccountID, m.MembershipID))
	}
	return out
}

func toMembership(ms *cleanrooms.Membership, c *cleanrooms.Collaboration, row *cleanrooms.Member) *api.Membership {
	return &api.Membership{
		Id:                              str(ms.ID),
		Arn:                             str(membershipARN(ms.Region, ms.AccountID, ms.ID)),
		CollaborationArn:                str(collaborationARN(c.Region, c.CreatorAccountID, c.ID)),
		CollaborationId:                 str(c.ID),
		CollaborationCreatorAccountId:   str(c.CreatorAccountID),
		CollaborationCreatorDisplayName: str(c.CreatorDisplayName),
		CollaborationName:               str(c.Name),
		CreateTime:                      ts(ms.CreateTime),
		UpdateTime:                      ts(ms.UpdateTime),
		Status:                          api.MembershipStatus(ms.Status),
		MemberAbilities:                 strings2[api.MemberAbility](row.Abilities),
		MlMemberAbilities:               mlAbilities(row.MLAbilities),
		QueryLogStatus:                  api.MembershipQueryLogStatus(ms.QueryLogStatus),
		JobLogStatus:                    api.MembershipJobLogStatus(ms.JobLogStatus),
		DefaultResultConfiguration:      toResultConfig(ms.DefaultResultConfig),
		DefaultJobResultConfiguration:   toJobResultConfig(ms.DefaultJobResultConfig),
		PaymentConfiguration:            toMembershipPayment(ms.Payment),
		IsMetricsEnabled:                ms.IsMetricsEnabled,
	}
}

func toMembershipSummary(ms *cleanrooms.Membership, c *cleanrooms.Collaboration, row *cleanrooms.Member) api.MembershipSummary {
	f := toMembership(ms, c, row)
	return api.MembershipSummary{
		Id: f.Id, Arn: f.Arn, CollaborationArn: f.CollaborationArn, CollaborationId: f.CollaborationId,
		CollaborationCreatorAccountId: f.CollaborationCreatorAccountId, CollaborationCreatorDisplayName: f.CollaborationCreatorDisplayName,
		CollaborationName: f.CollaborationName, CreateTime: f.CreateTime, UpdateTime: f.UpdateTime, Status: f.Status,
		MemberAbilities: f.MemberAbilities, MlMemberAbilities: f.MlMemberAbilities, PaymentConfiguration: f.PaymentConfiguration,
	}
}

func toResultConfig(r *cleanrooms.ResultConfig) *api.MembershipProtectedQueryResultConfiguration {
	if r == nil {
		return nil
	}
	out := &api.MembershipProtectedQueryResultConfiguration{
		OutputConfiguration: &api.MembershipProtectedQueryOutputConfiguration{},
		RoleArn:             optStr(r.RoleArn),
	}
	if s := r.S3; s != nil {
		out.OutputConfiguration.S3 = &api.ProtectedQueryS3OutputConfiguration{
			Bucket: str(s.Bucket), KeyPrefix: s.KeyPrefix, ResultFormat: api.ResultFormat(s.ResultFormat), SingleFileOutput: s.SingleFileOutput,
		}
	}
	return out
}

func fromResultConfig(r *api.MembershipProtectedQueryResultConfiguration) *cleanrooms.ResultConfig {
	if r == nil {
		return nil
	}
	out := &cleanrooms.ResultConfig{}
	if r.RoleArn != nil {
		out.RoleArn = *r.RoleArn
	}
	if s := r.OutputConfiguration.S3; s != nil {
		out.S3 = &cleanrooms.S3Output{Bucket: *s.Bucket, KeyPrefix: s.KeyPrefix, ResultFormat: string(s.ResultFormat), SingleFileOutput: s.SingleFileOutput}
	}
	return out
}

func toJobResultConfig(r *cleanrooms.JobResultConfig) *api.MembershipProtectedJobResultConfiguration {
	if r == nil {
		return nil
	}
	out := &api.MembershipProtectedJobResultConfiguration{
		OutputConfiguration: &api.MembershipProtectedJobOutputConfiguration{},
		RoleArn:             str(r.RoleArn),
	}
	if s := r.S3; s != nil {
		out.OutputConfiguration.S3 = &api.ProtectedJobS3OutputConfigurationInput{Bucket: str(s.Bucket), KeyPrefix: s.KeyPrefix}
	}
	return out
}

func fromJobResultConfig(r *api.MembershipProtectedJobResultConfiguration) *cleanrooms.JobResultConfig {
	if r == nil {
		return nil
	}
	out := &cleanrooms.JobResultConfig{RoleArn: *r.RoleArn}
	if s := r.OutputConfiguration.S3; s != nil {
		out.S3 = &cleanrooms.S3Output{Bucket: *s.Bucket, KeyPrefix: s.KeyPrefix}
	}
	return out
}
