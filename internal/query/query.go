// Package query decides what a protected query may do. It parses the SQL
// a member who can query submits (through an engine's parser: DuckDB's
// json_serialize_sql), binds analysis-template parameters as typed
// literals, enforces the analysis rules of every table the query reads
// (AGGREGATION, LIST, CUSTOM; dataplane spec 2) on the parse tree, and
// rewrites the tree into the SQL the engine runs: Spark SQL functions
// translated to the engine's, output constraints applied so that rows
// below a minimum disappear. Nothing here executes a query.
package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Parser turns SQL text into the engine's parse tree and back. The tree is
// the JSON of DuckDB's json_serialize_sql (one object with "error" and
// "statements"); Deparse takes the same JSON (json_deserialize_sql).
type Parser interface {
	Parse(ctx context.Context, sql string) ([]byte, error)
	Deparse(ctx context.Context, tree []byte) (string, error)
}

// Column is a column of a table as a query sees it: its name (lower case,
// as Glue stores it) and its Glue (Hive) type string.
type Column struct {
	Name string
	Type string
}

// Table is one table a query may read: a configured table association of
// the collaboration, with the analysis rule of its configured table.
type Table struct {
	// Name is the association's name: what SQL calls the table.
	Name string
	// OwnerAccountID is the account of the member that brought the table.
	OwnerAccountID string
	// Columns are the configured table's allowed columns, in schema order.
	Columns []Column
	// RuleType is cleanrooms.RuleAggregation, RuleList or RuleCustom.
	RuleType string
	Policy   cleanrooms.TablePolicy
}

// Statement is a parsed query: one read-only SELECT with its parameters
// bound.
type Statement struct {
	text   string // bound SQL text
	tree   []byte // parse tree of text
	tables []string
	// root is tree decoded by Prepare, handed to the first Check (which
	// rewrites it in place) to save decoding it twice; nil after.
	root obj
}

// Tables returns the names of the tables (not CTEs) the statement reads,
// each once, in order of first reference, lower-cased.
func (s *Statement) Tables() []string { return s.tables }

// Text returns the bound SQL text.
func (s *Statement) Text() string { return s.text }

// Context is what Check needs besides the statement.
type Context struct {
	// QuerierAccountID is the account of the member who can query.
	QuerierAccountID string
	// TemplateARN is the analysis template the query comes from, "" for
	// a free-form query.
	TemplateARN string
	// Tables are the tables the statement reads, by lower-case name; a
	// name of Statement.Tables missing here is an unknown table.
	Tables map[string]*Table
}

// Plan is a checked query, ready for an engine.
type Plan struct {
	// SQL is what the engine runs: one SELECT in the engine's dialect over
	// views named as Tables, which expose only each table's Columns.
	SQL string
	// Tables are the names of the tables read, as Statement.Tables.
	Tables []string
	// RuleType is the rule type all tables share.
	RuleType string
	// DP is set when the query reads a differentially private table: the
	// engine then runs it as DPPlan says instead of running SQL.
	DP *DPPlan
}

// DPPlan is a differentially private query as the engine runs it. It is
// stored with the query (as JSON) and sent to the engine process, so it
// holds only plain data.
type DPPlan struct {
	// UsersNoise is the collaboration's usersNoisePerQuery, set by the
	// service when the query starts (Check leaves it 0).
	UsersNoise int `json:"usersNoise"`
	// Aggregations are the types (dp.Types) of the released aggregates,
	// in output order.
	Aggregations []string `json:"aggregations"`
	// SQL is the base query, in the engine's dialect: one row per row the
	// aggregates read, with columns __uid (the user identifier),
	// __g0..__g<Groups-1> (the GROUP BY keys) and __a<i> (the argument of
	// aggregate i, for those with Arg).
	SQL    string `json:"sql"`
	Groups int    `json:"groups"`
	// Aggregates describe the released aggregates, in output order.
	Aggregates []DPAggregate `json:"aggregates"`
	// Columns are the output columns, in order.
	Columns []DPColumn `json:"columns"`
	// OrderBy and Limit apply to the released (noised) rows.
	OrderBy []DPOrder `json:"orderBy,omitempty"`
	Limit   *int64    `json:"limit,omitempty"`
}

// Refusal is a query that an analysis rule (or the grammar) does not
// allow. The service answers it as 400 ValidationException with reason
// INVALID_QUERY and Message as the message: it names the rule and what
// it refused, never table data.
type Refusal struct {
	Message string
}

func (r *Refusal) Error() string { return r.Message }

