package query

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/dp"
)

// Differential privacy (spec 2.5): a custom-rule query over a table with
// differentialPrivacy. The final SELECT releases noised aggregates per
// group; everything under it must keep user-level rows, so that each row
// the aggregates read belongs to one user (the value of the user
// identifier column) and the engine can bound what one user contributes.
// See docs/query-rules.md, "Differential privacy".

// DPAggregate is one released aggregate of a DPPlan.
type DPAggregate struct {
	// Type is a dp type: COUNT, COUNT_DISTINCT, SUM, AVG, STDDEV.
	Type string `json:"type"`
	// Arg says whether the aggregate reads an argument (column __a<i> of
	// the base query, i its index); COUNT(*) does not.
	Arg bool `json:"arg,omitempty"`
	// Distinct is COUNT(DISTINCT x).
	Distinct bool `json:"distinct,omitempty"`
	// Expression is the SQL text of the aggregate as written (the wire's
	// aggregationExpression).
	Expression string `json:"expression"`
}

// DPColumn is one output column of a DP query: a GROUP BY key (Group ≥ 0,
// column __g<Group> of the base query) or an aggregate (Aggregate ≥ 0).
type DPColumn struct {
	Name      string `json:"name"`
	Group     int    `json:"group"`
	Aggregate int    `json:"aggregate"`
}

// DPOrder is one ORDER BY item, applied to the released rows.
type DPOrder struct {
	Column     int  `json:"column"` // index into Columns
	Desc       bool `json:"desc,omitempty"`
	NullsFirst bool `json:"nullsFirst,omitempty"`
}

const dpRule = "differential privacy"

type dpCol struct {
	name string
	uid  bool
}

// dpRel is a relation of a DP query: a table, CTE, subquery or join.
type dpRel struct {
	name string // alias in its FROM clause
	cols []dpCol
	dp   bool // reads a DP table
}

func (r *dpRel) uid() string {
	for _, c := range r.cols {
		if c.uid {
			return c.name
		}
	}
	return ""
}

type dpEnv struct {
	parent *dpEnv
	ctes   map[string]*dpRel
}

func (e *dpEnv) cte(name string) *dpRel {
	for ; e != nil; e = e.parent {
		if r, ok := e.ctes[name]; ok {
			return r
		}
	}
	return nil
}

type dpChecker struct {
	c Context
}

func dpRefuse(format string, args ...any) *Refusal {
	return refusef(dpRule+": "+format, args...)
}

// hasDP reports whether any table of the query is differentially private.
func hasDP(c Context, tables []string) bool {
	for _, name := range tables {
		if t := c.Tables[name]; t != nil && t.Policy.Custom != nil && t.Policy.Custom.DifferentialPrivacy != nil {
			return true
		}
	}
	return false
}

// dpUID is the user identifier column of a DP table, "" for others.
func dpUID(t *Table) string {
	if t == nil || t.Policy.Custom == nil || t.Policy.Custom.DifferentialPrivacy == nil {
		return ""
	}
	cs := t.Policy.Custom.DifferentialPrivacy.Columns
	if len(cs) == 0 {
		return ""
	}
	return strings.ToLower(cs[0].Name)
}

// sameUID refuses a query whose tables (the names of the tables it reads)
// include DP tables protecting differently named user identifier columns:
// tables with differential privacy must use the same user identifier
// column (the model's DifferentialPrivacyColumn doc), which is what makes
// their users one population for the budget.
func sameUID(c Context, tables []string) error {
	names := slices.Sorted(slices.Values(tables))
	first, firstUID := "", ""
	for _, name := range names {
		uid := dpUID(c.Tables[name])
		switch {
		case uid == "":
		case firstUID == "":
			first, firstUID = name, uid
		case uid != firstUID:
			return dpRefuse("tables %s and %s protect different user identifier columns (%s, %s); tables with differential privacy must use the same user identifier column",
				first, name, firstUID, uid)
		}
	}
	return nil
}

