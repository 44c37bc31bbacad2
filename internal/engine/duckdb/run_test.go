//go:build cgo

package duckdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

func TestRunJoinCSV(t *testing.T) {
	e := newEngine(t, Config{Threads: 2, MemoryLimit: "256MiB"})
	f := newFixture(t)
	out := outDir(t)
	res, err := e.Run(ctxT(t), engine.Job{
		SQL:    "SELECT u.id % 3 AS g, count(*) AS n, sum(o.amount) AS s FROM users u JOIN orders o ON u.id = o.user_id GROUP BY 1 ORDER BY 1 -- a trailing comment",
		Inputs: []engine.Input{f.users, f.orders},
		Output: engine.Output{Dir: out, Format: engine.CSV, SingleFile: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"part-00000.csv"}, res.Files); d != "" || res.Rows != 3 || res.Duration <= 0 {
		t.Fatalf("result %+v (files -want +got %s)", res, d)
	}
	// Computed by hand: user ids 0..999 appear 3 times each (range 3000
	// mod 1000); amount = row % 7 over rows r, r+1000, r+2000.
	want := [][]string{{"g", "n", "s"}}
	for g := 0; g < 3; g++ {
		n, s := 0, 0
		for r := 0; r < 3000; r++ {
			if (r%1000)%3 == g {
				n++
				s += r % 7
			}
		}
		want = append(want, []string{itoa(g), itoa(n), itoa(s)})
	}
	if d := cmp.Diff(want, readCSV(t, filepath.Join(out, "part-00000.csv"))); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A view shows only its Expose columns: the others cannot be named.
func TestViewHidesColumns(t *testing.T) {
	e := newEngine(t, Config{})
	f := newFixture(t)
	_, err := e.Run(ctxT(t), engine.Job{SQL: "SELECT secret FROM users", Inputs: []engine.Input{f.users},
		Output: engine.Output{Dir: outDir(t), Format: engine.CSV, SingleFile: true}})
	var qe *engine.QueryError
	if !errors.As(err, &qe) || qe.Code != "BINDER_ERROR" {
		t.Fatalf("reading a hidden column: %v, want a BINDER_ERROR", err)
	}
	if strings.Contains(qe.Message, "secret") {
		t.Errorf("message %q names the hidden column", qe.Message)
	}
}

// No input file is an empty table of the right columns; no rows still
// make one file: a CSV with its header, a Parquet file with its schema.
func TestEmptyInputAndResult(t *testing.T) {
	e := newEngine(t, Config{Threads: 2})
	in := engine.Input{Name: "t", FileColumns: cols("a", "int", "b", "decimal(10,2)", "c", "array<string>"),
		Expose: []string{"a", "b", "c"}, Format: engine.Parquet}
	for _, single := range []bool{true, false} {
		out := outDir(t)
		res, err := e.Run(ctxT(t), engine.Job{SQL: "SELECT a, b, c FROM t", Inputs: []engine.Input{in},
			Output: engine.Output{Dir: out, Format: engine.CSV, SingleFile: single}})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(&engine.Result{Files: []string{"part-00000.csv"}}, res, ignoreDuration); d != "" {
			t.Errorf("single=%v (-want +got):\n%s", single, d)
		}
		if d := cmp.Diff([][]string{{"a", "b", "c"}}, readCSV(t, filepath.Join(out, "part-00000.csv"))); d != "" {
			t.Errorf("single=%v file (-want +got):\n%s", single, d)
		}
	}
	out := outDir(t)
	res, err := e.Run(ctxT(t), engine.Job{SQL: "SELECT a, b FROM t", Inputs: []engine.Input{in},
		Output: engine.Output{Dir: out, Format: engine.Parquet}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Rows != 0 {
		t.Fatalf("parquet result %+v", res)
	}
	// The empty Parquet file has the view's types.
	check := outDir(t)
	plain(t, "COPY (SELECT typeof(a) || ' ' || typeof(b) AS t FROM (SELECT * FROM read_parquet("+quoteString(filepath.Join(out, res.Files[0]))+") UNION ALL SELECT NULL, NULL) LIMIT 1) TO "+quoteString(filepath.Join(check, "t.csv"))+" (FORMAT csv)")
	if d := cmp.Diff([][]string{{"t"}, {"INTEGER DECIMAL(10,2)"}}, readCSV(t, filepath.Join(check, "t.csv"))); d != "" {
		t.Errorf("parquet schema (-want +got):\n%s", d)
	}
}

var ignoreDuration = cmp.Comparer(func(a, b *engine.Result) bool {
	if a == nil || b == nil {
		return a == b
	}
	return cmp.Equal(a.Files, b.Files) && a.Rows == b.Rows
})

// Several files when allowed, named part-NNNNN, rows counted; an
// ordered result is one file, in order.
func TestRunSeveralFiles(t *testing.T) {
	e := newEngine(t, Config{Threads: 2})
	f := newFixture(t)
	// A small result is one file even when several are allowed.
	small, err := e.Run(ctxT(t), engine.Job{SQL: "SELECT * FROM orders", Inputs: []engine.Input{f.orders},
		Output: engine.Output{Dir: outDir(t), Format: engine.Parquet}})
	if err != nil || len(small.Files) != 1 || small.Rows != 3000 {
		t.Fatalf("small result %+v, %v", small, err)
	}
	e.splitAt = 100_000
	out := outDir(t)
	res, err := e.Run(ctxT(t), engine.Job{SQL: "SELECT user_id, amount, n FROM orders, range(100) AS r(n)", Inputs: []engine.Input{f.orders},
		Output: engine.Output{Dir: out, Format: engine.CSV}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 300000 || len(res.Files) < 2 {
		t.Fatalf("result %+v", res)
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for i, en := range entries {
		names = append(names, en.Name())
		if want := fmt.Sprintf("part-%05d.csv", i); en.Name() != want {
			t.Errorf("file %d is %s, want %s", i, en.Name(), want)
		}
	}
	if d := cmp.Diff(names, res.Files); d != "" {
		t.Errorf("Files (-dir +result):\n%s", d)
	}
	rowsIn := 0
	for _, name := range res.Files {
		rowsIn += len(readCSV(t, filepath.Join(out, name))) - 1
	}
	if rowsIn != 300000 {
		t.Errorf("%d rows in the files", rowsIn)
	}

	out = outDir(t)
	res, err = e.Run(ctxT(t), engine.Job{SQL: "SELECT user_id, amount, n FROM orders, range(100) AS r(n) ORDER BY user_id DESC, amount, n", Inputs: []engine.Input{f.orders},
		Output: engine.Output{Dir: out, Format: engine.CSV}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 300000 || len(res.Files) != 1 {
		t.Fatalf("ordered result %+v", res)
	}
	var rows [][]string
	for _, name := range res.Files {
		recs := readCSV(t, filepath.Join(out, name))
		if d := cmp.Diff([]string{"user_id", "amount", "n"}, recs[0]); d != "" {
			t.Errorf("%s header (-want +got):\n%s", name, d)
		}
		rows = append(rows, recs[1:]...)
	}
	if len(rows) != 300000 || rows[0][0] != "999" || rows[len(rows)-1][0] != "0" {
		t.Fatalf("%d rows from %s to %s", len(rows), rows[0], rows[len(rows)-1])
	}
	for i := 1; i < len(rows); i++ {
		a, _ := strconv.Atoi(rows[i-1][0])
		b, _ := strconv.Atoi(rows[i][0])
		if a < b {
			t.Fatalf("row %d (%s) after %s: order lost", i, rows[i], rows[i-1])
		}
	}
}

// The output directory must exist and be empty; the formats are checked.
func TestRunRefusesBadJobs(t *testing.T) {
	e := newEngine(t, Config{})
	f := newFixture(t)
	full := outDir(t)
	writeFile(t, full, "x", "")
	cases := map[string]engine.Job{
		"missing dir":     {SQL: "SELECT 1", Output: engine.Output{Dir: filepath.Join(t.TempDir(), "nope"), Format: engine.CSV}},
		"full dir":        {SQL: "SELECT 1", Output: engine.Output{Dir: full, Format: engine.CSV}},
		"json output":     {SQL: "SELECT 1", Output: engine.Output{Dir: outDir(t), Format: engine.JSON}},
		"duplicate input": {SQL: "SELECT 1", Inputs: []engine.Input{f.users, f.users}, Output: engine.Output{Dir: outDir(t), Format: engine.CSV}},
		"unknown column":  {SQL: "SELECT 1", Inputs: []engine.Input{{Name: "x", FileColumns: cols("a", "int"), Expose: []string{"b"}, Format: engine.CSV}}, Output: engine.Output{Dir: outDir(t), Format: engine.CSV}},
		"unknown type":    {SQL: "SELECT 1", Inputs: []engine.Input{{Name: "x", FileColumns: cols("a", "uuid"), Expose: []string{"a"}, Format: engine.CSV}}, Output: engine.Output{Dir: outDir(t), Format: engine.CSV}},
	}
	for name, job := range cases {
		if _, err := e.Run(ctxT(t), job); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
