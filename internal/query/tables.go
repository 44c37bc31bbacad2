package query

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// collectTables lists the base tables a query node reads, each once, in
// order of first reference, lower-cased. A name that a visible CTE defines
// is the CTE, not a table: a CTE is visible in the rest of its query
// (later CTEs, the body, subqueries), not in its own definition.
//
// Table functions and qualified table names are refused here, whatever
// the rules: a query sees the collaboration's tables by their names only.
func collectTables(node obj) ([]string, error) {
	type ref struct {
		name string
		at   uint64
	}
	var refs []ref
	var bad *Refusal
	var walk func(v any, ctes []string)
	walk = func(v any, ctes []string) {
		if bad != nil {
			return
		}
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e, ctes)
			}
		case obj:
			if m := child(v, "cte_map"); m != nil {
				for _, e := range objs(m, "map") {
					walk(e["value"], ctes)
					ctes = append(slices.Clip(ctes), strings.ToLower(str(e, "key")))
				}
			}
			switch {
			case str(v, "type") == "TABLE_FUNCTION":
				bad = refusef("table function %s is not allowed", strings.ToLower(str(child(v, "function"), "function_name")))
				return
			case str(v, "type") == "RECURSIVE_CTE_NODE":
				bad = refusef("unsupported construct: WITH RECURSIVE")
				return
			case str(v, "type") == "SHOW_REF":
				bad = refusef("only a single SELECT statement is allowed, not DESCRIBE, SHOW or SUMMARIZE")
				return
			case str(v, "type") == "PIVOT" || str(v, "type") == "COLUMN_DATA" || str(v, "type") == "DELIM_GET":
				bad = refusef("unsupported construct: %s", strings.ToLower(str(v, "type")))
				return
			case str(v, "type") == "BASE_TABLE" && (str(v, "schema_name") != "" || str(v, "catalog_name") != ""):
				bad = refusef("table %s: schema- or catalog-qualified table names are not allowed", qualified(v))
				return
			}
			if str(v, "type") == "BASE_TABLE" {
				name := strings.ToLower(str(v, "table_name"))
				if !slices.Contains(ctes, name) {
					refs = append(refs, ref{name, location(v)})
				}
			}
			for k, e := range v {
				if k != "cte_map" {
					walk(e, ctes)
				}
			}
		}
	}
	walk(node, nil)
	if bad != nil {
		return nil, bad
	}
	// Maps have no order: the query location gives the order of the text.
	slices.SortStableFunc(refs, func(a, b ref) int { return cmp.Compare(a.at, b.at) })
	var out []string
	for _, r := range refs {
		if !slices.Contains(out, r.name) {
			out = append(out, r.name)
		}
	}
	return out, nil
}

// location is the query_location of a node, the largest value when absent.
func location(o obj) uint64 {
	if n, ok := o["query_location"].(json.Number); ok {
		if v, err := strconv.ParseUint(string(n), 10, 64); err == nil {
			return v
		}
	}
	return ^uint64(0)
}
