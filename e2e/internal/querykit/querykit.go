// Package querykit sets up a collaboration in which a protected query
// runs as long as a test needs, against a cleanroomsd process (or several
// sharing a database): the end-to-end tests of restarts and replicas use
// it to kill a process in the middle of a query.
package querykit

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/crashload"
)

// The accounts: A queries and receives results, B owns the table.
const (
	Querier = "111111111111"
	Owner   = "222222222222"
)

// Clients are one account's clients of one process.
type Clients struct {
	CR   *cleanrooms.Client
	S3   *s3.Client
	Glue *glue.Client
}

// NewClients returns account's clients of the server at url.
func NewClients(url, account string, hc *http.Client) Clients {
	creds := credentials.NewStaticCredentialsProvider(account, "secret", "")
	return Clients{
		CR: crashload.Client(url, account, hc),
		S3: s3.New(s3.Options{Region: crashload.Region, BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: creds,
			HTTPClient: hc, Retryer: aws.NopRetryer{}, RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired}),
		Glue: glue.New(glue.Options{Region: crashload.Region, BaseEndpoint: aws.String(url), Credentials: creds,
			HTTPClient: hc, Retryer: aws.NopRetryer{}}),
	}
}

// World is the collaboration: B's table "big" of Rows rows under a
// custom rule that lets A run any query; A's results go to a-results.
type World struct {
	QuerierMembership string
	Rows              int
}

// Setup builds the world through a (A's clients) and b (B's).
func Setup(ctx context.Context, a, b Clients, rows int) (*World, error) {
	for _, s := range []struct {
		c      Clients
		bucket string
	}{{a, "a-results"}, {b, "b-data"}} {
		if _, err := s.c.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
			return nil, fmt.Errorf("CreateBucket(%s): %w", s.bucket, err)
		}
	}
	var csv strings.Builder
	csv.WriteString("id\n")
	for i := range rows {
		fmt.Fprintf(&csv, "%d\n", i)
	}
	if _, err := b.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-data"), Key: aws.String("big/part-0.csv"),
		Body: strings.NewReader(csv.String())}); err != nil {
		return nil, err
	}
	if _, err := b.Glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("crm")}}); err != nil {
		return nil, err
	}
	if _, err := b.Glue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("crm"), TableInput: &gluetypes.TableInput{
		Name: aws.String("big"), Parameters: map[string]string{"classification": "csv", "skip.header.line.count": "1"},
		StorageDescriptor: &gluetypes.StorageDescriptor{Columns: []gluetypes.Column{{Name: aws.String("id"), Type: aws.String("bigint")}},
			Location: aws.String("s3://b-data/big/"),
			SerdeInfo: &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
				Parameters: map[string]string{"field.delim": ","}}}}}); err != nil {
		return nil, err
	}
	c, err := a.CR.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{Name: aws.String("long queries"), Description: aws.String("d"),
		CreatorDisplayName: aws.String("A"), CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members:        []types.MemberSpecification{{AccountId: aws.String(Owner), DisplayName: aws.String("B"), MemberAbilities: []types.MemberAbility{}}},
		QueryLogStatus: types.CollaborationQueryLogStatusDisabled})
	if err != nil {
		return nil, err
	}
	ma, err := a.CR.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id,
		QueryLogStatus: types.MembershipQueryLogStatusDisabled,
		DefaultResultConfiguration: &types.MembershipProtectedQueryResultConfiguration{OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{
			Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("a-results"), ResultFormat: types.ResultFormatCsv}}}})
	if err != nil {
		return nil, err
	}
	mb, err := b.CR.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
	if err != nil {
		return nil, err
	}
	ct, err := b.CR.CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{Name: aws.String("big"), AllowedColumns: []string{"id"},
		AnalysisMethod: types.AnalysisMethodDirectQuery,
		TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String("crm"), TableName: aws.String("big")}}})
	if err != nil {
		return nil, err
	}
	if _, err := b.CR.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.ConfiguredTable.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom,
		AnalysisRulePolicy: &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{
			Value: types.AnalysisRuleCustom{AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{Querier}}}}}); err != nil {
		return nil, err
	}
	if _, err := b.CR.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{MembershipIdentifier: mb.Membership.Id,
		ConfiguredTableIdentifier: ct.ConfiguredTable.Id, Name: aws.String("big"), RoleArn: aws.String("arn:aws:iam::" + Owner + ":role/r")}); err != nil {
		return nil, err
	}
	return &World{QuerierMembership: aws.ToString(ma.Membership.Id), Rows: rows}, nil
}

