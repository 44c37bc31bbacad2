package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/dp"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// Budgets are spent at StartProtectedQuery, in the transaction that
// inserts the query: a refused query spends nothing, and a query that was
// recorded has spent (a crash or a failure later refunds nothing, and the
// runner re-running a query after a crash does not spend again).

// spendDP spends what plan's aggregates cost from the collaboration's DP
// budget and returns what the query runs under. The cost is recorded in
// every ledger period; the template's period (the month, or the lifetime
// with autoRefresh NONE) is the one limited by epsilon.
func spendDP(ctx context.Context, tx cleanrooms.Tx, collaborationID string, plan *query.DPPlan, now time.Time) (*cleanrooms.QueryDP, error) {
	t, err := tx.PrivacyBudgetTemplateFor(ctx, collaborationID, "")
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, invalidQuery(fmt.Sprintf("Collaboration %s has no DIFFERENTIAL_PRIVACY privacy budget template: queries on differential privacy tables need one (DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED).", collaborationID))
	}
	if err != nil {
		return nil, err
	}
	n := t.DP.UsersNoise
	cost := dp.QueryCost(plan.Aggregations, n)
	limitKind := dpPeriodKind(t)
	for _, p := range ledgerPeriods(collaborationID, now) {
		limit := int64(-1)
		if p.Period == limitKind {
			limit = dp.Budget(t.DP.Epsilon)
		}
		ok, err := tx.SpendPrivacyBudget(ctx, p, cost, limit)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, dpSpent(ctx, tx, t, plan.Aggregations, now)
		}
	}
	plan.UsersNoise = n
	spec, err := json.Marshal(plan)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.QueryDP{UsersNoise: n, Aggregations: append([]string{}, plan.Aggregations...), SpentNano: cost, Spec: spec}, nil
}

// dpSpent is the refusal of a query the DP budget cannot pay for. It
// names the first of the query's aggregation types of which fewer
// aggregates remain than the query has, else (the types fit one by one
// but not together) its most expensive type.
func dpSpent(ctx context.Context, tx cleanrooms.ReadTx, t *cleanrooms.PrivacyBudgetTemplate, aggs []string, now time.Time) error {
	rem, err := dpRemaining(ctx, tx, t, now)
	if err != nil {
		return err
	}
	n := t.DP.UsersNoise
	count := map[string]int64{}
	for _, a := range aggs {
		count[a]++
	}
	name := ""
	for _, a := range aggs {
		if dp.RemainingCount(rem, n, a) < count[a] {
			name = a
			break
		}
	}
	if name == "" {
		for _, a := range aggs {
			if name == "" || dp.Cost(a, n) > dp.Cost(name, n) {
				name = a
			}
		}
	}
	return invalidQuery(fmt.Sprintf("differential privacy budget spent: not enough aggregations remaining for %s (%d of %d)",
		name, dp.RemainingCount(rem, n, name), dp.MaxCount(t.DP.Epsilon, n, name)))
}

// spendAccess spends 1 from every access budget of each table the query
// reads; a budget with nothing left refuses the query.
func spendAccess(ctx context.Context, tx cleanrooms.Tx, collaborationID string, srcs []*cleanrooms.SchemaSource, now time.Time) error {
	for _, src := range srcs {
		arn := associationARN(&src.Association)
		t, err := tx.PrivacyBudgetTemplateFor(ctx, collaborationID, arn)
		if errors.Is(err, cleanrooms.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		limits := map[string]int64{}
		refusal := map[string]string{}
		for _, b := range t.Access.Budgets {
			kind := accessPeriodKind(b)
			if l, ok := limits[kind]; !ok || int64(b.Budget) < l {
				limits[kind], refusal[kind] = int64(b.Budget), b.Type
			}
		}
		for _, p := range ledgerPeriods(arn, now) {
			limit, limited := limits[p.Period]
			if !limited {
				limit = -1
			}
			ok, err := tx.SpendPrivacyBudget(ctx, p, 1, limit)
			if err != nil {
				return err
			}
			if !ok {
				return invalidQuery(fmt.Sprintf("access budget spent for table %s (%s)", src.Association.Name, refusal[p.Period]))
			}
		}
	}
	return nil
}
