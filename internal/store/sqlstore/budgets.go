package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var budgetTemplateCols = []string{
	"id", "account_id", "region", "membership_id", "collaboration_id", "collaboration_creator_account_id",
	"budget_type", "resource_key", "auto_refresh", "parameters", "create_time", "update_time",
}

var (
	insertBudgetTemplateSQL = prepared(insertSQL("privacy_budget_templates", budgetTemplateCols))
	updateBudgetTemplateSQL = prepared(updateSQL("privacy_budget_templates", budgetTemplateCols, "id"))
	deleteBudgetTemplateSQL = prepared("DELETE FROM privacy_budget_templates WHERE id = ?")
	getBudgetTemplateSQL    = preparedRead("SELECT " + selectList("t", budgetTemplateCols) + " FROM privacy_budget_templates t WHERE t.id = ?")
	budgetTemplateForSQL    = preparedRead("SELECT " + selectList("t", budgetTemplateCols) +
		" FROM privacy_budget_templates t WHERE t.collaboration_id = ? AND t.resource_key = ?")
	// Keyset seeks on privacy_budget_templates_by_membership and _by_collaboration.
	budgetTemplatesOfSQL = preparedRead("SELECT " + selectList("t", budgetTemplateCols) + ", t.seq FROM privacy_budget_templates t" +
		" WHERE t.membership_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?")
	collaborationBudgetTemplatesSQL = preparedRead("SELECT " + selectList("t", budgetTemplateCols) + ", t.seq FROM privacy_budget_templates t" +
		" WHERE t.collaboration_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?")
	countBudgetTemplatesOfSQL = preparedRead("SELECT COUNT(*) FROM privacy_budget_templates WHERE membership_id = ?")

	budgetSpentSQL = preparedRead("SELECT spent FROM privacy_budget_spends WHERE scope = ? AND period = ? AND period_start = ?")
	// The check and the increment are one statement: the conflicting row
	// is updated only while the sum stays within the limit, and the
	// statement's row count says whether it was.
	spendBudgetSQL = prepared("INSERT INTO privacy_budget_spends (scope, period, period_start, spent) VALUES (?, ?, ?, ?)" +
		" ON CONFLICT (scope, period, period_start) DO UPDATE SET spent = privacy_budget_spends.spent + excluded.spent" +
		" WHERE privacy_budget_spends.spent + excluded.spent <= ?")
)

// budgetParams is the JSON of the parameters column.
type budgetParams struct {
	DP     *cleanrooms.DPBudgetParams     `json:"differentialPrivacy,omitempty"`
	Access *cleanrooms.AccessBudgetParams `json:"accessBudget,omitempty"`
}

func budgetTemplateArgs(t *cleanrooms.PrivacyBudgetTemplate) ([]any, error) {
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(t.ID)
	p.add(t.AccountID)
	p.add(t.Region)
	p.add(t.MembershipID)
	p.add(t.CollaborationID)
	p.add(t.CollaborationCreatorAccountID)
	p.add(t.Type)
	p.add(t.ResourceKey())
	p.add(t.AutoRefresh)
	p.addJSON(jsonParam(budgetParams{DP: t.DP, Access: t.Access}))
	p.add(timeParam(t.CreateTime))
	p.add(timeParam(t.UpdateTime))
	return p.args, p.err
}

type budgetTemplateRow struct {
	t                      cleanrooms.PrivacyBudgetTemplate
	resourceKey, params    string
	createTime, updateTime int64
}

func (r *budgetTemplateRow) dest() []any {
	t := &r.t
	return []any{
		&t.ID, &t.AccountID, &t.Region, &t.MembershipID, &t.CollaborationID, &t.CollaborationCreatorAccountID,
		&t.Type, &r.resourceKey, &t.AutoRefresh, &r.params, &r.createTime, &r.updateTime,
	}
}

func (r *budgetTemplateRow) record() (cleanrooms.PrivacyBudgetTemplate, error) {
	t := r.t
	var p budgetParams
	if err := jsonValue(r.params, &p); err != nil {
		return t, err
	}
	t.DP, t.Access = p.DP, p.Access
	t.CreateTime = timeValue(r.createTime)
	t.UpdateTime = timeValue(r.updateTime)
	return t, nil
}

func (t *readTx) getBudgetTemplate(ctx context.Context, what, query string, args ...any) (*cleanrooms.PrivacyBudgetTemplate, error) {
	var r budgetTemplateRow
	if err := t.queryRow(ctx, query, args...).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	bt, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return &bt, nil
}