// dpQuery is what the check of the final SELECT found, by position in
// the (untranslated and then translated) node.
type dpQuery struct {
	uid     obj   // the user id expression over the final FROM
	groups  []int // per group key: index of the select item it is, or -1
	gexprs  []int // per group key with groups[j] == -1: index in group_expressions
	columns []DPColumn
	aggs    []DPAggregate
	aggItem []int // per aggregate: its select item
	orders  []DPOrder
	limit   *int64
}

// checkDP checks the final SELECT node and everything under it.
func checkDP(node obj, c Context, tables []string) (*dpQuery, error) {
	d := &dpChecker{c: c}
	if err := sameUID(c, tables); err != nil {
		return nil, err
	}
	if str(node, "type") != "SELECT_NODE" {
		return nil, dpRefuse("the final query must be one SELECT with GROUP BY and aggregates, not a set operation (UNION and the like are allowed inside a CTE)")
	}
	env, err := d.ctes(node, nil)
	if err != nil {
		return nil, err
	}
	return d.final(node, env)
}

func (d *dpChecker) ctes(n obj, parent *dpEnv) (*dpEnv, error) {
	m := child(n, "cte_map")
	if m == nil || len(list(m, "map")) == 0 {
		return parent, nil
	}
	env := &dpEnv{parent: parent, ctes: map[string]*dpRel{}}
	for _, e := range objs(m, "map") {
		v := child(e, "value")
		name := strings.ToLower(str(e, "key"))
		r, err := d.query(child(child(v, "query"), "node"), env, "CTE "+name)
		if err != nil {
			return nil, err
		}
		env.ctes[name] = dpRename(r, strs(v, "aliases"))
	}
	return env, nil
}

func dpRename(r *dpRel, names []string) *dpRel {
	if len(names) == 0 {
		return r
	}
	out := &dpRel{name: r.name, dp: r.dp, cols: append([]dpCol(nil), r.cols...)}
	for i, n := range names {
		if i < len(out.cols) {
			out.cols[i].name = strings.ToLower(n)
		}
	}
	return out
}

