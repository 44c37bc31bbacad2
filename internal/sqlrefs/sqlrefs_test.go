package sqlrefs

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name   string
		sql    string
		tables []string
		params []string
	}{
		{"single table", "SELECT a FROM users", []string{"users"}, nil},
		{"alias with AS", "SELECT u.a FROM users AS u WHERE u.b = 1", []string{"users"}, nil},
		{"alias without AS", "SELECT u.a FROM users u", []string{"users"}, nil},
		{"comma join", "SELECT * FROM users u, purchases p, items WHERE u.id = p.uid", []string{"users", "purchases", "items"}, nil},
		{"inner join", "SELECT COUNT(*) FROM users u INNER JOIN purchases p ON u.id = p.uid", []string{"users", "purchases"}, nil},
		{"outer and cross joins", "select 1 from a left outer join b on a.x=b.x right join c using (x) full join d on true cross join e natural join f",
			[]string{"a", "b", "c", "d", "e", "f"}, nil},
		{"comma after ON", "SELECT 1 FROM a JOIN b ON a.x = b.x, c", []string{"a", "b", "c"}, nil},
		{"each table once in first-use order", "SELECT * FROM b JOIN a ON a.x = b.x JOIN b b2 ON b2.y = a.y", []string{"b", "a"}, nil},
		{"lower case keywords and case kept", "select x from Users join PURCHASES on 1=1", []string{"Users", "PURCHASES"}, nil},
		{"string containing FROM", "SELECT 'x FROM fake' AS s, a FROM real_t WHERE b = 'JOIN also_fake'", []string{"real_t"}, nil},
		{"doubled quote in string", "SELECT 'it''s FROM nothing' FROM t", []string{"t"}, nil},
		{"line comment", "SELECT a -- FROM commented\nFROM t1 -- JOIN t2\n", []string{"t1"}, nil},
		{"block comment", "SELECT a /* FROM x JOIN y */ FROM t /* , z */", []string{"t"}, nil},
		{"double-quoted names", `SELECT "loyalty number" FROM "flight_history" fh JOIN "my ""odd"" t" o ON 1=1`, []string{"flight_history", `my "odd" t`}, nil},
		{"backquoted names", "SELECT `a` FROM `spark table` JOIN `db`.`t2` ON true", []string{"spark table", "db.t2"}, nil},
		{"schema-qualified", "SELECT * FROM catalog.schema.tbl, schema2.t2", []string{"catalog.schema.tbl", "schema2.t2"}, nil},
		{"subquery in FROM", "SELECT s.n FROM (SELECT COUNT(*) AS n FROM inner_t) s, outer_t", []string{"inner_t", "outer_t"}, nil},
		{"nested subqueries", "SELECT * FROM (SELECT * FROM (SELECT * FROM (SELECT x FROM deepest) a JOIN mid ON 1=1) b) c WHERE c.x IN (SELECT y FROM filter_t)",
			[]string{"deepest", "mid", "filter_t"}, nil},
		{"scalar subquery in select list", "SELECT (SELECT MAX(v) FROM t2) AS m, a FROM t1", []string{"t2", "t1"}, nil},
		{"EXISTS subquery", "SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k)", []string{"t1", "t2"}, nil},
		{"UNION", "SELECT a FROM t1 UNION ALL SELECT a FROM t2 UNION SELECT b FROM t3", []string{"t1", "t2", "t3"}, nil},
		{"INTERSECT and EXCEPT", "(SELECT a FROM t1) INTERSECT (SELECT a FROM t2) EXCEPT SELECT a FROM t3", []string{"t1", "t2", "t3"}, nil},
		{"CTE excluded", "WITH recent AS (SELECT * FROM purchases WHERE d > 1) SELECT COUNT(*) FROM recent JOIN users ON 1=1", []string{"purchases", "users"}, nil},
		{"several CTEs with column lists", "WITH a (x, y) AS (SELECT 1, 2 FROM base1), b AS (SELECT * FROM a JOIN base2 ON 1=1) SELECT * FROM b, a",
			[]string{"base1", "base2"}, nil},
		{"CTE shadowing a table of the same name", "WITH users AS (SELECT * FROM users WHERE active) SELECT * FROM users",
			[]string{"users"}, nil},
		{"CTE shadowing is case-insensitive", "WITH Recent AS (SELECT 1 FROM base) SELECT * FROM RECENT", []string{"base"}, nil},
		{"CTE in a subquery is scoped to it", "SELECT * FROM (WITH t AS (SELECT 1 FROM base) SELECT * FROM t) s JOIN t ON 1=1", []string{"base", "t"}, nil},
		{"WITH RECURSIVE", "WITH RECURSIVE r AS (SELECT 1 AS n FROM seed UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r", []string{"seed"}, nil},
		{"EXTRACT FROM is not a table", "SELECT EXTRACT(YEAR FROM d), SUBSTRING(s FROM 2 FOR 3), TRIM(BOTH ' ' FROM s) FROM t", []string{"t"}, nil},
		{"table function is not a table", "SELECT * FROM UNNEST(ARRAY[1,2]) AS u(x), range(10) r, t", []string{"t"}, nil},
		{"VALUES is not a table", "SELECT * FROM (VALUES (1), (2)) AS v(x) JOIN t ON t.x = v.x", []string{"t"}, nil},
		{"LATERAL subquery", "SELECT * FROM t1, LATERAL (SELECT * FROM t2 WHERE t2.k = t1.k) l", []string{"t1", "t2"}, nil},
		{"clauses end the FROM list", "SELECT a, b FROM t GROUP BY a, b HAVING COUNT(*) > 1 ORDER BY a, b LIMIT 5", []string{"t"}, nil},
		{"parameters", "SELECT a FROM custom WHERE custom.b = :param1 AND c BETWEEN :lo AND :hi OR d = :param1", []string{"custom"}, []string{"param1", "lo", "hi"}},
		{"casts are not parameters", "SELECT x::int, CAST(y AS DATE) FROM t WHERE z = :p::varchar", []string{"t"}, []string{"p"}},
		{"parameters in strings and comments are not parameters", "SELECT ':nope' FROM t -- :nope2\n WHERE a = /* :nope3 */ :yes", []string{"t"}, []string{"yes"}},
		{"parameter as table name is not a table", "SELECT 1 FROM t WHERE x = :from", []string{"t"}, []string{"from"}},
		{"trailing semicolons", "SELECT a FROM t;;", []string{"t"}, nil},
		{"no table", "SELECT 1 + 1", nil, nil},
		{"keyword-named quoted table", `SELECT * FROM "select" JOIN "from" ON 1=1`, []string{"select", "from"}, nil},
		{"numbers and dots", "SELECT 1.5e3, .5, t.a FROM t", []string{"t"}, nil},
		{"unicode names", "SELECT * FROM données, 表", []string{"données", "表"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Analyze(tc.sql)
			if err != nil {
				t.Fatalf("Analyze(%q): %v", tc.sql, err)
			}
			if d := cmp.Diff(Refs{Tables: tc.tables, Parameters: tc.params}, got); d != "" {
				t.Errorf("Analyze(%q) (-want +got):\n%s", tc.sql, d)
			}
		})
	}
}

