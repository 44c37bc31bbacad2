//go:build cgo

package duckdb

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// run runs sql over inputs and returns the CSV result with its header.
func run(t *testing.T, e *Engine, sql string, inputs ...engine.Input) [][]string {
	t.Helper()
	out := outDir(t)
	res, err := e.Run(ctxT(t), engine.Job{SQL: sql, Inputs: inputs, Output: engine.Output{Dir: out, Format: engine.CSV, SingleFile: true}})
	if err != nil {
		t.Fatal(err)
	}
	return readCSV(t, filepath.Join(out, res.Files[0]))
}

// A LazySimpleSerDe table: '|' separated, no quoting, \N for NULL, one
// header line skipped in every file; short rows are padded with NULLs.
func TestCSVOptions(t *testing.T) {
	e := newEngine(t, Config{})
	dir := t.TempDir()
	a := writeFile(t, dir, "a.txt", "id|name|note\n1|\"x\"|\\N\n2|a,b|\n")
	b := writeFile(t, dir, "b.txt", "id|name|note\n3|c\n")
	in := engine.Input{Name: "t", FileColumns: cols("id", "int", "name", "string", "note", "varchar(10)"),
		Expose: []string{"id", "name", "note"}, Format: engine.CSV, Files: []string{a, b},
		CSV: engine.CSVOptions{Delimiter: "|", Quote: "none", HeaderLines: 1, Null: `\N`}}
	got := run(t, e, "SELECT id, name, coalesce(note, 'NULL') AS note, note IS NULL AS isnull FROM t ORDER BY id", in)
	want := [][]string{{"id", "name", "note", "isnull"}, {"1", `"x"`, "NULL", "true"}, {"2", "a,b", "", "false"}, {"3", "c", "NULL", "true"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// OpenCSVSerde: quoted fields with the separator inside.
	q := writeFile(t, dir, "q.csv", "1,\"a,b\",'x'\n")
	in = engine.Input{Name: "t", FileColumns: cols("id", "int", "name", "string", "s", "string"),
		Expose: []string{"id", "name", "s"}, Format: engine.CSV, Files: []string{q},
		CSV: engine.CSVOptions{Delimiter: ",", Quote: `"`, Escape: `\`}}
	if d := cmp.Diff([][]string{{"id", "name", "s"}, {"1", "a,b", "'x'"}}, run(t, e, "SELECT * FROM t", in)); d != "" {
		t.Errorf("quoted (-want +got):\n%s", d)
	}
}

func TestJSONInput(t *testing.T) {
	e := newEngine(t, Config{})
	dir := t.TempDir()
	f := writeFile(t, dir, "t.json", `{"id": 1, "tags": ["a", "b"], "p": {"x": 2}, "hidden": "h"}`+"\n"+`{"id": 2, "tags": [], "p": null}`+"\n")
	in := engine.Input{Name: "t", FileColumns: cols("id", "bigint", "tags", "array<string>", "p", "struct<x:int>", "hidden", "string"),
		Expose: []string{"id", "tags", "p"}, Format: engine.JSON, Files: []string{f}}
	got := run(t, e, "SELECT id, len(tags) AS n, p.x AS x FROM t ORDER BY id", in)
	if d := cmp.Diff([][]string{{"id", "n", "x"}, {"1", "2", "2"}, {"2", "0", ""}}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// Parquet columns take the catalog's types; two files with their columns
// in different orders are read by name.
func TestParquetTypesAndUnion(t *testing.T) {
	e := newEngine(t, Config{})
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	plain(t,
		"COPY (SELECT 1::INTEGER AS id, '2.50' AS price) TO "+quoteString(a)+" (FORMAT parquet)",
		"COPY (SELECT '3.25' AS price, 2::INTEGER AS id) TO "+quoteString(b)+" (FORMAT parquet)",
	)
	in := engine.Input{Name: "t", FileColumns: cols("id", "bigint", "price", "decimal(5,2)"),
		Expose: []string{"id", "price"}, Format: engine.Parquet, Files: []string{a, b}}
	got := run(t, e, "SELECT typeof(id) AS ti, typeof(price) AS tp, sum(price) AS s FROM t GROUP BY ALL", in)
	if d := cmp.Diff([][]string{{"ti", "tp", "s"}, {"BIGINT", "DECIMAL(5,2)", "5.75"}}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// A query larger than its memory limit (3 M distinct 32-byte keys in
// 128 MiB; it fails without a temp directory) spills to the temp directory,
// which stays usable after the lock.
func TestSpillsUnderLock(t *testing.T) {
	e := newEngine(t, Config{MemoryLimit: "128MiB", Threads: 1})
	dir := t.TempDir()
	p := filepath.Join(dir, "big.parquet")
	plain(t, "COPY (SELECT range AS id, md5(range::VARCHAR) AS h FROM range(3000000)) TO "+quoteString(p)+" (FORMAT parquet)")
	in := engine.Input{Name: "big", FileColumns: cols("id", "bigint", "h", "string"), Expose: []string{"id", "h"},
		Format: engine.Parquet, Files: []string{p}}
	got := run(t, e, "SELECT count(*) AS n FROM (SELECT h, count(*) FROM big GROUP BY h)", in)
	if d := cmp.Diff([][]string{{"n"}, {"3000000"}}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
