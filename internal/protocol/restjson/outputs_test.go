package restjson_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

const (
	collabID   = "3b7d4f0e-5a4c-4c47-9d6a-0e1f2a3b4c5d"
	membID     = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
	collabARN  = "arn:aws:cleanrooms:us-east-1:123456789012:collaboration/" + collabID
	membARN    = "arn:aws:cleanrooms:us-east-1:123456789012:membership/" + membID
	creatorAcc = "123456789012"
	memberAcc  = "210987654321"
)

// Milliseconds that float64 epoch seconds carry exactly and inexactly.
var (
	created = time.UnixMilli(1732000000123).UTC()
	updated = time.UnixMilli(1732000001999).UTC()
	joined  = time.UnixMilli(1732000002001).UTC()
)

func apiMembership() *api.Membership {
	return &api.Membership{
		Arn:                             aws.String(membARN),
		CollaborationArn:                aws.String(collabARN),
		CollaborationCreatorAccountId:   aws.String(creatorAcc),
		CollaborationCreatorDisplayName: aws.String("Creator – Ünïcode"),
		CollaborationId:                 aws.String(collabID),
		CollaborationName:               aws.String("Ad measurement"),
		CreateTime:                      api.NewTimestamp(created),
		DefaultJobResultConfiguration: &api.MembershipProtectedJobResultConfiguration{
			OutputConfiguration: &api.MembershipProtectedJobOutputConfiguration{
				S3: &api.ProtectedJobS3OutputConfigurationInput{Bucket: aws.String("job-results"), KeyPrefix: aws.String("jobs/")},
			},
			RoleArn: aws.String("arn:aws:iam::123456789012:role/cleanrooms-jobs"),
		},
		DefaultResultConfiguration: &api.MembershipProtectedQueryResultConfiguration{
			OutputConfiguration: &api.MembershipProtectedQueryOutputConfiguration{
				S3: &api.ProtectedQueryS3OutputConfiguration{
					Bucket: aws.String("query-results"), KeyPrefix: aws.String("q/"),
					ResultFormat: "PARQUET", SingleFileOutput: aws.Bool(false),
				},
			},
			RoleArn: aws.String("arn:aws:iam::123456789012:role/cleanrooms-queries"),
		},
		Id:               aws.String(membID),
		IsMetricsEnabled: aws.Bool(false),
		JobLogStatus:     "ENABLED",
		MemberAbilities:  []api.MemberAbility{"CAN_QUERY", "CAN_RECEIVE_RESULTS"},
		MlMemberAbilities: &api.MLMemberAbilities{
			CustomMLMemberAbilities: []api.CustomMLMemberAbility{"CAN_RECEIVE_MODEL_OUTPUT"},
		},
		PaymentConfiguration: &api.MembershipPaymentConfiguration{
			QueryCompute: &api.MembershipQueryComputePaymentConfig{IsResponsible: aws.Bool(true)},
			JobCompute:   &api.MembershipJobComputePaymentConfig{IsResponsible: aws.Bool(false)},
			MachineLearning: &api.MembershipMLPaymentConfig{
				ModelTraining:           &api.MembershipModelTrainingPaymentConfig{IsResponsible: aws.Bool(true)},
				ModelInference:          &api.MembershipModelInferencePaymentConfig{IsResponsible: aws.Bool(false)},
				SyntheticDataGeneration: &api.MembershipSyntheticDataGenerationPaymentConfig{IsResponsible: aws.Bool(true)},
			},
		},
		QueryLogStatus: "DISABLED",
		Status:         "ACTIVE",
		UpdateTime:     api.NewTimestamp(updated),
	}
}

