package e2e

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

// Differential privacy end to end with aws-sdk-go-v2: B brings a visits
// table under a custom rule with differential privacy on user_id; A
// queries. The table is NOT_READY until the collaboration has a privacy
// budget template; queries then return noised aggregates close to the
// truth, small groups disappear, an extreme value is clamped, the budget
// counts down and is spent atomically under concurrency.

// dpWorld: campaign c1 and c2 have dpUsers users each (1 to 3 visits,
// spend 1..50 per visit), c3 has 3 users; user x1 of c1 spends 1e9.
type dpWorld struct {
	srv        *cleanroomstest.Server
	A, B, C    member
	collabID   string
	mA, mB, mC string
	visitsCTA  types.ConfiguredTableAssociation
	users      map[string]int     // campaign → distinct users
	spend      map[string]float64 // campaign → true total spend (without x1)
	templateID string
}

const dpUsers = 3000

func newDPWorld(t *testing.T) *dpWorld {
	t.Helper()
	srv := cleanroomstest.NewServer(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{QueriesPerMembership: 100}))
	w := &dpWorld{srv: srv, A: newMember(srv, acctA), B: newMember(srv, acctB), C: newMember(srv, acctC), users: map[string]int{}, spend: map[string]float64{}}
	ctx := t.Context()
	for _, b := range []struct {
		m member
		n string
	}{{w.A, "a-results"}, {w.B, "b-data"}, {w.C, "c-results"}} {
		if _, err := b.m.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b.n)}); err != nil {
			t.Fatal(err)
		}
	}
	var sb strings.Builder
	sb.WriteString("user_id,campaign,spend\n")
	row := func(u, c string, s float64) {
		fmt.Fprintf(&sb, "%s,%s,%g\n", u, c, s)
	}
	for _, c := range []string{"c1", "c2"} {
		for i := range dpUsers {
			u := fmt.Sprintf("%s-u%d", c, i)
			for v := range 1 + i%3 {
				s := float64(1 + (i*7+v*13)%50)
				row(u, c, s)
				w.spend[c] += s
			}
			w.users[c]++
		}
	}
	for i := range 3 {
		row(fmt.Sprintf("c3-u%d", i), "c3", 10)
	}
	row("x1", "c1", 1e9)
	w.users["c1"]++
	w.B.put(t, "b-data", "visits/part-0.csv", []byte(sb.String()))
	if _, err := w.B.glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("ads")}}); err != nil {
		t.Fatal(err)
	}
	w.B.createTable(t, "ads", glueTable("visits", "csv", "s3://b-data/visits/",
		[]gluetypes.Column{col("user_id", "string"), col("campaign", "string"), col("spend", "double")}))

	c := mustCreate(t, w.A.cr, collabInput("dp", abilities(types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults),
		spec(acctB, "B"), spec(acctC, "C", types.MemberAbilityCanReceiveResults)))
	w.collabID = aws.ToString(c.Id)
	w.mA = aws.ToString(mustJoin(t, w.A.cr, joinWithResults(w.collabID, "a-results", "")).Id)
	w.mB = aws.ToString(mustJoin(t, w.B.cr, joinInput(w.collabID)).Id)
	w.mC = aws.ToString(mustJoin(t, w.C.cr, joinWithResults(w.collabID, "c-results", acctC)).Id)
	visits := w.B.configure(t, "visits", "ads", "visits", []string{"user_id", "campaign", "spend"}, types.ConfiguredTableAnalysisRuleTypeCustom,
		&types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{Value: types.AnalysisRuleCustom{
			AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{acctA},
			DifferentialPrivacy: &types.DifferentialPrivacyConfiguration{Columns: []types.DifferentialPrivacyColumn{{Name: aws.String("user_id")}}}}}})
	w.visitsCTA = w.B.associate(t, w.mB, *visits.Id, "visits")
	w.B.ctaRule(t, w.mB, w.visitsCTA, types.ConfiguredTableAssociationAnalysisRuleTypeCustom, acctA, acctC)
	return w
}

