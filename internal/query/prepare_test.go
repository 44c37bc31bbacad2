//go:build cgo

package query

import (
	"context"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/google/go-cmp/cmp"
)

func TestPrepareRefusesNonSelect(t *testing.T) {
	p := fixtures(t)
	for _, sql := range []string{
		"INSERT INTO users VALUES (1, 'x', 'y', 2)",
		"COPY users TO '/tmp/x.csv'",
		"ATTACH '/tmp/x.db' AS x",
		"INSTALL httpfs",
		"LOAD httpfs",
		"PRAGMA version",
		"SET threads = 1",
		"CALL pragma_version()",
		"EXPORT DATABASE '/tmp/x'",
		"DELETE FROM users",
		"CREATE TABLE x AS SELECT 1",
		"SELECT 1; SELECT 2",
		"SELECT 1; DROP TABLE users",
		"DESCRIBE users",
		"SUMMARIZE users",
	} {
		_, err := Prepare(context.Background(), p, sql, nil, nil)
		if err == nil {
			t.Errorf("%s: accepted", sql)
			continue
		}
		wantRefusal(t, err, "SELECT")
	}
	for _, tc := range []struct{ sql, want string }{
		{"SELECT * FROM read_csv('/etc/passwd')", "table function read_csv"},
		{"SELECT * FROM glob('/*')", "table function glob"},
		{"SELECT * FROM range(10)", "table function range"},
		{"SELECT * FROM users u JOIN (SELECT * FROM read_parquet('x')) r ON true", "table function read_parquet"},
		{"SELECT * FROM '/etc/passwd'", "/etc/passwd"},
		{"SELECT * FROM main.users", "qualified"},
		{"SELECT * FROM memory.main.users", "qualified"},
		{"SELECT * FROM users WHERE x = ?", ""},
	} {
		st, err := Prepare(context.Background(), p, tc.sql, nil, nil)
		if err == nil {
			// Accepted by the grammar: Check must refuse it.
			_, err = Check(context.Background(), p, st, Context{QuerierAccountID: querier, Tables: customTables()})
		}
		if err == nil {
			t.Errorf("%s: accepted", tc.sql)
			continue
		}
		wantRefusal(t, err, tc.want)
	}
}

func TestPrepareTables(t *testing.T) {
	p := fixtures(t)
	st, err := Prepare(context.Background(), p,
		"WITH users AS (SELECT * FROM Users WHERE age > 1), r AS (SELECT * FROM orders) SELECT * FROM users JOIN r ON true JOIN CUSTOMERS c ON true WHERE EXISTS (SELECT 1 FROM purchases)", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"users", "orders", "customers", "purchases"}, st.Tables()); d != "" {
		t.Errorf("tables (-want +got):\n%s", d)
	}
}

// TestInjectionStaysData: a string parameter that would turn a filter
// into a tautology if pasted as SQL is bound as a literal: the query
// returns no row, not all of them.
func TestInjectionStaysData(t *testing.T) {
	p := fixtures(t)
	ctx := context.Background()
	declared := []cleanrooms.TemplateParameter{{Name: "seg", Type: "VARCHAR"}}
	tables := customTables()
	run := func(value string) [][]string {
		st, err := Prepare(ctx, p, "SELECT id FROM customers WHERE segment = :seg ORDER BY id", map[string]string{"seg": value}, declared)
		if err != nil {
			t.Fatalf("Prepare(%q): %v", value, err)
		}
		pl, err := Check(ctx, p, st, Context{QuerierAccountID: querier, TemplateARN: templateARN, Tables: tables})
		if err != nil {
			t.Fatalf("Check(%q): %v", value, err)
		}
		return rows(t, p, pl.SQL)
	}
	if got := run("gold"); !cmp.Equal(got, [][]string{{"1"}, {"3"}}) {
		t.Errorf("segment gold: %v", got)
	}
	if got := run("x' OR '1'='1"); len(got) != 0 {
		t.Errorf("injection value returned %v, want no rows", got)
	}
	if got := run("gold'; DROP TABLE customers; --"); len(got) != 0 {
		t.Errorf("injection value returned %v, want no rows", got)
	}
	// A backslash in a value is data, not a Spark escape of the quote
	// that closes the bound literal.
	for _, v := range []string{`gold\`, `x\' OR '1'='1`, `\' OR segment = segment --`} {
		if got := run(v); len(got) != 0 {
			t.Errorf("value %q returned %v, want no rows", v, got)
		}
	}
	if got := run("gold"); len(got) != 2 {
		t.Errorf("after the injection attempts: %v", got)
	}
}

// TestCommentsReadAsDuckDB: DuckDB nests block comments; a parameter
// pass that did not would bind :seg inside what DuckDB reads as a
// comment, and a value holding */ would end that comment and run as code.
func TestCommentsReadAsDuckDB(t *testing.T) {
	p := fixtures(t)
	ctx := context.Background()
	declared := []cleanrooms.TemplateParameter{{Name: "seg", Type: "VARCHAR", DefaultValue: ptr("gold")}}
	text := "SELECT id FROM customers WHERE segment = 'none' /* /* */ OR segment = :seg */ ORDER BY id"
	st, err := Prepare(ctx, p, text, map[string]string{"seg": "*/ OR 1 = 1 /*"}, declared)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := Check(ctx, p, st, Context{QuerierAccountID: querier, TemplateARN: templateARN, Tables: customTables()})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(t, p, pl.SQL); len(got) != 0 {
		t.Errorf("%s returned %v, want no rows", pl.SQL, got)
	}
}