func sdkMembership() *types.Membership {
	return &types.Membership{
		Arn:                             aws.String(membARN),
		CollaborationArn:                aws.String(collabARN),
		CollaborationCreatorAccountId:   aws.String(creatorAcc),
		CollaborationCreatorDisplayName: aws.String("Creator – Ünïcode"),
		CollaborationId:                 aws.String(collabID),
		CollaborationName:               aws.String("Ad measurement"),
		CreateTime:                      aws.Time(created),
		DefaultJobResultConfiguration: &types.MembershipProtectedJobResultConfiguration{
			OutputConfiguration: &types.MembershipProtectedJobOutputConfigurationMemberS3{
				Value: types.ProtectedJobS3OutputConfigurationInput{Bucket: aws.String("job-results"), KeyPrefix: aws.String("jobs/")},
			},
			RoleArn: aws.String("arn:aws:iam::123456789012:role/cleanrooms-jobs"),
		},
		DefaultResultConfiguration: &types.MembershipProtectedQueryResultConfiguration{
			OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{
				Value: types.ProtectedQueryS3OutputConfiguration{
					Bucket: aws.String("query-results"), KeyPrefix: aws.String("q/"),
					ResultFormat: types.ResultFormatParquet, SingleFileOutput: aws.Bool(false),
				},
			},
			RoleArn: aws.String("arn:aws:iam::123456789012:role/cleanrooms-queries"),
		},
		Id:               aws.String(membID),
		IsMetricsEnabled: aws.Bool(false),
		JobLogStatus:     types.MembershipJobLogStatusEnabled,
		MemberAbilities:  []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		MlMemberAbilities: &types.MLMemberAbilities{
			CustomMLMemberAbilities: []types.CustomMLMemberAbility{types.CustomMLMemberAbilityCanReceiveModelOutput},
		},
		PaymentConfiguration: &types.MembershipPaymentConfiguration{
			QueryCompute: &types.MembershipQueryComputePaymentConfig{IsResponsible: aws.Bool(true)},
			JobCompute:   &types.MembershipJobComputePaymentConfig{IsResponsible: aws.Bool(false)},
			MachineLearning: &types.MembershipMLPaymentConfig{
				ModelTraining:           &types.MembershipModelTrainingPaymentConfig{IsResponsible: aws.Bool(true)},
				ModelInference:          &types.MembershipModelInferencePaymentConfig{IsResponsible: aws.Bool(false)},
				SyntheticDataGeneration: &types.MembershipSyntheticDataGenerationPaymentConfig{IsResponsible: aws.Bool(true)},
			},
		},
		QueryLogStatus: types.MembershipQueryLogStatusDisabled,
		Status:         types.MembershipStatusActive,
		UpdateTime:     aws.Time(updated),
	}
}

