//go:build cgo

package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Accounts of the fixtures: the querier brings users (and customers), the
// partner brings purchases (and orders).
const (
	querier = "111111111111"
	partner = "222222222222"
)

var fixtureSQL = []string{
	`CREATE TABLE users (user_id INTEGER, city VARCHAR, name VARCHAR, age INTEGER)`,
	`INSERT INTO users VALUES (1,'LA','ann',30),(2,'LA','bob',40),(3,'NYC','cid',25),(4,'NYC','dan',35),
		(5,'NYC','eve',45),(6,'Chicago','fay',50),(7,'Seattle','gus',20),(8,'Seattle','hal',60)`,
	`CREATE TABLE purchases (user_id INTEGER, sale_value DOUBLE, item VARCHAR, sale_date DATE)`,
	`INSERT INTO purchases VALUES (1,10,'hat','2024-01-01'),(2,20,'hat','2024-01-02'),(1,5,'cap','2024-01-03'),
		(3,1,'hat','2024-02-01'),(4,2,'cap','2024-02-02'),(5,3,'hat','2024-02-03'),(3,4,'cap','2024-03-01'),
		(6,100,'hat','2024-03-02'),(6,50,'cap','2024-03-03')`,
	`CREATE TABLE customers (id INTEGER, email VARCHAR, segment VARCHAR, age INTEGER)`,
	`INSERT INTO customers VALUES (1,'a@x','gold',30),(2,'b@x','silver',40),(3,'c@x','gold',25),(4,'d@x','bronze',35)`,
	`CREATE TABLE flight_history ("loyalty number" INTEGER, "home city" VARCHAR)`,
	`INSERT INTO flight_history VALUES (1,'LA'),(2,'LA'),(3,'NYC'),(3,'NYC'),(4,'SF')`,
	`CREATE TABLE orders (customer_id INTEGER, amount DOUBLE, email VARCHAR)`,
	`INSERT INTO orders VALUES (1,10,'a@x'),(1,20,'a@x'),(2,5,'b@x'),(3,7,'c@x'),(9,1,'z@x')`,
}

var fixtureOnce sync.Once

