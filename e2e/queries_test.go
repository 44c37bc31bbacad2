package e2e

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

// Protected queries with aws-sdk-go-v2 against an in-process server: the
// worked example of dataplane spec 2.2 (users of B joined to purchases
// of A under aggregation rules; a city below the output minimum
// disappears), results in S3 read back, refusals, members as receivers,
// templates with parameters, cancel, the quota and the time limit.

// queryWorld: B owns users (8 users in 4 cities), A owns purchases (9
// rows); both under aggregation rules with a minimum of 2 distinct
// users. A queries and receives (default results to a-results); C
// receives (default results to c-results); D is an outsider.
type queryWorld struct {
	srv            *cleanroomstest.Server
	A, B, C, D     member
	collabID       string
	mA, mB, mC     string
	usersCTA, pCTA types.ConfiguredTableAssociation
}

const (
	usersCSV     = "user_id,city\nu1,LA\nu2,LA\nu3,NYC\nu4,NYC\nu5,NYC\nu6,Chicago\nu7,Seattle\nu8,Seattle\n"
	purchasesCSV = "user_id,amount\nu1,10\nu2,20\nu1,5\nu3,7\nu4,8\nu5,9\nu3,1\nu6,100\nu4,2\n"
)

// joinWithResults joins with a default result configuration (with the
// role of account, which a receiver that cannot query must give).
func joinWithResults(collabID, bucket, account string) *cleanrooms.CreateMembershipInput {
	in := joinInput(collabID)
	in.DefaultResultConfiguration = resultConfig(bucket, account)
	return in
}

func newQueryWorld(t *testing.T, opts ...cleanroomstest.Option) *queryWorld {
	t.Helper()
	srv := cleanroomstest.NewServer(t, opts...)
	w := &queryWorld{srv: srv, A: newMember(srv, acctA), B: newMember(srv, acctB), C: newMember(srv, acctC), D: newMember(srv, acctD)}
	ctx := t.Context()
	for _, b := range []struct {
		m       member
		buckets []string
		db      string
	}{{w.A, []string{"a-data", "a-results"}, "acme"}, {w.B, []string{"b-data"}, "crm"}, {w.C, []string{"c-results"}, ""}} {
		for _, name := range b.buckets {
			if _, err := b.m.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
				t.Fatalf("CreateBucket(%s): %v", name, err)
			}
		}
		if b.db != "" {
			if _, err := b.m.glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(b.db)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.B.put(t, "b-data", "users/part-0.csv", []byte(usersCSV))
	w.A.put(t, "a-data", "purchases/part-0.csv", []byte(purchasesCSV))
	w.B.createTable(t, "crm", glueTable("users", "csv", "s3://b-data/users/", []gluetypes.Column{col("user_id", "string"), col("city", "string")}))
	w.A.createTable(t, "acme", glueTable("purchases", "csv", "s3://a-data/purchases/", []gluetypes.Column{col("user_id", "string"), col("amount", "double")}))

	c := mustCreate(t, w.A.cr, collabInput("queries", abilities(types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults),
		spec(acctB, "B"), spec(acctC, "C", types.MemberAbilityCanReceiveResults)))
	w.collabID = aws.ToString(c.Id)
	w.mA = aws.ToString(mustJoin(t, w.A.cr, joinWithResults(w.collabID, "a-results", "")).Id)
	w.mB = aws.ToString(mustJoin(t, w.B.cr, joinInput(w.collabID)).Id)
	w.mC = aws.ToString(mustJoin(t, w.C.cr, joinWithResults(w.collabID, "c-results", acctC)).Id)

	min2 := []types.AggregationConstraint{{ColumnName: aws.String("user_id"), Minimum: aws.Int32(2), Type: types.AggregationTypeCountDistinct}}
	users := w.B.configure(t, "users", "crm", "users", []string{"user_id", "city"}, types.ConfiguredTableAnalysisRuleTypeAggregation,
		&types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{Value: types.AnalysisRuleAggregation{
			AggregateColumns: []types.AggregateColumn{{ColumnNames: []string{"user_id"}, Function: types.AggregateFunctionNameCountDistinct}},
			DimensionColumns: []string{"city"}, JoinColumns: []string{"user_id"}, JoinRequired: types.JoinRequiredOptionQueryRunner,
			OutputConstraints: min2, ScalarFunctions: []types.ScalarFunctions{types.ScalarFunctionsUpper}}}})
	purchases := w.A.configure(t, "purchases", "acme", "purchases", []string{"user_id", "amount"}, types.ConfiguredTableAnalysisRuleTypeAggregation,
		&types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{Value: types.AnalysisRuleAggregation{
			AggregateColumns: []types.AggregateColumn{{ColumnNames: []string{"amount"}, Function: types.AggregateFunctionNameSum}},
			DimensionColumns: []string{}, JoinColumns: []string{"user_id"}, OutputConstraints: min2, ScalarFunctions: []types.ScalarFunctions{}}}})
	w.usersCTA = w.B.associate(t, w.mB, *users.Id, "users")
	w.pCTA = w.A.associate(t, w.mA, *purchases.Id, "purchases")
	w.B.ctaRule(t, w.mB, w.usersCTA, types.ConfiguredTableAssociationAnalysisRuleTypeAggregation, acctA, acctC)
	w.A.ctaRule(t, w.mA, w.pCTA, types.ConfiguredTableAssociationAnalysisRuleTypeAggregation, acctA, acctC)
	return w
}

