//go:build cgo

package query

import "testing"

// TestCustomShapes: ordinary SQL that a custom rule allows is not refused
// by the whitelist walk (each runs on DuckDB too).
func TestCustomShapes(t *testing.T) {
	p := fixtures(t)
	for _, sql := range []string{
		"SELECT segment, id FROM customers ORDER BY ALL",
		"SELECT segment, COUNT(*) FROM customers GROUP BY ALL",
		"SELECT DISTINCT ON (segment) segment, id FROM customers ORDER BY segment, id",
		"SELECT id FROM customers WHERE segment IN ('gold', 'silver') AND email LIKE 'a!%' ESCAPE '!'",
		"SELECT id IS DISTINCT FROM 2, id IS NOT DISTINCT FROM 2 FROM customers",
		"SELECT email SIMILAR TO 'a.*', email GLOB 'a*' FROM customers",
		"SELECT CASE segment WHEN 'gold' THEN 1 ELSE 0 END, NULLIF(id, 2), -id, id % 2, id // 2 FROM customers",
		"SELECT DATE '2024-01-01' + INTERVAL 1 DAY, INTERVAL '1 day', CAST('[1]' AS INTEGER[]) FROM customers",
		"SELECT id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
		"SELECT id FROM customers WHERE id = ANY (SELECT customer_id FROM orders)",
		"SELECT [1, 2][1], {'a': 1}.a, split_part(email, '@', 2), TRY_CAST(segment AS INTEGER) FROM customers",
		"SELECT id FROM customers WHERE id BETWEEN 1 AND 3 AND segment IS NOT NULL OR NOT (id > 2)",
		"SELECT c.id, o.amount FROM customers c FULL OUTER JOIN orders o ON c.id = o.customer_id",
		"SELECT c.id FROM customers c RIGHT JOIN orders o USING (email)",
		"SELECT * EXCLUDE (age) FROM customers NATURAL JOIN (SELECT customer_id AS id, amount FROM orders) o",
		"SELECT * EXCLUDE (age, email) FROM customers CROSS JOIN (SELECT amount FROM orders) x",
		"SELECT c.id, SUM(o.amount) OVER (PARTITION BY c.segment ORDER BY c.id RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM customers c JOIN orders o ON c.id = o.customer_id",
		"SELECT id FROM customers INTERSECT SELECT customer_id FROM orders EXCEPT SELECT 3",
		"SELECT string_agg(segment, ',' ORDER BY segment), median(id), quantile_cont(id, 0.5) FROM customers",
		"SELECT segment COLLATE nocase FROM customers",
		"(SELECT id FROM customers ORDER BY id LIMIT 2) UNION ALL (SELECT customer_id FROM orders LIMIT 1)",
		"SELECT current_date, current_timestamp, now(), today() FROM customers",
		"WITH a AS (SELECT id FROM customers), b AS (SELECT id FROM a WHERE id > 1) SELECT * FROM b JOIN a USING (id)",
		"SELECT x.n FROM (SELECT COUNT(*) AS n FROM orders) x",
		"SELECT v.*, customers.segment FROM (VALUES (1, 'a'), (2, 'b')) v(k, s) JOIN customers ON v.k = customers.id",
	} {
		pl, err := plan(t, p, sql, customTables())
		if err != nil {
			t.Errorf("%s: %v", sql, err)
			continue
		}
		rows(t, p, pl.SQL)
	}
}

// TestDeparseFidelity: strings and names that need escaping come back out
// of the rewrite meaning the same (the engine runs Plan.SQL, not the tree).
// String literals are Spark's: \n is a newline, \\ a backslash.
func TestDeparseFidelity(t *testing.T) {
	p := fixtures(t)
	pl, err := plan(t, p, `SELECT 'it''s "x" \n\\'' -- not a comment' AS "a ""quoted"" name", 'é日本' AS "with space", nvl(NULL, '/* x */') AS c FROM customers WHERE id = 1`, customTables())
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, p, pl.SQL)
	want := [][]string{{"it's \"x\" \n\\' -- not a comment", "é日本", "/* x */"}}
	if len(got) != 1 || len(got[0]) != 3 || got[0][0] != want[0][0] || got[0][1] != want[0][1] || got[0][2] != want[0][2] {
		t.Errorf("rows of %s = %q, want %q", pl.SQL, got, want)
	}
	r, err := p.db.Query(pl.SQL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	names, _ := r.Columns()
	if len(names) != 3 || names[0] != `a "quoted" name` || names[1] != "with space" || names[2] != "c" {
		t.Errorf("column names %q", names)
	}
}
