//go:build cgo

package query

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// benchTables are n tables under aggregation rules, t0 the querier's.
func benchTables(n int) map[string]*Table {
	out := map[string]*Table{}
	for i := range n {
		name := fmt.Sprintf("t%d", i)
		owner := partner
		if i == 0 {
			owner = querier
		}
		out[name] = &Table{Name: name, OwnerAccountID: owner, Columns: cols("id", "dim", "v", "w"),
			RuleType: cleanrooms.RuleAggregation, Policy: cleanrooms.TablePolicy{Aggregation: &cleanrooms.AggregationPolicy{
				AggregateColumns:  []cleanrooms.AggregateColumn{{ColumnNames: []string{"v", "w"}, Function: "SUM"}, {ColumnNames: []string{"id"}, Function: "COUNT_DISTINCT"}},
				JoinColumns:       []string{"id"},
				DimensionColumns:  []string{"dim"},
				ScalarFunctions:   []string{"LOWER", "ROUND"},
				OutputConstraints: []cleanrooms.AggregationConstraint{{ColumnName: "id", Minimum: int32(2 + i), Type: "COUNT_DISTINCT"}},
				JoinRequired:      "QUERY_RUNNER",
			}}}
	}
	return out
}

func benchQuery(n int) string {
	var b strings.Builder
	b.WriteString("SELECT LOWER(t0.dim) AS d, t1.dim")
	for i := range n {
		fmt.Fprintf(&b, ", SUM(t%d.v) AS s%d", i, i)
	}
	b.WriteString(", COUNT(DISTINCT t0.id) FROM t0")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, " INNER JOIN t%d ON t%d.id = t%d.id", i, i-1, i)
	}
	b.WriteString(" WHERE t0.dim = 'x' AND t2.dim IN ('a', 'b') GROUP BY LOWER(t0.dim), t1.dim HAVING SUM(t3.v) > 10 ORDER BY d")
	return b.String()
}

func TestTableQuota(t *testing.T) {
	p := fixtures(t)
	if _, err := plan(t, p, benchQuery(15), benchTables(15)); err != nil {
		t.Errorf("15 tables: %v", err)
	}
	_, err := plan(t, p, benchQuery(16), benchTables(16))
	wantRefusal(t, err, "at most 15 tables")
}

func TestBenchQueryRuns(t *testing.T) {
	p := fixtures(t)
	pl, err := plan(t, p, benchQuery(10), benchTables(10))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if !strings.Contains(pl.SQL, fmt.Sprintf("count(DISTINCT t%d.id) >= 11", i)) {
			t.Errorf("plan lacks the constraint of t%d at the strictest minimum 11: %s", i, pl.SQL)
		}
	}
}

// BenchmarkCheck: Prepare and Check of a 10-table join under aggregation
// rules (the target: at most 2 ms), DuckDB's parser included.
func BenchmarkCheck(b *testing.B) {
	p := fixtures(b)
	ctx := context.Background()
	q, tables := benchQuery(10), benchTables(10)
	c := Context{QuerierAccountID: querier, Tables: tables}
	b.ReportAllocs()
	for b.Loop() {
		st, err := Prepare(ctx, p, q, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Check(ctx, p, st, c); err != nil {
			b.Fatal(err)
		}
	}
}

// cachedParser answers with trees parsed once by DuckDB: what remains is
// this package's own work (binding, walking, rewriting, JSON).
type cachedParser struct {
	trees map[string][]byte
	sql   string
}

func (c cachedParser) Parse(_ context.Context, s string) ([]byte, error) { return c.trees[s], nil }
func (c cachedParser) Deparse(context.Context, []byte) (string, error)   { return c.sql, nil }

// BenchmarkCheckWithoutEngine is BenchmarkCheck without DuckDB's parser
// and deparser (each a cgo query of a few hundred microseconds).
func BenchmarkCheckWithoutEngine(b *testing.B) {
	p := fixtures(b)
	ctx := context.Background()
	q, tables := benchQuery(10), benchTables(10)
	tree, err := p.Parse(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	cp := cachedParser{trees: map[string][]byte{q: tree}, sql: q}
	c := Context{QuerierAccountID: querier, Tables: tables}
	b.ReportAllocs()
	for b.Loop() {
		st, err := Prepare(ctx, cp, q, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Check(ctx, cp, st, c); err != nil {
			b.Fatal(err)
		}
	}
}
