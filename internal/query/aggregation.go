package query

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// The aggregation rule (spec 2.2).

type clause int

const (
	inSelect clause = iota
	inWhere
	inGroup
	inOrder
	inHaving
)

func (c clause) String() string {
	return [...]string{"the select list", "WHERE", "GROUP BY", "ORDER BY", "HAVING"}[c]
}

// scalarNames maps DuckDB's function names to the aggregation rule's
// scalarFunctions names (EXTRACT parses as date_part, TRIM(LEADING ...) as
// ltrim, COALESCE as an operator).
var scalarNames = map[string]string{
	"abs": "ABS", "ceil": "CEILING", "ceiling": "CEILING", "convert": "CONVERT", "current_date": "CURRENT_DATE",
	"dateadd": "DATEADD", "date_part": "EXTRACT", "floor": "FLOOR", "getdate": "GETDATE", "ln": "LN", "log": "LOG",
	"lower": "LOWER", "round": "ROUND", "rtrim": "RTRIM", "sqrt": "SQRT", "substring": "SUBSTRING", "substr": "SUBSTRING",
	"to_char": "TO_CHAR", "to_date": "TO_DATE", "to_number": "TO_NUMBER", "to_timestamp": "TO_TIMESTAMP",
	"trim": "TRIM", "ltrim": "TRIM", "trunc": "TRUNC", "upper": "UPPER",
}

var arithmetic = fnSet(`+ - * / // %`)
var likeOps = fnSet(`~~ !~~ ~~* !~~*`)

func checkAggregation(node obj, c Context) error {
	r := &restricted{c: c, rule: "aggregation rule"}
	if err := r.shape(node); err != nil {
		return err
	}
	a := &aggChecker{restricted: r}
	for _, m := range objs(node, "modifiers") {
		switch str(m, "type") {
		case "ORDER_MODIFIER":
		case "LIMIT_MODIFIER", "LIMIT_PERCENT_MODIFIER":
			return r.refuse("LIMIT and OFFSET are not allowed")
		case "DISTINCT_MODIFIER":
			return r.refuse("SELECT DISTINCT is not allowed")
		default:
			return r.refuse("unsupported construct: %s", str(m, "type"))
		}
	}
	r.aliases = map[string]bool{}
	hasAgg := false
	for _, e := range objs(node, "select_list") {
		agg, err := a.expr(e, inSelect, false)
		if err != nil {
			return err
		}
		hasAgg = hasAgg || agg
		if al := str(e, "alias"); al != "" {
			r.aliases[strings.ToLower(al)] = true
		}
	}
	if !hasAgg {
		return r.refuse("the select list needs at least one aggregate function (SUM, SUM(DISTINCT), COUNT, COUNT(DISTINCT), AVG)")
	}
	if e := child(node, "where_clause"); e != nil {
		if _, err := a.expr(e, inWhere, false); err != nil {
			return err
		}
	}
	for _, e := range objs(node, "group_expressions") {
		if _, err := a.expr(e, inGroup, false); err != nil {
			return err
		}
	}
	if e := child(node, "having"); e != nil {
		if err := a.having(e); err != nil {
			return err
		}
	}
	for _, m := range objs(node, "modifiers") {
		for _, o := range objs(m, "orders") {
			if _, err := a.expr(child(o, "expression"), inOrder, false); err != nil {
				return err
			}
		}
	}
	if n := countExprs(node); n != r.visited {
		return r.refuse("unsupported construct in the query (%d expressions not classified)", n-r.visited)
	}
	if err := r.joinRequired(func(t *Table) bool { return aggPolicy(t).JoinRequired == "QUERY_RUNNER" }); err != nil {
		return err
	}
	applyOutputConstraints(node, r.instances)
	return nil
}

type aggChecker struct {
	*restricted
}

