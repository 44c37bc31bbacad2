package query

import (
	"encoding/json"
	"strconv"
	"strings"
)

// The list rule (spec 2.3): SELECT DISTINCT of list columns, over tables
// INNER-joined on join columns, always joined to a table of the querier;
// WHERE on list columns; LIMIT n (TOP n is translated to LIMIT before
// parsing); no functions, aggregates or ordering.

func checkList(node obj, c Context) error {
	r := &restricted{c: c, rule: "list rule"}
	if err := r.shape(node); err != nil {
		return err
	}
	distinct := false
	for _, m := range objs(node, "modifiers") {
		switch str(m, "type") {
		case "DISTINCT_MODIFIER":
			if len(list(m, "distinct_on_targets")) > 0 {
				return r.refuse("DISTINCT ON is not allowed")
			}
			distinct = true
		case "LIMIT_MODIFIER":
			if m["offset"] != nil {
				return r.refuse("OFFSET is not allowed")
			}
			v, ok := constant(child(m, "limit"))
			n, _ := v.(json.Number)
			if i, err := strconv.ParseInt(string(n), 10, 64); !ok || err != nil || i <= 0 {
				return r.refuse("LIMIT takes a positive integer")
			}
			r.visited += countExprs(child(m, "limit"))
		case "ORDER_MODIFIER":
			return r.refuse("ORDER BY is not allowed")
		default:
			return r.refuse("unsupported construct: %s", str(m, "type"))
		}
	}
	if !distinct {
		return r.refuse("the query must be SELECT DISTINCT")
	}
	if len(list(node, "group_expressions")) > 0 || node["having"] != nil {
		return r.refuse("GROUP BY and HAVING are not allowed")
	}
	for _, e := range objs(node, "select_list") {
		if err := r.listExpr(e, inSelect); err != nil {
			return err
		}
	}
	if e := child(node, "where_clause"); e != nil {
		if err := r.listExpr(e, inWhere); err != nil {
			return err
		}
	}
	if n := countExprs(node); n != r.visited {
		return r.refuse("unsupported construct in the query (%d expressions not classified)", n-r.visited)
	}
	return r.joinRequired(func(*Table) bool { return true })
}

func (r *restricted) listExpr(e obj, cl clause) error {
	if e == nil {
		return nil
	}
	r.visited++
	sub := func(cs ...obj) error {
		for _, c := range cs {
			if err := r.listExpr(c, cl); err != nil {
				return err
			}
		}
		return nil
	}
	switch cls := str(e, "class"); cls {
	case "CONSTANT":
		return nil
	case "CAST":
		if _, ok := constant(e); ok {
			r.visited += countExprs(child(e, "child"))
			return nil
		}
		return r.refuse("functions are not allowed (CAST)")
	case "COLUMN_REF":
		i, col, err := r.resolve(strs(e, "column_names"))
		if err != nil {
			return err
		}
		t := r.instances[i].table
		if !containsFold(t.Policy.List.ListColumns, col) {
			return r.refuse("column %s of table %s is not a list column and may not be used in %s", col, t.Name, cl)
		}
		return nil
	case "FUNCTION":
		name := strings.ToLower(str(e, "function_name"))
		switch {
		case boolean(e, "is_operator") && arithmetic[name]:
			return sub(objs(e, "children")...)
		case boolean(e, "is_operator") && likeOps[name] && cl == inWhere:
			return sub(objs(e, "children")...)
		case aggregateFuncs[name]:
			return r.refuse("aggregate functions are not allowed (%s)", name)
		}
		return r.refuse("functions are not allowed (%s)", name)
	case "COMPARISON", "CONJUNCTION", "BETWEEN":
		if cl != inWhere {
			return r.refuse("comparisons are allowed only in WHERE")
		}
		return sub(comparisonParts(e)...)
	case "OPERATOR":
		switch t := str(e, "type"); t {
		case "OPERATOR_NOT", "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL", "COMPARE_IN", "COMPARE_NOT_IN":
			if cl != inWhere {
				return r.refuse("%s is allowed only in WHERE", operatorName(t))
			}
			return sub(objs(e, "children")...)
		case "OPERATOR_COALESCE":
			return r.refuse("functions are not allowed (coalesce)")
		default:
			return r.refuse("unsupported construct: %s", strings.ToLower(t))
		}
	case "STAR":
		return r.refuse("SELECT * is not allowed; list the columns")
	case "WINDOW":
		return r.refuse("window functions are not allowed")
	case "SUBQUERY":
		return r.refuse("subqueries are not allowed")
	case "CASE":
		return r.refuse("CASE expressions are not allowed")
	default:
		return r.refuse("unsupported construct: %s", strings.ToLower(cls))
	}
}
