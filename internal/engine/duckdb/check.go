package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// deparser is what checkSQL needs of the parser.
type deparser interface {
	parse(ctx context.Context, text string) ([]byte, error)
	deparse(ctx context.Context, tree []byte) (string, error)
}

// pureTableFunctions read no files: a query may call them.
var pureTableFunctions = map[string]bool{"range": true, "generate_series": true, "unnest": true}

// checkSQL is the engine's own check of a job's SQL, which package query
// has already checked: it must be exactly one SELECT (json_serialize_sql
// serializes nothing else) that calls no table function but the pure
// ones, nor names a table that could be a file ('x.parquet' is read by a
// replacement scan). The sandbox allows reading the job's own files, so
// without this a query could read them through read_parquet('…') and see
// columns its views hide. It returns DuckDB's rendering of the tree, which is what
// runs: no comment or trailing semicolon can escape the COPY around it;
// ordered says whether the outermost query has an ORDER BY.
func checkSQL(ctx context.Context, p deparser, text string) (sql string, ordered bool, err error) {
	tree, err := p.parse(ctx, text)
	if err != nil {
		return "", false, err
	}
	var doc struct {
		Error        bool              `json:"error"`
		ErrorType    string            `json:"error_type"`
		ErrorMessage string            `json:"error_message"`
		Statements   []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal(tree, &doc); err != nil {
		return "", false, fmt.Errorf("engine: parse tree: %w", err)
	}
	if doc.Error {
		return "", false, &engine.QueryError{Code: "INVALID_QUERY", Message: "the query is not one SELECT: " + scrub(doc.ErrorMessage)}
	}
	if len(doc.Statements) != 1 {
		return "", false, &engine.QueryError{Code: "INVALID_QUERY", Message: fmt.Sprintf("the query has %d statements, not one", len(doc.Statements))}
	}
	var node any
	if err := json.Unmarshal(doc.Statements[0], &node); err != nil {
		return "", false, fmt.Errorf("engine: parse tree: %w", err)
	}
	if what, ok := forbidden(node, 0); ok {
		return "", false, &engine.QueryError{Code: "INVALID_QUERY", Message: "the query " + what}
	}
	sql, err = p.deparse(ctx, tree)
	return sql, hasOrder(node), err
}

// hasOrder reports whether a statement's outermost node has an ORDER BY.
func hasOrder(stmt any) bool {
	st, _ := stmt.(map[string]any)
	node, _ := st["node"].(map[string]any)
	mods, _ := node["modifiers"].([]any)
	for _, m := range mods {
		if mm, ok := m.(map[string]any); ok && mm["type"] == "ORDER_MODIFIER" {
			return true
		}
	}
	return false
}

// forbidden finds a node of the tree that calls a table function other
// than a pure one or names a table with a dot or a slash (a file name),
// and says what it is. A tree too deep to walk counts as one.
func forbidden(n any, depth int) (string, bool) {
	if depth > 1000 {
		return "is too deeply nested to check", true
	}
	switch v := n.(type) {
	case map[string]any:
		switch v["type"] {
		case "TABLE_FUNCTION":
			name := "(unknown)"
			if f, ok := v["function"].(map[string]any); ok {
				if s, ok := f["function_name"].(string); ok {
					name = s
				}
			}
			if !pureTableFunctions[strings.ToLower(name)] {
				return "calls table function " + name, true
			}
		case "BASE_TABLE":
			if name, _ := v["table_name"].(string); strings.ContainsAny(name, `./\`) {
				return "reads a file name as a table", true
			}
		}
		for _, c := range v {
			if what, ok := forbidden(c, depth+1); ok {
				return what, true
			}
		}
	case []any:
		for _, c := range v {
			if what, ok := forbidden(c, depth+1); ok {
				return what, true
			}
		}
	}
	return "", false
}
