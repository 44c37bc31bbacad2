package query

import (
	"errors"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

func ptr(s string) *string { return &s }

func TestLiteral(t *testing.T) {
	tests := []struct {
		typ, value, want string
	}{
		{"INTEGER", "42", "CAST(42 AS INTEGER)"},
		{"INT", " -7 ", "CAST(-7 AS INTEGER)"},
		{"SMALLINT", "32767", "CAST(32767 AS SMALLINT)"},
		{"SHORT", "1", "CAST(1 AS SMALLINT)"},
		{"TINYINT", "-128", "CAST(-128 AS TINYINT)"},
		{"BYTE", "5", "CAST(5 AS TINYINT)"},
		{"BIGINT", "9223372036854775807", "CAST(9223372036854775807 AS BIGINT)"},
		{"LONG", "3", "CAST(3 AS BIGINT)"},
		{"DECIMAL", "12.50", "12.50"},
		{"NUMERIC", "-.5", "-.5"},
		{"REAL", "1.5", "CAST(1.5 AS REAL)"},
		{"FLOAT", "2", "CAST(2 AS REAL)"},
		{"DOUBLE", "1e3", "CAST(1000 AS DOUBLE)"},
		{"DOUBLE_PRECISION", "0.25", "CAST(0.25 AS DOUBLE)"},
		{"BOOLEAN", "TRUE", "TRUE"},
		{"BOOLEAN", "f", "FALSE"},
		{"VARCHAR", "C", "'C'"},
		{"STRING", "x' OR '1'='1", "'x'' OR ''1''=''1'"},
		{"CHAR", "", "''"},
		{"CHARACTER", `back\slash`, `'back\slash'`},
		{"DATE", "2024-02-29", "DATE '2024-02-29'"},
		{"TIMESTAMP", "2024-01-02 03:04:05.5", "TIMESTAMP '2024-01-02 03:04:05.5'"},
		{"TIMESTAMP_NTZ", "2024-01-02T03:04:05", "TIMESTAMP '2024-01-02 03:04:05'"},
		{"TIMESTAMPTZ", "2024-01-02T03:04:05Z", "TIMESTAMPTZ '2024-01-02 03:04:05+00:00'"},
		{"TIMESTAMP_LTZ", "2024-01-02 03:04:05+02:00", "TIMESTAMPTZ '2024-01-02 03:04:05+02:00'"},
		{"TIME", "13:14:15", "TIME '13:14:15'"},
		{"TIMETZ", "13:14:15+01:00", "TIMETZ '13:14:15+01:00'"},
		{"VARBYTE", "0aFF", `CAST('\x0A\xFF' AS BLOB)`},
		{"BINARY", "", "CAST('' AS BLOB)"},
	}
	for _, tc := range tests {
		got, err := literal(tc.typ, tc.value)
		if err != nil || got != tc.want {
			t.Errorf("literal(%s, %q) = %q, %v; want %q", tc.typ, tc.value, got, err, tc.want)
		}
	}
	bad := []struct{ typ, value string }{
		{"INTEGER", "1 OR 1=1"}, {"INTEGER", "2147483648"}, {"TINYINT", "128"}, {"BIGINT", "1.5"},
		{"DECIMAL", "1; DROP TABLE x"}, {"DECIMAL", "1e5"}, {"DOUBLE", "NaN"}, {"DOUBLE", "inf"}, {"REAL", "x"},
		{"BOOLEAN", "yes please"}, {"DATE", "2024-02-30"}, {"DATE", "2024-01-01' OR '1'='1"},
		{"TIMESTAMP", "yesterday"}, {"TIME", "25:00:00"}, {"VARBYTE", "zz"}, {"VARCHAR", "a\x00b"}, {"VARCHAR", "\xff"},
		{"GEOMETRY", "x"},
	}
	for _, tc := range bad {
		if got, err := literal(tc.typ, tc.value); err == nil {
			t.Errorf("literal(%s, %q) = %q, want an error", tc.typ, tc.value, got)
		}
	}
}

func TestBindText(t *testing.T) {
	declared := []cleanrooms.TemplateParameter{
		{Name: "city", Type: "VARCHAR"},
		{Name: "n", Type: "INTEGER", DefaultValue: ptr("3")},
		{Name: "d", Type: "DATE", DefaultValue: ptr("2024-01-01")},
	}
	tests := []struct {
		name   string
		text   string
		params map[string]string
		want   string
	}{
		{"values and defaults", "SELECT * FROM t WHERE c = :city AND n < :n AND d > :d", map[string]string{"city": "LA"},
			"SELECT * FROM t WHERE c = 'LA' AND n < CAST(3 AS INTEGER) AND d > DATE '2024-01-01'"},
		{"given value beats default", "SELECT :n", map[string]string{"city": "x", "n": "9"}, "SELECT CAST(9 AS INTEGER)"},
		{"casts are not parameters", "SELECT x::INT, :city::VARCHAR FROM t", map[string]string{"city": "a"},
			"SELECT x::INT, 'a'::VARCHAR FROM t"},
		{"quotes and comments are left alone", "SELECT ':city', \":city\" -- :city\n /* :city */ FROM t", map[string]string{"city": "a"},
			"SELECT ':city', \":city\" -- :city\n /* :city */ FROM t"},
		{"injection stays data", "SELECT * FROM t WHERE c = :city", map[string]string{"city": "x' OR '1'='1"},
			"SELECT * FROM t WHERE c = 'x'' OR ''1''=''1'"},
		{"backquotes become double quotes", "SELECT `a b`, `x``y`, `q\"q` FROM `t`", map[string]string{"city": "a"},
			`SELECT "a b", "x` + "`" + `y", "q""q" FROM "t"`},
		{"TOP n becomes LIMIT n", "SELECT TOP 10 DISTINCT a FROM t;", map[string]string{"city": "a"},
			"SELECT DISTINCT a FROM t\nLIMIT 10"},
		{"DISTINCT TOP n", "select distinct top 5 a from t -- end", map[string]string{"city": "a"},
			"select distinct a from t -- end\nLIMIT 5"},
		{"top as a column is not TOP", "SELECT top FROM t", map[string]string{"city": "a"}, "SELECT top FROM t"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bindText(tc.text, tc.params, declared)
			if err != nil || got != tc.want {
				t.Errorf("bindText = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	refused := []struct {
		name     string
		text     string
		params   map[string]string
		declared []cleanrooms.TemplateParameter
		want     string
	}{
		{"missing without default", "SELECT :city", nil, declared, "parameter city has no value"},
		{"undeclared value", "SELECT 1", map[string]string{"city": "a", "other": "b"}, declared, "parameter other is not declared"},
		{"undeclared placeholder", "SELECT :nope", map[string]string{"city": "a"}, declared, "parameter nope"},
		{"free-form with parameters", "SELECT 1", map[string]string{"a": "b"}, nil, "takes no parameters"},
		{"free-form with a placeholder", "SELECT :a", nil, nil, "parameter a"},
		{"bad value", "SELECT :n", map[string]string{"city": "a", "n": "1 OR 1=1"}, declared, "parameter n"},
		{"unterminated quote", "SELECT 'abc", nil, nil, "unterminated quote"},
		{"unterminated comment", "SELECT 1 /* x", nil, nil, "unterminated comment"},
		{"TOP without a number", "SELECT TOP -1 a FROM t", nil, nil, "TOP takes a positive integer"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bindText(tc.text, tc.params, tc.declared)
			var r *Refusal
			if !errors.As(err, &r) || !strings.Contains(r.Message, tc.want) {
				t.Errorf("bindText = %q, %v; want a refusal mentioning %q", got, err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "1 OR 1=1") {
				t.Errorf("refusal %q repeats the value", err)
			}
		})
	}
}