// SlowQuery counts the rows of big joined to itself three times: Rows³,
// which takes a while.
const SlowQuery = "SELECT COUNT(*) AS n FROM big a CROSS JOIN big b CROSS JOIN big c"

// Start starts query as A.
func (w *World) Start(ctx context.Context, a Clients, query string) (string, error) {
	out, err := a.CR.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.QuerierMembership),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(query)}})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ProtectedQuery.Id), nil
}

// Get returns the query as A sees it.
func (w *World) Get(ctx context.Context, a Clients, id string) (*types.ProtectedQuery, error) {
	out, err := a.CR.GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(w.QuerierMembership), ProtectedQueryIdentifier: aws.String(id)})
	if err != nil {
		return nil, err
	}
	return out.ProtectedQuery, nil
}

// WaitFor polls until the query's status is one of want (or the query
// ends otherwise, or d passes).
func (w *World) WaitFor(ctx context.Context, a Clients, id string, d time.Duration, want ...types.ProtectedQueryStatus) (*types.ProtectedQuery, error) {
	deadline := time.Now().Add(d)
	for {
		q, err := w.Get(ctx, a, id)
		if err != nil {
			return nil, err
		}
		for _, s := range want {
			if q.Status == s {
				return q, nil
			}
		}
		switch q.Status {
		case types.ProtectedQueryStatusSuccess, types.ProtectedQueryStatusFailed, types.ProtectedQueryStatusCancelled, types.ProtectedQueryStatusTimedOut:
			return q, fmt.Errorf("query %s ended %s (%+v), want %v", id, q.Status, q.Error, want)
		}
		if time.Now().After(deadline) {
			return q, fmt.Errorf("query %s still %s after %s, want %v", id, q.Status, d, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Result returns the keys of a successful query's result objects and
// their bytes, concatenated.
func (w *World) Result(ctx context.Context, a Clients, q *types.ProtectedQuery) ([]string, string, error) {
	s3out, ok := q.Result.Output.(*types.ProtectedQueryOutputMemberS3)
	if !ok {
		return nil, "", fmt.Errorf("result output %T", q.Result.Output)
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(aws.ToString(s3out.Value.Location), "s3://"), "/")
	list, err := a.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		return nil, "", err
	}
	var keys []string
	var body strings.Builder
	for _, o := range list.Contents {
		obj, err := a.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
		if err != nil {
			return nil, "", err
		}
		_, err = io.Copy(&body, obj.Body)
		obj.Body.Close()
		if err != nil {
			return nil, "", err
		}
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys, body.String(), nil
}

// SetupVisits puts B's visits table in the catalog: users users, user i
// with 1 + i%3 visits of campaign c<i%4>, each spend 1..50 (CSV with a
// header, s3://b-data/visits/), and creates the buckets of A's results and
// B's data.
func SetupVisits(ctx context.Context, a, b Clients, users int) error {
	for _, s := range []struct {
		c      Clients
		bucket string
	}{{a, "a-results"}, {b, "b-data"}} {
		if _, err := s.c.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
			return fmt.Errorf("CreateBucket(%s): %w", s.bucket, err)
		}
	}
	var csv strings.Builder
	csv.WriteString("user_id,campaign,spend\n")
	for i := range users {
		for v := range 1 + i%3 {
			fmt.Fprintf(&csv, "u%d,c%d,%d\n", i, i%4, 1+(i*7+v*13)%50)
		}
	}
	if _, err := b.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-data"), Key: aws.String("visits/part-0.csv"),
		Body: strings.NewReader(csv.String())}); err != nil {
		return err
	}
	if _, err := b.Glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("ads")}}); err != nil {
		return err
	}
	cols := []gluetypes.Column{{Name: aws.String("user_id"), Type: aws.String("string")}, {Name: aws.String("campaign"), Type: aws.String("string")},
		{Name: aws.String("spend"), Type: aws.String("double")}}
	_, err := b.Glue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("ads"), TableInput: &gluetypes.TableInput{
		Name: aws.String("visits"), Parameters: map[string]string{"classification": "csv", "skip.header.line.count": "1"},
		StorageDescriptor: &gluetypes.StorageDescriptor{Columns: cols, Location: aws.String("s3://b-data/visits/"),
			SerdeInfo: &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
				Parameters: map[string]string{"field.delim": ","}}}}})
	return err
}