const cityQuery = "SELECT u.city, COUNT(DISTINCT u.user_id) AS users, SUM(p.amount) AS total " +
	"FROM users u JOIN purchases p ON u.user_id = p.user_id GROUP BY u.city"

func (w *queryWorld) start(t *testing.T, sql string, rc *types.ProtectedQueryResultConfiguration) types.ProtectedQuery {
	t.Helper()
	out, err := w.A.cr.StartProtectedQuery(t.Context(), &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(sql)}, ResultConfiguration: rc})
	if err != nil {
		t.Fatalf("StartProtectedQuery(%s): %v", sql, err)
	}
	if out.ProtectedQuery.Status != types.ProtectedQueryStatusSubmitted {
		t.Errorf("StartProtectedQuery status %s, want SUBMITTED", out.ProtectedQuery.Status)
	}
	return *out.ProtectedQuery
}

// wait polls GetProtectedQuery (as the aws-sdk-pandas flow does) until
// the query is finished.
func wait(t *testing.T, c *cleanrooms.Client, membershipID, id string) types.ProtectedQuery {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := c.GetProtectedQuery(t.Context(), &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(membershipID), ProtectedQueryIdentifier: aws.String(id)})
		if err != nil {
			t.Fatalf("GetProtectedQuery(%s): %v", id, err)
		}
		switch q := *out.ProtectedQuery; q.Status {
		case types.ProtectedQueryStatusSuccess, types.ProtectedQueryStatusFailed, types.ProtectedQueryStatusCancelled, types.ProtectedQueryStatusTimedOut:
			return q
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s still %s after 60 s", id, out.ProtectedQuery.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readResult lists the objects under an s3:// location as m and returns
// the CSV rows of every part, header first, then the other rows sorted.
func readResult(t *testing.T, m member, location string) [][]string {
	t.Helper()
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(location, "s3://"), "/")
	out, err := m.s3.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatalf("ListObjectsV2(%s): %v", location, err)
	}
	if len(out.Contents) == 0 {
		t.Fatalf("no objects under %s", location)
	}
	var header []string
	var rows [][]string
	for _, o := range out.Contents {
		recs, err := csv.NewReader(bytes.NewReader(m.get(t, bucket, aws.ToString(o.Key), ""))).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("result %s: %v (%d records)", aws.ToString(o.Key), err, len(recs))
		}
		header = recs[0]
		rows = append(rows, recs[1:]...)
	}
	slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
	return append([][]string{header}, rows...)
}

