package storetest

import (
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Accounts used throughout.
const (
	acctA = "111111111111"
	acctB = "222222222222"
	acctC = "333333333333"
)

// base carries nanoseconds to exercise truncation to the microsecond and a
// non-UTC zone to exercise instant (not zone) equality.
var base = time.Date(2025, 6, 1, 10, 0, 0, 123456789, time.FixedZone("UTC+5", 5*3600))

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

func ptr[T any](v T) *T { return &v }

// fullCollaboration sets every field, with values that stress encodings.
func fullCollaboration(id, creator string) *cleanrooms.Collaboration {
	return &cleanrooms.Collaboration{
		ID:                 id,
		Region:             "us-east-1",
		CreatorAccountID:   creator,
		Name:               "Name of " + id + " – ☃ 名前",
		Description:        "line 1\nline 2\t'single' \"double\" \\ % _ ;--",
		CreatorDisplayName: "Creator " + creator,
		QueryLogStatus:     "ENABLED",
		JobLogStatus:       "DISABLED",
		AnalyticsEngine:    "SPARK",
		IsMetricsEnabled:   ptr(false),
		DataEncryption: &cleanrooms.DataEncryptionMetadata{
			AllowCleartext:                        true,
			AllowDuplicates:                       false,
			AllowJoinsOnColumnsWithDifferentNames: true,
			PreserveNulls:                         false,
		},
		AutoApprovedChangeTypes: []string{"ADD_MEMBER", "GRANT_RECEIVE_RESULTS_ABILITY"},
		AllowedResultRegions:    []string{"us-east-1", "eu-west-1"},
		CreateTime:              at(1),
		UpdateTime:              at(2),
	}
}

// minimalCollaboration leaves every optional field unset; its one empty
// (not nil) list checks that empty survives as empty.
func minimalCollaboration(id, creator string) *cleanrooms.Collaboration {
	return &cleanrooms.Collaboration{
		ID:                      id,
		Region:                  "eu-west-1",
		CreatorAccountID:        creator,
		Name:                    "n",
		CreatorDisplayName:      "c",
		QueryLogStatus:          "DISABLED",
		AutoApprovedChangeTypes: []string{},
		CreateTime:              time.Time{},
		UpdateTime:              at(3),
	}
}

// collaboration is a plain valid collaboration for tests that are not
// about field encoding.
func collaboration(id, creator string) *cleanrooms.Collaboration {
	c := fullCollaboration(id, creator)
	c.IsMetricsEnabled = nil
	c.DataEncryption = nil
	return c
}

func fullMember(collaborationID, accountID string, position int) *cleanrooms.Member {
	return &cleanrooms.Member{
		CollaborationID: collaborationID,
		AccountID:       accountID,
		Position:        position,
		DisplayName:     "Member " + accountID + " ☃",
		Abilities:       []string{"CAN_RECEIVE_RESULTS", "CAN_QUERY"},
		MLAbilities:     []string{"CAN_RECEIVE_MODEL_OUTPUT"},
		Status:          cleanrooms.MemberActive,
		Payment: cleanrooms.PaymentConfig{
			QueryCompute:            true,
			JobCompute:              ptr(false),
			ModelTraining:           ptr(true),
			ModelInference:          ptr(false),
			SyntheticDataGeneration: ptr(true),
		},
		MembershipID: "ms-" + collaborationID + "-" + accountID,
		CreateTime:   at(10),
		UpdateTime:   at(11),
	}
}

// member is an INVITED row: never-nil empty Abilities, nil MLAbilities.
func member(collaborationID, accountID string, position int) *cleanrooms.Member {
	return &cleanrooms.Member{
		CollaborationID: collaborationID,
		AccountID:       accountID,
		Position:        position,
		DisplayName:     "m",
		Abilities:       []string{},
		Status:          cleanrooms.MemberInvited,
		CreateTime:      at(20),
		UpdateTime:      at(20),
	}
}

func fullMembership(id, collaborationID, accountID string) *cleanrooms.Membership {
	return &cleanrooms.Membership{
		ID:               id,
		AccountID:        accountID,
		Region:           "us-east-1",
		CollaborationID:  collaborationID,
		Status:           cleanrooms.MembershipActive,
		QueryLogStatus:   "ENABLED",
		JobLogStatus:     "ENABLED",
		IsMetricsEnabled: ptr(true),
		DefaultResultConfig: &cleanrooms.ResultConfig{
			S3: &cleanrooms.S3Output{
				Bucket:           "bucket",
				KeyPrefix:        ptr(""),
				ResultFormat:     "PARQUET",
				SingleFileOutput: ptr(false),
			},
			RoleArn: "arn:aws:iam::" + accountID + ":role/results",
		},
		DefaultJobResultConfig: &cleanrooms.JobResultConfig{
			S3:      &cleanrooms.S3Output{Bucket: "jobs", KeyPrefix: ptr("prefix/")},
			RoleArn: "arn:aws:iam::" + accountID + ":role/jobs",
		},
		Payment: cleanrooms.PaymentConfig{
			QueryCompute:   false,
			JobCompute:     ptr(true),
			ModelInference: ptr(false),
		},
		CreateTime: at(30),
		UpdateTime: at(31),
	}
}

// membership is an ACTIVE membership with every optional field unset.
func membership(id, collaborationID, accountID string) *cleanrooms.Membership {
	return &cleanrooms.Membership{
		ID:              id,
		AccountID:       accountID,
		Region:          "us-east-1",
		CollaborationID: collaborationID,
		Status:          cleanrooms.MembershipActive,
		QueryLogStatus:  "DISABLED",
		Payment:         cleanrooms.PaymentConfig{QueryCompute: true},
		CreateTime:      at(40),
		UpdateTime:      at(40),
	}
}