// TestOutputsDecodeInSDK has the Service return hand-written outputs and
// checks the SDK's decoded output against hand-written SDK values:
// timestamps keep their milliseconds, false booleans stay false, nested
// payment configurations survive, and required lists and maps left nil by
// the Service reach the SDK as empty, not missing.
func TestOutputsDecodeInSDK(t *testing.T) {
	cases := []struct {
		op   string
		in   any // SDK input
		out  any // our output
		want any // SDK output
	}{
		{
			op: "GetCollaboration",
			in: &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(collabID)},
			out: &api.GetCollaborationOutput{Collaboration: &api.Collaboration{
				AllowedResultRegions:    []api.SupportedS3Region{"us-east-1", "eu-west-2"},
				AnalyticsEngine:         "SPARK",
				Arn:                     aws.String(collabARN),
				AutoApprovedChangeTypes: []api.AutoApprovedChangeType{"ADD_MEMBER"},
				CreateTime:              api.NewTimestamp(created),
				CreatorAccountId:        aws.String(creatorAcc),
				CreatorDisplayName:      aws.String("Creator"),
				DataEncryptionMetadata: &api.DataEncryptionMetadata{
					AllowCleartext: aws.Bool(true), AllowDuplicates: aws.Bool(false),
					AllowJoinsOnColumnsWithDifferentNames: aws.Bool(false), PreserveNulls: aws.Bool(true),
				},
				Description:      aws.String("line 1\nline 2 \"quoted\" <tag> & ✓"),
				Id:               aws.String(collabID),
				IsMetricsEnabled: aws.Bool(true),
				JobLogStatus:     "DISABLED",
				MemberStatus:     "ACTIVE",
				MembershipArn:    aws.String(membARN),
				MembershipId:     aws.String(membID),
				Name:             aws.String("Ad measurement"),
				QueryLogStatus:   "ENABLED",
				UpdateTime:       api.NewTimestamp(updated),
			}},
			want: &cleanrooms.GetCollaborationOutput{Collaboration: &types.Collaboration{
				AllowedResultRegions:    []types.SupportedS3Region{types.SupportedS3RegionUsEast1, types.SupportedS3RegionEuWest2},
				AnalyticsEngine:         types.AnalyticsEngineSpark,
				Arn:                     aws.String(collabARN),
				AutoApprovedChangeTypes: []types.AutoApprovedChangeType{types.AutoApprovedChangeTypeAddMember},
				CreateTime:              aws.Time(created),
				CreatorAccountId:        aws.String(creatorAcc),
				CreatorDisplayName:      aws.String("Creator"),
				DataEncryptionMetadata: &types.DataEncryptionMetadata{
					AllowCleartext: aws.Bool(true), AllowDuplicates: aws.Bool(false),
					AllowJoinsOnColumnsWithDifferentNames: aws.Bool(false), PreserveNulls: aws.Bool(true),
				},
				Description:      aws.String("line 1\nline 2 \"quoted\" <tag> & ✓"),
				Id:               aws.String(collabID),
				IsMetricsEnabled: aws.Bool(true),
				JobLogStatus:     types.CollaborationJobLogStatusDisabled,
				MemberStatus:     types.MemberStatusActive,
				MembershipArn:    aws.String(membARN),
				MembershipId:     aws.String(membID),
				Name:             aws.String("Ad measurement"),
				QueryLogStatus:   types.CollaborationQueryLogStatusEnabled,
				UpdateTime:       aws.Time(updated),
			}},
		},
		{
			op: "ListMembers",
			in: &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(collabID), MaxResults: aws.Int32(2)},
			out: &api.ListMembersOutput{
				MemberSummaries: []api.MemberSummary{
					{
						Abilities:     []api.MemberAbility{"CAN_QUERY"},
						AccountId:     aws.String(creatorAcc),
						CreateTime:    api.NewTimestamp(created),
						DisplayName:   aws.String("Creator"),
						MembershipArn: aws.String(membARN),
						MembershipId:  aws.String(membID),
						MlAbilities:   &api.MLMemberAbilities{CustomMLMemberAbilities: []api.CustomMLMemberAbility{"CAN_RECEIVE_INFERENCE_OUTPUT"}},
						PaymentConfiguration: &api.PaymentConfiguration{
							QueryCompute: &api.QueryComputePaymentConfig{IsResponsible: aws.Bool(true)},
							JobCompute:   &api.JobComputePaymentConfig{IsResponsible: aws.Bool(false)},
							MachineLearning: &api.MLPaymentConfig{
								ModelTraining:  &api.ModelTrainingPaymentConfig{IsResponsible: aws.Bool(false)},
								ModelInference: &api.ModelInferencePaymentConfig{IsResponsible: aws.Bool(true)},
							},
						},
						Status:     "ACTIVE",
						UpdateTime: api.NewTimestamp(updated),
					},
					{
						// An invited member: no abilities (a required list,
						// left nil), no membership yet.
						AccountId:   aws.String(memberAcc),
						CreateTime:  api.NewTimestamp(joined),
						DisplayName: aws.String("Invitee"),
						MlAbilities: &api.MLMemberAbilities{}, // required list inside, nil
						PaymentConfiguration: &api.PaymentConfiguration{
							QueryCompute: &api.QueryComputePaymentConfig{IsResponsible: aws.Bool(false)},
						},
						Status:     "INVITED",
						UpdateTime: api.NewTimestamp(joined),
					},
				},
				NextToken: aws.String("next/page+2=="),
			},
			want: &cleanrooms.ListMembersOutput{
				MemberSummaries: []types.MemberSummary{
					{
						Abilities:     []types.MemberAbility{types.MemberAbilityCanQuery},
						AccountId:     aws.String(creatorAcc),
						CreateTime:    aws.Time(created),
						DisplayName:   aws.String("Creator"),
						MembershipArn: aws.String(membARN),
						MembershipId:  aws.String(membID),
						MlAbilities:   &types.MLMemberAbilities{CustomMLMemberAbilities: []types.CustomMLMemberAbility{types.CustomMLMemberAbilityCanReceiveInferenceOutput}},
						PaymentConfiguration: &types.PaymentConfiguration{
							QueryCompute: &types.QueryComputePaymentConfig{IsResponsible: aws.Bool(true)},
							JobCompute:   &types.JobComputePaymentConfig{IsResponsible: aws.Bool(false)},
							MachineLearning: &types.MLPaymentConfig{
								ModelTraining:  &types.ModelTrainingPaymentConfig{IsResponsible: aws.Bool(false)},
								ModelInference: &types.ModelInferencePaymentConfig{IsResponsible: aws.Bool(true)},
							},
						},
						Status:     types.MemberStatusActive,
						UpdateTime: aws.Time(updated),
					},
					{
						Abilities:   []types.MemberAbility{},
						AccountId:   aws.String(memberAcc),
						CreateTime:  aws.Time(joined),
						DisplayName: aws.String("Invitee"),
						MlAbilities: &types.MLMemberAbilities{CustomMLMemberAbilities: []types.CustomMLMemberAbility{}},
						PaymentConfiguration: &types.PaymentConfiguration{
							QueryCompute: &types.QueryComputePaymentConfig{IsResponsible: aws.Bool(false)},
						},
						Status:     types.MemberStatusInvited,
						UpdateTime: aws.Time(joined),
					},
				},
				NextToken: aws.String("next/page+2=="),
			},
		},
		{
			op:   "GetMembership",
			in:   &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(membID)},
			out:  &api.GetMembershipOutput{Membership: apiMembership()},
			want: &cleanrooms.GetMembershipOutput{Membership: sdkMembership()},
		},
		{
			op: "CreateMembership",
			in: &cleanrooms.CreateMembershipInput{
				CollaborationIdentifier: aws.String(collabID),
				QueryLogStatus:          types.MembershipQueryLogStatusDisabled,
			},
			out:  &api.CreateMembershipOutput{Membership: apiMembership()},
			want: &cleanrooms.CreateMembershipOutput{Membership: sdkMembership()},
		},
		{
			op:   "ListTagsForResource",
			in:   &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(membARN)},
			out:  &api.ListTagsForResourceOutput{Tags: map[string]string{"env": "prod", "owner": "ads team", "empty": ""}},
			want: &cleanrooms.ListTagsForResourceOutput{Tags: map[string]string{"env": "prod", "owner": "ads team", "empty": ""}},
		},
		{
			// A required map left nil arrives empty.
			op:   "ListTagsForResource",
			in:   &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(membARN)},
			out:  &api.ListTagsForResourceOutput{},
			want: &cleanrooms.ListTagsForResourceOutput{Tags: map[string]string{}},
		},
		{
			// Required lists left nil arrive empty.
			op:   "ListMembers",
			in:   &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(collabID)},
			out:  &api.ListMembersOutput{},
			want: &cleanrooms.ListMembersOutput{MemberSummaries: []types.MemberSummary{}},
		},
		{
			// 204, no body, even when the Service returns a value.
			op:   "DeleteMember",
			in:   &cleanrooms.DeleteMemberInput{CollaborationIdentifier: aws.String(collabID), AccountId: aws.String(memberAcc)},
			out:  &api.DeleteMemberOutput{},
			want: &cleanrooms.DeleteMemberOutput{},
		},
	}
	rec := newRecorder()
	srv, client := serve(t, restjson.NewHandler(rec), false)
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			rec.setOutput(tc.op, tc.out)
			got, err := sdkOps[tc.op].call(context.Background(), client, tc.in)
			if err != nil {
				t.Fatalf("%s: %v", tc.op, err)
			}
			if diff := cmp.Diff(normalize(tc.want), normalize(got)); diff != "" {
				t.Errorf("decoded output (-want +got):\n%s", diff)
			}
		})
	}

	// The SDK's values themselves, beyond the normalized comparison.
	rec.setOutput("GetMembership", &api.GetMembershipOutput{Membership: apiMembership()})
	gm, err := client.GetMembership(context.Background(), &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(membID)})
	if err != nil {
		t.Fatal(err)
	}
	if ct := *gm.Membership.CreateTime; !ct.Equal(created) || ct.Nanosecond() != 123_000_000 {
		t.Errorf("createTime = %v, want %v (123 ms)", ct, created)
	}
	if ut := *gm.Membership.UpdateTime; !ut.Equal(updated) {
		t.Errorf("updateTime = %v, want %v", ut, updated)
	}
	if gm.Membership.PaymentConfiguration.JobCompute.IsResponsible == nil || *gm.Membership.PaymentConfiguration.JobCompute.IsResponsible {
		t.Errorf("jobCompute.isResponsible: want an explicit false")
	}

	// The 204 on the wire: no body, no JSON content type.
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/collaborations/"+collabID+"/member/"+memberAcc, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || len(body) != 0 {
		t.Errorf("DeleteMember: status %d, body %q; want 204 and no body", resp.StatusCode, body)
	}
}