func TestQueryAggregationJoinDropsSmallGroups(t *testing.T) {
	w := newQueryWorld(t)
	q := w.start(t, cityQuery, nil)
	done := wait(t, w.A.cr, w.mA, *q.Id)
	if done.Status != types.ProtectedQueryStatusSuccess {
		t.Fatalf("query %s: %+v", done.Status, done.Error)
	}
	s3out, ok := done.Result.Output.(*types.ProtectedQueryOutputMemberS3)
	if !ok {
		t.Fatalf("result output %T, want s3", done.Result.Output)
	}
	loc := aws.ToString(s3out.Value.Location)
	if want := "s3://a-results/" + *q.Id + "/result/"; loc != want {
		t.Errorf("location %s, want %s", loc, want)
	}
	// Chicago has one user (below the minimum of 2): gone, silently;
	// Seattle has no purchases.
	want := [][]string{{"city", "users", "total"}, {"LA", "2", "35.0"}, {"NYC", "3", "27.0"}}
	if d := diff(want, readResult(t, w.A, loc)); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
	if done.Statistics == nil || done.Statistics.TotalDurationInMillis == nil {
		t.Errorf("statistics missing: %+v", done.Statistics)
	}
	if done.SqlParameters == nil || aws.ToString(done.SqlParameters.QueryString) != cityQuery {
		t.Errorf("the querier sees sqlParameters %+v", done.SqlParameters)
	}
	// The result is the receiver's: nobody else reads it.
	for _, m := range []member{w.B, w.D} {
		_, err := m.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("a-results"), Key: aws.String(*q.Id + "/result/part-00000.csv")})
		s3Error(t, "GetObject(result) as "+m.account, err, "AccessDenied", 403)
	}
	// B is neither querier nor receiver: 404 through its own membership.
	_, err := w.B.cr.GetProtectedQuery(t.Context(), &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(w.mB), ProtectedQueryIdentifier: q.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, *q.Id)
	list, err := w.A.cr.ListProtectedQueries(t.Context(), &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: aws.String(w.mA)})
	if err != nil || len(list.ProtectedQueries) != 1 || aws.ToString(list.ProtectedQueries[0].Id) != *q.Id {
		t.Fatalf("ListProtectedQueries: %+v, %v", list, err)
	}
	rc := list.ProtectedQueries[0].ReceiverConfigurations
	if len(rc) != 1 || rc[0].AnalysisType != types.AnalysisTypeDirectAnalysis {
		t.Errorf("receiverConfigurations %+v", rc)
	} else if d, ok := rc[0].ConfigurationDetails.(*types.ConfigurationDetailsMemberDirectAnalysisConfigurationDetails); !ok || !slices.Equal(d.Value.ReceiverAccountIds, []string{acctA}) {
		t.Errorf("receiver accounts %+v", rc[0].ConfigurationDetails)
	}
}

func TestQueryRefusedByRules(t *testing.T) {
	w := newQueryWorld(t)
	for _, tc := range []struct{ sql, needle string }{
		{"SELECT u.user_id, COUNT(DISTINCT u.user_id) FROM users u JOIN purchases p ON u.user_id = p.user_id GROUP BY u.user_id", "user_id"},
		{"SELECT u.city, SUM(u.user_id) FROM users u JOIN purchases p ON u.user_id = p.user_id GROUP BY u.city", "user_id"},
		{"SELECT city, COUNT(DISTINCT user_id) FROM users GROUP BY city", "Inner join to query runner table required for table users"},
		{"SELECT * FROM read_csv('/etc/passwd')", "read_csv"},
		{"DROP TABLE users", ""},
		{"SELECT 1; SELECT 2", ""},
		{"SELECT COUNT(DISTINCT x) FROM nowhere", "nowhere"},
	} {
		_, err := w.A.cr.StartProtectedQuery(t.Context(), &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
			Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(tc.sql)}})
		ve := wantValidation(t, err)
		if ve == nil {
			continue
		}
		if ve.Reason != types.ValidationExceptionReasonInvalidQuery {
			t.Errorf("%s: reason %s, want INVALID_QUERY (%s)", tc.sql, ve.Reason, aws.ToString(ve.Message))
		}
		if !strings.Contains(aws.ToString(ve.Message), tc.needle) {
			t.Errorf("%s: message %q does not name %q", tc.sql, aws.ToString(ve.Message), tc.needle)
		}
	}
	list, err := w.A.cr.ListProtectedQueries(t.Context(), &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: aws.String(w.mA)})
	if err != nil || len(list.ProtectedQueries) != 0 {
		t.Errorf("refused queries were recorded: %+v, %v", list, err)
	}
	// A template runs only over tables whose custom rule lists it: these
	// are under aggregation rules (found by the model test).
	tmpl, err := w.A.cr.CreateAnalysisTemplate(t.Context(), &cleanrooms.CreateAnalysisTemplateInput{MembershipIdentifier: aws.String(w.mA),
		Name: aws.String("cities"), Format: types.AnalysisFormatSql, Source: &types.AnalysisSourceMemberText{Value: cityQuery}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.A.cr.StartProtectedQuery(t.Context(), &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{AnalysisTemplateArn: tmpl.AnalysisTemplate.Arn}})
	if ve := wantValidation(t, err); ve != nil && (ve.Reason != types.ValidationExceptionReasonInvalidQuery || !strings.Contains(aws.ToString(ve.Message), "analysis template")) {
		t.Errorf("template over aggregation tables: %s %q", ve.Reason, aws.ToString(ve.Message))
	}
	// B cannot query at all.
	_, err = w.B.cr.StartProtectedQuery(t.Context(), &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mB),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(cityQuery)}})
	wantAccessDenied(t, err)
}