// query returns the relation a CTE or subquery yields; what names it in
// messages.
func (d *dpChecker) query(n obj, env *dpEnv, what string) (*dpRel, error) {
	if n == nil {
		return nil, dpRefuse("%s has no query", what)
	}
	env, err := d.ctes(n, env)
	if err != nil {
		return nil, err
	}
	switch str(n, "type") {
	case "SELECT_NODE":
		return d.inner(n, env, what)
	case "SET_OPERATION_NODE":
		l, err := d.query(child(n, "left"), env, what)
		if err != nil {
			return nil, err
		}
		r, err := d.query(child(n, "right"), env, what)
		if err != nil {
			return nil, err
		}
		out := &dpRel{dp: l.dp || r.dp}
		for i, c := range l.cols {
			out.cols = append(out.cols, dpCol{name: c.name, uid: i < len(r.cols) && c.uid && r.cols[i].uid})
		}
		if !out.dp {
			return out, nil
		}
		if t := str(n, "setop_type"); t != "UNION" {
			return nil, dpRefuse("%s: only UNION and UNION ALL may combine queries over differentially private tables, not %s", what, t)
		}
		if out.uid() == "" {
			return nil, dpRefuse("%s: every branch of a UNION over differentially private tables must project the user identifier at the same position", what)
		}
		if err := d.userLevelModifiers(n, what); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, dpRefuse("%s: unsupported construct %s", what, str(n, "type"))
}

func (d *dpChecker) userLevelModifiers(n obj, what string) error {
	for _, m := range objs(n, "modifiers") {
		switch str(m, "type") {
		case "LIMIT_MODIFIER", "LIMIT_PERCENT_MODIFIER":
			return dpRefuse("%s reads a differentially private table and may not have LIMIT or OFFSET: it must keep every user's rows", what)
		}
	}
	return nil
}

// inner checks a SELECT under the final one.
func (d *dpChecker) inner(n obj, env *dpEnv, what string) (*dpRel, error) {
	srcs, _, err := d.from(child(n, "from_table"), env, what)
	if err != nil {
		return nil, err
	}
	if err := d.subqueries(n, env); err != nil {
		return nil, err
	}
	out := &dpRel{}
	for _, s := range srcs {
		out.dp = out.dp || s.dp
	}
	var cols []dpCol
	for _, e := range objs(n, "select_list") {
		switch str(e, "class") {
		case "STAR":
			cols = append(cols, starCols(e, srcs)...)
		case "COLUMN_REF":
			names := strs(e, "column_names")
			name := strings.ToLower(str(e, "alias"))
			if name == "" && len(names) > 0 {
				name = strings.ToLower(names[len(names)-1])
			}
			cols = append(cols, dpCol{name: name, uid: isUID(names, srcs)})
		default:
			cols = append(cols, dpCol{name: strings.ToLower(str(e, "alias"))})
		}
	}
	out.cols = cols
	if !out.dp {
		return out, nil
	}
	if err := d.userLevelModifiers(n, what); err != nil {
		return nil, err
	}
	for _, k := range []string{"select_list", "qualify", "having"} {
		if hasClass(n[k], "WINDOW") {
			return nil, dpRefuse("%s reads a differentially private table and may not use window functions: a row's value would depend on other users' rows", what)
		}
	}
	if out.uid() == "" {
		return nil, dpRefuse("%s reads a differentially private table and must yield user-level rows: project the user identifier column", what)
	}
	grouped := len(objs(n, "group_expressions")) > 0 || str(n, "aggregate_handling") == "FORCE_AGGREGATES"
	if grouped || hasAggregate(n["select_list"]) || hasAggregate(n["having"]) {
		if len(list(n, "group_sets")) > 1 {
			return nil, dpRefuse("%s: GROUPING SETS, ROLLUP and CUBE are not allowed over a differentially private table", what)
		}
		ok := str(n, "aggregate_handling") == "FORCE_AGGREGATES" // GROUP BY ALL groups by the projected user id
		for _, g := range objs(n, "group_expressions") {
			if str(g, "class") == "COLUMN_REF" && isUID(strs(g, "column_names"), srcs) {
				ok = true
			}
		}
		if !ok {
			return nil, dpRefuse("%s aggregates a differentially private table without grouping by the user identifier: it must yield user-level rows", what)
		}
	}
	return out, nil
}

func starCols(e obj, srcs []*dpRel) []dpCol {
	rel := strings.ToLower(str(e, "relation_name"))
	exclude := strs(e, "exclude_list")
	var out []dpCol
	for _, s := range srcs {
		if rel != "" && s.name != rel {
			continue
		}
		for _, c := range s.cols {
			if !containsFold(exclude, c.name) {
				out = append(out, c)
			}
		}
	}
	return out
}

// lookup resolves a column reference against srcs.
func lookup(names []string, srcs []*dpRel) (*dpRel, *dpCol) {
	switch len(names) {
	case 1:
		n := strings.ToLower(names[0])
		for _, s := range srcs {
			for i := range s.cols {
				if s.cols[i].name == n {
					return s, &s.cols[i]
				}
			}
		}
	case 2:
		r, n := strings.ToLower(names[0]), strings.ToLower(names[1])
		for _, s := range srcs {
			if s.name != r {
				continue
			}
			for i := range s.cols {
				if s.cols[i].name == n {
					return s, &s.cols[i]
				}
			}
		}
	}
	return nil, nil
}

func isUID(names []string, srcs []*dpRel) bool {
	_, c := lookup(names, srcs)
	return c != nil && c.uid
}

// from returns the relations of a FROM clause and the one whose user id
// identifies the rows' users (nil when none reads a DP table).
func (d *dpChecker) from(t obj, env *dpEnv, what string) ([]*dpRel, *dpRel, error) {
	if t == nil {
		return nil, nil, nil
	}
	alias := strings.ToLower(str(t, "alias"))
	one := func(r *dpRel) ([]*dpRel, *dpRel, error) {
		if r.dp && r.uid() != "" {
			return []*dpRel{r}, r, nil
		}
		return []*dpRel{r}, nil, nil
	}
	switch str(t, "type") {
	case "EMPTY":
		return nil, nil, nil
	case "BASE_TABLE":
		name := strings.ToLower(str(t, "table_name"))
		if alias == "" {
			alias = name
		}
		if r := env.cte(name); r != nil {
			r = dpRename(r, strs(t, "column_name_alias"))
			return one(&dpRel{name: alias, cols: r.cols, dp: r.dp})
		}
		tab := d.c.Tables[name]
		r := &dpRel{name: alias}
		if tab != nil {
			uid := dpUID(tab)
			r.dp = uid != ""
			for _, c := range tab.Columns {
				n := strings.ToLower(c.Name)
				r.cols = append(r.cols, dpCol{name: n, uid: uid != "" && n == uid})
			}
		}
		return one(dpRename(r, strs(t, "column_name_alias")))
	case "SUBQUERY":
		what := "the subquery"
		if alias != "" {
			what += " " + alias
		}
		r, err := d.query(child(child(t, "subquery"), "node"), env, what)
		if err != nil {
			return nil, nil, err
		}
		r = dpRename(r, strs(t, "column_name_alias"))
		return one(&dpRel{name: alias, cols: r.cols, dp: r.dp})
	case "EXPRESSION_LIST":
		if err := d.subqueries(t, env); err != nil {
			return nil, nil, err
		}
		return []*dpRel{{name: alias}}, nil, nil
	case "JOIN":
		l, lp, err := d.from(child(t, "left"), env, what)
		if err != nil {
			return nil, nil, err
		}
		r, rp, err := d.from(child(t, "right"), env, what)
		if err != nil {
			return nil, nil, err
		}
		if err := d.exprSubqueries(t["condition"], env); err != nil {
			return nil, nil, err
		}
		if lp != nil && rp != nil || anyDP(l) && anyDP(r) {
			if jt := str(t, "join_type"); jt == "OUTER" || jt == "FULL" {
				return nil, nil, dpRefuse("a FULL join between differentially private relations is not allowed: use an INNER, LEFT or RIGHT join on the user identifier")
			}
			if !uidEquality(child(t, "condition"), strs(t, "using_columns"), l, r) {
				return nil, nil, dpRefuse("a join between differentially private relations must be an equi-join on the user identifier columns (ON a.user_id = b.user_id)")
			}
		}
		pref := lp
		if pref == nil || str(t, "join_type") == "RIGHT" && rp != nil {
			pref = rp
		}
		return append(l, r...), pref, nil
	}
	// The custom walk has refused everything else already.
	return nil, nil, dpRefuse("unsupported construct %s in FROM", strings.ToLower(str(t, "type")))
}

func anyDP(rs []*dpRel) bool {
	for _, r := range rs {
		if r.dp {
			return true
		}
	}
	return false
}

// uidEquality reports whether a join condition holds, as a conjunct,
// an equality between a user id of l and one of r.
func uidEquality(cond obj, using []string, l, r []*dpRel) bool {
	for _, u := range using {
		if isUID([]string{u}, l) && isUID([]string{u}, r) {
			return true
		}
	}
	var conj func(e obj) bool
	conj = func(e obj) bool {
		switch {
		case e == nil:
			return false
		case str(e, "type") == "CONJUNCTION_AND":
			for _, c := range objs(e, "children") {
				if conj(c) {
					return true
				}
			}
			return false
		case str(e, "type") == "COMPARE_EQUAL":
			a, b := child(e, "left"), child(e, "right")
			if str(a, "class") != "COLUMN_REF" || str(b, "class") != "COLUMN_REF" {
				return false
			}
			an, bn := strs(a, "column_names"), strs(b, "column_names")
			return isUID(an, l) && isUID(bn, r) || isUID(bn, l) && isUID(an, r)
		}
		return false
	}
	return conj(cond)
}

// subqueries refuses an expression subquery (scalar, IN, EXISTS) that
// reads a DP table anywhere in the expressions of the query node n (not
// its FROM, which from checks, nor its CTEs).
func (d *dpChecker) subqueries(n obj, env *dpEnv) error {
	for k, e := range n {
		if k == "from_table" || k == "cte_map" {
			continue
		}
		if err := d.exprSubqueries(e, env); err != nil {
			return err
		}
	}
	return nil
}

func (d *dpChecker) exprSubqueries(v any, env *dpEnv) error {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if err := d.exprSubqueries(e, env); err != nil {
				return err
			}
		}
	case obj:
		if str(v, "class") == "SUBQUERY" {
			if d.readsDP(v, env) {
				return dpRefuse("a subquery over a differentially private table is allowed only in FROM and JOIN, not in an expression (IN, EXISTS, scalar subquery)")
			}
			return nil
		}
		for _, e := range v {
			if err := d.exprSubqueries(e, env); err != nil {
				return err
			}
		}
	}
	return nil
}

