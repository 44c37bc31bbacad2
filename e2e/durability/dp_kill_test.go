package durability

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/querykit"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// TestDPQuerySpendsOnceAcrossSIGKILL: a differentially private query
// killed mid-run is run again by the restarted process (it had released
// nothing) and the budget shows it spent exactly once: the crash neither
// refunded it nor charged the re-run.
func TestDPQuerySpendsOnceAcrossSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := testbin.Build(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	hc := &http.Client{Timeout: 30 * time.Second}
	p := startServer(t, bin, dir)
	a, b := querykit.NewClients(p.URL, querykit.Querier, hc), querykit.NewClients(p.URL, querykit.Owner, hc)
	w, err := querykit.Setup(ctx, a, b, queryRows)
	if err != nil {
		t.Fatal(err)
	}
	if err := makeDP(ctx, w, a, b, 700); err != nil {
		t.Fatal(err)
	}
	// 1500 × 700 × 700 evaluations of the WHERE (seconds), few base rows.
	slow := "SELECT COUNT(*) AS n FROM big b CROSS JOIN pad p1 CROSS JOIN pad p2 WHERE (b.id * 7 + p1.id * 13 + p2.id) % 1000003 = 5"
	id, err := w.Start(ctx, a, slow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WaitFor(ctx, a, id, 30*time.Second, types.ProtectedQueryStatusStarted); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if q, err := w.Get(ctx, a, id); err != nil || q.Status != types.ProtectedQueryStatusStarted {
		t.Fatalf("the query finished before the kill (%v, %v): make it slower", q.Status, err)
	}
	p.Kill(t)

	p = startServer(t, bin, dir)
	a = querykit.NewClients(p.URL, querykit.Querier, hc)
	q, err := w.WaitFor(ctx, a, id, 150*time.Second, types.ProtectedQueryStatusSuccess)
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if q.DifferentialPrivacy == nil || len(q.DifferentialPrivacy.SensitivityParameters) != 1 {
		t.Errorf("sensitivity parameters %+v", q.DifferentialPrivacy)
	}
	if _, body, err := w.Result(ctx, a, q); err != nil || !strings.HasPrefix(body, "n\n") {
		t.Errorf("result %q, %v", body, err)
	}
	// epsilon 1 at 10 users of noise: 5 COUNTs; one query spent one.
	out, err := a.CR.ListPrivacyBudgets(ctx, &cleanrooms.ListPrivacyBudgetsInput{MembershipIdentifier: aws.String(w.QuerierMembership),
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy})
	if err != nil || len(out.PrivacyBudgetSummaries) != 1 {
		t.Fatalf("ListPrivacyBudgets: %v (%d)", err, len(out.PrivacyBudgetSummaries))
	}
	for _, agg := range out.PrivacyBudgetSummaries[0].Budget.(*types.PrivacyBudgetMemberDifferentialPrivacy).Value.Aggregations {
		if agg.Type == types.DifferentialPrivacyAggregationTypeCount && (aws.ToInt32(agg.MaxCount) != 5 || aws.ToInt32(agg.RemainingCount) != 4) {
			t.Errorf("COUNT max %d remaining %d, want 5 and 4", aws.ToInt32(agg.MaxCount), aws.ToInt32(agg.RemainingCount))
		}
	}
	p.Stop(t)
}

// makeDP turns querykit's world into a DP one: B's big gets differential
// privacy on id and the collaboration a DP template (epsilon 1, 10 users
// of noise); A brings pad (rows ids, no DP), which DP queries may join.
func makeDP(ctx context.Context, w *querykit.World, a, b querykit.Clients, rows int) error {
	cts, err := b.CR.ListConfiguredTables(ctx, &cleanrooms.ListConfiguredTablesInput{})
	if err != nil || len(cts.ConfiguredTableSummaries) != 1 {
		return fmt.Errorf("B's configured tables: %v", err)
	}
	if _, err := b.CR.UpdateConfiguredTableAnalysisRule(ctx, &cleanrooms.UpdateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: cts.ConfiguredTableSummaries[0].Id, AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom,
		AnalysisRulePolicy: &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{
			Value: types.AnalysisRuleCustom{AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{querykit.Querier},
				DifferentialPrivacy: &types.DifferentialPrivacyConfiguration{Columns: []types.DifferentialPrivacyColumn{{Name: aws.String("id")}}}}}}}); err != nil {
		return err
	}
	ships, err := b.CR.ListMemberships(ctx, &cleanrooms.ListMembershipsInput{})
	if err != nil || len(ships.MembershipSummaries) != 1 {
		return fmt.Errorf("B's memberships: %v", err)
	}
	if _, err := b.CR.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: ships.MembershipSummaries[0].Id,
		PrivacyBudgetType: types.PrivacyBudgetTypeDifferentialPrivacy, AutoRefresh: types.PrivacyBudgetTemplateAutoRefreshNone,
		Parameters: &types.PrivacyBudgetTemplateParametersInputMemberDifferentialPrivacy{Value: types.DifferentialPrivacyTemplateParametersInput{
			Epsilon: aws.Int32(1), UsersNoisePerQuery: aws.Int32(10)}}}); err != nil {
		return err
	}
	if _, err := a.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("a-pad")}); err != nil {
		return err
	}
	var csv strings.Builder
	csv.WriteString("id\n")
	for i := range rows {
		fmt.Fprintf(&csv, "%d\n", i)
	}
	if err := querykit.CSVTable(ctx, a, "a-pad", "own", "pad", csv.String(), querykit.Column("id", "bigint")); err != nil {
		return err
	}
	return querykit.CustomTable(ctx, a, w.QuerierMembership, "pad", "own", "pad", "pad", nil, "id")
}