func TestQueryResultsToMember(t *testing.T) {
	w := newQueryWorld(t)
	q := w.start(t, cityQuery, &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberMember{
		Value: types.ProtectedQueryMemberOutputConfiguration{AccountId: aws.String(acctC)}}})
	if done := wait(t, w.A.cr, w.mA, *q.Id); done.Status != types.ProtectedQueryStatusSuccess {
		t.Fatalf("query %s: %+v", done.Status, done.Error)
	}
	// C sees it through its own membership, without the SQL.
	seen := wait(t, w.C.cr, w.mC, *q.Id)
	if seen.SqlParameters != nil {
		t.Errorf("a receiver sees sqlParameters: %+v", seen.SqlParameters)
	}
	ml, ok := seen.Result.Output.(*types.ProtectedQueryOutputMemberMemberList)
	if !ok || len(ml.Value) != 1 || aws.ToString(ml.Value[0].AccountId) != acctC {
		t.Fatalf("result output %#v, want memberList [C]", seen.Result.Output)
	}
	got := readResult(t, w.C, "s3://c-results/"+*q.Id+"/result/")
	if len(got) != 3 || got[1][0] != "LA" || got[2][0] != "NYC" {
		t.Errorf("C's result %v", got)
	}
	list, err := w.C.cr.ListProtectedQueries(t.Context(), &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: aws.String(w.mC)})
	if err != nil || len(list.ProtectedQueries) != 1 {
		t.Errorf("C lists %+v, %v; want the query it receives", list, err)
	}
	// C cannot cancel what it did not start (403), B does not see it
	// (404), and an unknown id under A's own membership is 404 too.
	_, err = w.C.cr.UpdateProtectedQuery(t.Context(), &cleanrooms.UpdateProtectedQueryInput{MembershipIdentifier: aws.String(w.mC),
		ProtectedQueryIdentifier: q.Id, TargetStatus: types.TargetProtectedQueryStatusCancelled})
	wantAccessDenied(t, err)
	_, err = w.B.cr.UpdateProtectedQuery(t.Context(), &cleanrooms.UpdateProtectedQueryInput{MembershipIdentifier: aws.String(w.mB),
		ProtectedQueryIdentifier: q.Id, TargetStatus: types.TargetProtectedQueryStatusCancelled})
	wantNotFound(t, err, types.ResourceTypeMembership, *q.Id)
	const unknown = "00000000-0000-4000-8000-000000000000"
	_, err = w.A.cr.GetProtectedQuery(t.Context(), &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(w.mA), ProtectedQueryIdentifier: aws.String(unknown)})
	wantNotFound(t, err, types.ResourceTypeMembership, unknown)
}