// readsDP reports whether a query reads a DP table: conservatively, any
// table or visible CTE of that name anywhere in it.
func (d *dpChecker) readsDP(n any, env *dpEnv) bool {
	switch v := n.(type) {
	case []any:
		for _, e := range v {
			if d.readsDP(e, env) {
				return true
			}
		}
	case obj:
		if str(v, "type") == "BASE_TABLE" {
			name := strings.ToLower(str(v, "table_name"))
			if r := env.cte(name); r != nil && r.dp || dpUID(d.c.Tables[name]) != "" {
				return true
			}
		}
		for _, e := range v {
			if d.readsDP(e, env) {
				return true
			}
		}
	}
	return false
}

func hasClass(v any, class string) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if hasClass(e, class) {
				return true
			}
		}
	case obj:
		if str(v, "class") == class {
			return true
		}
		if str(v, "class") == "SUBQUERY" {
			return false
		}
		for _, e := range v {
			if hasClass(e, class) {
				return true
			}
		}
	}
	return false
}

// hasAggregate reports whether an expression calls an aggregate function
// (outside subqueries).
func hasAggregate(v any) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if hasAggregate(e) {
				return true
			}
		}
	case obj:
		if str(v, "class") == "FUNCTION" && aggregateFuncs[strings.ToLower(str(v, "function_name"))] {
			return true
		}
		if str(v, "class") == "SUBQUERY" {
			return false
		}
		for _, e := range v {
			if hasAggregate(e) {
				return true
			}
		}
	}
	return false
}

