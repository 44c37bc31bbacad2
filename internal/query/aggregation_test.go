//go:build cgo

package query

import (
	"context"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/google/go-cmp/cmp"
)

func TestAggregationAccepted(t *testing.T) {
	p := fixtures(t)
	tests := []struct {
		name string
		sql  string
		want [][]string
	}{
		{"PANDAS example: Chicago below 2 distinct users disappears, Seattle has no purchases",
			"SELECT city, AVG(p.sale_value) FROM users u INNER JOIN purchases p ON u.user_id = p.user_id GROUP BY city ORDER BY city",
			[][]string{{"LA", "11.666666666666666"}, {"NYC", "2.5"}}},
		{"count distinct of the join column, ORDER BY an aggregate",
			"SELECT u.city AS c, COUNT(DISTINCT p.user_id) AS n FROM users u JOIN purchases p ON u.user_id = p.user_id GROUP BY u.city ORDER BY n DESC",
			[][]string{{"NYC", "3"}, {"LA", "2"}}},
		{"dimension of the partner, WHERE on a dimension, scalar function",
			"SELECT UPPER(p.item) AS item, SUM(p.sale_value) FROM users u JOIN purchases p ON u.user_id = p.user_id WHERE p.item = 'hat' GROUP BY UPPER(p.item)",
			[][]string{{"HAT", "134"}}},
		{"HAVING is kept and the constraint added",
			"SELECT city, COUNT(DISTINCT u.user_id) FROM users u JOIN purchases p ON u.user_id = p.user_id GROUP BY city HAVING COUNT(DISTINCT u.user_id) < 3 ORDER BY 1",
			[][]string{{"LA", "2"}}},
		{"COUNT(*) and a global aggregate",
			"SELECT COUNT(*) FROM users u JOIN purchases p ON u.user_id = p.user_id", [][]string{{"9"}}},
		{"constraint holds though the query never names user_id",
			"SELECT p.item, ROUND(AVG(p.sale_value), 1) FROM purchases p JOIN users u ON p.user_id = u.user_id WHERE u.city = 'Chicago' GROUP BY p.item",
			nil},
		{"the querier's table alone",
			"SELECT city, AVG(age) FROM users GROUP BY city ORDER BY city",
			[][]string{{"LA", "35"}, {"NYC", "35"}, {"Seattle", "40"}}},
		{"translated scalar functions",
			"SELECT TO_CHAR(DATEADD(day, 1, p.sale_date), 'YYYY-MM') AS m, COUNT(DISTINCT p.user_id) FROM purchases p JOIN users u ON u.user_id = p.user_id GROUP BY 1 ORDER BY 1",
			[][]string{{"2024-01", "2"}, {"2024-02", "3"}, {"2024-03", "2"}}},
		{"quoted identifiers and backquotes",
			"SELECT `city`, COUNT(DISTINCT \"u\".\"user_id\") FROM \"users\" AS u JOIN `purchases` p ON u.user_id = p.user_id GROUP BY `city` ORDER BY 1",
			[][]string{{"LA", "2"}, {"NYC", "3"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := plan(t, p, tc.sql, aggTables())
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if pl.RuleType != "AGGREGATION" {
				t.Errorf("rule type %q", pl.RuleType)
			}
			if d := cmp.Diff(tc.want, rows(t, p, pl.SQL)); d != "" {
				t.Errorf("rows of %s (-want +got):\n%s", pl.SQL, d)
			}
		})
	}
}

func TestAggregationRefused(t *testing.T) {
	p := fixtures(t)
	j := " FROM users u JOIN purchases p ON u.user_id = p.user_id"
	tests := []struct {
		name string
		sql  string
		want []string
	}{
		{"no aggregate", "SELECT city" + j, []string{"aggregation rule", "aggregate"}},
		{"non-dimension column", "SELECT name, COUNT(*)" + j + " GROUP BY name", []string{"aggregation rule", "name", "users", "dimension"}},
		{"join column output", "SELECT u.user_id, COUNT(*)" + j + " GROUP BY 1", []string{"aggregation rule", "user_id", "users", "join column"}},
		{"join column filtered", "SELECT COUNT(*)" + j + " WHERE p.user_id > 3", []string{"aggregation rule", "user_id", "purchases", "WHERE"}},
		{"aggregate not allowed for the column", "SELECT SUM(age)" + j, []string{"aggregation rule", "age", "users", "SUM"}},
		{"count distinct not listed", "SELECT COUNT(DISTINCT p.item)" + j, []string{"aggregation rule", "item", "purchases", "COUNT(DISTINCT)"}},
		{"aggregate function not allowed", "SELECT MAX(p.sale_value)" + j, []string{"aggregation rule", "max"}},
		{"aggregate of an expression", "SELECT SUM(p.sale_value * 2)" + j, []string{"aggregation rule", "SUM", "column"}},
		{"scalar function not listed", "SELECT SQRT(AVG(p.sale_value))" + j, []string{"aggregation rule", "SQRT"}},
		{"unknown function", "SELECT read_text('/etc/passwd'), COUNT(*)" + j, []string{"aggregation rule", "read_text"}},
		{"subquery", "SELECT COUNT(*) FROM (SELECT * FROM users) u", []string{"aggregation rule", "subquer"}},
		{"subquery in WHERE", "SELECT COUNT(*)" + j + " WHERE city IN (SELECT city FROM users)", []string{"aggregation rule", "subquer"}},
		{"CTE", "WITH x AS (SELECT * FROM users) SELECT COUNT(*) FROM x", []string{"aggregation rule", "CTE"}},
		{"union", "SELECT COUNT(*) FROM users UNION SELECT COUNT(*) FROM purchases", []string{"aggregation rule", "UNION"}},
		{"window", "SELECT city, COUNT(*) OVER ()" + j, []string{"aggregation rule", "window"}},
		{"limit", "SELECT city, COUNT(*)" + j + " GROUP BY city LIMIT 1", []string{"aggregation rule", "LIMIT"}},
		{"offset", "SELECT city, COUNT(*)" + j + " GROUP BY city OFFSET 1", []string{"aggregation rule", "OFFSET"}},
		{"left join", "SELECT COUNT(*) FROM users u LEFT JOIN purchases p ON u.user_id = p.user_id", []string{"aggregation rule", "LEFT", "INNER"}},
		{"cross join", "SELECT COUNT(*) FROM users u, purchases p", []string{"aggregation rule", "CROSS"}},
		{"star", "SELECT *, COUNT(*)" + j, []string{"aggregation rule", "SELECT *"}},
		{"join on a non-join column", "SELECT COUNT(*) FROM users u JOIN purchases p ON u.city = p.item", []string{"aggregation rule", "city", "users", "join column"}},
		{"join with a non-equality", "SELECT COUNT(*) FROM users u JOIN purchases p ON u.user_id < p.user_id", []string{"aggregation rule", "="}},
		{"OR not allowed", "SELECT COUNT(*) FROM users u JOIN purchases p ON u.user_id = p.user_id OR u.user_id = p.user_id", []string{"aggregation rule", "OR", "users"}},
		{"join required", "SELECT item, SUM(sale_value) FROM purchases GROUP BY item", []string{"Inner join to query runner table required for table purchases"}},
		{"HAVING on a non-aggregate", "SELECT city, COUNT(*)" + j + " GROUP BY city HAVING city = 'LA'", []string{"aggregation rule", "HAVING"}},
		{"HAVING with a disallowed aggregate", "SELECT city, COUNT(*)" + j + " GROUP BY city HAVING SUM(age) > 1", []string{"aggregation rule", "age", "SUM"}},
		{"aggregate in WHERE", "SELECT COUNT(*)" + j + " WHERE COUNT(*) > 1", []string{"aggregation rule", "WHERE"}},
		{"unknown column", "SELECT COUNT(DISTINCT u.ssn)" + j, []string{"aggregation rule", "ssn"}},
		{"unknown table", "SELECT COUNT(*) FROM users u JOIN secrets s ON u.user_id = s.user_id", []string{"unknown table secrets"}},
		{"qualified table", "SELECT COUNT(*) FROM main.users", []string{"qualified", "main.users"}},
		{"table function", "SELECT COUNT(*) FROM read_csv('/etc/passwd')", []string{"read_csv"}},
		{"CASE", "SELECT CASE WHEN city = 'LA' THEN 1 END, COUNT(*)" + j + " GROUP BY 1", []string{"aggregation rule", "CASE"}},
		{"distinct", "SELECT DISTINCT city, COUNT(*)" + j + " GROUP BY city", []string{"aggregation rule", "DISTINCT"}},
		{"alias shadowing a non-dimension column", "SELECT LOWER(city) AS name, COUNT(*)" + j + " GROUP BY LOWER(city) ORDER BY name", []string{"aggregation rule", "name", "users", "dimension"}},
		{"grouping sets", "SELECT city, COUNT(*)" + j + " GROUP BY ROLLUP (city)", []string{"aggregation rule", "ROLLUP"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := plan(t, p, tc.sql, aggTables())
			if err == nil {
				t.Fatalf("accepted, plan %s", pl.SQL)
			}
			wantRefusal(t, err, tc.want...)
		})
	}
}

// TestAggregationQuotedNames: names with spaces, double-quoted (spec 2.1),
// and a constraint on such a column.
func TestAggregationQuotedNames(t *testing.T) {
	p := fixtures(t)
	tables := aggTables()
	tables["flight_history"] = &Table{Name: "flight_history", OwnerAccountID: partner, Columns: cols("loyalty number", "home city"),
		RuleType: cleanrooms.RuleAggregation, Policy: cleanrooms.TablePolicy{Aggregation: &cleanrooms.AggregationPolicy{
			AggregateColumns:  []cleanrooms.AggregateColumn{{ColumnNames: []string{"loyalty number"}, Function: "COUNT_DISTINCT"}},
			JoinColumns:       []string{"loyalty number"},
			DimensionColumns:  []string{"home city"},
			OutputConstraints: []cleanrooms.AggregationConstraint{{ColumnName: "loyalty number", Minimum: 2, Type: "COUNT_DISTINCT"}},
		}}}
	pl, err := plan(t, p, `SELECT fh."home city", COUNT(DISTINCT fh."loyalty number") FROM "flight_history" fh GROUP BY fh."home city" ORDER BY 1`, tables)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([][]string{{"LA", "2"}}, rows(t, p, pl.SQL)); d != "" {
		t.Errorf("rows of %s (-want +got):\n%s", pl.SQL, d)
	}
	_, err = plan(t, p, `SELECT COUNT(DISTINCT fh."loyalty number") FROM flight_history fh JOIN users u ON fh."loyalty number" = u.user_id`, tables)
	if err != nil {
		t.Errorf("join on a quoted join column: %v", err)
	}
	_, err = plan(t, p, `SELECT "loyalty number", COUNT(*) FROM flight_history GROUP BY 1`, tables)
	wantRefusal(t, err, "aggregation rule", "loyalty number", "flight_history", "join column")
}

// TestTemplateOnlyUnderCustomRules: an analysis template runs only over
// tables whose custom rule lists it; aggregation and list rules list no
// templates (dataplane spec 1.8 step 3; found by the model test).
func TestTemplateOnlyUnderCustomRules(t *testing.T) {
	p := fixtures(t)
	ctx := context.Background()
	st, err := Prepare(ctx, p, "SELECT city, COUNT(DISTINCT u.user_id) FROM users u JOIN purchases p ON u.user_id = p.user_id GROUP BY city", nil, []cleanrooms.TemplateParameter{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Check(ctx, p, st, Context{QuerierAccountID: querier, Tables: aggTables(),
		TemplateARN: "arn:aws:cleanrooms:us-east-1:111111111111:membership/m/analysistemplate/t"})
	wantRefusal(t, err, "aggregation rule", "analysis template", "custom analysis rule")
}
