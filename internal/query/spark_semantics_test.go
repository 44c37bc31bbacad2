//go:build cgo

package query

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// planRows plans sql over the custom-rule fixtures and runs it.
func planRows(t *testing.T, sql string) [][]string {
	t.Helper()
	p := fixtures(t)
	pl, err := plan(t, p, sql, customTables())
	if err != nil {
		t.Fatalf("plan %s: %v", sql, err)
	}
	return rows(t, p, pl.SQL)
}

// Spark: trunc(date, fmt) is the first day of the year, quarter, month or
// (Monday) week, as a DATE; NULL for another format. A number is truncated
// as before.
func TestSparkTrunc(t *testing.T) {
	got := planRows(t, `SELECT trunc(DATE '2024-05-17', 'MM')::VARCHAR, trunc(DATE '2024-05-17', 'year')::VARCHAR,
		trunc('2024-05-17', 'QUARTER')::VARCHAR, trunc(TIMESTAMP '2024-05-17 10:11:12', 'week')::VARCHAR,
		trunc(DATE '2024-05-17', 'Mon')::VARCHAR, trunc(DATE '2024-05-17', 'YY')::VARCHAR, trunc(DATE '2024-05-17', 'yyyy')::VARCHAR,
		trunc(DATE '2024-05-17', 'DD') IS NULL AND trunc(DATE '2024-05-17', ' MM') IS NULL, typeof(trunc(DATE '2024-05-17', 'MONTH')),
		trunc(12.75)::VARCHAR, trunc(-12.757, 2)::VARCHAR FROM customers WHERE id = 1`)
	want := [][]string{{"2024-05-01", "2024-01-01", "2024-04-01", "2024-05-13", "2024-05-01", "2024-01-01", "2024-01-01",
		"true", "DATE", "12", "-12.75"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("trunc (-want +got):\n%s", d)
	}
}

// Spark's date_trunc(fmt, ts) takes 'YYYY', 'YY', 'MM', 'MON', 'DD', which
// DuckDB's does not know.
func TestSparkDateTruncFormats(t *testing.T) {
	got := planRows(t, `SELECT date_trunc('YYYY', TIMESTAMP '2024-05-17 10:11:12')::VARCHAR, date_trunc('yy', DATE '2024-05-17')::VARCHAR,
		date_trunc('MM', TIMESTAMP '2024-05-17 10:11:12')::VARCHAR, date_trunc('DD', TIMESTAMP '2024-05-17 10:11:12')::VARCHAR,
		date_trunc('HOUR', TIMESTAMP '2024-05-17 10:11:12')::VARCHAR, date_trunc(month, DATE '2024-05-17')::VARCHAR FROM customers WHERE id = 1`)
	want := [][]string{{"2024-01-01 00:00:00", "2024-01-01 00:00:00", "2024-05-01 00:00:00", "2024-05-17 00:00:00",
		"2024-05-17 10:00:00", "2024-05-01 00:00:00"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("date_trunc (-want +got):\n%s", d)
	}
}

// sparkSubstring is Spark's UTF8String.substringSQL (on ASCII text).
func sparkSubstring(s string, pos, length int) string {
	n := len(s)
	start := 0
	switch {
	case pos > 0:
		start = pos - 1
	case pos < 0:
		start = n + pos
	}
	end := start + length
	start = max(start, 0)
	end = min(end, n)
	if start >= end {
		return ""
	}
	return s[start:end]
}

// Spark: substring/substr position 0 is 1, negative positions count from
// the end, a negative length is an empty string; checked against Spark's
// algorithm over a grid, with the arguments as columns and as literals.
func TestSparkSubstring(t *testing.T) {
	var values, want []string
	var lits []string
	var wantLits []string
	for pos := -7; pos <= 7; pos++ {
		for length := -2; length <= 7; length++ {
			values = append(values, fmt.Sprintf("(%d, %d)", pos, length))
			want = append(want, fmt.Sprintf("%d %d [%s] [%s] [%s]", pos, length,
				sparkSubstring("hello", pos, length), sparkSubstring("hello", pos, length), sparkSubstring("hello", pos, 1<<30)))
			if length == 2 || length == -1 {
				lits = append(lits, fmt.Sprintf("'[' || substring('hello', %d, %d) || ']' || substr('hello', %d) || ']'", pos, length, pos))
				wantLits = append(wantLits, "["+sparkSubstring("hello", pos, length)+"]"+sparkSubstring("hello", pos, 1<<30)+"]")
			}
		}
	}
	got := planRows(t, `SELECT v.p::VARCHAR || ' ' || v.n::VARCHAR || ' [' || substring('hello', v.p, v.n) || '] [' || substr('hello', v.p, v.n) ||
		'] [' || substring('hello', v.p) || ']' FROM customers c, (VALUES `+strings.Join(values, ", ")+`) v(p, n) WHERE c.id = 1 ORDER BY v.p, v.n`)
	var flat []string
	for _, r := range got {
		flat = append(flat, r[0])
	}
	if d := cmp.Diff(want, flat); d != "" {
		t.Errorf("substring with column arguments (-want +got):\n%s", d)
	}
	got = planRows(t, "SELECT "+strings.Join(lits, ", ")+" FROM customers WHERE id = 1")
	if d := cmp.Diff([][]string{wantLits}, got); d != "" {
		t.Errorf("substring with literal arguments (-want +got):\n%s", d)
	}
	// NULL arguments stay NULL, as in Spark.
	got = planRows(t, "SELECT substring('hello', NULL, 2) IS NULL, substring('hello', 1, NULL) IS NULL FROM customers WHERE id = 1")
	if d := cmp.Diff([][]string{{"true", "true"}}, got); d != "" {
		t.Errorf("substring of NULL (-want +got):\n%s", d)
	}
}

// Spark: CAST to TINYINT/SMALLINT/INT/BIGINT truncates toward zero,
// whether the value is a decimal, a double, a string or already an
// integer (which must stay exact).
func TestSparkIntegralCast(t *testing.T) {
	got := planRows(t, `SELECT CAST(99.99 AS INT), CAST(-99.99 AS INT), CAST(CAST(2.7 AS DOUBLE) AS BIGINT), CAST('12.7' AS INT),
		CAST(' -12.7 ' AS SMALLINT), CAST(7 AS TINYINT), CAST(9223372036854775807 AS BIGINT), TRY_CAST('x' AS INT) IS NULL,
		CAST(v.d AS INT), CAST(v.f AS INT), CAST(v.s AS INT), CAST(v.i AS INT), CAST(v.b AS BIGINT), v.d::INT, CAST(v.d * 2 AS BIGINT),
		CAST(TRUE AS INT), CAST(NULL AS INT) IS NULL, CAST(COUNT(*) OVER () AS INT)
		FROM customers c, (VALUES (CAST(88.5 AS DECIMAL(10, 2)), CAST(-8.99 AS DOUBLE), '99.99', 42, CAST(-9223372036854775807 AS BIGINT))) v(d, f, s, i, b)
		WHERE c.id = 1`)
	want := [][]string{{"99", "-99", "2", "12", "-12", "7", "9223372036854775807", "true",
		"88", "-8", "99", "42", "-9223372036854775807", "88", "177", "1", "true", "1"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("casts (-want +got):\n%s", d)
	}
}

// Spark's LIKE escapes with a backslash by default; DuckDB's only with
// ESCAPE. The Spark literal 'a\\_b' is the pattern a\_b, as is 'a\_b'.
func TestSparkLikeEscape(t *testing.T) {
	got := planRows(t, `SELECT 'a_b' LIKE 'a\\_b', 'axb' LIKE 'a\\_b', 'a_b' LIKE 'a\_b', 'axb' NOT LIKE 'a\_b', '50%' LIKE '50\%',
		'500' LIKE '50\%', 'A_B' ILIKE 'a\_b', 'AxB' NOT ILIKE 'a\_b', 'a\\b' LIKE 'a\\\\b', 'axb' LIKE 'a_b', v.s LIKE v.p, v.s LIKE 'x!_' ESCAPE '!'
		FROM customers c, (VALUES ('axb', 'a\_b')) v(s, p) WHERE c.id = 1`)
	want := [][]string{{"true", "false", "true", "true", "true", "false", "true", "true", "true", "true", "false", "false"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("LIKE (-want +got):\n%s", d)
	}
}