// dpAggregate classifies a select item as a DP aggregate; ok false when
// it is no aggregate at all.
func dpAggregate(e obj) (DPAggregate, bool, error) {
	if str(e, "class") != "FUNCTION" {
		return DPAggregate{}, false, nil
	}
	name := strings.ToLower(str(e, "function_name"))
	args := objs(e, "children")
	var a DPAggregate
	switch name {
	case "count_star":
		a.Type = dp.Count
	case "count":
		a.Type, a.Arg, a.Distinct = dp.Count, len(args) > 0, boolean(e, "distinct")
		if a.Distinct {
			a.Type = dp.CountDistinct
		}
	case "sum":
		a.Type, a.Arg = dp.Sum, true
	case "avg", "mean":
		a.Type, a.Arg = dp.Avg, true
	case "stddev", "stddev_samp":
		a.Type, a.Arg = dp.Stddev, true
	default:
		return DPAggregate{}, false, nil
	}
	switch {
	case boolean(e, "distinct") && a.Type != dp.CountDistinct:
		return a, true, dpRefuse("%s(DISTINCT ...) is not allowed; of the DISTINCT forms only COUNT(DISTINCT ...) is", strings.ToUpper(name))
	case e["filter"] != nil || len(objs(child(e, "order_bys"), "orders")) > 0:
		return a, true, dpRefuse("FILTER and ORDER BY inside an aggregate are not allowed")
	case name == "count_star" && len(args) != 0, name != "count_star" && name != "count" && len(args) != 1, name == "count" && len(args) > 1:
		return a, true, dpRefuse("%s takes one argument", strings.ToUpper(name))
	case hasAggregate(e["children"]) || hasClass(e["children"], "WINDOW"):
		return a, true, dpRefuse("aggregate and window functions may not be nested in the argument of %s", strings.ToUpper(name))
	}
	return a, true, nil
}