// Prepare binds params (the values given in sqlParameters.parameters)
// into text as typed, escaped literals according to declared (an analysis
// template's parameters; nil for a free-form query, which takes none),
// parses the result and refuses anything but one read-only SELECT.
func Prepare(ctx context.Context, p Parser, text string, params map[string]string, declared []cleanrooms.TemplateParameter) (*Statement, error) {
	bound, err := bindText(text, params, declared)
	if err != nil {
		return nil, err
	}
	tree, err := p.Parse(ctx, bound)
	if err != nil {
		return nil, err
	}
	root, node, err := parseStatement(tree)
	if err != nil {
		return nil, err
	}
	switch str(node, "type") {
	case "SELECT_NODE", "SET_OPERATION_NODE":
	default:
		return nil, refusef("only a single SELECT statement is allowed, not %s", str(node, "type"))
	}
	tables, err := collectTables(node)
	if err != nil {
		return nil, err
	}
	return &Statement{text: bound, tree: tree, tables: tables, root: root}, nil
}

// Check enforces the analysis rules of every table st reads and returns
// the plan to run. Violations are *Refusal. A Statement may be checked
// more than once, but not by concurrent calls.
func Check(ctx context.Context, p Parser, st *Statement, c Context) (*Plan, error) {
	if st == nil {
		return nil, refusef("no statement to check")
	}
	var root, node obj
	if st.root != nil {
		root, st.root = st.root, nil
		node = child(objs(root, "statements")[0], "node")
	} else {
		var err error
		if root, node, err = parseStatement(st.tree); err != nil {
			return nil, err
		}
	}
	ruleType, err := uniformRule(st.tables, c)
	if err != nil {
		return nil, err
	}
	var dq *dpQuery
	if c.TemplateARN != "" && ruleType != cleanrooms.RuleCustom {
		// Only a custom rule lists the templates it allows (dataplane
		// spec 1.8 step 3, 2.4): no template runs over other tables.
		return nil, refusef("%s rule: table %s does not allow analysis templates; only a custom analysis rule lists the templates it allows",
			strings.ToLower(ruleType), st.tables[0])
	}
	switch ruleType {
	case cleanrooms.RuleAggregation:
		err = checkAggregation(node, c)
	case cleanrooms.RuleList:
		err = checkList(node, c)
	case cleanrooms.RuleCustom:
		err = checkCustom(node, c, st.tables)
		if err == nil && hasDP(c, st.tables) {
			dq, err = checkDP(node, c, st.tables)
		}
	default:
		err = refusef("the tables of the query have no analysis rule")
	}
	if err != nil {
		return nil, err
	}
	if dq != nil {
		// The engine runs the plan's base query; SQL is that too.
		dpp, err := planDP(ctx, p, root, node, dq)
		if err != nil {
			return nil, err
		}
		return &Plan{SQL: dpp.SQL, Tables: st.tables, RuleType: ruleType, DP: dpp}, nil
	}
	if err := translateSpark(node); err != nil {
		return nil, err
	}
	out, err := writeJSON(root)
	if err != nil {
		return nil, fmt.Errorf("query: encoding the rewritten tree: %w", err)
	}
	sql, err := p.Deparse(ctx, out)
	if err != nil {
		return nil, err
	}
	return &Plan{SQL: sql, Tables: st.tables, RuleType: ruleType}, nil
}

// maxTables is the quota of configured tables per query (AWS Clean Rooms
// quotas: 15).
const maxTables = 15

// uniformRule returns the rule type all tables share: a query over tables
// of different rule types is refused (spec 2.1).
func uniformRule(tables []string, c Context) (string, error) {
	if len(tables) == 0 {
		return "", refusef("the query reads no table")
	}
	if len(tables) > maxTables {
		return "", refusef("a query may read at most %d tables, this one reads %d", maxTables, len(tables))
	}
	rule := ""
	for _, name := range tables {
		t := c.Tables[name]
		if t == nil {
			return "", refusef("unknown table %s", name)
		}
		if t.RuleType == "" {
			return "", refusef("table %s has no analysis rule", name)
		}
		if rule == "" {
			rule = t.RuleType
		} else if t.RuleType != rule {
			return "", refusef("all tables of a query must have the same analysis rule type: table %s has a %s rule, table %s a %s rule",
				tables[0], strings.ToLower(rule), name, strings.ToLower(t.RuleType))
		}
		if policyMissing(t) {
			return "", refusef("table %s has a %s rule without its policy", name, strings.ToLower(t.RuleType))
		}
	}
	return rule, nil
}

func policyMissing(t *Table) bool {
	switch t.RuleType {
	case cleanrooms.RuleAggregation:
		return t.Policy.Aggregation == nil
	case cleanrooms.RuleList:
		return t.Policy.List == nil
	case cleanrooms.RuleCustom:
		return t.Policy.Custom == nil
	}
	return true
}

// refusef makes a Refusal; its message must name the rule and what it
// refused, never data values.
func refusef(format string, args ...any) *Refusal {
	return &Refusal{Message: fmt.Sprintf(format, args...)}
}
