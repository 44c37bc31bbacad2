package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var configuredTableCols = []string{
	"id", "account_id", "region", "name", "description",
	"table_reference", "allowed_columns", "analysis_method", "selected_analysis_methods",
	"create_time", "update_time",
}

var tableRuleCols = []string{"configured_table_id", "type", "policy", "create_time", "update_time"}

// configuredTableFrom joins a table to its rule (at most one: the rule's
// primary key is the table id), whose type the record carries.
const configuredTableFrom = " FROM configured_tables t LEFT JOIN configured_table_rules tr ON tr.configured_table_id = t.id"

var configuredTableSelect = "SELECT " + selectList("t", configuredTableCols) + ", tr.type"

var (
	insertConfiguredTableSQL = prepared(insertSQL("configured_tables", configuredTableCols))
	updateConfiguredTableSQL = prepared(updateSQL("configured_tables", configuredTableCols, "id"))
	deleteConfiguredTableSQL = prepared("DELETE FROM configured_tables WHERE id = ?")
	getConfiguredTableSQL    = preparedRead(configuredTableSelect + configuredTableFrom + " WHERE t.id = ?")
	// Keyset seek on configured_tables_by_account.
	configuredTablesOfSQL = preparedRead(configuredTableSelect + ", t.seq" + configuredTableFrom +
		" WHERE t.account_id = ? AND t.region = ? AND t.seq > ? ORDER BY t.seq LIMIT ?")

	insertTableRuleSQL = prepared(insertSQL("configured_table_rules", tableRuleCols))
	updateTableRuleSQL = prepared(updateSQL("configured_table_rules", tableRuleCols, "configured_table_id"))
	deleteTableRuleSQL = prepared("DELETE FROM configured_table_rules WHERE configured_table_id = ?")
	getTableRuleSQL    = preparedRead("SELECT " + selectList("tr", tableRuleCols) + " FROM configured_table_rules tr WHERE tr.configured_table_id = ?")
)

