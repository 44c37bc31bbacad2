//go:build cgo

package duckdb

import (
	"context"
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

func newEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if cfg.TempDir == "" {
		cfg.TempDir = t.TempDir()
	}
	e := New(cfg).(*Engine)
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

// plain runs statements on a DuckDB database of its own, outside any
// sandbox: to make test files and to run the reference queries.
func plain(t testing.TB, stmts ...string) {
	t.Helper()
	c, err := duck.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// write writes text as a file in dir and returns its path.
func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func outDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func cols(nameType ...string) []query.Column {
	var c []query.Column
	for i := 0; i+1 < len(nameType); i += 2 {
		c = append(c, query.Column{Name: nameType[i], Type: nameType[i+1]})
	}
	return c
}

// fixture is a Parquet table "users" (id, name, secret; 3000 rows) and
// a CSV table "orders" (user_id, amount; no header; 3000 rows).
type fixture struct {
	users, orders engine.Input
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	dir := t.TempDir()
	pq := filepath.Join(dir, "users.parquet")
	cv := filepath.Join(dir, "orders.csv")
	plain(t,
		"COPY (SELECT range::INTEGER AS id, 'user'||range AS name, 'secret'||range AS secret FROM range(3000)) TO "+quoteString(pq)+" (FORMAT parquet)",
		"COPY (SELECT (range % 1000)::INTEGER AS user_id, range % 7 AS amount FROM range(3000)) TO "+quoteString(cv)+" (FORMAT csv, HEADER false)",
	)
	return fixture{
		users: engine.Input{Name: "users", FileColumns: cols("id", "bigint", "name", "string", "secret", "string"),
			Expose: []string{"id", "name"}, Format: engine.Parquet, Files: []string{pq}},
		orders: engine.Input{Name: "orders", FileColumns: cols("user_id", "int", "amount", "bigint"),
			Expose: []string{"user_id", "amount"}, Format: engine.CSV, Files: []string{cv}},
	}
}

func ctxT(t testing.TB) context.Context { return t.Context() }