// expr checks an expression in clause cl; inAgg is true inside an
// aggregate's argument. It reports whether e holds an aggregate.
func (a *aggChecker) expr(e obj, cl clause, inAgg bool) (bool, error) {
	if e == nil {
		return false, nil
	}
	a.visited++
	sub := func(cs ...obj) (bool, error) {
		agg := false
		for _, c := range cs {
			g, err := a.expr(c, cl, inAgg)
			if err != nil {
				return false, err
			}
			agg = agg || g
		}
		return agg, nil
	}
	switch cls := str(e, "class"); cls {
	case "CONSTANT":
		return false, nil
	case "COLUMN_REF":
		return false, a.column(strs(e, "column_names"), cl)
	case "CAST":
		if _, ok := constant(e); ok {
			a.visited += countExprs(child(e, "child"))
			return false, nil
		}
		if err := a.scalar("CAST"); err != nil {
			return false, err
		}
		return sub(child(e, "child"))
	case "FUNCTION":
		name := strings.ToLower(str(e, "function_name"))
		switch {
		case boolean(e, "is_operator") && arithmetic[name]:
			return sub(objs(e, "children")...)
		case boolean(e, "is_operator") && likeOps[name]:
			if cl != inWhere {
				return false, a.refuse("LIKE is allowed only in WHERE")
			}
			return sub(objs(e, "children")...)
		case name == "count" || name == "sum" || name == "avg" || name == "count_star":
			return true, a.aggregate(e, name, cl, inAgg)
		case aggregateFuncs[name] || windowFuncs[name]:
			return false, a.refuse("aggregate function %s is not allowed; only SUM, SUM(DISTINCT), COUNT, COUNT(DISTINCT) and AVG are", name)
		}
		rn, ok := scalarNames[name]
		if !ok || str(e, "schema") != "" && str(e, "schema") != "main" {
			return false, a.refuse("function %s is not allowed", name)
		}
		if err := a.scalar(rn); err != nil {
			return false, err
		}
		args := objs(e, "children")
		if i := keywordArg(name, args); i >= 0 {
			a.visited++
			args = slices.Delete(slices.Clone(args), i, i+1)
		}
		return sub(args...)
	case "OPERATOR":
		switch t := str(e, "type"); t {
		case "OPERATOR_COALESCE":
			if err := a.scalar("COALESCE"); err != nil {
				return false, err
			}
		case "OPERATOR_NOT", "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL", "COMPARE_IN", "COMPARE_NOT_IN":
			if cl != inWhere {
				return false, a.refuse("%s is allowed only in WHERE", operatorName(t))
			}
		default:
			return false, a.refuse("unsupported construct: %s", strings.ToLower(t))
		}
		return sub(objs(e, "children")...)
	case "COMPARISON", "CONJUNCTION", "BETWEEN":
		if cl != inWhere {
			return false, a.refuse("comparisons are allowed only in WHERE and HAVING")
		}
		return sub(comparisonParts(e)...)
	case "WINDOW":
		return false, a.refuse("window functions are not allowed")
	case "SUBQUERY":
		return false, a.refuse("subqueries are not allowed")
	case "STAR":
		return false, a.refuse("SELECT * is not allowed")
	case "CASE":
		return false, a.refuse("CASE expressions are not allowed")
	default:
		return false, a.refuse("unsupported construct: %s", strings.ToLower(cls))
	}
}

func operatorName(t string) string {
	return map[string]string{"OPERATOR_NOT": "NOT", "OPERATOR_IS_NULL": "IS NULL", "OPERATOR_IS_NOT_NULL": "IS NOT NULL",
		"COMPARE_IN": "IN", "COMPARE_NOT_IN": "NOT IN"}[t]
}

// column checks a column used outside an aggregate: a dimension column.
func (a *aggChecker) column(names []string, cl clause) error {
	if len(names) == 1 && cl != inSelect && cl != inWhere && a.aliases[strings.ToLower(names[0])] && !a.anyColumn(names[0]) {
		return nil // a select-list alias, checked where it was defined
	}
	if len(names) == 1 && bareFunctions[strings.ToLower(names[0])] && !a.anyColumn(names[0]) {
		return a.scalar(strings.ToUpper(names[0]))
	}
	i, col, err := a.resolve(names)
	if err != nil {
		return err
	}
	t := a.instances[i].table
	p := aggPolicy(t)
	switch {
	case containsFold(p.DimensionColumns, col):
		return nil
	case containsFold(p.JoinColumns, col):
		return a.refuse("join column %s of table %s may not be used in %s: join columns are never output or filtered", col, t.Name, cl)
	}
	return a.refuse("column %s of table %s is not a dimension column and may not be used in %s outside an aggregate function", col, t.Name, cl)
}

func (a *aggChecker) anyColumn(name string) bool {
	return slices.ContainsFunc(a.instances, func(in *instance) bool { return hasColumn(in.table, name) })
}

// scalar checks that every table of the query allows the scalar
// function fn (the strictest control wins, spec 2.1).
func (a *aggChecker) scalar(fn string) error {
	for _, in := range a.instances {
		if !containsFold(aggPolicy(in.table).ScalarFunctions, fn) {
			return a.refuse("table %s does not allow the scalar function %s", in.table.Name, fn)
		}
	}
	return nil
}

