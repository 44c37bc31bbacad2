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
	if err := createBuckets(ctx, a, b); err != nil {
		return nil, err
	}
	var csv strings.Builder
	csv.WriteString("id\n")
	for i := range rows {
		fmt.Fprintf(&csv, "%d\n", i)
	}
	if err := CSVTable(ctx, b, "b-data", "crm", "big", csv.String(), Column("id", "bigint")); err != nil {
		return nil, err
	}
	ma, mb, err := Collaboration(ctx, a, b, "long queries")
	if err != nil {
		return nil, err
	}
	if err := CustomTable(ctx, b, mb, "big", "crm", "big", "big", nil, "id"); err != nil {
		return nil, err
	}
	return &World{QuerierMembership: ma, Rows: rows}, nil
}

// createBuckets creates A's results bucket and B's data bucket.
func createBuckets(ctx context.Context, a, b Clients) error {
	for _, s := range []struct {
		c      Clients
		bucket string
	}{{a, "a-results"}, {b, "b-data"}} {
		if _, err := s.c.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
			return fmt.Errorf("CreateBucket(%s): %w", s.bucket, err)
		}
	}
	return nil
}

// Column is a Glue column.
func Column(name, typ string) gluetypes.Column {
	return gluetypes.Column{Name: aws.String(name), Type: aws.String(typ)}
}

// CSVTable stores body (CSV with a header row) as c's object
// s3://bucket/table/part-0.csv, creates the database db and describes
// the object as the Glue table db.table.
func CSVTable(ctx context.Context, c Clients, bucket, db, table, body string, cols ...gluetypes.Column) error {
	if _, err := c.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(table + "/part-0.csv"),
		Body: strings.NewReader(body)}); err != nil {
		return err
	}
	if _, err := c.Glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(db)}}); err != nil {
		return err
	}
	_, err := c.Glue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: &gluetypes.TableInput{
		Name: aws.String(table), Parameters: map[string]string{"classification": "csv", "skip.header.line.count": "1"},
		StorageDescriptor: &gluetypes.StorageDescriptor{Columns: cols, Location: aws.String("s3://" + bucket + "/" + table + "/"),
			SerdeInfo: &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
				Parameters: map[string]string{"field.delim": ","}}}}})
	return err
}

// Collaboration creates a collaboration named name in which A queries and
// receives results (by default to a-results) and B is a member without
// abilities, and both join it; it returns their membership ids.
func Collaboration(ctx context.Context, a, b Clients, name string) (ma, mb string, err error) {
	c, err := a.CR.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{Name: aws.String(name), Description: aws.String("d"),
		CreatorDisplayName: aws.String("A"), CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members:        []types.MemberSpecification{{AccountId: aws.String(Owner), DisplayName: aws.String("B"), MemberAbilities: []types.MemberAbility{}}},
		QueryLogStatus: types.CollaborationQueryLogStatusDisabled})
	if err != nil {
		return "", "", err
	}
	outA, err := a.CR.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id,
		QueryLogStatus: types.MembershipQueryLogStatusDisabled,
		DefaultResultConfiguration: &types.MembershipProtectedQueryResultConfiguration{OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{
			Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("a-results"), ResultFormat: types.ResultFormatCsv}}}})
	if err != nil {
		return "", "", err
	}
	outB, err := b.CR.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
	if err != nil {
		return "", "", err
	}
	return aws.ToString(outA.Membership.Id), aws.ToString(outB.Membership.Id), nil
}

// CustomTable configures c's Glue table db.table as the configured table
// name, allowing cols, under a custom rule that lets A run any query
// (with differential privacy when dp is set), and associates it as
// association through c's membership membershipID.
func CustomTable(ctx context.Context, c Clients, membershipID, name, db, table, association string, dp *types.DifferentialPrivacyConfiguration, cols ...string) error {
	ct, err := c.CR.CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{Name: aws.String(name), AllowedColumns: cols,
		AnalysisMethod: types.AnalysisMethodDirectQuery,
		TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String(db), TableName: aws.String(table)}}})
	if err != nil {
		return err
	}
	if _, err := c.CR.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.ConfiguredTable.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom,
		AnalysisRulePolicy: &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{
			Value: types.AnalysisRuleCustom{AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{Querier}, DifferentialPrivacy: dp}}}}); err != nil {
		return err
	}
	account := strings.Split(aws.ToString(ct.ConfiguredTable.Arn), ":")[4] // the table owner's, as the role must be
	_, err = c.CR.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{MembershipIdentifier: aws.String(membershipID),
		ConfiguredTableIdentifier: ct.ConfiguredTable.Id, Name: aws.String(association), RoleArn: aws.String("arn:aws:iam::" + account + ":role/r")})
	return err
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
	if err := createBuckets(ctx, a, b); err != nil {
		return err
	}
	var csv strings.Builder
	csv.WriteString("user_id,campaign,spend\n")
	for i := range users {
		for v := range 1 + i%3 {
			fmt.Fprintf(&csv, "u%d,c%d,%d\n", i, i%4, 1+(i*7+v*13)%50)
		}
	}
	return CSVTable(ctx, b, "b-data", "ads", "visits", csv.String(),
		Column("user_id", "string"), Column("campaign", "string"), Column("spend", "double"))
}

// VisitsCollaboration is a new collaboration (the n-th) on SetupVisits'
// table: A queries; B associates the table twice, as visits under a
// custom rule that lets A run any query, and as dvisits under the same
// rule with differential privacy on user_id, and creates the DP budget
// template with the largest budget (epsilon 20, 100 users of noise).
func VisitsCollaboration(ctx context.Context, a, b Clients, n int) (*World, error) {
	ma, mb, err := Collaboration(ctx, a, b, "dp")
	if err != nil {
		return nil, err
	}
	for _, t := range []struct {
		name string
		dp   *types.DifferentialPrivacyConfiguration
	}{{"visits", nil}, {"dvisits", &types.DifferentialPrivacyConfiguration{Columns: []types.DifferentialPrivacyColumn{{Name: aws.String("user_id")}}}}} {
		if err := CustomTable(ctx, b, mb, fmt.Sprintf("%s%d", t.name, n), "ads", "visits", t.name, t.dp, "user_id", "campaign", "spend"); err != nil {
			return nil, err
		}
	}
	if _, err := b.CR.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{
		MembershipIdentifier: aws.String(mb), PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy,
		AutoRefresh: types.PrivacyBudgetTemplateAutoRefreshNone,
		Parameters: &types.PrivacyBudgetTemplateParametersInputMemberDifferentialPrivacy{Value: types.DifferentialPrivacyTemplateParametersInput{
			Epsilon: aws.Int32(20), UsersNoisePerQuery: aws.Int32(100)}}}); err != nil {
		return nil, err
	}
	return &World{QuerierMembership: ma}, nil
}
