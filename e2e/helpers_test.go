// Package e2e drives an in-process cleanroomsd with unmodified
// aws-sdk-go-v2 Clean Rooms clients acting as four accounts: the creator A,
// two invitees B and C, and an outsider D that no collaboration names.
package e2e

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

const (
	acctA = "111122223333" // creator
	acctB = "444455556666"
	acctC = "777788889999"
	acctD = "222233334444" // outsider

	region = cleanroomstest.Region

	// unknownID is a well-formed id that names nothing.
	unknownID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// env is a server and a client for each of the four accounts.
type env struct {
	srv        *cleanroomstest.Server
	A, B, C, D *cleanrooms.Client
}

func newEnv(t testing.TB, opts ...cleanroomstest.Option) *env {
	t.Helper()
	srv := cleanroomstest.NewServer(t, opts...)
	return &env{srv: srv, A: srv.Client(acctA), B: srv.Client(acctB), C: srv.Client(acctC), D: srv.Client(acctD)}
}

// cmpOpt lets go-cmp look at SDK structs, which embed an unexported marker.
var cmpOpt = cmp.Exporter(func(reflect.Type) bool { return true })

func diff(want, got any) string { return cmp.Diff(want, got, cmpOpt) }

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func checkUUID(t testing.TB, what string, id *string) {
	t.Helper()
	if id == nil || !uuidRE.MatchString(*id) {
		t.Errorf("%s = %v, want a lower-case 36-character UUID", what, aws.ToString(id))
	}
}

func collabARN(account, id string) string {
	return "arn:aws:cleanrooms:" + region + ":" + account + ":collaboration/" + id
}

func membershipARN(account, id string) string {
	return "arn:aws:cleanrooms:" + region + ":" + account + ":membership/" + id
}

// within checks that a server timestamp lies between two local clock
// readings (the server stamps at millisecond precision).
func within(t testing.TB, what string, got *time.Time, before, after time.Time) {
	t.Helper()
	if got == nil {
		t.Errorf("%s is missing", what)
		return
	}
	if got.Before(before.Truncate(time.Millisecond)) || got.After(after) {
		t.Errorf("%s = %v, want within [%v, %v]", what, got, before, after)
	}
}

// tick makes sure the next server write is stamped in a later millisecond.
func tick() { time.Sleep(3 * time.Millisecond) }

var (
	yes = aws.Bool(true)
	no  = aws.Bool(false)
)

func abilities(a ...types.MemberAbility) []types.MemberAbility {
	if a == nil {
		return []types.MemberAbility{}
	}
	return a
}

func spec(account, name string, a ...types.MemberAbility) types.MemberSpecification {
	return types.MemberSpecification{AccountId: aws.String(account), DisplayName: aws.String(name), MemberAbilities: abilities(a...)}
}

func mlAbilities(a ...types.CustomMLMemberAbility) *types.MLMemberAbilities {
	return &types.MLMemberAbilities{CustomMLMemberAbilities: a}
}

// collabInput is a minimal valid CreateCollaboration body.
func collabInput(name string, creator []types.MemberAbility, members ...types.MemberSpecification) *cleanrooms.CreateCollaborationInput {
	if creator == nil {
		creator = []types.MemberAbility{}
	}
	if members == nil {
		members = []types.MemberSpecification{}
	}
	return &cleanrooms.CreateCollaborationInput{
		Name: aws.String(name), Description: aws.String("e2e " + name), CreatorDisplayName: aws.String("creator"),
		CreatorMemberAbilities: creator, QueryLogStatus: types.CollaborationQueryLogStatusDisabled, Members: members,
	}
}

// standard is the usual shape: A queries and receives, B and C contribute.
func standard(name string) *cleanrooms.CreateCollaborationInput {
	return collabInput(name, abilities(types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults),
		spec(acctB, "member B"), spec(acctC, "member C"))
}

func mustCreate(t testing.TB, c *cleanrooms.Client, in *cleanrooms.CreateCollaborationInput) types.Collaboration {
	t.Helper()
	out, err := c.CreateCollaboration(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateCollaboration(%s): %v", aws.ToString(in.Name), err)
	}
	return *out.Collaboration
}

func joinInput(collabID string) *cleanrooms.CreateMembershipInput {
	return &cleanrooms.CreateMembershipInput{CollaborationIdentifier: aws.String(collabID), QueryLogStatus: types.MembershipQueryLogStatusDisabled}
}

func mustJoin(t testing.TB, c *cleanrooms.Client, in *cleanrooms.CreateMembershipInput) types.Membership {
	t.Helper()
	out, err := c.CreateMembership(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateMembership(%s): %v", aws.ToString(in.CollaborationIdentifier), err)
	}
	return *out.Membership
}

func mustGetCollab(t testing.TB, c *cleanrooms.Client, id string) types.Collaboration {
	t.Helper()
	out, err := c.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
	if err != nil {
		t.Fatalf("GetCollaboration(%s): %v", id, err)
	}
	return *out.Collaboration
}

func mustGetMembership(t testing.TB, c *cleanrooms.Client, id string) types.Membership {
	t.Helper()
	out, err := c.GetMembership(t.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(id)})
	if err != nil {
		t.Fatalf("GetMembership(%s): %v", id, err)
	}
	return *out.Membership
}