func (w *dpWorld) schemaStatus(t *testing.T) types.SchemaStatusDetail {
	t.Helper()
	out, err := w.A.cr.GetSchema(t.Context(), &cleanrooms.GetSchemaInput{CollaborationIdentifier: aws.String(w.collabID), Name: aws.String("visits")})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range out.Schema.SchemaStatusDetails {
		if d.AnalysisType == types.AnalysisTypeDirectAnalysis {
			return d
		}
	}
	t.Fatalf("no DIRECT_ANALYSIS status: %+v", out.Schema.SchemaStatusDetails)
	return types.SchemaStatusDetail{}
}

func (w *dpWorld) createTemplate(t *testing.T, epsilon, noise int32) {
	t.Helper()
	out, err := w.B.cr.CreatePrivacyBudgetTemplate(t.Context(), &cleanrooms.CreatePrivacyBudgetTemplateInput{
		MembershipIdentifier: aws.String(w.mB), PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy,
		AutoRefresh: types.PrivacyBudgetTemplateAutoRefreshNone,
		Parameters: &types.PrivacyBudgetTemplateParametersInputMemberDifferentialPrivacy{Value: types.DifferentialPrivacyTemplateParametersInput{
			Epsilon: aws.Int32(epsilon), UsersNoisePerQuery: aws.Int32(noise)}}})
	if err != nil {
		t.Fatalf("CreatePrivacyBudgetTemplate: %v", err)
	}
	w.templateID = aws.ToString(out.PrivacyBudgetTemplate.Id)
}

func (w *dpWorld) startQuery(ctx context.Context, sql string) (*cleanrooms.StartProtectedQueryOutput, error) {
	return w.A.cr.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(sql)}})
}

// remaining is A's view of the DP budget: remainingCount by type.
func (w *dpWorld) remaining(t *testing.T) map[types.DifferentialPrivacyAggregationType][2]int32 {
	t.Helper()
	out, err := w.A.cr.ListPrivacyBudgets(t.Context(), &cleanrooms.ListPrivacyBudgetsInput{MembershipIdentifier: aws.String(w.mA),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy})
	if err != nil {
		t.Fatalf("ListPrivacyBudgets: %v", err)
	}
	if len(out.PrivacyBudgetSummaries) != 1 {
		t.Fatalf("%d DP budgets, want 1", len(out.PrivacyBudgetSummaries))
	}
	b, ok := out.PrivacyBudgetSummaries[0].Budget.(*types.PrivacyBudgetMemberDifferentialPrivacy)
	if !ok {
		t.Fatalf("budget %T", out.PrivacyBudgetSummaries[0].Budget)
	}
	got := map[types.DifferentialPrivacyAggregationType][2]int32{}
	for _, a := range b.Value.Aggregations {
		got[a.Type] = [2]int32{aws.ToInt32(a.MaxCount), aws.ToInt32(a.RemainingCount)}
	}
	return got
}

