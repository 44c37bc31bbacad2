package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var associationCols = []string{
	"id", "account_id", "region", "membership_id", "collaboration_id", "configured_table_id",
	"name", "name_key", "description", "role_arn", "create_time", "update_time",
}

var associationRuleCols = []string{"association_id", "type", "policy", "create_time", "update_time"}

// joinedAssociationRuleCols are the columns of a rule read by a join on
// its key (associationRuleJoins).
var joinedAssociationRuleCols = []string{"policy", "create_time", "update_time"}

// ruleTypeOrder is the order of an association's rule types, and of the
// joins that read them: one LEFT JOIN per type on the rules' primary key
// (association_id, type), so an association with its rules is one row.
var ruleTypeOrder = []string{cleanrooms.RuleAggregation, cleanrooms.RuleList, cleanrooms.RuleCustom}

var (
	associationRuleJoins = func() string {
		var b strings.Builder
		for i, typ := range ruleTypeOrder {
			fmt.Fprintf(&b, " LEFT JOIN table_association_rules r%d ON r%d.association_id = a.id AND r%d.type = '%s'", i, i, i, typ)
		}
		return b.String()
	}()
	// Of each joined rule only the columns its key does not give (the
	// association's id and the join's type); policy is NOT NULL, so a
	// NULL policy is an absent rule.
	associationRuleSelect = func() string {
		var cols []string
		for i := range ruleTypeOrder {
			cols = append(cols, selectList(fmt.Sprintf("r%d", i), joinedAssociationRuleCols))
		}
		return strings.Join(cols, ", ")
	}()

	associationSelect = "SELECT " + selectList("a", associationCols) + ", " + associationRuleSelect
	associationFrom   = " FROM table_associations a" + associationRuleJoins

	insertAssociationSQL = prepared(insertSQL("table_associations", associationCols))
	updateAssociationSQL = prepared(updateSQL("table_associations", associationCols, "id"))
	deleteAssociationSQL = prepared("DELETE FROM table_associations WHERE id = ?")
	deleteRulesOfSQL     = prepared("DELETE FROM table_association_rules WHERE association_id = ?")
	getAssociationSQL    = preparedRead(associationSelect + associationFrom + " WHERE a.id = ?")
	// Keyset seek on table_associations_by_membership.
	associationsOfSQL = preparedRead(associationSelect + ", a.seq" + associationFrom +
		" WHERE a.membership_id = ? AND a.seq > ? ORDER BY a.seq LIMIT ?")
	associationOfTableInSQL = preparedRead(associationSelect + associationFrom +
		" WHERE a.collaboration_id = ? AND a.configured_table_id = ?")
	tableIsAssociatedSQL         = preparedRead("SELECT 1 FROM table_associations WHERE configured_table_id = ? LIMIT 1")
	membershipHasAssociationsSQL = preparedRead("SELECT 1 FROM table_associations WHERE membership_id = ? LIMIT 1")

	insertAssociationRuleSQL = prepared(insertSQL("table_association_rules", associationRuleCols))
	updateAssociationRuleSQL = prepared(updateSQL("table_association_rules", associationRuleCols, "association_id", "type"))
	deleteAssociationRuleSQL = prepared("DELETE FROM table_association_rules WHERE association_id = ? AND type = ?")
	getAssociationRuleSQL    = preparedRead("SELECT " + selectList("r", associationRuleCols) +
		" FROM table_association_rules r WHERE r.association_id = ? AND r.type = ?")

	// A schema source: the association (by the unique (collaboration_id,
	// name_key) or the collaboration's keyset index), its table by unique
	// id, the table's rule and the association's rules by primary key.
	schemaSourceSelect = associationSelect + ", " + selectList("t", configuredTableCols) + ", tr.type, tr.policy, tr.create_time, tr.update_time"
	schemaSourceFrom   = associationFrom + " JOIN configured_tables t ON t.id = a.configured_table_id" +
		" LEFT JOIN configured_table_rules tr ON tr.configured_table_id = t.id"
	// The collaboration by unique id, the member row by its unique key.
	getCollaborationMemberSQL = preparedRead("SELECT " + selectList("c", collaborationCols) + ", " + selectList("m", memberCols) +
		" FROM collaborations c JOIN members m ON m.collaboration_id = c.id AND m.account_id = ? WHERE c.id = ?")
	getSchemaSourceSQL = preparedRead(schemaSourceSelect + schemaSourceFrom + " WHERE a.collaboration_id = ? AND a.name_key = ?")
	// The schema source with the collaboration (by unique id) and the
	// account's member row (by its unique key), of both only the columns
	// of CollaborationAccess.
	getSchemaSourceForSQL = preparedRead(schemaSourceSelect + ", c.id, c.region, c.creator_account_id, c.delete_time, m.status" +
		schemaSourceFrom + " JOIN collaborations c ON c.id = a.collaboration_id" +
		" JOIN members m ON m.collaboration_id = c.id AND m.account_id = ?" +
		" WHERE a.collaboration_id = ? AND a.name_key = ?")
	listSchemaSourcesSQL = preparedRead(schemaSourceSelect + ", a.seq" + schemaSourceFrom +
		" WHERE a.collaboration_id = ? AND a.seq > ? ORDER BY a.seq LIMIT ?")
)

