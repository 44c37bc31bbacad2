package sqlstore

import (
	"slices"
	"strings"
)

// Column lists are kept as slices so one definition yields the SELECT list
// (table-qualified, for joins), the INSERT and the UPDATE statements, all
// in the order of the record's params and scan destinations.

func selectList(table string, cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = table + "." + c
	}
	return strings.Join(q, ", ")
}

func insertSQL(table string, cols []string) string {
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
}

// updateSQL sets every column but the key columns, which select the row.
// Use updateArgs to order the params to match.
func updateSQL(table string, cols []string, key ...string) string {
	var set, where []string
	for _, c := range cols {
		if !slices.Contains(key, c) {
			set = append(set, c+" = ?")
		}
	}
	for _, k := range key {
		where = append(where, k+" = ?")
	}
	return "UPDATE " + table + " SET " + strings.Join(set, ", ") + " WHERE " + strings.Join(where, " AND ")
}

// updateArgs reorders params given in column order for updateSQL.
func updateArgs(cols []string, args []any, key ...string) []any {
	out := make([]any, 0, len(args))
	for i, c := range cols {
		if !slices.Contains(key, c) {
			out = append(out, args[i])
		}
	}
	for _, k := range key {
		out = append(out, args[slices.Index(cols, k)])
	}
	return out
}
