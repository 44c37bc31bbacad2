package service

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// The budget periods with an injected clock: a CALENDAR_MONTH DP budget
// is restored at the month's start, NONE never is, delete and recreate
// refunds nothing, and access budgets refresh per UTC day and Monday week.

type budgetClock struct{ now time.Time }

func (c *budgetClock) set(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	c.now = t
}

func newBudgetFixture(t *testing.T) (*templateFixture, *budgetClock) {
	f := newTemplateFixture(t)
	clock := &budgetClock{}
	f.s.now = func() time.Time { return clock.now }
	return f, clock
}

// dpCounts is remainingCount per type of the collaboration's DP budget.
func dpCounts(t *testing.T, f *templateFixture) map[string]int32 {
	t.Helper()
	out, err := f.s.ListPrivacyBudgets(f.owner, &api.ListPrivacyBudgetsInput{MembershipIdentifier: &f.ownerMS,
		PrivacyBudgetType: api.PrivacyBudgetTypeDifferentialPrivacy})
	if err != nil || len(out.PrivacyBudgetSummaries) != 1 {
		t.Fatalf("ListPrivacyBudgets = %+v, %v; want one budget", out, err)
	}
	m := map[string]int32{}
	for _, a := range out.PrivacyBudgetSummaries[0].Budget.DifferentialPrivacy.Aggregations {
		m[string(a.Type)] = *a.RemainingCount
	}
	return m
}

func (f *templateFixture) spendCount(ctx context.Context) (*cleanrooms.QueryDP, error) {
	var spent *cleanrooms.QueryDP
	err := f.s.store.Transact(ctx, func(tx cleanrooms.Tx) (err error) {
		spent, err = spendDP(ctx, tx, f.collabID, &query.DPPlan{Aggregations: []string{"COUNT"}}, f.s.clock())
		return err
	})
	return spent, err
}

func (f *templateFixture) createDP(t *testing.T, eps, noise int32, refresh api.PrivacyBudgetTemplateAutoRefresh) string {
	t.Helper()
	out, err := f.s.CreatePrivacyBudgetTemplate(f.owner, &api.CreatePrivacyBudgetTemplateInput{MembershipIdentifier: &f.ownerMS,
		PrivacyBudgetType: api.PrivacyBudgetTypeDifferentialPrivacy, AutoRefresh: refresh,
		Parameters: &api.PrivacyBudgetTemplateParametersInput{DifferentialPrivacy: &api.DifferentialPrivacyTemplateParametersInput{
			Epsilon: &eps, UsersNoisePerQuery: &noise}}})
	if err != nil {
		t.Fatalf("CreatePrivacyBudgetTemplate: %v", err)
	}
	return *out.PrivacyBudgetTemplate.Id
}

func wantRefusal(t *testing.T, what string, err error, text string) {
	t.Helper()
	v, ok := err.(*api.ValidationException)
	if !ok || v.Reason != api.ValidationExceptionReasonInvalidQuery || !strings.Contains(*v.Message, text) {
		t.Errorf("%s: error %v, want INVALID_QUERY containing %q", what, err, text)
	}
}

func TestDPBudgetPeriods(t *testing.T) {
	f, clock := newBudgetFixture(t)
	ctx := f.owner
	if _, err := f.spendCount(ctx); err == nil || !strings.Contains(err.Error(), "no DIFFERENTIAL_PRIVACY privacy budget template") {
		t.Errorf("spend without a template: %v, want the refusal naming the missing template", err)
	}
	clock.set("2026-01-31T23:00:00Z")
	id := f.createDP(t, 1, 10, api.PrivacyBudgetTemplateAutoRefreshCalendarMonth)
	// epsilon 1 at N=10: COUNT costs 2e8 nano-epsilon, so 5 fit.
	for i := range 5 {
		spent, err := f.spendCount(ctx)
		if err != nil {
			t.Fatalf("spend %d: %v", i+1, err)
		}
		var spec query.DPPlan
		if err := json.Unmarshal(spent.Spec, &spec); err != nil || spent.SpentNano != 200_000_000 || spent.UsersNoise != 10 || spec.UsersNoise != 10 {
			t.Errorf("spend %d: %+v (spec %+v, %v), want 2e8 at N=10", i+1, spent, spec, err)
		}
	}
	_, err := f.spendCount(ctx)
	wantRefusal(t, "sixth COUNT", err, "not enough aggregations remaining for COUNT (0 of 5)")
	if d := cmp.Diff(map[string]int32{"AVG": 0, "COUNT": 0, "COUNT_DISTINCT": 0, "SUM": 0, "STDDEV": 0}, dpCounts(t, f)); d != "" {
		t.Errorf("remaining at the end of January (-want +got):\n%s", d)
	}
	// February: a new period.
	clock.set("2026-02-01T00:00:00Z")
	if d := cmp.Diff(map[string]int32{"AVG": 2, "COUNT": 5, "COUNT_DISTINCT": 5, "SUM": 3, "STDDEV": 2}, dpCounts(t, f)); d != "" {
		t.Errorf("remaining on February 1 (-want +got):\n%s", d)
	}
	if _, err := f.spendCount(ctx); err != nil {
		t.Fatalf("spend in February: %v", err)
	}
	// Deleted and recreated without refresh: the lifetime spend (6 COUNTs,
	// 1.2 epsilon) exceeds epsilon 1, nothing is left.
	if _, err := f.s.DeletePrivacyBudgetTemplate(ctx, &api.DeletePrivacyBudgetTemplateInput{MembershipIdentifier: &f.ownerMS, PrivacyBudgetTemplateIdentifier: &id}); err != nil {
		t.Fatal(err)
	}
	id = f.createDP(t, 1, 10, api.PrivacyBudgetTemplateAutoRefreshNone)
	if got := dpCounts(t, f)["COUNT"]; got != 0 {
		t.Errorf("COUNT remaining after recreating = %d, want 0 (no refund)", got)
	}
	_, err = f.spendCount(ctx)
	wantRefusal(t, "spend after recreating", err, "not enough aggregations remaining for COUNT (0 of 5)")
	// Epsilon 2: 2e9 − 1.2e9 left, 4 COUNTs; and NONE never refreshes.
	eps := int32(2)
	if _, err := f.s.UpdatePrivacyBudgetTemplate(ctx, &api.UpdatePrivacyBudgetTemplateInput{MembershipIdentifier: &f.ownerMS, PrivacyBudgetTemplateIdentifier: &id,
		PrivacyBudgetType: api.PrivacyBudgetTypeDifferentialPrivacy,
		Parameters:        &api.PrivacyBudgetTemplateUpdateParameters{DifferentialPrivacy: &api.DifferentialPrivacyTemplateUpdateParameters{Epsilon: &eps}}}); err != nil {
		t.Fatal(err)
	}
	clock.set("2026-05-01T00:00:00Z")
	if got := dpCounts(t, f)["COUNT"]; got != 4 {
		t.Errorf("COUNT remaining with epsilon 2 = %d, want 4", got)
	}
	// The member who cannot query does not see it.
	_, err = f.s.ListCollaborationPrivacyBudgets(f.other, &api.ListCollaborationPrivacyBudgetsInput{CollaborationIdentifier: &f.collabID,
		PrivacyBudgetType: api.PrivacyBudgetTypeDifferentialPrivacy})
	if _, ok := err.(*api.AccessDeniedException); !ok {
		t.Errorf("ListCollaborationPrivacyBudgets(DP) by a member without CAN_QUERY: %v, want AccessDenied", err)
	}
}