func roleARN(account string) *string {
	return aws.String("arn:aws:iam::" + account + ":role/cleanrooms-results")
}

// resultConfig is an S3 default result configuration, with the role of
// account unless account is "".
func resultConfig(bucket, account string) *types.MembershipProtectedQueryResultConfiguration {
	r := &types.MembershipProtectedQueryResultConfiguration{OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{
		Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String(bucket), ResultFormat: types.ResultFormatCsv},
	}}
	if account != "" {
		r.RoleArn = roleARN(account)
	}
	return r
}

func jobResultConfig(bucket, prefix, account string) *types.MembershipProtectedJobResultConfiguration {
	s3 := types.ProtectedJobS3OutputConfigurationInput{Bucket: aws.String(bucket)}
	if prefix != "" {
		s3.KeyPrefix = aws.String(prefix)
	}
	return &types.MembershipProtectedJobResultConfiguration{
		OutputConfiguration: &types.MembershipProtectedJobOutputConfigurationMemberS3{Value: s3},
		RoleArn:             roleARN(account),
	}
}

// costs is a payment configuration per cost type; nil leaves a cost type
// out.
type costs struct{ Query, Job, Train, Infer, Synth *bool }

func (c costs) collab() *types.PaymentConfiguration {
	p := &types.PaymentConfiguration{}
	if c.Query != nil {
		p.QueryCompute = &types.QueryComputePaymentConfig{IsResponsible: c.Query}
	}
	if c.Job != nil {
		p.JobCompute = &types.JobComputePaymentConfig{IsResponsible: c.Job}
	}
	if c.Train != nil || c.Infer != nil || c.Synth != nil {
		ml := &types.MLPaymentConfig{}
		if c.Train != nil {
			ml.ModelTraining = &types.ModelTrainingPaymentConfig{IsResponsible: c.Train}
		}
		if c.Infer != nil {
			ml.ModelInference = &types.ModelInferencePaymentConfig{IsResponsible: c.Infer}
		}
		if c.Synth != nil {
			ml.SyntheticDataGeneration = &types.SyntheticDataGenerationPaymentConfig{IsResponsible: c.Synth}
		}
		p.MachineLearning = ml
	}
	return p
}

func (c costs) ml() *types.MembershipMLPaymentConfig {
	if c.Train == nil && c.Infer == nil && c.Synth == nil {
		return nil
	}
	ml := &types.MembershipMLPaymentConfig{}
	if c.Train != nil {
		ml.ModelTraining = &types.MembershipModelTrainingPaymentConfig{IsResponsible: c.Train}
	}
	if c.Infer != nil {
		ml.ModelInference = &types.MembershipModelInferencePaymentConfig{IsResponsible: c.Infer}
	}
	if c.Synth != nil {
		ml.SyntheticDataGeneration = &types.MembershipSyntheticDataGenerationPaymentConfig{IsResponsible: c.Synth}
	}
	return ml
}

func (c costs) membership() *types.MembershipPaymentConfiguration {
	p := &types.MembershipPaymentConfiguration{MachineLearning: c.ml()}
	if c.Query != nil {
		p.QueryCompute = &types.MembershipQueryComputePaymentConfig{IsResponsible: c.Query}
	}
	if c.Job != nil {
		p.JobCompute = &types.MembershipJobComputePaymentConfig{IsResponsible: c.Job}
	}
	return p
}

func (c costs) update() *types.UpdateMembershipPaymentConfiguration {
	m := c.membership()
	return &types.UpdateMembershipPaymentConfiguration{QueryCompute: m.QueryCompute, JobCompute: m.JobCompute, MachineLearning: m.MachineLearning}
}

// Errors. Each helper checks the modeled type and the HTTP status.

func apiError[E error](t testing.TB, err error, status int) E {
	t.Helper()
	var target E
	if err == nil {
		t.Fatalf("call succeeded, want %T (HTTP %d)", target, status)
	}
	if !errors.As(err, &target) {
		t.Fatalf("error = %v, want %T (HTTP %d)", err, target, status)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Errorf("error %v carries no HTTP response", err)
	} else if re.HTTPStatusCode() != status {
		t.Errorf("HTTP status = %d, want %d (%v)", re.HTTPStatusCode(), status, err)
	}
	return target
}

func wantValidation(t testing.TB, err error) *types.ValidationException {
	t.Helper()
	return apiError[*types.ValidationException](t, err, 400)
}

func wantAccessDenied(t testing.TB, err error) *types.AccessDeniedException {
	t.Helper()
	return apiError[*types.AccessDeniedException](t, err, 403)
}

