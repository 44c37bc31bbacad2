package query

import (
	"slices"
	"strconv"
	"strings"
)

// The general walk, used under the custom rule: it visits every node of
// the tree, refuses any class or type it does not classify, resolves every
// column to the table columns it comes from, and carries each column's
// lineage (the table columns it derives from) up through CTEs, subqueries
// and set operations, so that the final projection can be checked.

// colKey is a column of a base table.
type colKey struct{ table, column string }

// column is an output column of a FROM item or query.
type column struct {
	name    string   // lower case; "" when the expression has no name we know
	lineage []colKey // the table columns it derives from
}

// source is a FROM item in scope: a table instance, a CTE or a subquery.
type source struct {
	name  string // alias, or the table/CTE name; lower case
	table *Table // the base table, nil for CTEs and subqueries
	cols  []column
}

// scope is what names resolve against in one SELECT; parent is the
// enclosing query (correlated references, CTEs).
type scope struct {
	parent  *scope
	sources []*source
	ctes    map[string][]column
	aliases []column // select-list aliases seen so far
}

func (s *scope) cte(name string) ([]column, bool) {
	for ; s != nil; s = s.parent {
		if c, ok := s.ctes[name]; ok {
			return c, true
		}
	}
	return nil, false
}

// walker holds what the walk needs and counts: every expression it visits
// is counted, and the count must equal the number of expression objects in
// the tree; anything in a field the walk does not know is refused.
type walker struct {
	c       Context
	rule    string // "custom rule", for messages
	allowed func(fn string) bool
	visited int
}

func merge(a, b []colKey) []colKey {
	for _, k := range b {
		if !slices.Contains(a, k) {
			a = append(a, k)
		}
	}
	return a
}

func (w *walker) refuse(format string, args ...any) *Refusal {
	return refusef(w.rule+": "+format, args...)
}

// query walks a query node and returns its output columns.
func (w *walker) query(n obj, parent *scope) ([]column, error) {
	s := parent
	if m := child(n, "cte_map"); m != nil && len(list(m, "map")) > 0 {
		s = &scope{parent: parent, ctes: map[string][]column{}}
		for _, e := range objs(m, "map") {
			v := child(e, "value")
			q := child(child(v, "query"), "node")
			if q == nil {
				return nil, w.refuse("unsupported construct: CTE without a query")
			}
			cols, err := w.query(q, s)
			if err != nil {
				return nil, err
			}
			s.ctes[strings.ToLower(str(e, "key"))] = rename(cols, strs(v, "aliases"))
		}
	}
	var out []column
	var err error
	switch t := str(n, "type"); t {
	case "SELECT_NODE":
		out, err = w.selectNode(n, s)
	case "SET_OPERATION_NODE":
		switch str(n, "setop_type") {
		case "UNION", "EXCEPT", "INTERSECT":
		default:
			return nil, w.refuse("unsupported construct: set operation %s", str(n, "setop_type"))
		}
		l, err := w.query(child(n, "left"), s)
		if err != nil {
			return nil, err
		}
		r, err := w.query(child(n, "right"), s)
		if err != nil {
			return nil, err
		}
		out = l
		for i := range out {
			if i < len(r) {
				out[i].lineage = merge(slices.Clip(out[i].lineage), r[i].lineage)
			}
		}
		// ORDER BY of a set operation names its output columns.
		os := &scope{parent: s, sources: []*source{{cols: out}}}
		if err := w.modifiers(n, os); err != nil {
			return nil, err
		}
	case "RECURSIVE_CTE_NODE":
		return nil, w.refuse("unsupported construct: WITH RECURSIVE")
	default:
		return nil, w.refuse("unsupported construct: %s", t)
	}
	return out, err
}

// rename applies a column alias list (t AS x(a, b)) to columns.
func rename(cols []column, names []string) []column {
	if len(names) == 0 {
		return cols
	}
	out := slices.Clone(cols)
	for i, n := range names {
		if i < len(out) {
			out[i].name = strings.ToLower(n)
		}
	}
	return out
}