func TestAccessBudgetPeriods(t *testing.T) {
	f, clock := newBudgetFixture(t)
	ctx := f.owner
	clock.set("2026-01-07T10:00:00Z") // a Wednesday
	a := cleanrooms.Association{ID: "a1", AccountID: ownerAcct, Region: "us-east-1", MembershipID: f.ownerMS, CollaborationID: f.collabID, Name: "t"}
	arn := associationARN(&a)
	err := f.s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		return tx.InsertPrivacyBudgetTemplate(ctx, &cleanrooms.PrivacyBudgetTemplate{ID: "b1", AccountID: ownerAcct, Region: "us-east-1",
			MembershipID: f.ownerMS, CollaborationID: f.collabID, CollaborationCreatorAccountID: ownerAcct, Type: cleanrooms.BudgetAccess, AutoRefresh: "NONE",
			Access: &cleanrooms.AccessBudgetParams{ResourceArn: arn, Budgets: []cleanrooms.AccessBudgetParam{
				{Type: cleanrooms.PeriodCalendarDay, Budget: 2, AutoRefresh: "ENABLED"},
				{Type: cleanrooms.PeriodCalendarWeek, Budget: 3, AutoRefresh: "ENABLED"}}},
			CreateTime: clock.now, UpdateTime: clock.now})
	})
	if err != nil {
		t.Fatal(err)
	}
	spend := func() error {
		return f.s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
			return spendAccess(ctx, tx, f.collabID, []*cleanrooms.SchemaSource{{Association: a}}, f.s.clock())
		})
	}
	steps := []struct {
		at, refusal string // refusal "" = the spend succeeds
	}{
		{"2026-01-07T10:00:00Z", ""},
		{"2026-01-07T23:59:59Z", ""},
		{"2026-01-07T23:59:59Z", "(CALENDAR_DAY)"},
		{"2026-01-08T00:00:00Z", ""},                // a new day, the same week (3 of 3)
		{"2026-01-11T12:00:00Z", "(CALENDAR_WEEK)"}, // Sunday: still that week
		{"2026-01-12T00:00:00Z", ""},                // Monday: a new week
	}
	for _, s := range steps {
		clock.set(s.at)
		err := spend()
		if s.refusal == "" && err != nil {
			t.Errorf("spend at %s: %v", s.at, err)
		}
		if s.refusal != "" {
			wantRefusal(t, "spend at "+s.at, err, "access budget spent for table t "+s.refusal)
		}
	}
	out, err := f.s.ListPrivacyBudgets(ctx, &api.ListPrivacyBudgetsInput{MembershipIdentifier: &f.ownerMS,
		PrivacyBudgetType: api.PrivacyBudgetTypeAccessBudget})
	if err != nil || len(out.PrivacyBudgetSummaries) != 1 {
		t.Fatalf("ListPrivacyBudgets = %+v, %v", out, err)
	}
	ab := out.PrivacyBudgetSummaries[0].Budget.AccessBudget
	type detail struct {
		Type, Start, End string
		Remaining        int32
	}
	var got []detail
	for _, d := range ab.Details {
		got = append(got, detail{string(d.BudgetType), d.StartTime.UTC().Format(time.RFC3339), d.EndTime.UTC().Format(time.RFC3339), *d.RemainingBudget})
	}
	want := []detail{
		{"CALENDAR_DAY", "2026-01-12T00:00:00Z", "2026-01-13T00:00:00Z", 1},
		{"CALENDAR_WEEK", "2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z", 2},
	}
	if d := cmp.Diff(want, got); d != "" || *ab.AggregateRemainingBudget != 1 {
		t.Errorf("details on Monday (-want +got):\n%s\naggregate %d, want 1", d, *ab.AggregateRemainingBudget)
	}
}