func configuredTableArgs(t *cleanrooms.ConfiguredTable) ([]any, error) {
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(t.ID)
	p.add(t.AccountID)
	p.add(t.Region)
	p.add(t.Name)
	p.add(t.Description)
	p.addJSON(jsonParam(t.TableReference))
	p.addJSON(jsonParam(nonNil(t.AllowedColumns)))
	p.add(t.AnalysisMethod)
	p.addJSON(stringsParam(t.SelectedAnalysisMethods))
	p.add(timeParam(t.CreateTime))
	p.add(timeParam(t.UpdateTime))
	return p.args, p.err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// configuredTableRow receives one row in configuredTableCols order, then
// the rule's type.
type configuredTableRow struct {
	t                      cleanrooms.ConfiguredTable
	reference, allowed     string
	selected               sql.NullString
	createTime, updateTime int64
	ruleType               sql.NullString
}

func (r *configuredTableRow) dest() []any {
	t := &r.t
	return []any{
		&t.ID, &t.AccountID, &t.Region, &t.Name, &t.Description,
		&r.reference, &r.allowed, &t.AnalysisMethod, &r.selected,
		&r.createTime, &r.updateTime, &r.ruleType,
	}
}

func (r *configuredTableRow) record() (cleanrooms.ConfiguredTable, error) {
	t := r.t
	var err error
	if err = jsonValue(r.reference, &t.TableReference); err != nil {
		return t, err
	}
	t.AllowedColumns = []string{}
	if err = jsonValue(r.allowed, &t.AllowedColumns); err != nil {
		return t, err
	}
	if t.SelectedAnalysisMethods, err = stringsValue(r.selected); err != nil {
		return t, err
	}
	t.CreateTime = timeValue(r.createTime)
	t.UpdateTime = timeValue(r.updateTime)
	t.RuleType = r.ruleType.String
	return t, nil
}

func (t *readTx) GetConfiguredTable(ctx context.Context, id string) (*cleanrooms.ConfiguredTable, error) {
	what := fmt.Sprintf("get configured table %q", id)
	var r configuredTableRow
	if err := t.queryRow(ctx, getConfiguredTableSQL, id).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	ct, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return &ct, nil
}

func (t *readTx) ListConfiguredTablesOf(ctx context.Context, accountID, region string, p cleanrooms.Page) ([]cleanrooms.ConfiguredTable, string, error) {
	return seqPage(t, ctx, fmt.Sprintf("list configured tables of %q", accountID), cursorScope("configured-tables-of", accountID, region), p,
		configuredTablesOfSQL, []any{accountID, region}, func(rows sqlRows) (cleanrooms.ConfiguredTable, int64, error) {
			var r configuredTableRow
			var seq int64
			if err := rows.Scan(append(r.dest(), &seq)...); err != nil {
				return cleanrooms.ConfiguredTable{}, 0, err
			}
			ct, err := r.record()
			return ct, seq, err
		})
}

// seqPage reads one page of a list whose keyset is a single seq: query
// takes args, then the seq to start after, then the limit, and its last
// column is the seq.
func seqPage[T any](t *readTx, ctx context.Context, what, scope string, p cleanrooms.Page, query string, args []any,
	scan func(sqlRows) (T, int64, error)) ([]T, string, error) {
	if err := checkLimit(p); err != nil {
		return nil, "", err
	}
	var after int64 // seq starts at 1
	if p.Cursor != "" {
		keys, err := decodeCursor(p.Cursor, scope, 1)
		if err != nil {
			return nil, "", err
		}
		after = keys[0]
	}
	rows, err := t.query(ctx, query, append(args, after, p.Limit+1)...)
	if err != nil {
		return nil, "", t.fail(err, what)
	}
	items, next, err := readPage(rows, p.Limit, scope, func(rows sqlRows) (T, []int64, error) {
		item, seq, err := scan(rows)
		return item, []int64{seq}, err
	})
	if err != nil {
		return nil, "", t.fail(err, what)
	}
	return items, next, nil
}

func (t *writeTx) InsertConfiguredTable(ctx context.Context, ct *cleanrooms.ConfiguredTable) error {
	what := fmt.Sprintf("insert configured table %q", ct.ID)
	args, err := configuredTableArgs(ct)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertConfiguredTableSQL, args...); err != nil {
		return t.fail(err, what)
	}
	return nil
}

func (t *writeTx) UpdateConfiguredTable(ctx context.Context, ct *cleanrooms.ConfiguredTable) error {
	what := fmt.Sprintf("update configured table %q", ct.ID)
	args, err := configuredTableArgs(ct)
	if err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, updateConfiguredTableSQL, updateArgs(configuredTableCols, args, "id")...)
	return t.mustAffect(res, err, what)
}

func (t *writeTx) DeleteConfiguredTable(ctx context.Context, id string) error {
	what := fmt.Sprintf("delete configured table %q", id)
	if _, err := t.exec(ctx, deleteTableRuleSQL, id); err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, deleteConfiguredTableSQL, id)
	if err != nil && t.d.classify(err) == errForeignKey {
		return fmt.Errorf("sqlstore: %s: still associated: %w (%v)", what, cleanrooms.ErrConflict, err)
	}
	return t.mustAffect(res, err, what)
}

func tableRuleArgs(r *cleanrooms.TableAnalysisRule) ([]any, error) {
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(r.ConfiguredTableID)
	p.add(r.Type)
	p.addJSON(jsonParam(r.Policy))
	p.add(timeParam(r.CreateTime))
	p.add(timeParam(r.UpdateTime))
	return p.args, p.err
}

type tableRuleRow struct {
	r                      cleanrooms.TableAnalysisRule
	policy                 string
	createTime, updateTime int64
	// shared, when set, decodes policy through sharedPolicies.
	shared bool
}

func (r *tableRuleRow) dest() []any {
	return []any{&r.r.ConfiguredTableID, &r.r.Type, &r.policy, &r.createTime, &r.updateTime}
}