func (w *walker) selectNode(n obj, parent *scope) ([]column, error) {
	s := &scope{parent: parent}
	if err := w.from(child(n, "from_table"), s); err != nil {
		return nil, err
	}
	if n["sample"] != nil {
		return nil, w.refuse("unsupported construct: TABLESAMPLE")
	}
	switch h := str(n, "aggregate_handling"); h {
	case "STANDARD_HANDLING", "FORCE_AGGREGATES", "":
	default:
		return nil, w.refuse("unsupported construct: %s", h)
	}
	var out []column
	for _, e := range objs(n, "select_list") {
		if str(e, "class") == "STAR" {
			cols, err := w.star(e, s)
			if err != nil {
				return nil, err
			}
			out = append(out, cols...)
			continue
		}
		lin, err := w.expr(e, s)
		if err != nil {
			return nil, err
		}
		col := column{name: strings.ToLower(str(e, "alias")), lineage: lin}
		if names := strs(e, "column_names"); col.name == "" && str(e, "class") == "COLUMN_REF" && len(names) > 0 {
			col.name = strings.ToLower(names[len(names)-1])
		}
		out = append(out, col)
		if str(e, "alias") != "" {
			s.aliases = append(s.aliases, col)
		}
	}
	for _, k := range []string{"where_clause", "having", "qualify"} {
		if e := child(n, k); e != nil {
			if _, err := w.expr(e, s); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range objs(n, "group_expressions") {
		if _, err := w.expr(e, s); err != nil {
			return nil, err
		}
	}
	if err := w.modifiers(n, s); err != nil {
		return nil, err
	}
	return out, nil
}

func (w *walker) modifiers(n obj, s *scope) error {
	for _, m := range objs(n, "modifiers") {
		switch t := str(m, "type"); t {
		case "ORDER_MODIFIER":
			if err := w.orders(objs(m, "orders"), s); err != nil {
				return err
			}
		case "LIMIT_MODIFIER":
			for _, k := range []string{"limit", "offset"} {
				if e := child(m, k); e != nil {
					if _, ok := constant(e); !ok {
						return w.refuse("LIMIT and OFFSET take a number")
					}
					if _, err := w.expr(e, s); err != nil {
						return err
					}
				}
			}
		case "DISTINCT_MODIFIER":
			for _, e := range objs(m, "distinct_on_targets") {
				if _, err := w.expr(e, s); err != nil {
					return err
				}
			}
		default:
			return w.refuse("unsupported construct: %s", t)
		}
	}
	return nil
}

func (w *walker) orders(orders []obj, s *scope) error {
	for _, o := range orders {
		e := child(o, "expression")
		if str(e, "class") == "STAR" && str(e, "relation_name") == "" && e["expr"] == nil {
			w.visited++ // ORDER BY ALL
			continue
		}
		if _, err := w.expr(e, s); err != nil {
			return err
		}
	}
	return nil
}

// from adds the sources of a FROM item to s.
func (w *walker) from(t obj, s *scope) error {
	if t == nil {
		return nil
	}
	if t["sample"] != nil {
		return w.refuse("unsupported construct: TABLESAMPLE")
	}
	alias := strings.ToLower(str(t, "alias"))
	switch typ := str(t, "type"); typ {
	case "EMPTY":
		return nil
	case "BASE_TABLE":
		src, err := w.baseTable(t, s)
		if err != nil {
			return err
		}
		s.sources = append(s.sources, src)
		return nil
	case "JOIN":
		if err := w.from(child(t, "left"), s); err != nil {
			return err
		}
		if err := w.from(child(t, "right"), s); err != nil {
			return err
		}
		switch jt := str(t, "join_type"); jt {
		case "INNER", "LEFT", "RIGHT", "OUTER", "FULL":
		default:
			return w.refuse("unsupported construct: %s join", jt)
		}
		switch rt := str(t, "ref_type"); rt {
		case "REGULAR", "CROSS", "NATURAL":
		default:
			return w.refuse("unsupported construct: %s join", rt)
		}
		if e := child(t, "condition"); e != nil {
			if _, err := w.expr(e, s); err != nil {
				return err
			}
		}
		return nil
	case "SUBQUERY":
		q := child(child(t, "subquery"), "node")
		if q == nil {
			return w.refuse("unsupported construct: subquery without a query")
		}
		cols, err := w.query(q, s)
		if err != nil {
			return err
		}
		s.sources = append(s.sources, &source{name: alias, cols: rename(cols, strs(t, "column_name_alias"))})
		return nil
	case "EXPRESSION_LIST":
		var cols []column
		for _, row := range list(t, "values") {
			r, _ := row.([]any)
			for i, v := range r {
				e, _ := v.(obj)
				lin, err := w.expr(e, s)
				if err != nil {
					return err
				}
				if i >= len(cols) {
					cols = append(cols, column{name: "col" + strconv.Itoa(i)})
				}
				cols[i].lineage = merge(cols[i].lineage, lin)
			}
		}
		s.sources = append(s.sources, &source{name: alias, cols: rename(cols, strs(t, "expected_names"))})
		return nil
	case "TABLE_FUNCTION":
		return w.refuse("table function %s is not allowed", strings.ToLower(str(child(t, "function"), "function_name")))
	default:
		return w.refuse("unsupported construct: %s in FROM", strings.ToLower(typ))
	}
}

// baseTable resolves a table name: a visible CTE, else a table of the
// collaboration. Qualified names are refused: the query sees only the
// collaboration's tables, by their association names.
func (w *walker) baseTable(t obj, s *scope) (*source, error) {
	name := strings.ToLower(str(t, "table_name"))
	if str(t, "schema_name") != "" || str(t, "catalog_name") != "" {
		return nil, w.refuse("table %s: schema- or catalog-qualified table names are not allowed", qualified(t))
	}
	if t["at_clause"] != nil {
		return nil, w.refuse("table %s: AT clauses are not allowed", name)
	}
	alias := strings.ToLower(str(t, "alias"))
	if alias == "" {
		alias = name
	}
	if cols, ok := s.cte(name); ok {
		return &source{name: alias, cols: rename(cols, strs(t, "column_name_alias"))}, nil
	}
	tab := w.c.Tables[name]
	if tab == nil {
		return nil, w.refuse("unknown table %s", name)
	}
	return &source{name: alias, table: tab, cols: rename(tableColumns(tab), strs(t, "column_name_alias"))}, nil
}

func qualified(t obj) string {
	var parts []string
	for _, k := range []string{"catalog_name", "schema_name", "table_name"} {
		if v := str(t, k); v != "" {
			parts = append(parts, strings.ToLower(v))
		}
	}
	return strings.Join(parts, ".")
}

// tableColumns are a table's columns, each its own lineage when the
// custom rule disallows it in the output.
func tableColumns(t *Table) []column {
	var disallowed []string
	if t.Policy.Custom != nil {
		disallowed = t.Policy.Custom.DisallowedOutputColumns
	}
	out := make([]column, len(t.Columns))
	for i, c := range t.Columns {
		name := strings.ToLower(c.Name)
		out[i].name = name
		if slices.ContainsFunc(disallowed, func(d string) bool { return strings.EqualFold(d, name) }) {
			out[i].lineage = []colKey{{strings.ToLower(t.Name), name}}
		}
	}
	return out
}

// star expands * and t.* to the columns they select.
func (w *walker) star(e obj, s *scope) ([]column, error) {
	w.visited++
	if boolean(e, "columns") || e["expr"] != nil {
		return nil, w.refuse("unsupported construct: COLUMNS(...)")
	}
	for _, k := range []string{"replace_list", "rename_list", "qualified_exclude_list"} {
		if len(list(e, k)) > 0 {
			return nil, w.refuse("unsupported construct: * with %s", strings.TrimSuffix(k, "_list"))
		}
	}
	exclude := strs(e, "exclude_list")
	rel := strings.ToLower(str(e, "relation_name"))
	var out []column
	found := false
	for _, src := range s.sources {
		if rel != "" && src.name != rel {
			continue
		}
		found = true
		for _, c := range src.cols {
			if !slices.ContainsFunc(exclude, func(x string) bool { return strings.EqualFold(x, c.name) }) {
				out = append(out, c)
			}
		}
	}
	if rel != "" && !found {
		return nil, w.refuse("unknown table %s", rel)
	}
	return out, nil
}

// resolve returns the lineage of a column reference.
func (w *walker) resolve(names []string, s *scope) ([]colKey, error) {
	low := make([]string, len(names))
	for i, n := range names {
		low[i] = strings.ToLower(n)
	}
	switch len(low) {
	case 1:
		for sc := s; sc != nil; sc = sc.parent {
			var lin []colKey
			found := false
			for _, src := range sc.sources {
				for _, c := range src.cols {
					if c.name == low[0] {
						found = true
						lin = merge(lin, c.lineage)
					}
				}
			}
			if found {
				return lin, nil
			}
			for _, a := range sc.aliases {
				if a.name == low[0] {
					return a.lineage, nil
				}
			}
		}
		if bareFunctions[low[0]] {
			return nil, nil
		}
		return nil, w.refuse("unknown column %s", low[0])
	case 2:
		for sc := s; sc != nil; sc = sc.parent {
			for _, src := range sc.sources {
				if src.name != low[0] {
					continue
				}
				for _, c := range src.cols {
					if c.name == low[1] {
						return c.lineage, nil
					}
				}
				return nil, w.refuse("unknown column %s of %s", low[1], low[0])
			}
		}
		return nil, w.refuse("unknown column %s", strings.Join(low, "."))
	default:
		return nil, w.refuse("unknown column %s: qualified names are table.column", strings.Join(low, "."))
	}
}

// expr walks an expression and returns its lineage.
func (w *walker) expr(e obj, s *scope) ([]colKey, error) {
	if e == nil {
		return nil, nil
	}
	w.visited++
	var lin []colKey
	sub := func(cs ...obj) error {
		for _, c := range cs {
			l, err := w.expr(c, s)
			if err != nil {
				return err
			}
			lin = merge(lin, l)
		}
		return nil
	}
	switch cl := str(e, "class"); cl {
	case "CONSTANT":
		return nil, nil
	case "COLUMN_REF":
		return w.resolve(strs(e, "column_names"), s)
	case "FUNCTION":
		name := strings.ToLower(str(e, "function_name"))
		if sch := str(e, "schema"); sch != "" && sch != "main" || str(e, "catalog") != "" {
			return nil, w.refuse("function %s.%s is not allowed", strings.ToLower(sch), name)
		}
		if !w.allowed(name) {
			return nil, w.refuse("function %s is not allowed", name)
		}
		args := objs(e, "children")
		if i := keywordArg(name, args); i >= 0 {
			w.visited++ // a date part or type name, not a column
			args = slices.Delete(slices.Clone(args), i, i+1)
		}
		if err := sub(args...); err != nil {
			return nil, err
		}
		if err := sub(child(e, "filter")); err != nil {
			return nil, err
		}
		for _, o := range objs(child(e, "order_bys"), "orders") {
			if err := sub(child(o, "expression")); err != nil {
				return nil, err
			}
		}
		return lin, nil
	case "WINDOW":
		name := strings.ToLower(str(e, "function_name"))
		if sch := str(e, "schema"); sch != "" && sch != "main" || str(e, "catalog") != "" || !w.allowed(name) {
			return nil, w.refuse("function %s is not allowed", name)
		}
		if err := sub(objs(e, "children")...); err != nil {
			return nil, err
		}
		if err := sub(objs(e, "partitions")...); err != nil {
			return nil, err
		}
		for _, k := range []string{"start_expr", "end_expr", "offset_expr", "default_expr", "filter_expr"} {
			if err := sub(child(e, k)); err != nil {
				return nil, err
			}
		}
		for _, k := range []string{"orders", "arg_orders"} {
			for _, o := range objs(e, k) {
				if err := sub(child(o, "expression")); err != nil {
					return nil, err
				}
			}
		}
		return lin, nil
	case "COMPARISON":
		return lin, sub(child(e, "left"), child(e, "right"))
	case "CONJUNCTION", "OPERATOR":
		switch t := str(e, "type"); t {
		case "CONJUNCTION_AND", "CONJUNCTION_OR", "OPERATOR_NOT", "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL",
			"COMPARE_IN", "COMPARE_NOT_IN", "OPERATOR_COALESCE", "ARRAY_EXTRACT", "ARRAY_SLICE", "STRUCT_EXTRACT",
			"OPERATOR_NULLIF", "ARRAY_CONSTRUCTOR":
		default:
			return nil, w.refuse("unsupported construct: %s", strings.ToLower(t))
		}
		return lin, sub(objs(e, "children")...)
	case "CASE":
		for _, c := range objs(e, "case_checks") {
			if err := sub(child(c, "when_expr"), child(c, "then_expr")); err != nil {
				return nil, err
			}
		}
		return lin, sub(child(e, "else_expr"))
	case "CAST":
		return lin, sub(child(e, "child"))
	case "BETWEEN":
		return lin, sub(child(e, "input"), child(e, "lower"), child(e, "upper"))
	case "COLLATE":
		return lin, sub(child(e, "child"))
	case "SUBQUERY":
		q := child(child(e, "subquery"), "node")
		if q == nil {
			return nil, w.refuse("unsupported construct: subquery without a query")
		}
		cols, err := w.query(q, s)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			lin = merge(lin, c.lineage)
		}
		return lin, sub(child(e, "child"))
	case "STAR":
		return nil, w.refuse("unsupported construct: * inside an expression")
	case "PARAMETER":
		return nil, w.refuse("unsupported construct: prepared-statement parameter")
	default:
		return nil, w.refuse("unsupported construct: %s", strings.ToLower(cl))
	}
}

// keywordArg returns the index of the argument of fn that is a keyword
// the parser read as a column: a date part (DATEADD(day, 1, d)) or a type
// (CONVERT(int, x)); -1 if none.
func keywordArg(fn string, args []obj) int {
	if fn == "convert" && len(args) == 2 && castType(args[0]) != "" {
		return 0
	}
	return datePartArg(fn, args)
}

// datePartArg returns the index of the argument of fn that is a date part
// keyword the parser read as a column (DATEADD(day, 1, d)), -1 if none.
func datePartArg(fn string, args []obj) int {
	switch fn {
	case "dateadd", "datediff", "date_diff", "datepart", "date_part", "date_trunc", "datetrunc":
	default:
		return -1
	}
	if len(args) < 2 || str(args[0], "class") != "COLUMN_REF" {
		return -1
	}
	names := strs(args[0], "column_names")
	if len(names) == 1 && datePart(names[0]) != "" {
		return 0
	}
	return -1
}

// datePart normalises a date part keyword (Redshift/Spark spellings) to
// DuckDB's, "" when p is not one.
func datePart(p string) string {
	switch strings.ToLower(p) {
	case "year", "years", "y", "yr", "yrs", "yy", "yyy", "yyyy":
		return "year"
	case "quarter", "quarters", "qtr", "qtrs", "q":
		return "quarter"
	case "month", "months", "mon", "mons", "mm":
		return "month"
	case "week", "weeks", "w", "wk", "wks":
		return "week"
	case "day", "days", "d", "dd":
		return "day"
	case "hour", "hours", "h", "hr", "hrs", "hh":
		return "hour"
	case "minute", "minutes", "m", "min", "mins", "mi":
		return "minute"
	case "second", "seconds", "s", "sec", "secs", "ss":
		return "second"
	case "millisecond", "milliseconds", "ms", "msec", "msecs":
		return "millisecond"
	case "microsecond", "microseconds", "us", "usec", "usecs":
		return "microsecond"
	}
	return ""
}

// countExprs counts the expression objects (those with a "class") in v.
func countExprs(v any) int {
	n := 0
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			n += countExprs(e)
		}
	case obj:
		if _, ok := v["class"]; ok {
			n++
		}
		for _, e := range v {
			n += countExprs(e)
		}
	}
	return n
}