// TestQueryStartRefusals: the checks before the SQL — the request's
// shape, the receivers, the membership's state — with the error each gets.
func TestQueryStartRefusals(t *testing.T) {
	w := newQueryWorld(t)
	start := func(p *types.ProtectedQuerySQLParameters, rc *types.ProtectedQueryResultConfiguration) error {
		_, err := w.A.cr.StartProtectedQuery(t.Context(), &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
			Type: types.ProtectedQueryTypeSql, SqlParameters: p, ResultConfiguration: rc})
		return err
	}
	sql := &types.ProtectedQuerySQLParameters{QueryString: aws.String(cityQuery)}
	// Parameters belong to templates.
	if ve := wantValidation(t, start(&types.ProtectedQuerySQLParameters{QueryString: aws.String(cityQuery),
		Parameters: map[string]string{"p": "1"}}, nil)); ve != nil && !strings.Contains(aws.ToString(ve.Message), "analysisTemplateArn") {
		t.Errorf("parameters without a template: %q", aws.ToString(ve.Message))
	}
	// A template of no collaboration of ours.
	if ve := wantValidation(t, start(&types.ProtectedQuerySQLParameters{AnalysisTemplateArn: aws.String(
		"arn:aws:cleanrooms:" + cleanroomstest.Region + ":" + acctA + ":membership/" + w.mA + "/analysistemplate/00000000-0000-4000-8000-000000000000")}, nil)); ve != nil &&
		ve.Reason != types.ValidationExceptionReasonInvalidQuery {
		t.Errorf("unknown template: reason %s", ve.Reason)
	}
	// Receivers: B cannot receive results; the querier does not name
	// itself as a member output; distribute names at most one s3 location.
	member := func(acct string) *types.ProtectedQueryResultConfiguration {
		return &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberMember{
			Value: types.ProtectedQueryMemberOutputConfiguration{AccountId: aws.String(acct)}}}
	}
	s3 := types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("a-results"), ResultFormat: types.ResultFormatCsv}
	for name, rc := range map[string]*types.ProtectedQueryResultConfiguration{
		"member who cannot receive": member(acctB),
		"the querier as a member":   member(acctA),
		"two s3 locations": {OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberDistribute{
			Value: types.ProtectedQueryDistributeOutputConfiguration{Locations: []types.ProtectedQueryDistributeOutputConfigurationLocation{
				&types.ProtectedQueryDistributeOutputConfigurationLocationMemberS3{Value: s3},
				&types.ProtectedQueryDistributeOutputConfigurationLocationMemberS3{Value: s3}}}}},
	} {
		if ve := wantValidation(t, start(sql, rc)); ve != nil && ve.Reason != types.ValidationExceptionReasonInvalidConfiguration {
			t.Errorf("%s: reason %s (%s)", name, ve.Reason, aws.ToString(ve.Message))
		}
	}
	// A collaboration that was deleted starts nothing: 403, as the
	// operation declares no ConflictException.
	if _, err := w.A.cr.DeleteCollaboration(t.Context(), &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: aws.String(w.collabID)}); err != nil {
		t.Fatal(err)
	}
	wantAccessDenied(t, start(sql, nil))
}

// addBig adds B's table "big" (n rows) under a CUSTOM rule that lets A
// run any query.
func (w *queryWorld) addBig(t *testing.T, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,segment\n")
	for i := range n {
		fmt.Fprintf(&b, "r%d,s\n", i)
	}
	w.B.put(t, "b-data", "big/part-0.csv", []byte(b.String()))
	w.B.createTable(t, "crm", glueTable("big", "csv", "s3://b-data/big/", []gluetypes.Column{col("id", "string"), col("segment", "string")}))
	ct := w.B.configure(t, "big", "crm", "big", []string{"id", "segment"}, types.ConfiguredTableAnalysisRuleTypeCustom, customRule([]string{"ANY_QUERY"}, acctA))
	w.B.associate(t, w.mB, *ct.Id, "big")
}

const slowQuery = "SELECT COUNT(*) AS n FROM big a CROSS JOIN big b CROSS JOIN big c CROSS JOIN big d"