// final checks the final SELECT.
func (d *dpChecker) final(n obj, env *dpEnv) (*dpQuery, error) {
	srcs, pref, err := d.from(child(n, "from_table"), env, "the final SELECT")
	if err != nil {
		return nil, err
	}
	if err := d.subqueries(n, env); err != nil {
		return nil, err
	}
	if pref == nil {
		return nil, dpRefuse("the final SELECT must read a differentially private table (or a CTE or subquery over one) in its FROM clause")
	}
	q := &dpQuery{}
	if pref.name != "" {
		q.uid = newColumnRef(pref.name, pref.uid())
	} else {
		q.uid = newColumnRef(pref.uid())
	}
	switch {
	case n["having"] != nil:
		return nil, dpRefuse("HAVING is not allowed: it would filter on aggregates before noise is added")
	case n["qualify"] != nil:
		return nil, dpRefuse("QUALIFY is not allowed")
	case n["sample"] != nil:
		return nil, dpRefuse("TABLESAMPLE is not allowed")
	case str(n, "aggregate_handling") == "FORCE_AGGREGATES":
		return nil, dpRefuse("GROUP BY ALL is not allowed: name the GROUP BY expressions")
	case len(list(n, "group_sets")) > 1:
		return nil, dpRefuse("GROUPING SETS, ROLLUP and CUBE are not allowed")
	case hasClass(n["select_list"], "WINDOW"):
		return nil, dpRefuse("window functions are not allowed in the final SELECT")
	}
	for _, m := range objs(n, "modifiers") {
		switch str(m, "type") {
		case "DISTINCT_MODIFIER":
			return nil, dpRefuse("SELECT DISTINCT is not allowed in the final SELECT")
		case "LIMIT_PERCENT_MODIFIER":
			return nil, dpRefuse("LIMIT with a percentage is not allowed")
		case "LIMIT_MODIFIER":
			if m["offset"] != nil {
				return nil, dpRefuse("OFFSET is not allowed")
			}
			if e := child(m, "limit"); e != nil {
				v, ok := constant(e)
				num, _ := v.(json.Number)
				l, err := strconv.ParseInt(string(num), 10, 64)
				if !ok || err != nil || l < 0 {
					return nil, dpRefuse("LIMIT takes a non-negative integer")
				}
				q.limit = &l
			}
		}
	}
	items := objs(n, "select_list")
	for _, e := range items {
		if str(e, "class") == "STAR" {
			return nil, dpRefuse("SELECT * is not allowed in the final SELECT: select GROUP BY expressions and aggregates")
		}
	}
	// Group keys: a select item (by position or alias) or an expression.
	itemGroup := make([]int, len(items))
	for i := range itemGroup {
		itemGroup[i] = -1
	}
	for gi, g := range objs(n, "group_expressions") {
		item := -1
		if v, ok := constant(g); ok && str(g, "class") == "CONSTANT" {
			num, _ := v.(json.Number)
			k, err := strconv.Atoi(string(num))
			if err != nil || k < 1 || k > len(items) {
				return nil, dpRefuse("GROUP BY position %v is not a column of the select list", v)
			}
			item = k - 1
		} else if names := strs(g, "column_names"); str(g, "class") == "COLUMN_REF" && len(names) == 1 {
			if s, _ := lookup(names, srcs); s == nil {
				for i, e := range items {
					if strings.EqualFold(str(e, "alias"), names[0]) {
						item = i
						break
					}
				}
			}
		}
		expr := g
		if item >= 0 {
			expr = items[item]
			if hasAggregate(expr) {
				return nil, dpRefuse("GROUP BY may not name an aggregate")
			}
		}
		if hasAggregate(expr) || hasClass(expr, "WINDOW") {
			return nil, dpRefuse("GROUP BY may not hold aggregate or window functions")
		}
		j := len(q.groups)
		q.groups = append(q.groups, item)
		q.gexprs = append(q.gexprs, gi)
		if item >= 0 && itemGroup[item] < 0 {
			itemGroup[item] = j
		}
	}
	groupExprs := objs(n, "group_expressions")
	for i, e := range items {
		col := DPColumn{Name: str(e, "alias"), Group: -1, Aggregate: -1}
		if itemGroup[i] >= 0 {
			col.Group = itemGroup[i]
		} else if a, ok, err := dpAggregate(e); err != nil {
			return nil, err
		} else if ok {
			col.Aggregate = len(q.aggs)
			q.aggs = append(q.aggs, a)
			q.aggItem = append(q.aggItem, i)
		} else {
			for j, item := range q.groups {
				g := groupExprs[q.gexprs[j]]
				if item >= 0 {
					g = items[item]
				}
				if sameExpr(e, g, srcs) {
					col.Group = j
					break
				}
			}
			if col.Group < 0 {
				if hasAggregate(e) {
					return nil, dpRefuse("select item %d: only COUNT, COUNT(DISTINCT), SUM, AVG and STDDEV are allowed, each as a select item of its own (not inside an expression)", i+1)
				}
				return nil, dpRefuse("select item %d is neither a GROUP BY expression nor an aggregate (COUNT, COUNT(DISTINCT), SUM, AVG, STDDEV)", i+1)
			}
		}
		q.columns = append(q.columns, col)
	}
	if len(q.aggs) == 0 {
		return nil, dpRefuse("the final SELECT needs at least one aggregate (COUNT, COUNT(DISTINCT), SUM, AVG, STDDEV)")
	}
	for _, m := range objs(n, "modifiers") {
		for _, o := range objs(m, "orders") {
			e := child(o, "expression")
			col := -1
			if v, ok := constant(e); ok && str(e, "class") == "CONSTANT" {
				num, _ := v.(json.Number)
				k, err := strconv.Atoi(string(num))
				if err == nil && k >= 1 && k <= len(items) {
					col = k - 1
				}
			} else if names := strs(e, "column_names"); str(e, "class") == "COLUMN_REF" && len(names) == 1 {
				for i, it := range items {
					if strings.EqualFold(str(it, "alias"), names[0]) {
						col = i
						break
					}
				}
			}
			for i := 0; col < 0 && i < len(items); i++ {
				if sameExpr(e, items[i], srcs) {
					col = i
				}
			}
			if col < 0 {
				return nil, dpRefuse("ORDER BY may name only output columns (by alias, position or the same expression)")
			}
			ord := DPOrder{Column: col, Desc: str(o, "type") == "DESCENDING"}
			switch str(o, "null_order") {
			case "NULLS FIRST", "NULLS_FIRST":
				ord.NullsFirst = true
			case "NULLS LAST", "NULLS_LAST":
			default:
				ord.NullsFirst = !ord.Desc // Spark's default
			}
			q.orders = append(q.orders, ord)
		}
	}
	return q, nil
}