func TestAnalyzeErrors(t *testing.T) {
	tests := []struct {
		name   string
		sql    string
		offset int
	}{
		{"empty", "", 0},
		{"only a comment", "-- nothing\n", 0},
		{"unterminated string", "SELECT 'abc FROM t", 7},
		{"unterminated quoted name", `SELECT * FROM "t`, 14},
		{"unterminated backquote", "SELECT * FROM `t", 14},
		{"unterminated comment", "SELECT 1 /* FROM t", 9},
		{"not a SELECT", "DELETE FROM users", 0},
		{"not a SELECT after a comment", "/* hi */ DROP TABLE users", 9},
		{"two statements", "SELECT 1 FROM a; SELECT 2 FROM b", 15},
		{"unbalanced close", "SELECT (1)) FROM t", 10},
		{"unbalanced open", "SELECT (1 FROM t", 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Analyze(tc.sql)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Analyze(%q) = %v, want an *Error", tc.sql, err)
			}
			if e.Offset != tc.offset {
				t.Errorf("Analyze(%q) error offset %d (%v), want %d", tc.sql, e.Offset, e, tc.offset)
			}
		})
	}
}

// FuzzAnalyze: never panics, and what it finds it finds again when the
// text is given back with the same tokens.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"SELECT a FROM t", "WITH x AS (SELECT 1 FROM y) SELECT * FROM x", "SELECT ':a' FROM `b`", "SELECT (((", "/*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r1, err := Analyze(s)
		if err != nil {
			return
		}
		r2, err := Analyze(s + "\n-- trailing comment")
		if err != nil || !cmp.Equal(r1, r2) {
			t.Errorf("Analyze(%q) = %v, but with a trailing comment %v, %v", s, r1, r2, err)
		}
	})
}