func cancel(t *testing.T, c *cleanrooms.Client, membershipID, id string) (types.ProtectedQuery, error) {
	out, err := c.UpdateProtectedQuery(t.Context(), &cleanrooms.UpdateProtectedQueryInput{MembershipIdentifier: aws.String(membershipID),
		ProtectedQueryIdentifier: aws.String(id), TargetStatus: types.TargetProtectedQueryStatusCancelled})
	if err != nil {
		return types.ProtectedQuery{}, err
	}
	return *out.ProtectedQuery, nil
}

func TestQueryCancelAndQuota(t *testing.T) {
	w := newQueryWorld(t)
	w.addBig(t, 2000)
	var ids []string
	for range 5 {
		ids = append(ids, *w.start(t, slowQuery, nil).Id)
	}
	_, err := w.A.cr.StartProtectedQuery(t.Context(), &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(slowQuery)}})
	wantQuota(t, err, "Concurrent protected queries per membership", 5)
	for _, id := range ids {
		q, err := cancel(t, w.A.cr, w.mA, id)
		if err != nil {
			t.Fatalf("cancel %s: %v", id, err)
		}
		if q.Status != types.ProtectedQueryStatusCancelling {
			t.Errorf("cancel answered %s, want CANCELLING", q.Status)
		}
	}
	for _, id := range ids {
		if q := wait(t, w.A.cr, w.mA, id); q.Status != types.ProtectedQueryStatusCancelled {
			t.Errorf("query %s ended %s, want CANCELLED", id, q.Status)
		}
	}
	_, err = cancel(t, w.A.cr, w.mA, ids[0])
	wantConflict(t, err, types.ConflictExceptionReasonInvalidState)
	// The quota counts unfinished queries only.
	w.start(t, cityQuery, nil)
}

func TestQueryTimeLimit(t *testing.T) {
	w := newQueryWorld(t, cleanroomstest.WithQueryTimeout(300*time.Millisecond))
	w.addBig(t, 2000)
	q := w.start(t, slowQuery, nil)
	done := wait(t, w.A.cr, w.mA, *q.Id)
	if done.Status != types.ProtectedQueryStatusTimedOut {
		t.Fatalf("query ended %s (%+v), want TIMED_OUT", done.Status, done.Error)
	}
}