// VisitsCollaboration is a new collaboration (the n-th) on SetupVisits'
// table: A queries; B associates the table twice, as visits under a
// custom rule that lets A run any query, and as dvisits under the same
// rule with differential privacy on user_id, and creates the DP budget
// template with the largest budget (epsilon 20, 100 users of noise).
func VisitsCollaboration(ctx context.Context, a, b Clients, n int) (*World, error) {
	c, err := a.CR.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{Name: aws.String("dp"), Description: aws.String("d"),
		CreatorDisplayName: aws.String("A"), CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members:        []types.MemberSpecification{{AccountId: aws.String(Owner), DisplayName: aws.String("B"), MemberAbilities: []types.MemberAbility{}}},
		QueryLogStatus: types.CollaborationQueryLogStatusDisabled})
	if err != nil {
		return nil, err
	}
	ma, err := a.CR.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id,
		QueryLogStatus: types.MembershipQueryLogStatusDisabled,
		DefaultResultConfiguration: &types.MembershipProtectedQueryResultConfiguration{OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{
			Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("a-results"), ResultFormat: types.ResultFormatCsv}}}})
	if err != nil {
		return nil, err
	}
	mb, err := b.CR.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
	if err != nil {
		return nil, err
	}
	for _, t := range []struct {
		name string
		dp   *types.DifferentialPrivacyConfiguration
	}{{"visits", nil}, {"dvisits", &types.DifferentialPrivacyConfiguration{Columns: []types.DifferentialPrivacyColumn{{Name: aws.String("user_id")}}}}} {
		ct, err := b.CR.CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{Name: aws.String(fmt.Sprintf("%s%d", t.name, n)),
			AllowedColumns: []string{"user_id", "campaign", "spend"}, AnalysisMethod: types.AnalysisMethodDirectQuery,
			TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String("ads"), TableName: aws.String("visits")}}})
		if err != nil {
			return nil, err
		}
		if _, err := b.CR.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.ConfiguredTable.Id,
			AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom,
			AnalysisRulePolicy: &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{
				Value: types.AnalysisRuleCustom{AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{Querier}, DifferentialPrivacy: t.dp}}}}); err != nil {
			return nil, err
		}
		if _, err := b.CR.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{MembershipIdentifier: mb.Membership.Id,
			ConfiguredTableIdentifier: ct.ConfiguredTable.Id, Name: aws.String(t.name), RoleArn: aws.String("arn:aws:iam::" + Owner + ":role/r")}); err != nil {
			return nil, err
		}
	}
	if _, err := b.CR.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{
		MembershipIdentifier: mb.Membership.Id, PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy,
		AutoRefresh: types.PrivacyBudgetTemplateAutoRefreshNone,
		Parameters: &types.PrivacyBudgetTemplateParametersInputMemberDifferentialPrivacy{Value: types.DifferentialPrivacyTemplateParametersInput{
			Epsilon: aws.Int32(20), UsersNoisePerQuery: aws.Int32(100)}}}); err != nil {
		return nil, err
	}
	return &World{QuerierMembership: aws.ToString(ma.Membership.Id)}, nil
}
