//go:build cgo

package query

import (
	"context"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/google/go-cmp/cmp"
)

func TestCustomAccepted(t *testing.T) {
	p := fixtures(t)
	tests := []struct {
		name string
		sql  string
		want [][]string
	}{
		{"star over a table without disallowed columns is fine after EXCLUDE",
			"SELECT * EXCLUDE (age) FROM customers WHERE id < 3 ORDER BY id", [][]string{{"1", "a@x", "gold"}, {"2", "b@x", "silver"}}},
		{"disallowed columns in joins, filters and CTEs",
			`WITH big AS (SELECT customer_id, amount, email FROM orders WHERE amount > 6)
			 SELECT c.segment, SUM(b.amount) AS total FROM customers c JOIN big b ON c.email = b.email
			 WHERE c.age < 40 GROUP BY c.segment ORDER BY total DESC`, [][]string{{"gold", "37"}}},
		{"window, LEFT JOIN, subquery, UNION",
			`SELECT id, rank() OVER (ORDER BY n DESC) AS r FROM (
			   SELECT c.id, COUNT(o.amount) AS n FROM customers c LEFT JOIN orders o ON c.id = o.customer_id GROUP BY c.id) s
			 UNION ALL SELECT 99, 0 ORDER BY 1`,
			[][]string{{"1", "1"}, {"2", "2"}, {"3", "2"}, {"4", "4"}, {"99", "0"}}},
		{"window frames, named windows, QUALIFY, FILTER",
			`SELECT id, lag(id, 1, 0) OVER w AS prev, sum(id) FILTER (WHERE id > 1) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s
			 FROM customers WINDOW w AS (ORDER BY id) QUALIFY id < 4 ORDER BY id`,
			[][]string{{"1", "0", "<nil>"}, {"2", "1", "2"}, {"3", "2", "5"}}},
		{"ORDER BY a disallowed column is not output", "SELECT segment FROM customers ORDER BY age, id", [][]string{{"gold"}, {"gold"}, {"bronze"}, {"silver"}}},
		{"filter on a disallowed column inside EXISTS", "SELECT EXISTS (SELECT 1 FROM orders WHERE email = 'a@x') AS e FROM customers LIMIT 1", [][]string{{"true"}}},
		{"GROUP BY a disallowed column, count of rows", "SELECT COUNT(*) AS n FROM orders GROUP BY email ORDER BY n DESC LIMIT 1", [][]string{{"2"}}},
		{"Spark aggregates and epochs", `SELECT every(id > 0), len(collect_set(segment)), len(collect_list(segment)),
			approx_quantile(id, 0.5) = percentile_approx(id, 0.5, 100), unix_timestamp('2024-01-01 00:00:10'), from_unixtime(86400)
			FROM customers`,
			[][]string{{"true", "3", "4", "true", "1704067210", "1970-01-02 00:00:00"}}},
		{"Spark functions", `SELECT nvl(NULL, 'x'), nvl2(1, 'a', 'b'), date_add(DATE '2024-01-30', 3), date_sub('2024-03-01', 1),
			datediff('2024-03-01', '2024-02-01'), concat_ws('-', 'a', NULL, 'b'), to_date('02/03/2024', 'dd/MM/yyyy'),
			date_format(DATE '2024-07-04', 'yyyy/MM/dd'), if(1 > 2, 'y', 'n'), size([1, 2, 3]), instr('hello', 'l'),
			DATEADD(month, 2, DATE '2024-01-31'), CONVERT(int, '42'), TO_CHAR(DATE '2024-05-06', 'YYYY-MM-DD'),
			TO_NUMBER('1,234.50', '9,999.99'), TO_CHAR(3.14159, '9.99'), TO_TIMESTAMP('2024-01-02 03:04:05', 'YYYY-MM-DD HH24:MI:SS'),
			datediff(day, DATE '2024-01-01', DATE '2024-01-11'), ` + "`id`" + ` FROM customers WHERE id = 1`,
			[][]string{{"x", "a", "2024-02-02 00:00:00 +0000 UTC", "2024-02-29 00:00:00 +0000 UTC", "29", "a-b",
				"2024-03-02 00:00:00 +0000 UTC", "2024/07/04", "n", "3", "3", "2024-03-31 00:00:00 +0000 UTC", "42", "2024-05-06",
				"1234.5", "3.14", "2024-01-02 03:04:05 +0000 UTC", "10", "1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := plan(t, p, tc.sql, customTables())
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if d := cmp.Diff(tc.want, rows(t, p, pl.SQL)); d != "" {
				t.Errorf("rows of %s (-want +got):\n%s", pl.SQL, d)
			}
		})
	}
}

func TestCustomRefused(t *testing.T) {
	p := fixtures(t)
	tests := []struct {
		name string
		sql  string
		want []string
	}{
		{"disallowed column", "SELECT age FROM customers", []string{"custom rule", "age", "customers", "disallowed"}},
		{"through an alias", "SELECT age AS a FROM customers", []string{"custom rule", "age", "customers"}},
		{"through a transformation", "SELECT age + 1, upper(email) FROM customers c JOIN orders o ON c.id = o.customer_id", []string{"custom rule", "customers"}},
		{"through an aggregate", "SELECT AVG(age) FROM customers", []string{"custom rule", "age"}},
		{"through star", "SELECT * FROM customers", []string{"custom rule", "age", "customers"}},
		{"through t.star", "SELECT o.* FROM orders o", []string{"custom rule", "email", "orders"}},
		{"through a CTE", "WITH x AS (SELECT email AS e FROM orders) SELECT e FROM x", []string{"custom rule", "email", "orders"}},
		{"through a subquery", "SELECT z FROM (SELECT age * 2 AS z FROM customers) s", []string{"custom rule", "age", "customers"}},
		{"through a CTE column list", "WITH x(a) AS (SELECT email FROM orders) SELECT a FROM x", []string{"custom rule", "email"}},
		{"through a UNION", "SELECT segment FROM customers UNION SELECT email FROM orders", []string{"custom rule", "email", "orders"}},
		{"through a scalar subquery", "SELECT (SELECT MAX(age) FROM customers) FROM orders", []string{"custom rule", "age"}},
		{"through CASE", "SELECT CASE WHEN age > 30 THEN 'old' END FROM customers", []string{"custom rule", "age"}},
		{"through a window", "SELECT row_number() OVER (PARTITION BY email) FROM orders", []string{"custom rule", "email"}},
		{"through LATERAL", "SELECT x FROM customers c, LATERAL (SELECT c.age AS x) l", []string{"custom rule", "age", "customers"}},
		{"through QUALIFY-free window over a CTE", "WITH a AS (SELECT id, age FROM customers) SELECT max(age) OVER () FROM a", []string{"custom rule", "age"}},
		{"through IN (subquery) in the select list", "SELECT id IN (SELECT age FROM customers) FROM customers", []string{"custom rule", "age", "customers"}},
		{"through a VALUES join", "SELECT v.a FROM customers c JOIN (VALUES (1)) v(a) ON true UNION ALL SELECT email FROM orders", []string{"custom rule", "email"}},
		{"function not allowed", "SELECT getenv('HOME') FROM customers", []string{"custom rule", "getenv"}},
		{"current_setting", "SELECT current_setting('threads') FROM customers", []string{"custom rule", "current_setting"}},
		{"duckdb_ function", "SELECT * FROM customers WHERE id IN (SELECT 1 FROM duckdb_tables())", []string{"table function duckdb_tables"}},
		{"read_text in an expression", "SELECT read_text('/etc/passwd') FROM customers", []string{"custom rule", "read_text"}},
		{"query()", "SELECT * FROM query('SELECT 1')", []string{"table function query"}},
		{"qualified function", "SELECT pg_catalog.abs(id) FROM customers", []string{"custom rule", "pg_catalog.abs"}},
		{"prepared parameter", "SELECT id FROM customers WHERE id = $1", []string{"custom rule", "parameter"}},
		{"lambda", "SELECT list_transform([1], x -> x + 1) FROM customers", []string{"custom rule"}},
		{"getvariable", "SELECT getvariable('x') FROM customers", []string{"custom rule", "getvariable"}},
		{"version", "SELECT version() FROM customers", []string{"custom rule", "version"}},
		{"sniff_csv", "SELECT * FROM sniff_csv('/etc/passwd')", []string{"table function sniff_csv"}},
		{"parquet_metadata", "SELECT * FROM parquet_metadata('/x.parquet')", []string{"table function parquet_metadata"}},
		{"query_table", "SELECT * FROM query_table('customers')", []string{"table function query_table"}},
		{"semi join", "SELECT c.id FROM customers c SEMI JOIN orders o ON c.id = o.customer_id", []string{"custom rule", "SEMI"}},
		{"anti join", "SELECT c.id FROM customers c ANTI JOIN orders o ON c.id = o.customer_id", []string{"custom rule", "ANTI"}},
		{"union by name", "SELECT id FROM customers UNION BY NAME SELECT customer_id AS id FROM orders", []string{"custom rule", "UNION_BY_NAME"}},
		{"struct field of an unknown source", "SELECT email.x FROM customers", []string{"custom rule", "unknown column email.x"}},
		{"unknown column", "SELECT ssn FROM customers", []string{"custom rule", "unknown column ssn"}},
		{"unknown table", "SELECT * FROM secrets", []string{"unknown table secrets"}},
		{"recursive CTE", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r JOIN customers ON true", []string{"RECURSIVE"}},
		{"columns()", "SELECT COLUMNS('.*') FROM customers", []string{"custom rule", "COLUMNS"}},
		{"describe-like ref", "SELECT * FROM customers, (SUMMARIZE customers)", []string{"SELECT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := plan(t, p, tc.sql, customTables())
			if err == nil {
				t.Fatalf("accepted, plan %s", pl.SQL)
			}
			wantRefusal(t, err, tc.want...)
		})
	}
}

func TestCustomAdmission(t *testing.T) {
	p := fixtures(t)
	ctx := context.Background()
	const sql = "SELECT c.segment FROM customers c JOIN orders o ON c.id = o.customer_id"
	other := "arn:aws:cleanrooms:us-east-1:111111111111:membership/m1/analysistemplate/other"
	tests := []struct {
		name   string
		edit   func(map[string]*Table)
		c      Context
		refuse []string // nil: accepted
	}{
		{"free-form from an allowed provider", func(map[string]*Table) {}, Context{QuerierAccountID: querier}, nil},
		{"template allowed by every table", func(map[string]*Table) {}, Context{QuerierAccountID: querier, TemplateARN: templateARN}, nil},
		{"template allowed by one table only", func(ts map[string]*Table) { ts["orders"].Policy.Custom.AllowedAnalyses = []string{"ANY_QUERY", other} },
			Context{QuerierAccountID: querier, TemplateARN: templateARN}, []string{"custom rule", "orders", templateARN}},
		{"free-form without ANY_QUERY", func(ts map[string]*Table) { ts["orders"].Policy.Custom.AllowedAnalyses = []string{templateARN} },
			Context{QuerierAccountID: querier}, []string{"custom rule", "orders", "free-form"}},
		{"ANY_QUERY without providers", func(ts map[string]*Table) { ts["customers"].Policy.Custom.AllowedAnalysisProviders = nil },
			Context{QuerierAccountID: querier}, []string{"custom rule", "customers", "providers"}},
		{"querier not a provider", func(ts map[string]*Table) { ts["orders"].Policy.Custom.AllowedAnalysisProviders = []string{partner} },
			Context{QuerierAccountID: querier}, []string{"custom rule", "orders", querier}},
		{"differential privacy: checked as a DP query", func(ts map[string]*Table) {
			ts["orders"].Policy.Custom.DifferentialPrivacy = &cleanrooms.DifferentialPrivacyPolicy{Columns: []cleanrooms.DifferentialPrivacyColumn{{Name: "customer_id"}}}
		}, Context{QuerierAccountID: querier}, []string{"differential privacy: ", "aggregate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tables := customTables()
			tc.edit(tables)
			tc.c.Tables = tables
			st, err := Prepare(ctx, p, sql, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Check(ctx, p, st, tc.c)
			if tc.refuse == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantRefusal(t, err, tc.refuse...)
		})
	}
}