// nameKey folds a name for the uniqueness and lookups of association
// names. Names match the model's TableAlias pattern (ASCII), so ToLower
// is the same fold in Go, SQLite and PostgreSQL.
func nameKey(name string) string { return strings.ToLower(name) }

func associationArgs(a *cleanrooms.Association) []any {
	return []any{
		a.ID, a.AccountID, a.Region, a.MembershipID, a.CollaborationID, a.ConfiguredTableID,
		a.Name, nameKey(a.Name), a.Description, a.RoleArn, timeParam(a.CreateTime), timeParam(a.UpdateTime),
	}
}

// associationRow receives an association in associationCols order, then
// its rules of each type (NULL columns when absent).
type associationRow struct {
	a                      cleanrooms.Association
	nameKey                string
	createTime, updateTime int64
	rules                  [3]optionalAssociationRuleRow
}

func (r *associationRow) dest() []any {
	a := &r.a
	d := []any{
		&a.ID, &a.AccountID, &a.Region, &a.MembershipID, &a.CollaborationID, &a.ConfiguredTableID,
		&a.Name, &r.nameKey, &a.Description, &a.RoleArn, &r.createTime, &r.updateTime,
	}
	for i := range r.rules {
		d = append(d, r.rules[i].joinedDest()...)
	}
	return d
}

func (r *associationRow) record() (cleanrooms.Association, []cleanrooms.AssociationAnalysisRule, error) {
	a := r.a
	a.CreateTime = timeValue(r.createTime)
	a.UpdateTime = timeValue(r.updateTime)
	a.RuleTypes = []string{}
	rules := []cleanrooms.AssociationAnalysisRule{}
	for i := range r.rules {
		r.rules[i].associationID = sql.NullString{String: a.ID, Valid: r.rules[i].policy.Valid}
		r.rules[i].typ = sql.NullString{String: ruleTypeOrder[i], Valid: r.rules[i].policy.Valid}
		rule, err := r.rules[i].record()
		if err != nil {
			return a, nil, err
		}
		if rule != nil {
			a.RuleTypes = append(a.RuleTypes, rule.Type)
			rules = append(rules, *rule)
		}
	}
	return a, rules, nil
}

type optionalAssociationRuleRow struct {
	associationID, typ, policy sql.NullString
	createTime, updateTime     sql.NullInt64
}

func (r *optionalAssociationRuleRow) dest() []any {
	return []any{&r.associationID, &r.typ, &r.policy, &r.createTime, &r.updateTime}
}

// joinedDest receives joinedAssociationRuleCols; the key columns are
// then filled from the join (associationRow.record).
func (r *optionalAssociationRuleRow) joinedDest() []any {
	return []any{&r.policy, &r.createTime, &r.updateTime}
}

func (r *optionalAssociationRuleRow) record() (*cleanrooms.AssociationAnalysisRule, error) {
	if !r.associationID.Valid {
		return nil, nil
	}
	out := &cleanrooms.AssociationAnalysisRule{
		AssociationID: r.associationID.String, Type: r.typ.String,
		CreateTime: timeValue(r.createTime.Int64), UpdateTime: timeValue(r.updateTime.Int64),
	}
	if err := jsonValue(r.policy.String, &out.Policy); err != nil {
		return nil, err
	}
	return out, nil
}

func (t *readTx) getAssociation(ctx context.Context, what, query string, args ...any) (*cleanrooms.Association, error) {
	var r associationRow
	if err := t.queryRow(ctx, query, args...).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	a, _, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return &a, nil
}

