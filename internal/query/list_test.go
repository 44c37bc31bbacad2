//go:build cgo

package query

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestListAccepted(t *testing.T) {
	p := fixtures(t)
	tests := []struct {
		name string
		sql  string
		want [][]string
	}{
		{"overlap of two parties", "SELECT DISTINCT c.segment, o.amount AS amt FROM customers c INNER JOIN orders o ON c.email = o.email WHERE o.amount = 5",
			[][]string{{"silver", "5"}}},
		{"WHERE on list columns", "SELECT DISTINCT c.segment FROM customers c JOIN orders o ON c.email = o.email WHERE o.amount > 6 AND c.id IN (1, 3)",
			[][]string{{"gold"}}},
		{"TOP n", "SELECT TOP 1 DISTINCT o.amount FROM customers c JOIN orders o ON c.email = o.email WHERE o.amount = 5",
			[][]string{{"5"}}},
		{"LIMIT n, OR join", "SELECT DISTINCT o.amount FROM customers c JOIN orders o ON c.email = o.email OR c.id = o.customer_id WHERE o.amount = 7 LIMIT 5",
			[][]string{{"7"}}},
	}
	tables := listTables()
	tables["customers"].Policy.List.AllowedJoinOperators = []string{"AND", "OR"}
	tables["customers"].Policy.List.JoinColumns = []string{"email", "id"}
	tables["orders"].Policy.List.AllowedJoinOperators = []string{"AND", "OR"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := plan(t, p, tc.sql, tables)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if d := cmp.Diff(tc.want, rows(t, p, pl.SQL)); d != "" {
				t.Errorf("rows of %s (-want +got):\n%s", pl.SQL, d)
			}
		})
	}
}

func TestListRefused(t *testing.T) {
	p := fixtures(t)
	j := " FROM customers c JOIN orders o ON c.email = o.email"
	tests := []struct {
		name string
		sql  string
		want []string
	}{
		{"ORDER BY", "SELECT DISTINCT c.segment" + j + " ORDER BY 1", []string{"list rule", "ORDER BY"}},
		{"no DISTINCT", "SELECT c.segment" + j, []string{"list rule", "DISTINCT"}},
		{"not a list column", "SELECT DISTINCT c.email" + j, []string{"list rule", "email", "customers", "list column"}},
		{"WHERE on a non-list column", "SELECT DISTINCT c.segment" + j + " WHERE c.age > 3", []string{"list rule", "age", "customers", "WHERE"}},
		{"aggregate", "SELECT DISTINCT COUNT(c.segment)" + j, []string{"list rule", "aggregate", "count"}},
		{"scalar function", "SELECT DISTINCT upper(c.segment)" + j, []string{"list rule", "upper"}},
		{"star", "SELECT DISTINCT *" + j, []string{"list rule", "SELECT *"}},
		{"join required", "SELECT DISTINCT amount FROM orders", []string{"Inner join to query runner table required for table orders"}},
		{"partner tables only", "SELECT DISTINCT o.amount FROM orders o JOIN orders o2 ON o.email = o2.email", []string{"Inner join to query runner table required for table orders"}},
		{"outer join", "SELECT DISTINCT c.segment FROM customers c FULL JOIN orders o ON c.email = o.email", []string{"list rule", "OUTER"}},
		{"join on a non-join column", "SELECT DISTINCT c.segment FROM customers c JOIN orders o ON c.segment = o.email", []string{"list rule", "segment", "customers", "join column"}},
		{"OR not allowed", "SELECT DISTINCT c.segment FROM customers c JOIN orders o ON c.email = o.email OR c.email = o.email", []string{"list rule", "OR"}},
		{"GROUP BY", "SELECT DISTINCT c.segment" + j + " GROUP BY c.segment", []string{"list rule", "GROUP BY"}},
		{"OFFSET", "SELECT DISTINCT c.segment" + j + " LIMIT 2 OFFSET 1", []string{"list rule", "OFFSET"}},
		{"subquery", "SELECT DISTINCT c.segment" + j + " WHERE c.id IN (SELECT id FROM customers)", []string{"list rule", "subquer"}},
		{"CTE", "WITH x AS (SELECT * FROM customers) SELECT DISTINCT segment FROM x", []string{"list rule", "CTE"}},
		{"union", "SELECT DISTINCT segment FROM customers UNION SELECT DISTINCT segment FROM customers", []string{"list rule", "UNION"}},
		{"window", "SELECT DISTINCT row_number() OVER ()" + j, []string{"list rule", "window"}},
		{"mixed rule types", "SELECT DISTINCT c.segment FROM customers c JOIN users u ON true", []string{"same analysis rule type", "customers", "users"}},
	}
	tables := listTables()
	for k, v := range aggTables() {
		tables[k] = v
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := plan(t, p, tc.sql, tables)
			if err == nil {
				t.Fatalf("accepted, plan %s", pl.SQL)
			}
			wantRefusal(t, err, tc.want...)
		})
	}
}