// fixtures creates the tables once in the test database (as tables named
// like the views the engine would create) and returns the parser.
func fixtures(t testing.TB) duckParser {
	t.Helper()
	p := parser(t)
	var err error
	fixtureOnce.Do(func() {
		for _, s := range fixtureSQL {
			if _, err = p.db.Exec(s); err != nil {
				err = fmt.Errorf("%s: %w", s, err)
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func cols(names ...string) []Column {
	out := make([]Column, len(names))
	for i, n := range names {
		out[i] = Column{Name: n, Type: "string"}
	}
	return out
}

// aggTables are users and purchases under aggregation rules (the PANDAS
// example: minimum 2 distinct user_id in both tables).
func aggTables() map[string]*Table {
	return map[string]*Table{
		"users": {Name: "users", OwnerAccountID: querier, Columns: cols("user_id", "city", "name", "age"),
			RuleType: cleanrooms.RuleAggregation, Policy: cleanrooms.TablePolicy{Aggregation: &cleanrooms.AggregationPolicy{
				AggregateColumns: []cleanrooms.AggregateColumn{{ColumnNames: []string{"user_id"}, Function: "COUNT_DISTINCT"},
					{ColumnNames: []string{"age"}, Function: "AVG"}},
				JoinColumns:       []string{"user_id"},
				DimensionColumns:  []string{"city"},
				ScalarFunctions:   []string{"LOWER", "UPPER", "ROUND", "TRUNC", "CAST", "DATEADD", "GETDATE", "TO_CHAR", "COALESCE", "EXTRACT"},
				OutputConstraints: []cleanrooms.AggregationConstraint{{ColumnName: "user_id", Minimum: 2, Type: "COUNT_DISTINCT"}},
			}}},
		"purchases": {Name: "purchases", OwnerAccountID: partner, Columns: cols("user_id", "sale_value", "item", "sale_date"),
			RuleType: cleanrooms.RuleAggregation, Policy: cleanrooms.TablePolicy{Aggregation: &cleanrooms.AggregationPolicy{
				AggregateColumns: []cleanrooms.AggregateColumn{{ColumnNames: []string{"sale_value"}, Function: "SUM"},
					{ColumnNames: []string{"sale_value"}, Function: "AVG"}, {ColumnNames: []string{"user_id"}, Function: "COUNT_DISTINCT"}},
				JoinColumns:       []string{"user_id"},
				DimensionColumns:  []string{"item", "sale_date"},
				ScalarFunctions:   []string{"LOWER", "UPPER", "ROUND", "TRUNC", "CAST", "DATEADD", "GETDATE", "TO_CHAR", "COALESCE", "EXTRACT"},
				OutputConstraints: []cleanrooms.AggregationConstraint{{ColumnName: "user_id", Minimum: 2, Type: "COUNT_DISTINCT"}},
				JoinRequired:      "QUERY_RUNNER",
			}}},
	}
}

// listTables are customers (querier) and orders (partner) under list rules.
func listTables() map[string]*Table {
	return map[string]*Table{
		"customers": {Name: "customers", OwnerAccountID: querier, Columns: cols("id", "email", "segment", "age"),
			RuleType: cleanrooms.RuleList, Policy: cleanrooms.TablePolicy{List: &cleanrooms.ListPolicy{
				JoinColumns: []string{"email"}, ListColumns: []string{"segment", "id"}}}},
		"orders": {Name: "orders", OwnerAccountID: partner, Columns: cols("customer_id", "amount", "email"),
			RuleType: cleanrooms.RuleList, Policy: cleanrooms.TablePolicy{List: &cleanrooms.ListPolicy{
				JoinColumns: []string{"email", "customer_id"}, ListColumns: []string{"amount"}}}},
	}
}

const templateARN = "arn:aws:cleanrooms:us-east-1:111111111111:membership/m1/analysistemplate/t1"

// customTables are customers (querier) and orders (partner) under custom
// rules: both allow ANY_QUERY from the querier and the template; the
// partner disallows orders.email in the output, the querier customers.age.
func customTables() map[string]*Table {
	return map[string]*Table{
		"customers": {Name: "customers", OwnerAccountID: querier, Columns: cols("id", "email", "segment", "age"),
			RuleType: cleanrooms.RuleCustom, Policy: cleanrooms.TablePolicy{Custom: &cleanrooms.CustomPolicy{
				AllowedAnalyses: []string{"ANY_QUERY", templateARN}, AllowedAnalysisProviders: []string{querier},
				DisallowedOutputColumns: []string{"age"}}}},
		"orders": {Name: "orders", OwnerAccountID: partner, Columns: cols("customer_id", "amount", "email"),
			RuleType: cleanrooms.RuleCustom, Policy: cleanrooms.TablePolicy{Custom: &cleanrooms.CustomPolicy{
				AllowedAnalyses: []string{"ANY_QUERY", templateARN}, AllowedAnalysisProviders: []string{querier},
				DisallowedOutputColumns: []string{"email"}}}},
	}
}

// plan prepares and checks sql as a free-form query of the querier.
func plan(t testing.TB, p Parser, sql string, tables map[string]*Table) (*Plan, error) {
	t.Helper()
	ctx := context.Background()
	st, err := Prepare(ctx, p, sql, nil, nil)
	if err != nil {
		return nil, err
	}
	return Check(ctx, p, st, Context{QuerierAccountID: querier, Tables: tables})
}

// wantRefusal asserts err is a *Refusal whose message holds every want.
func wantRefusal(t *testing.T, err error, want ...string) {
	t.Helper()
	var r *Refusal
	if !errors.As(err, &r) {
		t.Fatalf("error = %v, want a *Refusal", err)
	}
	for _, w := range want {
		if !strings.Contains(r.Message, w) {
			t.Errorf("refusal %q does not mention %q", r.Message, w)
		}
	}
}

// rows runs sql on the test database and returns its rows as strings.
func rows(t *testing.T, p duckParser, sql string) [][]string {
	t.Helper()
	rs, err := p.db.Query(sql)
	if err != nil {
		t.Fatalf("running %s: %v", sql, err)
	}
	defer rs.Close()
	cs, _ := rs.Columns()
	var out [][]string
	for rs.Next() {
		vals := make([]any, len(cs))
		ptrs := make([]any, len(cs))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cs))
		for i, v := range vals {
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("running %s: %v", sql, err)
	}
	return out
}