func (t *readTx) GetAssociation(ctx context.Context, id string) (*cleanrooms.Association, error) {
	return t.getAssociation(ctx, fmt.Sprintf("get configured table association %q", id), getAssociationSQL, id)
}

func (t *readTx) AssociationOfTableIn(ctx context.Context, collaborationID, configuredTableID string) (*cleanrooms.Association, error) {
	return t.getAssociation(ctx, fmt.Sprintf("get association of configured table %q in collaboration %q", configuredTableID, collaborationID),
		associationOfTableInSQL, collaborationID, configuredTableID)
}

func (t *readTx) ListAssociationsOf(ctx context.Context, membershipID string, p cleanrooms.Page) ([]cleanrooms.Association, string, error) {
	return seqPage(t, ctx, fmt.Sprintf("list associations of membership %q", membershipID), cursorScope("associations-of", membershipID), p,
		associationsOfSQL, []any{membershipID}, func(rows sqlRows) (cleanrooms.Association, int64, error) {
			var r associationRow
			var seq int64
			if err := rows.Scan(append(r.dest(), &seq)...); err != nil {
				return cleanrooms.Association{}, 0, err
			}
			a, _, err := r.record()
			return a, seq, err
		})
}

// exists runs a query that returns one row when something exists.
func (t *readTx) exists(ctx context.Context, what, query string, arg string) (bool, error) {
	var one int
	err := t.queryRow(ctx, query, arg).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.fail(err, what)
	}
	return true, nil
}

func (t *readTx) TableIsAssociated(ctx context.Context, configuredTableID string) (bool, error) {
	return t.exists(ctx, fmt.Sprintf("associations of configured table %q", configuredTableID), tableIsAssociatedSQL, configuredTableID)
}

func (t *readTx) MembershipHasAssociations(ctx context.Context, membershipID string) (bool, error) {
	return t.exists(ctx, fmt.Sprintf("associations of membership %q", membershipID), membershipHasAssociationsSQL, membershipID)
}

func (t *readTx) GetAssociationRule(ctx context.Context, associationID, ruleType string) (*cleanrooms.AssociationAnalysisRule, error) {
	what := fmt.Sprintf("get %s rule of association %q", ruleType, associationID)
	var r optionalAssociationRuleRow
	if err := t.queryRow(ctx, getAssociationRuleSQL, associationID, ruleType).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	out, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return out, nil
}

// schemaSourceRow receives one row of schemaSourceSelect.
type schemaSourceRow struct {
	a    associationRow
	t    configuredTableRow
	rule optionalTableRuleRow
}

func (r *schemaSourceRow) dest() []any {
	return append(append(r.a.dest(), r.t.dest()...), r.rule.joinedDest()...)
}

func (r *schemaSourceRow) record() (cleanrooms.SchemaSource, error) {
	var s cleanrooms.SchemaSource
	var err error
	if s.Association, s.AssociationRules, err = r.a.record(); err != nil {
		return s, err
	}
	if s.Table, err = r.t.record(); err != nil {
		return s, err
	}
	// The rule's key and type are the table's id and rule type (the
	// join's key and the tr.type column before the rule's own).
	r.rule.tableID = sql.NullString{String: s.Table.ID, Valid: r.t.ruleType.Valid}
	r.rule.typ = r.t.ruleType
	s.TableRule, err = r.rule.record()
	return s, err
}

func (t *readTx) GetSchemaSource(ctx context.Context, collaborationID, name string) (*cleanrooms.SchemaSource, error) {
	what := fmt.Sprintf("get schema %q of collaboration %q", name, collaborationID)
	var r schemaSourceRow
	if err := t.queryRow(ctx, getSchemaSourceSQL, collaborationID, nameKey(name)).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	s, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return &s, nil
}

func (t *readTx) GetSchemaSourceFor(ctx context.Context, collaborationID, accountID, name string) (*cleanrooms.CollaborationAccess, *cleanrooms.SchemaSource, error) {
	// Formatted only on failure: this is GetSchema's hit path.
	what := func() string {
		return fmt.Sprintf("get schema %q of collaboration %q with member %q", name, collaborationID, accountID)
	}
	var r schemaSourceRow
	r.rule.shared = true
	var acc cleanrooms.CollaborationAccess
	var deleteTime sql.NullInt64
	dest := append(r.dest(), &acc.CollaborationID, &acc.Region, &acc.CreatorAccountID, &deleteTime, &acc.MemberStatus)
	if err := t.queryRow(ctx, getSchemaSourceForSQL, accountID, collaborationID, nameKey(name)).Scan(dest...); err != nil {
		return nil, nil, t.fail(err, what())
	}
	s, err := r.record()
	if err != nil {
		return nil, nil, t.fail(err, what())
	}
	acc.Deleted = deleteTime.Valid
	return &acc, &s, nil
}