func wantNotFound(t testing.TB, err error, typ types.ResourceType, id string) *types.ResourceNotFoundException {
	t.Helper()
	e := apiError[*types.ResourceNotFoundException](t, err, 404)
	if e.ResourceType != typ || aws.ToString(e.ResourceId) != id {
		t.Errorf("ResourceNotFound resourceType/resourceId = %s/%s, want %s/%s", e.ResourceType, aws.ToString(e.ResourceId), typ, id)
	}
	return e
}

func wantConflict(t testing.TB, err error, reason types.ConflictExceptionReason) *types.ConflictException {
	t.Helper()
	e := apiError[*types.ConflictException](t, err, 409)
	if e.Reason != reason {
		t.Errorf("Conflict reason = %q, want %q", e.Reason, reason)
	}
	return e
}

func wantQuota(t testing.TB, err error, name string, value float64) {
	t.Helper()
	e := apiError[*types.ServiceQuotaExceededException](t, err, 402)
	if aws.ToString(e.QuotaName) != name || e.QuotaValue == nil || *e.QuotaValue != value {
		t.Errorf("quota = %q %v, want %q %v", aws.ToString(e.QuotaName), aws.ToFloat64(e.QuotaValue), name, value)
	}
}

// fieldNamed reports whether a ValidationException names field.
func fieldNamed(e *types.ValidationException, field string) bool {
	return slices.ContainsFunc(e.FieldList, func(f types.ValidationExceptionField) bool { return aws.ToString(f.Name) == field })
}

// Lists, collected with the SDK paginators.

func allCollabs(t testing.TB, c *cleanrooms.Client, status types.FilterableMemberStatus) []types.CollaborationSummary {
	t.Helper()
	var out []types.CollaborationSummary
	p := cleanrooms.NewListCollaborationsPaginator(c, &cleanrooms.ListCollaborationsInput{MemberStatus: status})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListCollaborations(%q): %v", status, err)
		}
		out = append(out, page.CollaborationList...)
	}
	return out
}

func allMembers(t testing.TB, c *cleanrooms.Client, collabID string) []types.MemberSummary {
	t.Helper()
	var out []types.MemberSummary
	p := cleanrooms.NewListMembersPaginator(c, &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(collabID)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListMembers(%s): %v", collabID, err)
		}
		out = append(out, page.MemberSummaries...)
	}
	return out
}

func allMemberships(t testing.TB, c *cleanrooms.Client, status types.MembershipStatus) []types.MembershipSummary {
	t.Helper()
	var out []types.MembershipSummary
	p := cleanrooms.NewListMembershipsPaginator(c, &cleanrooms.ListMembershipsInput{Status: status})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListMemberships(%q): %v", status, err)
		}
		out = append(out, page.MembershipSummaries...)
	}
	return out
}

// memberRow is account's row of a collaboration, as reader lists it.
func memberRow(t testing.TB, reader *cleanrooms.Client, collabID, account string) types.MemberSummary {
	t.Helper()
	for _, m := range allMembers(t, reader, collabID) {
		if aws.ToString(m.AccountId) == account {
			return m
		}
	}
	t.Fatalf("ListMembers(%s) has no row for %s", collabID, account)
	return types.MemberSummary{}
}

func collabIDs(list []types.CollaborationSummary) []string {
	ids := make([]string, len(list))
	for i, c := range list {
		ids[i] = aws.ToString(c.Id)
	}
	return ids
}

func membershipIDs(list []types.MembershipSummary) []string {
	ids := make([]string, len(list))
	for i, m := range list {
		ids[i] = aws.ToString(m.Id)
	}
	return ids
}

func summaryOf(c types.Collaboration) types.CollaborationSummary {
	return types.CollaborationSummary{
		Arn: c.Arn, CreateTime: c.CreateTime, CreatorAccountId: c.CreatorAccountId, CreatorDisplayName: c.CreatorDisplayName,
		Id: c.Id, MemberStatus: c.MemberStatus, Name: c.Name, UpdateTime: c.UpdateTime, AnalyticsEngine: c.AnalyticsEngine,
		MembershipArn: c.MembershipArn, MembershipId: c.MembershipId,
	}
}

func membershipSummaryOf(m types.Membership) types.MembershipSummary {
	return types.MembershipSummary{
		Arn: m.Arn, CollaborationArn: m.CollaborationArn, CollaborationCreatorAccountId: m.CollaborationCreatorAccountId,
		CollaborationCreatorDisplayName: m.CollaborationCreatorDisplayName, CollaborationId: m.CollaborationId,
		CollaborationName: m.CollaborationName, CreateTime: m.CreateTime, Id: m.Id, MemberAbilities: m.MemberAbilities,
		PaymentConfiguration: m.PaymentConfiguration, Status: m.Status, UpdateTime: m.UpdateTime, MlMemberAbilities: m.MlMemberAbilities,
	}
}