// aggregate checks an aggregate call: allowed where aggregates are, not
// nested, over one plain column listed for the function. COUNT(*) is
// allowed: it reveals no column value, and output constraints still apply.
func (a *aggChecker) aggregate(e obj, name string, cl clause, inAgg bool) error {
	switch {
	case inAgg:
		return a.refuse("aggregate functions may not be nested")
	case cl == inWhere || cl == inGroup:
		return a.refuse("aggregate functions are not allowed in %s", cl)
	case e["filter"] != nil || len(objs(child(e, "order_bys"), "orders")) > 0:
		return a.refuse("FILTER and ORDER BY inside an aggregate are not allowed")
	}
	if name == "count_star" {
		return nil
	}
	fn := strings.ToUpper(name)
	if boolean(e, "distinct") {
		if fn == "AVG" {
			return a.refuse("AVG(DISTINCT ...) is not allowed")
		}
		fn += "_DISTINCT"
	}
	args := objs(e, "children")
	if len(args) != 1 || str(args[0], "class") != "COLUMN_REF" {
		return a.refuse("the argument of %s must be a column", display(fn))
	}
	a.visited++
	i, col, err := a.resolve(strs(args[0], "column_names"))
	if err != nil {
		return err
	}
	t := a.instances[i].table
	for _, ac := range aggPolicy(t).AggregateColumns {
		if ac.Function == fn && containsFold(ac.ColumnNames, col) {
			return nil
		}
	}
	return a.refuse("column %s of table %s may not be aggregated with %s", col, t.Name, display(fn))
}

func display(fn string) string {
	if f, ok := strings.CutSuffix(fn, "_DISTINCT"); ok {
		return f + "(DISTINCT)"
	}
	return fn
}

// having accepts allowed aggregates compared with numbers, combined with
// AND and OR.
func (a *aggChecker) having(e obj) error {
	a.visited++
	switch str(e, "class") {
	case "CONJUNCTION":
		for _, c := range objs(e, "children") {
			if err := a.having(c); err != nil {
				return err
			}
		}
		return nil
	case "COMPARISON":
		l, r := child(e, "left"), child(e, "right")
		if isNumber(l) {
			l, r = r, l
		}
		if !isNumber(r) || str(l, "class") != "FUNCTION" {
			break
		}
		agg, err := a.expr(l, inHaving, false)
		if err != nil {
			return err
		}
		if !agg {
			break
		}
		a.visited += countExprs(r)
		return nil
	}
	return a.refuse("HAVING may only compare aggregate functions with numbers, combined with AND and OR")
}

func isNumber(e obj) bool {
	v, ok := constant(e)
	if !ok {
		return false
	}
	_, ok = v.(json.Number)
	return ok
}

// applyOutputConstraints rewrites an accepted aggregation query so that
// every output row below an output constraint disappears: for each
// constraint of each table instance, HAVING COUNT(DISTINCT alias.column)
// >= minimum is added to the query's HAVING. The minimum is the largest
// of all constraints of all tables (the strictest control wins, spec 2.1).
// The constraint holds whether the query names the column or not.
func applyOutputConstraints(node obj, instances []*instance) {
	var minimum int32
	for _, in := range instances {
		for _, oc := range aggPolicy(in.table).OutputConstraints {
			minimum = max(minimum, oc.Minimum)
		}
	}
	var conds []obj
	for _, in := range instances {
		for _, oc := range aggPolicy(in.table).OutputConstraints {
			count := newFunction("count", true, newColumnRef(in.name, strings.ToLower(oc.ColumnName)))
			conds = append(conds, newComparison("COMPARE_GREATERTHANOREQUALTO", count,
				newConstant("INTEGER", json.Number(strconv.Itoa(int(minimum))))))
		}
	}
	if len(conds) == 0 {
		return
	}
	if h := child(node, "having"); h != nil {
		conds = append([]obj{h}, conds...)
	}
	if len(conds) == 1 {
		node["having"] = conds[0]
		return
	}
	node["having"] = newConjunction("CONJUNCTION_AND", conds...)
}

// comparisonParts are the operands of a COMPARISON, CONJUNCTION or
// BETWEEN node.
func comparisonParts(e obj) []obj {
	if str(e, "class") == "CONJUNCTION" {
		return objs(e, "children")
	}
	var out []obj
	for _, k := range []string{"left", "right", "input", "lower", "upper"} {
		if c := child(e, k); c != nil {
			out = append(out, c)
		}
	}
	return out
}
