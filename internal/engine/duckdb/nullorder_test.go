//go:build cgo

package duckdb

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Spark sorts NULLs first in ascending order and last in descending order
// (DuckDB's own default is last in both): ORDER BY, window orders and
// ordered aggregates without NULLS FIRST/LAST follow Spark in the
// sandbox; an explicit NULLS FIRST/LAST is kept.
func TestSparkNullOrder(t *testing.T) {
	e := newEngine(t, Config{})
	// Two columns: encoding/csv skips a line holding one empty field.
	const v = "(VALUES (2), (NULL), (1)) t(x)"
	tests := []struct {
		name, sql string
		want      [][]string
	}{
		{"ORDER BY ascending", "SELECT x, 0 AS k FROM " + v + " ORDER BY x", [][]string{{"x", "k"}, {"", "0"}, {"1", "0"}, {"2", "0"}}},
		{"ORDER BY descending", "SELECT x, 0 AS k FROM " + v + " ORDER BY x DESC", [][]string{{"x", "k"}, {"2", "0"}, {"1", "0"}, {"", "0"}}},
		{"explicit NULLS LAST is kept", "SELECT x, 0 AS k FROM " + v + " ORDER BY x NULLS LAST", [][]string{{"x", "k"}, {"1", "0"}, {"2", "0"}, {"", "0"}}},
		{"explicit NULLS FIRST is kept", "SELECT x, 0 AS k FROM " + v + " ORDER BY x DESC NULLS FIRST", [][]string{{"x", "k"}, {"", "0"}, {"2", "0"}, {"1", "0"}}},
		{"window ORDER BY", "SELECT x, row_number() OVER (ORDER BY x) AS r FROM " + v + " ORDER BY r",
			[][]string{{"x", "r"}, {"", "1"}, {"1", "2"}, {"2", "3"}}},
		{"window ORDER BY descending", "SELECT x, row_number() OVER (ORDER BY x DESC) AS r FROM " + v + " ORDER BY r",
			[][]string{{"x", "r"}, {"2", "1"}, {"1", "2"}, {"", "3"}}},
		{"ordered aggregate", "SELECT list(x ORDER BY x)::VARCHAR AS l FROM " + v, [][]string{{"l"}, {"[NULL, 1, 2]"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, run(t, e, tc.sql)); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.sql, d)
			}
		})
	}
}
