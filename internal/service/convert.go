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

// strSlab hands out the *string members of one output from one
// allocation instead of one each. Every pointer still has a slot of its
// own, so the members are as independent as with str; a slab that
// overflows its capacity only costs another allocation.
type strSlab struct{ s []string }

func newStrSlab(n int) strSlab { return strSlab{make([]string, 0, n)} }

func (b *strSlab) str(v string) *string {
	b.s = append(b.s, v)
	return &b.s[len(b.s)-1]
}

// ts2 is ts for a create and an update time, in one allocation.
func ts2(created, updated time.Time) (*api.Timestamp, *api.Timestamp) {
	t := &[2]api.Timestamp{{Time: created}, {Time: updated}}
	return &t[0], &t[1]
}

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
	out := new(api.Collaboration)
	fillCollaboration(out, c, me)
	return out
}

// fillCollaboration sets out from the records, its strings in one slab
// and its times in one pair.
func fillCollaboration(out *api.Collaboration, c *cleanrooms.Collaboration, me *cleanrooms.Member) {
	sl := newStrSlab(8)
	created, updated := ts2(c.CreateTime, c.UpdateTime)
	*out = api.Collaboration{
		Id:                      sl.str(c.ID),
		Arn:                     sl.str(collaborationARN(c.Region, c.CreatorAccountID, c.ID)),
		Name:                    sl.str(c.Name),
		CreatorAccountId:        sl.str(c.CreatorAccountID),
		CreatorDisplayName:      sl.str(c.CreatorDisplayName),
		CreateTime:              created,
		UpdateTime:              updated,
		MemberStatus:            api.MemberStatus(me.Status),
		QueryLogStatus:          api.CollaborationQueryLogStatus(c.QueryLogStatus),
		JobLogStatus:            api.CollaborationJobLogStatus(c.JobLogStatus),
		AnalyticsEngine:         api.AnalyticsEngine(c.AnalyticsEngine),
		AutoApprovedChangeTypes: strings2[api.AutoApprovedChangeType](c.AutoApprovedChangeTypes),
		AllowedResultRegions:    strings2[api.SupportedS3Region](c.AllowedResultRegions),
		IsMetricsEnabled:        c.IsMetricsEnabled,
	}
	if c.Description != "" {
		out.Description = sl.str(c.Description)
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
		out.MembershipId = sl.str(me.MembershipID)
		out.MembershipArn = sl.str(membershipARN(c.Region, me.AccountID, me.MembershipID))
	}
}

func toCollaborationSummary(c *cleanrooms.Collaboration, me *cleanrooms.Member) api.CollaborationSummary {
	var full api.Collaboration
	fillCollaboration(&full, c, me)
	return api.CollaborationSummary{
		Id: full.Id, Arn: full.Arn, Name: full.Name,
		CreatorAccountId: full.CreatorAccountId, CreatorDisplayName: full.CreatorDisplayName,
		CreateTime: full.CreateTime, UpdateTime: full.UpdateTime, MemberStatus: full.MemberStatus,
		MembershipId: full.MembershipId, MembershipArn: full.MembershipArn, AnalyticsEngine: full.AnalyticsEngine,
	}
}

func boolPtr(b bool) *bool { return &b }

func toPaymentConfiguration(p cleanrooms.PaymentConfig) *api.PaymentConfiguration {
	// The configuration, its query compute part and that part's flag in
	// one allocation.
	box := &struct {
		out api.PaymentConfiguration
		qc  api.QueryComputePaymentConfig
		b   bool
	}{b: p.QueryCompute}
	box.qc.IsResponsible = &box.b
	out := &box.out
	out.QueryCompute = &box.qc
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
	// The configuration, its query compute part and that part's flag in
	// one allocation; the optional parts share the record's pointers, as
	// toPaymentConfiguration does.
	box := &struct {
		out api.MembershipPaymentConfiguration
		qc  api.MembershipQueryComputePaymentConfig
		b   bool
	}{b: p.QueryCompute}
	box.qc.IsResponsible = &box.b
	out := &box.out
	out.QueryCompute = &box.qc
	if p.JobCompute != nil {
		out.JobCompute = &api.MembershipJobComputePaymentConfig{IsResponsible: p.JobCompute}
	}
	if p.ModelTraining != nil || p.ModelInference != nil || p.SyntheticDataGeneration != nil {
		ml := &api.MembershipMLPaymentConfig{}
		if p.ModelTraining != nil {
			ml.ModelTraining = &api.MembershipModelTrainingPaymentConfig{IsResponsible: p.ModelTraining}
		}
		if p.ModelInference != nil {
			ml.ModelInference = &api.MembershipModelInferencePaymentConfig{IsResponsible: p.ModelInference}
		}
		if p.SyntheticDataGeneration != nil {
			ml.SyntheticDataGeneration = &api.MembershipSyntheticDataGenerationPaymentConfig{IsResponsible: p.SyntheticDataGeneration}
		}
		out.MachineLearning = ml
	}
	return out
}