func (r *tableRuleRow) record() (cleanrooms.TableAnalysisRule, error) {
	out := r.r
	if r.shared {
		var err error
		if out.Policy, err = sharedPolicies.decode(r.policy); err != nil {
			return out, err
		}
	} else if err := jsonValue(r.policy, &out.Policy); err != nil {
		return out, err
	}
	out.CreateTime = timeValue(r.createTime)
	out.UpdateTime = timeValue(r.updateTime)
	return out, nil
}

// optionalTableRuleRow receives a rule from a LEFT JOIN.
type optionalTableRuleRow struct {
	tableID, typ, policy   sql.NullString
	createTime, updateTime sql.NullInt64
	shared                 bool // see tableRuleRow
}

// joinedDest receives a rule's policy and times; the join gives its key
// and type (schemaSourceRow.record).
func (r *optionalTableRuleRow) joinedDest() []any {
	return []any{&r.policy, &r.createTime, &r.updateTime}
}

func (r *optionalTableRuleRow) record() (*cleanrooms.TableAnalysisRule, error) {
	if !r.tableID.Valid {
		return nil, nil
	}
	row := tableRuleRow{r: cleanrooms.TableAnalysisRule{ConfiguredTableID: r.tableID.String, Type: r.typ.String},
		policy: r.policy.String, createTime: r.createTime.Int64, updateTime: r.updateTime.Int64, shared: r.shared}
	out, err := row.record()
	return &out, err
}

func (t *readTx) GetTableAnalysisRule(ctx context.Context, configuredTableID string) (*cleanrooms.TableAnalysisRule, error) {
	what := fmt.Sprintf("get analysis rule of configured table %q", configuredTableID)
	var r tableRuleRow
	if err := t.queryRow(ctx, getTableRuleSQL, configuredTableID).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	out, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return &out, nil
}

func (t *writeTx) InsertTableAnalysisRule(ctx context.Context, r *cleanrooms.TableAnalysisRule) error {
	what := fmt.Sprintf("insert analysis rule of configured table %q", r.ConfiguredTableID)
	args, err := tableRuleArgs(r)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertTableRuleSQL, args...); err != nil {
		return t.fail(err, what)
	}
	return nil
}

func (t *writeTx) UpdateTableAnalysisRule(ctx context.Context, r *cleanrooms.TableAnalysisRule) error {
	what := fmt.Sprintf("update analysis rule of configured table %q", r.ConfiguredTableID)
	args, err := tableRuleArgs(r)
	if err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, updateTableRuleSQL, updateArgs(tableRuleCols, args, "configured_table_id")...)
	return t.mustAffect(res, err, what)
}

func (t *writeTx) DeleteTableAnalysisRule(ctx context.Context, configuredTableID string) error {
	res, err := t.exec(ctx, deleteTableRuleSQL, configuredTableID)
	return t.mustAffect(res, err, fmt.Sprintf("delete analysis rule of configured table %q", configuredTableID))
}

// sharedPolicies remembers table-rule policies decoded by
// GetSchemaSourceFor (GetSchema's hit path, where decoding the policy
// JSON was a tenth of the request), keyed by their stored JSON: a changed
// rule is different bytes, so it is decoded afresh. The policies it
// returns share their slices and pointers across calls, which
// GetSchemaSourceFor's contract makes read-only. Bounded: emptied when
// full.
var sharedPolicies policyMemo

type policyMemo struct {
	mu sync.Mutex
	m  map[string]cleanrooms.TablePolicy
}

const maxPolicyMemo = 4096

func (p *policyMemo) decode(raw string) (cleanrooms.TablePolicy, error) {
	p.mu.Lock()
	v, ok := p.m[raw]
	p.mu.Unlock()
	if ok {
		return v, nil
	}
	if err := jsonValue(raw, &v); err != nil {
		return v, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil || len(p.m) >= maxPolicyMemo {
		p.m = make(map[string]cleanrooms.TablePolicy)
	}
	p.m[raw] = v
	return v, nil
}