func TestDifferentialPrivacyEndToEnd(t *testing.T) {
	w := newDPWorld(t)
	ctx := t.Context()
	if st := w.schemaStatus(t); st.Status != types.SchemaStatusNotReady || len(st.Reasons) == 0 ||
		st.Reasons[0].Code != types.SchemaStatusReasonCodeDifferentialPrivacyPolicyNotConfigured {
		t.Fatalf("DP table without a budget template: %+v", st)
	}
	// epsilon 2 at 10 users of noise: 20 shares; COUNT costs 2, SUM 3.
	w.createTemplate(t, 2, 10)
	if st := w.schemaStatus(t); st.Status != types.SchemaStatusReady || len(st.Configurations) != 1 ||
		st.Configurations[0] != types.SchemaConfigurationDifferentialPrivacy {
		t.Fatalf("DP table with a budget template: %+v", st)
	}
	prev, err := w.A.cr.PreviewPrivacyImpact(ctx, &cleanrooms.PreviewPrivacyImpactInput{MembershipIdentifier: aws.String(w.mA),
		Parameters: &types.PreviewPrivacyImpactParametersInputMemberDifferentialPrivacy{Value: types.DifferentialPrivacyPreviewParametersInput{
			Epsilon: aws.Int32(2), UsersNoisePerQuery: aws.Int32(10)}}})
	if err != nil {
		t.Fatal(err)
	}
	preview := map[types.DifferentialPrivacyAggregationType]int32{}
	for _, a := range prev.PrivacyImpact.(*types.PrivacyImpactMemberDifferentialPrivacy).Value.Aggregations {
		preview[a.Type] = aws.ToInt32(a.MaxCount)
	}
	wantMax := map[types.DifferentialPrivacyAggregationType]int32{"COUNT": 10, "COUNT_DISTINCT": 10, "SUM": 6, "AVG": 5, "STDDEV": 4}
	if d := diff(wantMax, preview); d != "" {
		t.Errorf("PreviewPrivacyImpact (-want +got):\n%s", d)
	}
	for typ, c := range w.remaining(t) {
		if c != [2]int32{wantMax[typ], wantMax[typ]} {
			t.Errorf("fresh budget %s: max/remaining %v, want %d", typ, c, wantMax[typ])
		}
	}
	// B cannot query: the remaining budget is not its to see.
	_, err = w.B.cr.ListPrivacyBudgets(ctx, &cleanrooms.ListPrivacyBudgetsInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy})
	wantAccessDenied(t, err)

	// Shape: a DP query aggregates; a row-level query is refused at start.
	for _, sql := range []string{"SELECT user_id, spend FROM visits", "SELECT campaign, MAX(spend) FROM visits GROUP BY campaign"} {
		_, err := w.startQuery(ctx, sql)
		if v := wantValidation(t, err); v != nil && !strings.Contains(strings.ToLower(aws.ToString(v.Message)), "differential privacy") {
			t.Errorf("%s refused with %q, which does not name the rule", sql, aws.ToString(v.Message))
		}
	}

	// One release per query: receivers in two formats would need two
	// runs, two draws of noise, and are refused before anything is spent.
	_, err = w.A.cr.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.mA),
		Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT COUNT(*) AS n FROM visits")},
		ResultConfiguration: &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberDistribute{
			Value: types.ProtectedQueryDistributeOutputConfiguration{Locations: []types.ProtectedQueryDistributeOutputConfigurationLocation{
				&types.ProtectedQueryDistributeOutputConfigurationLocationMemberS3{Value: types.ProtectedQueryS3OutputConfiguration{
					Bucket: aws.String("a-results"), ResultFormat: types.ResultFormatParquet}},
				&types.ProtectedQueryDistributeOutputConfigurationLocationMemberMember{Value: types.ProtectedQueryMemberOutputConfiguration{AccountId: aws.String(acctC)}}}}}}})
	if v := wantValidation(t, err); v != nil && !strings.Contains(aws.ToString(v.Message), "same result format") {
		t.Errorf("two result formats refused with %q", aws.ToString(v.Message))
	}
	if c := w.remaining(t)["COUNT"]; c != [2]int32{10, 10} {
		t.Errorf("a refused query spent budget: COUNT max/remaining %v", c)
	}
	out, err := w.startQuery(ctx, "SELECT campaign, COUNT(DISTINCT user_id) AS users, SUM(spend) AS total FROM visits GROUP BY campaign")
	if err != nil {
		t.Fatalf("DP query: %v", err)
	}
	done := wait(t, w.A.cr, w.mA, *out.ProtectedQuery.Id)
	if done.Status != types.ProtectedQueryStatusSuccess {
		t.Fatalf("DP query %s: %+v", done.Status, done.Error)
	}
	if done.DifferentialPrivacy == nil || len(done.DifferentialPrivacy.SensitivityParameters) != 2 {
		t.Fatalf("sensitivity parameters: %+v", done.DifferentialPrivacy)
	}
	sp := done.DifferentialPrivacy.SensitivityParameters
	limit := float64(aws.ToInt32(sp[0].UserContributionLimit))
	if sp[0].AggregationType != types.DifferentialPrivacyAggregationTypeCountDistinct || sp[1].AggregationType != types.DifferentialPrivacyAggregationTypeSum ||
		limit < 1 || sp[1].MaxColumnValue == nil || float64(*sp[1].MaxColumnValue) >= 1e9 || float64(*sp[1].MaxColumnValue) < 16 {
		t.Fatalf("sensitivity parameters: %+v %+v", sp[0], sp[1])
	}
	hi := float64(*sp[1].MaxColumnValue)
	rows := readResult(t, w.A, aws.ToString(done.Result.Output.(*types.ProtectedQueryOutputMemberS3).Value.Location))
	if d := diff([]string{"campaign", "users", "total"}, rows[0]); d != "" {
		t.Errorf("header (-want +got):\n%s", d)
	}
	got := map[string][]float64{}
	for _, r := range rows[1:] {
		u, err1 := strconv.ParseFloat(r[1], 64)
		s, err2 := strconv.ParseFloat(r[2], 64)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("row %v: %v", r, err)
		}
		got[r[0]] = []float64{u, s}
	}
	t.Logf("released %v; truth users %v spend %v; L %v, clamped to %v", got, w.users, w.spend, limit, hi)
	// c3 (3 users) is far below what partition selection lets through.
	if _, ok := got["c3"]; ok || len(got) != 2 {
		t.Fatalf("released groups %v, want c1 and c2", got)
	}
	// Noise: discrete Laplace of scale N·Δ; 15 scales is a bound broken
	// with probability e^-15. Contribution bounding can only lower a
	// count or a sum (rows beyond the limit dropped, values clamped).
	for _, c := range []string{"c1", "c2"} {
		users, total := got[c][0], got[c][1]
		if tol := 15 * 10 * limit; math.Abs(users-float64(w.users[c])) > tol {
			t.Errorf("%s: %v users, truth %d (tolerance %v)", c, users, w.users[c], tol)
		}
		truth := w.spend[c]
		if c == "c1" {
			truth += hi // x1's 1e9, clamped to the upper bound
		}
		if tol := 15 * 10 * limit * hi; total > truth+tol || total < truth*0.5-tol {
			t.Errorf("%s: total %v, truth %v clamped (hi %v, tolerance %v)", c, total, truth, hi, tol)
		}
	}
	// 5 of 20 shares spent: COUNT has 7 left.
	if c := w.remaining(t)["COUNT"]; c != [2]int32{10, 7} {
		t.Errorf("after one query COUNT max/remaining %v, want [10 7]", c)
	}

	// 50 concurrent COUNT queries against 15 shares: exactly 7 run.
	var mu sync.Mutex
	var ok, spent int
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_, err := w.startQuery(ctx, "SELECT COUNT(*) AS n FROM visits")
			mu.Lock()
			defer mu.Unlock()
			var v *types.ValidationException
			switch {
			case err == nil:
				ok++
			case errors.As(err, &v) && strings.Contains(aws.ToString(v.Message), "not enough aggregations remaining"):
				spent++
			default:
				t.Errorf("concurrent start: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 7 || spent != 43 {
		t.Errorf("50 concurrent queries against 7 remaining: %d ran, %d refused for budget", ok, spent)
	}
	for typ, c := range w.remaining(t) {
		if c[1] != 0 {
			t.Errorf("spent budget still shows %d %s", c[1], typ)
		}
	}
	_, err = w.startQuery(ctx, "SELECT COUNT(*) AS n FROM visits")
	if v := wantValidation(t, err); v != nil && !strings.Contains(aws.ToString(v.Message), "not enough aggregations remaining") {
		t.Errorf("exhausted budget refused with %q", aws.ToString(v.Message))
	}
	// Deleting and recreating the template does not refund.
	if _, err := w.B.cr.DeletePrivacyBudgetTemplate(ctx, &cleanrooms.DeletePrivacyBudgetTemplateInput{MembershipIdentifier: aws.String(w.mB),
		PrivacyBudgetTemplateIdentifier: aws.String(w.templateID)}); err != nil {
		t.Fatal(err)
	}
	w.createTemplate(t, 2, 10)
	if c := w.remaining(t)["COUNT"]; c != [2]int32{10, 0} {
		t.Errorf("recreated template: COUNT max/remaining %v, want [10 0]", c)
	}
}