func toMemberSummary(c *cleanrooms.Collaboration, m *cleanrooms.Member) api.MemberSummary {
	sl := newStrSlab(4)
	created, updated := ts2(m.CreateTime, m.UpdateTime)
	out := api.MemberSummary{
		AccountId:            sl.str(m.AccountID),
		Status:               api.MemberStatus(m.Status),
		DisplayName:          sl.str(m.DisplayName),
		Abilities:            strings2[api.MemberAbility](m.Abilities),
		MlAbilities:          mlAbilities(m.MLAbilities),
		CreateTime:           created,
		UpdateTime:           updated,
		PaymentConfiguration: toPaymentConfiguration(m.Payment),
	}
	if m.MembershipID != "" {
		out.MembershipId = sl.str(m.MembershipID)
		out.MembershipArn = sl.str(membershipARN(c.Region, m.AccountID, m.MembershipID))
	}
	return out
}

func toMembership(ms *cleanrooms.Membership, c *cleanrooms.Collaboration, row *cleanrooms.Member) *api.Membership {
	out := new(api.Membership)
	fillMembership(out, ms, c, row)
	return out
}

// fillMembership sets out from the records: the strings in one slab and
// the times in one pair (GetMembership, ListMemberships: every read).
func fillMembership(out *api.Membership, ms *cleanrooms.Membership, c *cleanrooms.Collaboration, row *cleanrooms.Member) {
	one := cleanrooms.SummaryOf(ms, c, row)
	sum := toMembershipSummary(&one)
	*out = api.Membership{
		Id: sum.Id, Arn: sum.Arn, CollaborationArn: sum.CollaborationArn, CollaborationId: sum.CollaborationId,
		CollaborationCreatorAccountId: sum.CollaborationCreatorAccountId, CollaborationCreatorDisplayName: sum.CollaborationCreatorDisplayName,
		CollaborationName: sum.CollaborationName, CreateTime: sum.CreateTime, UpdateTime: sum.UpdateTime, Status: sum.Status,
		MemberAbilities: sum.MemberAbilities, MlMemberAbilities: sum.MlMemberAbilities, PaymentConfiguration: sum.PaymentConfiguration,
		QueryLogStatus:                api.MembershipQueryLogStatus(ms.QueryLogStatus),
		JobLogStatus:                  api.MembershipJobLogStatus(ms.JobLogStatus),
		DefaultResultConfiguration:    toResultConfig(ms.DefaultResultConfig),
		DefaultJobResultConfiguration: toJobResultConfig(ms.DefaultJobResultConfig),
		IsMetricsEnabled:              ms.IsMetricsEnabled,
	}
}

// toMembershipSummary is the part of a membership a summary holds, which
// fillMembership completes: a list page builds 100 summaries, and does not
// convert the two result configurations a summary does not hold.
func toMembershipSummary(ms *cleanrooms.MembershipSummary) api.MembershipSummary {
	sl := newStrSlab(7)
	created, updated := ts2(ms.CreateTime, ms.UpdateTime)
	return api.MembershipSummary{
		Id:                              sl.str(ms.ID),
		Arn:                             sl.str(membershipARN(ms.Region, ms.AccountID, ms.ID)),
		CollaborationArn:                sl.str(collaborationARN(ms.CollaborationRegion, ms.CollaborationCreatorAccountID, ms.CollaborationID)),
		CollaborationId:                 sl.str(ms.CollaborationID),
		CollaborationCreatorAccountId:   sl.str(ms.CollaborationCreatorAccountID),
		CollaborationCreatorDisplayName: sl.str(ms.CollaborationCreatorDisplayName),
		CollaborationName:               sl.str(ms.CollaborationName),
		CreateTime:                      created,
		UpdateTime:                      updated,
		Status:                          api.MembershipStatus(ms.Status),
		MemberAbilities:                 strings2[api.MemberAbility](ms.Abilities),
		MlMemberAbilities:               mlAbilities(ms.MLAbilities),
		PaymentConfiguration:            toMembershipPayment(ms.Payment),
	}
}

func toResultConfig(r *cleanrooms.ResultConfig) *api.MembershipProtectedQueryResultConfiguration {
	if r == nil {
		return nil
	}
	// The configuration with its parts in one allocation.
	box := &struct {
		out    api.MembershipProtectedQueryResultConfiguration
		oc     api.MembershipProtectedQueryOutputConfiguration
		s3     api.ProtectedQueryS3OutputConfiguration
		bucket string
		role   string
	}{}
	out := &box.out
	out.OutputConfiguration = &box.oc
	if r.RoleArn != "" {
		box.role = r.RoleArn
		out.RoleArn = &box.role
	}
	if s := r.S3; s != nil {
		box.bucket = s.Bucket
		box.s3 = api.ProtectedQueryS3OutputConfiguration{
			Bucket: &box.bucket, KeyPrefix: s.KeyPrefix, ResultFormat: api.ResultFormat(s.ResultFormat), SingleFileOutput: s.SingleFileOutput,
		}
		out.OutputConfiguration.S3 = &box.s3
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