// sameExpr reports whether a and b are the same expression: the same
// tree but for aliases and locations, column references resolving to the
// same column.
func sameExpr(a, b any, srcs []*dpRel) bool {
	switch av := a.(type) {
	case obj:
		bv, ok := b.(obj)
		if !ok {
			return false
		}
		if str(av, "class") == "COLUMN_REF" && str(bv, "class") == "COLUMN_REF" {
			an, bn := strs(av, "column_names"), strs(bv, "column_names")
			rs, rc := lookup(an, srcs)
			ss, sc := lookup(bn, srcs)
			if rc != nil && sc != nil {
				return rs == ss && rc == sc
			}
			return strings.EqualFold(strings.Join(an, "."), strings.Join(bn, "."))
		}
		n := 0
		for k, v := range av {
			if k == "alias" || k == "query_location" {
				continue
			}
			n++
			w, ok := bv[k]
			if !ok && v != nil {
				return false
			}
			if !sameExpr(v, w, srcs) {
				return false
			}
		}
		for k, v := range bv {
			if k == "alias" || k == "query_location" {
				continue
			}
			if _, ok := av[k]; !ok && v != nil {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !sameExpr(av[i], bv[i], srcs) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

// deepCopy copies a parse tree value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case obj:
		o := make(obj, len(v))
		for k, e := range v {
			o[k] = deepCopy(e)
		}
		return o
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

func withAlias(e obj, alias string) obj {
	e = deepCopy(e).(obj)
	e["alias"] = alias
	return e
}

// namesTree is a statement selecting copies of the select items, each
// aliased with a marker, so that one deparse gives the text of each.
func namesTree(root, node obj) obj {
	var sel []any
	for i, e := range objs(node, "select_list") {
		sel = append(sel, withAlias(e, dpMarker(i)))
	}
	n := obj{"type": "SELECT_NODE", "modifiers": []any{}, "cte_map": obj{"map": []any{}}, "select_list": sel,
		"from_table": obj{"type": "EMPTY", "alias": "", "sample": nil}, "where_clause": nil,
		"group_expressions": []any{}, "group_sets": []any{}, "aggregate_handling": "STANDARD_HANDLING",
		"having": nil, "sample": nil, "qualify": nil}
	return withNode(root, n)
}

func withNode(root, n obj) obj {
	st := obj{}
	for k, v := range objs(root, "statements")[0] {
		st[k] = v
	}
	st["node"] = n
	r := obj{}
	for k, v := range root {
		r[k] = v
	}
	r["statements"] = []any{st}
	return r
}

func dpMarker(i int) string { return "__cleanrooms_dp_item_" + strconv.Itoa(i) }

// splitItems cuts the deparsed text of namesTree into the items' texts.
func splitItems(text string, n int) ([]string, bool) {
	rest, ok := strings.CutPrefix(text, "SELECT ")
	if !ok {
		return nil, false
	}
	out := make([]string, n)
	for i := 0; i < n; i++ {
		m := " AS " + dpMarker(i)
		if i < n-1 {
			m += ", "
		}
		if strings.Count(rest, m) != 1 {
			return nil, false
		}
		var found bool
		out[i], rest, found = strings.Cut(rest, m)
		if !found {
			return nil, false
		}
	}
	return out, rest == ""
}

// baseNode is the SELECT the engine materialises: the user id, the group
// keys and the aggregates' arguments over the final FROM and WHERE (and
// the query's CTEs), from the translated node.
func baseNode(node obj, q *dpQuery) obj {
	items := objs(node, "select_list")
	groups := objs(node, "group_expressions")
	sel := []any{withAlias(q.uid, "__uid")}
	for j, item := range q.groups {
		g := groups[q.gexprs[j]]
		if item >= 0 {
			g = items[item]
		}
		sel = append(sel, withAlias(g, "__g"+strconv.Itoa(j)))
	}
	for i, a := range q.aggs {
		if a.Arg {
			sel = append(sel, withAlias(objs(items[q.aggItem[i]], "children")[0], "__a"+strconv.Itoa(i)))
		}
	}
	b := obj{}
	for k, v := range node {
		b[k] = v
	}
	b["select_list"] = sel
	b["group_expressions"] = []any{}
	b["group_sets"] = []any{}
	b["having"] = nil
	b["qualify"] = nil
	b["modifiers"] = []any{}
	b["aggregate_handling"] = "STANDARD_HANDLING"
	return b
}

// planDP builds the DP plan of a checked query: the names and texts of
// the select items (one deparse of the query as written), then, after
// the Spark translation, the base query (a second deparse).
func planDP(ctx context.Context, p Parser, root, node obj, q *dpQuery) (*DPPlan, error) {
	items := objs(node, "select_list")
	b, err := writeJSON(namesTree(root, node))
	if err != nil {
		return nil, fmt.Errorf("query: encoding the select list: %w", err)
	}
	text, err := p.Deparse(ctx, b)
	if err != nil {
		return nil, err
	}
	texts, ok := splitItems(text, len(items))
	if !ok {
		return nil, dpRefuse("the select list could not be named; give every column an alias")
	}
	pl := &DPPlan{Groups: len(q.groups), OrderBy: q.orders, Limit: q.limit}
	for i, col := range q.columns {
		if col.Name == "" {
			if names := strs(items[i], "column_names"); str(items[i], "class") == "COLUMN_REF" && len(names) > 0 {
				col.Name = names[len(names)-1]
			} else {
				col.Name = texts[i]
			}
		}
		pl.Columns = append(pl.Columns, col)
	}
	for i, a := range q.aggs {
		a.Expression = texts[q.aggItem[i]]
		pl.Aggregates = append(pl.Aggregates, a)
		pl.Aggregations = append(pl.Aggregations, a.Type)
	}
	if err := translateSpark(node); err != nil {
		return nil, err
	}
	b, err = writeJSON(withNode(root, baseNode(node, q)))
	if err != nil {
		return nil, fmt.Errorf("query: encoding the base query: %w", err)
	}
	if pl.SQL, err = p.Deparse(ctx, b); err != nil {
		return nil, err
	}
	return pl, nil
}
