package replicas

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/querykit"
)

// TestAccessBudgetAcrossReplicas: 50 starts spread over two replicas
// against an access budget of 10 start exactly 10 queries; the rest are
// refused (400) and recorded nowhere.
func TestAccessBudgetAcrossReplicas(t *testing.T) {
	c := newCluster(t, 2, "--quotas", "queries=100")
	ctx := ctxTimeout(t, 2*time.Minute)
	hc := &http.Client{Transport: c.tr, Timeout: 30 * time.Second}
	r1 := c.replicas[0]
	a1, b1 := querykit.NewClients(r1.URL, querykit.Querier, hc), querykit.NewClients(r1.URL, querykit.Owner, hc)
	w, err := querykit.Setup(ctx, a1, b1, 3)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := b1.CR.ListMemberships(ctx, &cleanrooms.ListMembershipsInput{})
	if err != nil || len(ms.MembershipSummaries) != 1 {
		t.Fatalf("ListMemberships(B) = %+v, %v", ms, err)
	}
	mB := ms.MembershipSummaries[0].Id
	as, err := b1.CR.ListConfiguredTableAssociations(ctx, &cleanrooms.ListConfiguredTableAssociationsInput{MembershipIdentifier: mB})
	if err != nil || len(as.ConfiguredTableAssociationSummaries) != 1 {
		t.Fatalf("ListConfiguredTableAssociations(B) = %+v, %v", as, err)
	}
	if _, err := b1.CR.CreatePrivacyBudgetTemplate(ctx, &cleanrooms.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: mB,
		PrivacyBudgetType: types.PrivacyBudgetTypeAccessBudget,
		Parameters: &types.PrivacyBudgetTemplateParametersInputMemberAccessBudget{Value: types.AccessBudgetsPrivacyTemplateParametersInput{
			ResourceArn:      as.ConfiguredTableAssociationSummaries[0].Arn,
			BudgetParameters: []types.BudgetParameter{{Type: types.AccessBudgetTypeLifetime, Budget: aws.Int32(10)}}}}}); err != nil {
		t.Fatal(err)
	}
	clients := c.clients(querykit.Querier)
	const n = 50
	errs := make([]error, n)
	race(n, func(i int) {
		_, errs[i] = clients[i%2].StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(w.QuerierMembership),
			Type: types.ProtectedQueryTypeSql, SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT COUNT(*) AS n FROM big")}})
	})
	if got := tally(errs); got[""] != 10 || got["ValidationException"] != n-10 {
		t.Errorf("outcomes %v, want 10 started and %d ValidationException", got, n-10)
	}
	qs, err := clients[1].ListProtectedQueries(ctx, &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: aws.String(w.QuerierMembership), MaxResults: aws.Int32(100)})
	if err != nil || len(qs.ProtectedQueries) != 10 {
		t.Errorf("ListProtectedQueries = %d queries, %v; want 10", len(qs.ProtectedQueries), err)
	}
	checkNoErrors(t, c.replicas...)
}