func (t *readTx) ListSchemaSources(ctx context.Context, collaborationID string, p cleanrooms.Page) ([]cleanrooms.SchemaSource, string, error) {
	return seqPage(t, ctx, fmt.Sprintf("list schemas of collaboration %q", collaborationID), cursorScope("schemas-of", collaborationID), p,
		listSchemaSourcesSQL, []any{collaborationID}, func(rows sqlRows) (cleanrooms.SchemaSource, int64, error) {
			var r schemaSourceRow
			var seq int64
			if err := rows.Scan(append(r.dest(), &seq)...); err != nil {
				return cleanrooms.SchemaSource{}, 0, err
			}
			s, err := r.record()
			return s, seq, err
		})
}

func (t *writeTx) InsertAssociation(ctx context.Context, a *cleanrooms.Association) error {
	if _, err := t.exec(ctx, insertAssociationSQL, associationArgs(a)...); err != nil {
		return t.fail(err, fmt.Sprintf("insert configured table association %q", a.ID))
	}
	return nil
}

func (t *writeTx) UpdateAssociation(ctx context.Context, a *cleanrooms.Association) error {
	res, err := t.exec(ctx, updateAssociationSQL, updateArgs(associationCols, associationArgs(a), "id")...)
	return t.mustAffect(res, err, fmt.Sprintf("update configured table association %q", a.ID))
}

func (t *writeTx) DeleteAssociation(ctx context.Context, id string) error {
	what := fmt.Sprintf("delete configured table association %q", id)
	if _, err := t.exec(ctx, deleteRulesOfSQL, id); err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, deleteAssociationSQL, id)
	return t.mustAffect(res, err, what)
}

func associationRuleArgs(r *cleanrooms.AssociationAnalysisRule) ([]any, error) {
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(r.AssociationID)
	p.add(r.Type)
	p.addJSON(jsonParam(r.Policy))
	p.add(timeParam(r.CreateTime))
	p.add(timeParam(r.UpdateTime))
	return p.args, p.err
}

func (t *writeTx) InsertAssociationRule(ctx context.Context, r *cleanrooms.AssociationAnalysisRule) error {
	what := fmt.Sprintf("insert %s rule of association %q", r.Type, r.AssociationID)
	args, err := associationRuleArgs(r)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertAssociationRuleSQL, args...); err != nil {
		return t.fail(err, what)
	}
	return nil
}

func (t *writeTx) UpdateAssociationRule(ctx context.Context, r *cleanrooms.AssociationAnalysisRule) error {
	what := fmt.Sprintf("update %s rule of association %q", r.Type, r.AssociationID)
	args, err := associationRuleArgs(r)
	if err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, updateAssociationRuleSQL, updateArgs(associationRuleCols, args, "association_id", "type")...)
	return t.mustAffect(res, err, what)
}

func (t *writeTx) DeleteAssociationRule(ctx context.Context, associationID, ruleType string) error {
	res, err := t.exec(ctx, deleteAssociationRuleSQL, associationID, ruleType)
	return t.mustAffect(res, err, fmt.Sprintf("delete %s rule of association %q", ruleType, associationID))
}

func (t *readTx) GetCollaborationMember(ctx context.Context, collaborationID, accountID string) (*cleanrooms.CollaborationWithMember, error) {
	what := fmt.Sprintf("get collaboration %q with member %q", collaborationID, accountID)
	var c collaborationRow
	var m memberRow
	if err := t.queryRow(ctx, getCollaborationMemberSQL, accountID, collaborationID).Scan(append(c.dest(), m.dest()...)...); err != nil {
		return nil, t.fail(err, what)
	}
	var w cleanrooms.CollaborationWithMember
	var err error
	if w.Collaboration, err = c.record(); err != nil {
		return nil, t.fail(err, what)
	}
	if w.Member, err = m.record(); err != nil {
		return nil, t.fail(err, what)
	}
	return &w, nil
}
