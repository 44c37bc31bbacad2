//go:build cgo

package duckdb

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// After setup the sandbox alone holds, whatever SQL reaches it: these run
// on its connection directly, past the engine's own check of the SQL.
func TestSandboxHolds(t *testing.T) {
	e := newEngine(t, Config{})
	f := newFixture(t)
	out := outDir(t)
	elsewhere := t.TempDir()
	sb, _, _, _, err := e.prepare(ctxT(t), engine.Job{SQL: "SELECT 1", Inputs: []engine.Input{f.users, f.orders},
		Output: engine.Output{Dir: out, Format: engine.CSV}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.release(sb)
	// The views work after the lock.
	var n int
	if err := sb.conn.QueryRowContext(ctxT(t), "SELECT count(*) FROM users JOIN orders ON id = user_id").Scan(&n); err != nil || n != 3000 {
		t.Fatalf("views after the lock: %d, %v", n, err)
	}
	refused := []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM '/etc/passwd.csv'",
		"SELECT * FROM read_text('/etc/hostname')",
		"SELECT * FROM glob('/etc/*')",
		"COPY (SELECT 1) TO " + quoteString(filepath.Join(elsewhere, "x.csv")),
		"COPY users TO " + quoteString(filepath.Join(elsewhere, "y.csv")),
		"ATTACH " + quoteString(filepath.Join(elsewhere, "x.db")) + " AS x",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET threads = 1",
		"SET default_null_order = 'nulls_last'",
		"SET enable_external_access = true",
		"SET allowed_directories = ['/']",
		"RESET lock_configuration",
		"PRAGMA threads = 1",
		"PRAGMA memory_limit = '100GB'",
		"EXPORT DATABASE " + quoteString(elsewhere),
		"SET profiling_output = " + quoteString(filepath.Join(elsewhere, "p.json")),
	}
	for _, q := range refused {
		if _, err := sb.conn.ExecContext(ctxT(t), q); err == nil {
			t.Errorf("sandbox ran %s", q)
		}
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("files written outside the output dir: %v", entries)
	}
	// Allowed and harmless, because they touch no file: ATTACH ':memory:',
	// CALL enable_profiling() (to stderr). The engine's check of the SQL
	// refuses them anyway (TestRunChecksSQL).
	// The hidden column stays hidden through the view's definition too.
	if _, err := sb.conn.ExecContext(ctxT(t), "SELECT secret FROM users"); err == nil {
		t.Error("a hidden column was read")
	}
}

// The engine refuses what the sandbox could not: reading its own input
// files around the views, and anything but one SELECT.
func TestRunChecksSQL(t *testing.T) {
	e := newEngine(t, Config{})
	f := newFixture(t)
	pq := f.users.Files[0]
	for _, q := range []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT secret FROM read_parquet(" + quoteString(pq) + ")",
		"SELECT * FROM parquet_scan(" + quoteString(pq) + ")",
		"SELECT secret FROM " + quoteIdent(pq),
		"SELECT * FROM users WHERE id IN (SELECT 1 FROM (WITH x AS (SELECT 1) SELECT * FROM x, " + quoteIdent(pq) + "))",
		"SELECT * FROM query('SELECT 1')",
		"SELECT 1; SELECT 2",
		"SELECT 1) TO '/tmp/x.csv' (FORMAT csv); COPY (SELECT 1",
		"INSERT INTO users VALUES (1, 'a')",
		"COPY users TO '/tmp/users.csv'",
		"PRAGMA version",
		"ATTACH 'x.db'",
		"not sql",
	} {
		_, err := e.Run(ctxT(t), engine.Job{SQL: q, Inputs: []engine.Input{f.users},
			Output: engine.Output{Dir: outDir(t), Format: engine.CSV, SingleFile: true}})
		var qe *engine.QueryError
		if !errors.As(err, &qe) || qe.Code != "INVALID_QUERY" {
			t.Errorf("%s: %v, want INVALID_QUERY", q, err)
		}
	}
	// Pure table functions are fine.
	res, err := e.Run(ctxT(t), engine.Job{SQL: "SELECT count(*) FROM range(10), users WHERE id < 2",
		Inputs: []engine.Input{f.users}, Output: engine.Output{Dir: outDir(t), Format: engine.CSV, SingleFile: true}})
	if err != nil || res.Rows != 1 {
		t.Errorf("range(): %+v, %v", res, err)
	}
}

func TestErrorsNameNoData(t *testing.T) {
	e := newEngine(t, Config{})
	f := newFixture(t)
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.csv", "1,alice\n2,bob's\n")
	in := engine.Input{Name: "t", FileColumns: cols("id", "int", "name", "string"), Expose: []string{"id", "name"},
		Format: engine.CSV, Files: []string{bad}}
	js := engine.Input{Name: "t", FileColumns: cols("id", "int", "name", "string"), Expose: []string{"id", "name"}, Format: engine.JSON,
		Files: []string{writeFile(t, dir, "t.json", "{\"id\": 1, \"name\": \"carol\"}\n{\"id\": \"dave\"}\n{\"id\": erin}\n")}}
	asInt := in
	asInt.FileColumns = cols("id", "int", "name", "int")
	cases := []struct {
		name, sql, code string
		in              engine.Input
		data            []string
	}{
		{"cast", "SELECT CAST(name AS INTEGER) FROM t", "CONVERSION_ERROR", in, []string{"alice", "bob"}},
		{"file", "SELECT * FROM t", "", asInt, []string{"alice", "bob"}},
		{"overflow", "SELECT CAST(id + 2147483646 AS INTEGER) * 1000000 FROM t", "OUT_OF_RANGE", in, []string{"2147483647", "2147483648"}},
		{"strptime", "SELECT strptime(name, '%Y') FROM t", "INVALID_INPUT", in, []string{"alice"}},
		{"parquet", "SELECT CAST(name AS DATE) FROM users", "CONVERSION_ERROR", f.users, []string{"user0", "user1"}},
		{"json", "SELECT * FROM t", "INVALID_INPUT", js, []string{"carol", "dave", "erin", "t.json"}},
	}
	for _, c := range cases {
		_, err := e.Run(ctxT(t), engine.Job{SQL: c.sql, Inputs: []engine.Input{c.in},
			Output: engine.Output{Dir: outDir(t), Format: engine.CSV, SingleFile: true}})
		var qe *engine.QueryError
		if !errors.As(err, &qe) {
			t.Errorf("%s: %v, want a QueryError", c.name, err)
			continue
		}
		t.Logf("%s: %s", c.name, qe)
		if c.code != "" && qe.Code != c.code {
			t.Errorf("%s: code %s, want %s", c.name, qe.Code, c.code)
		}
		for _, d := range c.data {
			if strings.Contains(qe.Message, d) {
				t.Errorf("%s: message %q shows %q", c.name, qe.Message, d)
			}
		}
	}
}