func (t *readTx) GetPrivacyBudgetTemplate(ctx context.Context, id string) (*cleanrooms.PrivacyBudgetTemplate, error) {
	return t.getBudgetTemplate(ctx, fmt.Sprintf("get privacy budget template %q", id), getBudgetTemplateSQL, id)
}

func (t *readTx) PrivacyBudgetTemplateFor(ctx context.Context, collaborationID, key string) (*cleanrooms.PrivacyBudgetTemplate, error) {
	return t.getBudgetTemplate(ctx, fmt.Sprintf("get privacy budget template for %q in %q", key, collaborationID),
		budgetTemplateForSQL, collaborationID, key)
}

func (t *readTx) ListPrivacyBudgetTemplatesOf(ctx context.Context, membershipID string, p cleanrooms.Page) ([]cleanrooms.PrivacyBudgetTemplate, string, error) {
	return t.budgetTemplatePage(ctx, "privacy-budget-templates-of", membershipID, budgetTemplatesOfSQL, p)
}

func (t *readTx) ListCollaborationPrivacyBudgetTemplates(ctx context.Context, collaborationID string, p cleanrooms.Page) ([]cleanrooms.PrivacyBudgetTemplate, string, error) {
	return t.budgetTemplatePage(ctx, "collaboration-privacy-budget-templates", collaborationID, collaborationBudgetTemplatesSQL, p)
}

// budgetTemplatePage reads one keyset page of query, whose arguments are
// the parent id, the seq to start after and the limit.
func (t *readTx) budgetTemplatePage(ctx context.Context, list, parent, query string, p cleanrooms.Page) ([]cleanrooms.PrivacyBudgetTemplate, string, error) {
	return seqPage(t, ctx, fmt.Sprintf("list %s %q", list, parent), cursorScope(list, parent), p, query, []any{parent},
		func(rows sqlRows) (cleanrooms.PrivacyBudgetTemplate, int64, error) {
			var r budgetTemplateRow
			var seq int64
			if err := rows.Scan(append(r.dest(), &seq)...); err != nil {
				return cleanrooms.PrivacyBudgetTemplate{}, 0, err
			}
			bt, err := r.record()
			return bt, seq, err
		})
}

func (t *readTx) CountPrivacyBudgetTemplatesOf(ctx context.Context, membershipID string) (int, error) {
	var n int
	if err := t.queryRow(ctx, countBudgetTemplatesOfSQL, membershipID).Scan(&n); err != nil {
		return 0, t.fail(err, fmt.Sprintf("count privacy budget templates of %q", membershipID))
	}
	return n, nil
}

func (t *readTx) PrivacyBudgetSpent(ctx context.Context, p cleanrooms.BudgetPeriod) (int64, error) {
	var n int64
	err := t.queryRow(ctx, budgetSpentSQL, p.Scope, p.Period, timeParam(p.Start)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, t.fail(err, fmt.Sprintf("read %s spend of %q", p.Period, p.Scope))
	}
	return n, nil
}

func (t *writeTx) InsertPrivacyBudgetTemplate(ctx context.Context, bt *cleanrooms.PrivacyBudgetTemplate) error {
	what := fmt.Sprintf("insert privacy budget template %q", bt.ID)
	args, err := budgetTemplateArgs(bt)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertBudgetTemplateSQL, args...); err != nil {
		return t.fail(err, what)
	}
	return nil
}

func (t *writeTx) UpdatePrivacyBudgetTemplate(ctx context.Context, bt *cleanrooms.PrivacyBudgetTemplate) error {
	what := fmt.Sprintf("update privacy budget template %q", bt.ID)
	args, err := budgetTemplateArgs(bt)
	if err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, updateBudgetTemplateSQL, updateArgs(budgetTemplateCols, args, "id")...)
	return t.mustAffect(res, err, what)
}

func (t *writeTx) DeletePrivacyBudgetTemplate(ctx context.Context, id string) error {
	res, err := t.exec(ctx, deleteBudgetTemplateSQL, id)
	return t.mustAffect(res, err, fmt.Sprintf("delete privacy budget template %q", id))
}

func (t *writeTx) SpendPrivacyBudget(ctx context.Context, p cleanrooms.BudgetPeriod, amount, limit int64) (bool, error) {
	what := fmt.Sprintf("spend %d from %s budget of %q", amount, p.Period, p.Scope)
	if amount < 0 {
		return false, fmt.Errorf("sqlstore: %s: negative amount", what)
	}
	if limit < 0 {
		limit = math.MaxInt64
	}
	if amount > limit {
		return false, nil
	}
	res, err := t.exec(ctx, spendBudgetSQL, p.Scope, p.Period, timeParam(p.Start), amount, limit)
	if err != nil {
		return false, t.fail(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, t.fail(err, what)
	}
	return n == 1, nil
}