func TestQueryTemplateParametersAreData(t *testing.T) {
	w := newQueryWorld(t)
	w.B.put(t, "b-data", "segments/part-0.csv", []byte("user_id,segment\nu1,gold\nu2,silver\nu3,gold\n"))
	w.B.createTable(t, "crm", glueTable("segments", "csv", "s3://b-data/segments/", []gluetypes.Column{col("user_id", "string"), col("segment", "string")}))
	// The table is associated first (a template names collaboration
	// tables), then its rule allows the template.
	ct := w.B.configure(t, "segments", "crm", "segments", []string{"user_id", "segment"}, "", nil)
	w.B.associate(t, w.mB, *ct.Id, "segments")
	tmpl, err := w.A.cr.CreateAnalysisTemplate(t.Context(), &cleanrooms.CreateAnalysisTemplateInput{MembershipIdentifier: aws.String(w.mA),
		Name: aws.String("by-segment"), Format: types.AnalysisFormatSql,
		Source:             &types.AnalysisSourceMemberText{Value: "SELECT COUNT(*) AS n FROM segments WHERE segment = :seg"},
		AnalysisParameters: []types.AnalysisParameter{{Name: aws.String("seg"), Type: types.ParameterTypeVarchar}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.B.cr.CreateConfiguredTableAnalysisRule(t.Context(), &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: ct.Id, AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom,
		AnalysisRulePolicy: customRule([]string{aws.ToString(tmpl.AnalysisTemplate.Arn)})}); err != nil {
		t.Fatal(err)
	}
	run := func(seg string) [][]string {
		out, err := w.A.cr.StartProtectedQuery(t.Context(), &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
			Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{
				AnalysisTemplateArn: tmpl.AnalysisTemplate.Arn, Parameters: map[string]string{"seg": seg}}})
		if err != nil {
			t.Fatalf("start with seg=%q: %v", seg, err)
		}
		done := wait(t, w.A.cr, w.mA, *out.ProtectedQuery.Id)
		if done.Status != types.ProtectedQueryStatusSuccess {
			t.Fatalf("seg=%q: %s %+v", seg, done.Status, done.Error)
		}
		return readResult(t, w.A, "s3://a-results/"+*out.ProtectedQuery.Id+"/result/")
	}
	if got := run("gold"); diff([][]string{{"n"}, {"2"}}, got) != "" {
		t.Errorf("seg=gold: %v", got)
	}
	if got := run("x' OR '1'='1"); diff([][]string{{"n"}, {"0"}}, got) != "" {
		t.Errorf("an injected parameter was SQL: %v", got)
	}
	// A free-form query on the template-only table is refused.
	_, err = w.A.cr.StartProtectedQuery(t.Context(), &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT COUNT(*) FROM segments")}})
	if ve := wantValidation(t, err); ve != nil && ve.Reason != types.ValidationExceptionReasonInvalidQuery {
		t.Errorf("reason %s", ve.Reason)
	}
}

// TestQueryListRule: under list rules both sides are listed through a
// join on the join column; the columns are the list columns only, and a
// query without DISTINCT is refused.
func TestQueryListRule(t *testing.T) {
	w := newQueryWorld(t)
	w.A.put(t, "a-data", "regions/part-0.csv", []byte("user_id,region\nu1,west\nu2,west\nu3,east\nu9,north\n"))
	w.A.createTable(t, "acme", glueTable("regions", "csv", "s3://a-data/regions/", []gluetypes.Column{col("user_id", "string"), col("region", "string")}))
	w.B.put(t, "b-data", "tiers/part-0.csv", []byte("user_id,tier\nu1,gold\nu2,gold\nu3,silver\nu4,bronze\n"))
	w.B.createTable(t, "crm", glueTable("tiers", "csv", "s3://b-data/tiers/", []gluetypes.Column{col("user_id", "string"), col("tier", "string")}))
	regions := w.A.configure(t, "regions", "acme", "regions", []string{"user_id", "region"}, types.ConfiguredTableAnalysisRuleTypeList,
		listRule([]string{"user_id"}, []string{"region"}))
	tiers := w.B.configure(t, "tiers", "crm", "tiers", []string{"user_id", "tier"}, types.ConfiguredTableAnalysisRuleTypeList,
		listRule([]string{"user_id"}, []string{"tier"}))
	w.A.associate(t, w.mA, *regions.Id, "regions")
	w.B.associate(t, w.mB, *tiers.Id, "tiers")
	q := w.start(t, "SELECT DISTINCT r.region, t.tier FROM regions r JOIN tiers t ON r.user_id = t.user_id", nil)
	done := wait(t, w.A.cr, w.mA, *q.Id)
	if done.Status != types.ProtectedQueryStatusSuccess {
		t.Fatalf("list query %s: %+v", done.Status, done.Error)
	}
	want := [][]string{{"region", "tier"}, {"east", "silver"}, {"west", "gold"}}
	if d := diff(want, readResult(t, w.A, "s3://a-results/"+*q.Id+"/result/")); d != "" {
		t.Errorf("list result (-want +got):\n%s", d)
	}
	for _, sql := range []string{
		"SELECT r.region, t.tier FROM regions r JOIN tiers t ON r.user_id = t.user_id",            // no DISTINCT
		"SELECT DISTINCT r.user_id FROM regions r JOIN tiers t ON r.user_id = t.user_id",          // a join column
		"SELECT DISTINCT t.tier FROM tiers t",                                                     // no join to the querier's table
		"SELECT DISTINCT r.region, COUNT(*) FROM regions r JOIN tiers t ON r.user_id = t.user_id", // an aggregate
	} {
		_, err := w.A.cr.StartProtectedQuery(t.Context(), &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
			Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(sql)}})
		if ve := wantValidation(t, err); ve != nil && ve.Reason != types.ValidationExceptionReasonInvalidQuery {
			t.Errorf("%s: reason %s", sql, ve.Reason)
		}
	}
}
