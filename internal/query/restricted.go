package query

import (
	"slices"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// What the aggregation and list rules share (spec 2.2, 2.3): one plain
// SELECT over tables joined by INNER JOINs whose conditions compare join
// columns, and the join to the querier's tables.

// instance is one table in the FROM of a restricted query.
type instance struct {
	name  string // alias or table name, lower case
	table *Table
}

type restricted struct {
	c         Context
	rule      string // "aggregation rule" or "list rule"
	instances []*instance
	edges     [][2]int // joined instances (indexes), by join conditions
	aliases   map[string]bool
	visited   int
}

func (r *restricted) refuse(format string, args ...any) *Refusal {
	return refusef(r.rule+": "+format, args...)
}

// shape refuses what neither rule allows in the query node itself.
func (r *restricted) shape(n obj) error {
	switch t := str(n, "type"); t {
	case "SELECT_NODE":
	case "SET_OPERATION_NODE":
		return r.refuse("set operations (%s) are not allowed", str(n, "setop_type"))
	default:
		return r.refuse("unsupported construct: %s", t)
	}
	if m := child(n, "cte_map"); m != nil && len(list(m, "map")) > 0 {
		return r.refuse("CTEs (WITH) are not allowed")
	}
	if n["qualify"] != nil {
		return r.refuse("QUALIFY is not allowed")
	}
	if n["sample"] != nil {
		return r.refuse("TABLESAMPLE is not allowed")
	}
	if h := str(n, "aggregate_handling"); h != "STANDARD_HANDLING" && h != "" {
		return r.refuse("GROUP BY ALL is not allowed")
	}
	if len(list(n, "group_sets")) > 1 {
		return r.refuse("GROUPING SETS, CUBE and ROLLUP are not allowed")
	}
	return r.from(child(n, "from_table"))
}

// from collects the table instances and checks the joins.
func (r *restricted) from(t obj) error {
	if t == nil {
		return r.refuse("the query must read a table")
	}
	switch typ := str(t, "type"); typ {
	case "BASE_TABLE":
		name := strings.ToLower(str(t, "table_name"))
		if str(t, "schema_name") != "" || str(t, "catalog_name") != "" {
			return r.refuse("table %s: schema- or catalog-qualified table names are not allowed", qualified(t))
		}
		if t["sample"] != nil || t["at_clause"] != nil || len(list(t, "column_name_alias")) > 0 {
			return r.refuse("table %s: column aliases, samples and AT clauses are not allowed", name)
		}
		tab := r.c.Tables[name]
		if tab == nil {
			return r.refuse("unknown table %s", name)
		}
		alias := strings.ToLower(str(t, "alias"))
		if alias == "" {
			alias = name
		}
		for _, in := range r.instances {
			if in.name == alias {
				return r.refuse("table %s appears twice under the name %s", name, alias)
			}
		}
		r.instances = append(r.instances, &instance{name: alias, table: tab})
		return nil
	case "JOIN":
		if err := r.from(child(t, "left")); err != nil {
			return err
		}
		if err := r.from(child(t, "right")); err != nil {
			return err
		}
		switch {
		case str(t, "ref_type") == "CROSS":
			return r.refuse("CROSS joins (and comma-separated FROM lists) are not allowed; use INNER JOIN ... ON")
		case str(t, "ref_type") != "REGULAR":
			return r.refuse("%s joins are not allowed; use INNER JOIN ... ON", str(t, "ref_type"))
		case str(t, "join_type") != "INNER":
			return r.refuse("%s OUTER joins are not allowed; only INNER joins are", str(t, "join_type"))
		case len(list(t, "using_columns")) > 0:
			return r.refuse("JOIN ... USING is not allowed; use JOIN ... ON")
		case child(t, "condition") == nil:
			return r.refuse("a join needs an ON condition")
		}
		return r.joinCondition(child(t, "condition"))
	case "SUBQUERY":
		return r.refuse("subqueries are not allowed")
	case "TABLE_FUNCTION":
		return r.refuse("table function %s is not allowed", strings.ToLower(str(child(t, "function"), "function_name")))
	default:
		return r.refuse("unsupported construct: %s in FROM", strings.ToLower(typ))
	}
}

// joinCondition accepts equalities between join columns of two table
// instances, combined with the operators every table involved allows.
func (r *restricted) joinCondition(e obj) error {
	r.visited++
	switch str(e, "class") {
	case "CONJUNCTION":
		op := strings.TrimPrefix(str(e, "type"), "CONJUNCTION_")
		before := len(r.edges)
		for _, c := range objs(e, "children") {
			if err := r.joinCondition(c); err != nil {
				return err
			}
		}
		for _, edge := range r.edges[before:] {
			for _, i := range edge {
				t := r.instances[i].table
				if !slices.Contains(joinOperators(t), op) {
					return r.refuse("table %s does not allow the join operator %s", t.Name, op)
				}
			}
		}
		return nil
	case "COMPARISON":
		if str(e, "type") != "COMPARE_EQUAL" {
			return r.refuse("join conditions may only compare join columns with =")
		}
		var ends [2]int
		for k, side := range []string{"left", "right"} {
			c := child(e, side)
			if str(c, "class") != "COLUMN_REF" {
				return r.refuse("join conditions may only compare join columns with =")
			}
			r.visited++
			i, col, err := r.resolve(strs(c, "column_names"))
			if err != nil {
				return err
			}
			t := r.instances[i].table
			if !containsFold(joinColumns(t), col) {
				return r.refuse("column %s of table %s is not a join column", col, t.Name)
			}
			ends[k] = i
		}
		if ends[0] == ends[1] {
			return r.refuse("a join condition must compare columns of two different tables")
		}
		r.edges = append(r.edges, ends)
		return nil
	}
	return r.refuse("join conditions may only compare join columns with = combined with AND or OR")
}

func joinOperators(t *Table) []string {
	var ops []string
	switch {
	case t.Policy.Aggregation != nil:
		ops = t.Policy.Aggregation.AllowedJoinOperators
	case t.Policy.List != nil:
		ops = t.Policy.List.AllowedJoinOperators
	}
	if len(ops) == 0 {
		return []string{"AND"}
	}
	return ops
}

func joinColumns(t *Table) []string {
	switch {
	case t.Policy.Aggregation != nil:
		return t.Policy.Aggregation.JoinColumns
	case t.Policy.List != nil:
		return t.Policy.List.JoinColumns
	}
	return nil
}

func containsFold(l []string, s string) bool {
	return slices.ContainsFunc(l, func(x string) bool { return strings.EqualFold(x, s) })
}

// resolve finds the instance and column a column reference names.
func (r *restricted) resolve(names []string) (int, string, error) {
	switch len(names) {
	case 1:
		col := strings.ToLower(names[0])
		found := -1
		for i, in := range r.instances {
			if hasColumn(in.table, col) {
				if found >= 0 {
					return 0, "", r.refuse("column %s is ambiguous: qualify it with its table", col)
				}
				found = i
			}
		}
		if found < 0 {
			return 0, "", r.refuse("unknown column %s", col)
		}
		return found, col, nil
	case 2:
		alias, col := strings.ToLower(names[0]), strings.ToLower(names[1])
		for i, in := range r.instances {
			if in.name == alias {
				if !hasColumn(in.table, col) {
					return 0, "", r.refuse("unknown column %s of table %s", col, in.table.Name)
				}
				return i, col, nil
			}
		}
		return 0, "", r.refuse("unknown table %s", alias)
	}
	return 0, "", r.refuse("unknown column %s: qualified names are table.column", strings.ToLower(strings.Join(names, ".")))
}

func hasColumn(t *Table, col string) bool {
	return slices.ContainsFunc(t.Columns, func(c Column) bool { return strings.EqualFold(c.Name, col) })
}

// joinRequired checks that each table in need (need reports it) is joined,
// directly or through other tables, to a table of the querier. A table of
// the querier is joined to itself.
func (r *restricted) joinRequired(need func(*Table) bool) error {
	reach := make([]bool, len(r.instances))
	for i, in := range r.instances {
		reach[i] = in.table.OwnerAccountID == r.c.QuerierAccountID
	}
	for changed := true; changed; {
		changed = false
		for _, e := range r.edges {
			if reach[e[0]] != reach[e[1]] {
				reach[e[0]], reach[e[1]] = true, true
				changed = true
			}
		}
	}
	for i, in := range r.instances {
		if !reach[i] && need(in.table) {
			return refusef("Inner join to query runner table required for table %s", in.table.Name)
		}
	}
	return nil
}

// aggPolicy returns the aggregation policy of t (never nil after uniformRule).
func aggPolicy(t *Table) *cleanrooms.AggregationPolicy { return t.Policy.Aggregation }
