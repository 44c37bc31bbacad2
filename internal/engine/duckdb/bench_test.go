//go:build cgo

package duckdb

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// joinSQL is the benchmark's query over views named fact and dim.
const joinSQL = `SELECT d.category, d.region, count(*) AS n, sum(f.amount) AS total, count(DISTINCT f.day) AS days
FROM fact f JOIN dim d ON f.dim_id = d.id
GROUP BY d.category, d.region`

// BenchmarkJoin10M compares Engine.Run (a fresh sandbox, views, COPY of
// the result to a CSV file) with plain DuckDB running the same SQL over
// read_parquet of the same files on a database opened once, also with a
// COPY to a CSV file. The target: engine/duckdb ≤ 1.5.
//
// The data are not in the repository; generate them first (≈10 s, 130 MB):
//
//	go run ./internal/engine/duckdb/gendata
//	go test -run '^$' -bench Join10M -benchtime 5x ./internal/engine/duckdb
//
// The benchmark is skipped when the files are absent
// ($CLEANROOMSD_JOIN_DATA, else $TMPDIR/cleanroomsd-join10m).
func BenchmarkJoin10M(b *testing.B) {
	dir := os.Getenv("CLEANROOMSD_JOIN_DATA")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "cleanroomsd-join10m")
	}
	fact, dim := filepath.Join(dir, "fact.parquet"), filepath.Join(dir, "dim.parquet")
	for _, f := range []string{fact, dim} {
		if _, err := os.Stat(f); err != nil {
			b.Skipf("no benchmark data (%v): go run ./internal/engine/duckdb/gendata", err)
		}
	}
	inputs := []engine.Input{
		{Name: "fact", FileColumns: cols("id", "bigint", "dim_id", "int", "amount", "decimal(10,2)", "day", "date"),
			Expose: []string{"dim_id", "amount", "day"}, Format: engine.Parquet, Files: []string{fact}},
		{Name: "dim", FileColumns: cols("id", "int", "category", "string", "region", "string"),
			Expose: []string{"id", "category", "region"}, Format: engine.Parquet, Files: []string{dim}},
	}
	e := newEngine(b, Config{})
	c, err := duck.NewConnector("", nil)
	if err != nil {
		b.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	direct := strings.NewReplacer("fact f", "read_parquet("+quoteString(fact)+") f", "dim d", "read_parquet("+quoteString(dim)+") d").Replace(joinSQL)
	// Each iteration runs both, alternating which goes first, so that the
	// load of a shared machine weighs on both alike; the ratio is the
	// figure of merit.
	var te, td time.Duration
	i := 0
	for b.Loop() {
		for k := range 2 {
			t0 := time.Now()
			if (i+k)%2 == 0 {
				res, err := e.Run(context.Background(), engine.Job{SQL: joinSQL, Inputs: inputs,
					Output: engine.Output{Dir: outDir(b), Format: engine.CSV, SingleFile: true}})
				if err != nil {
					b.Fatal(err)
				}
				if res.Rows != 400 {
					b.Fatalf("engine: %d rows", res.Rows)
				}
				te += time.Since(t0)
			} else {
				r, err := db.Exec("COPY (" + direct + ") TO " + quoteString(filepath.Join(outDir(b), "part-00000.csv")) + " (FORMAT csv, HEADER true)")
				if err != nil {
					b.Fatal(err)
				}
				if n, _ := r.RowsAffected(); n != 400 {
					b.Fatalf("duckdb: %d rows", n)
				}
				td += time.Since(t0)
			}
		}
		i++
	}
	b.ReportMetric(float64(te.Milliseconds())/float64(i), "engine-ms/op")
	b.ReportMetric(float64(td.Milliseconds())/float64(i), "duckdb-ms/op")
	b.ReportMetric(float64(te)/float64(td), "engine/duckdb")
}

// BenchmarkRunSmall is the engine's share of a small protected query: a
// join of two CSV tables of 3000 rows with GROUP BY, from Run to the
// result file (the Start → SUCCESS budget is 50 ms in all).
func BenchmarkRunSmall(b *testing.B) {
	dir := b.TempDir()
	u, o := filepath.Join(dir, "users.csv"), filepath.Join(dir, "orders.csv")
	plain(b,
		"COPY (SELECT range::INTEGER AS id, 'user'||range AS name, range % 5 AS segment FROM range(3000)) TO "+quoteString(u)+" (FORMAT csv, HEADER true)",
		"COPY (SELECT (range % 3000)::INTEGER AS user_id, range % 7 AS amount FROM range(5000)) TO "+quoteString(o)+" (FORMAT csv, HEADER true)",
	)
	inputs := []engine.Input{
		{Name: "users", FileColumns: cols("id", "int", "name", "string", "segment", "int"), Expose: []string{"id", "segment"},
			Format: engine.CSV, CSV: engine.CSVOptions{HeaderLines: 1}, Files: []string{u}},
		{Name: "orders", FileColumns: cols("user_id", "int", "amount", "bigint"), Expose: []string{"user_id", "amount"},
			Format: engine.CSV, CSV: engine.CSVOptions{HeaderLines: 1}, Files: []string{o}},
	}
	e := newEngine(b, Config{})
	const q = "SELECT u.segment, count(DISTINCT u.id) AS users, sum(o.amount) AS total FROM users u JOIN orders o ON u.id = o.user_id GROUP BY u.segment"
	run := func() {
		res, err := e.Run(context.Background(), engine.Job{SQL: q, Inputs: inputs,
			Output: engine.Output{Dir: outDir(b), Format: engine.CSV, SingleFile: true}})
		if err != nil {
			b.Fatal(err)
		}
		if res.Rows != 5 {
			b.Fatalf("%d rows", res.Rows)
		}
	}
	run() // the first query opens the parser and starts the spares
	var total time.Duration
	n := 0
	for b.Loop() {
		// Queries arrive apart, so the spare sandbox is ready: the
		// latency one query sees, not the throughput of a burst.
		b.StopTimer()
		time.Sleep(benchPause)
		b.StartTimer()
		t0 := time.Now()
		run()
		total += time.Since(t0)
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms/op")
}

// BenchmarkParse is one Parse of a small join (package query calls it
// for every query, and Run once more).
func BenchmarkParse(b *testing.B) {
	e := newEngine(b, Config{})
	const q = "SELECT u.segment, count(DISTINCT u.id) AS users FROM users u JOIN orders o ON u.id = o.user_id WHERE o.amount > 3 GROUP BY u.segment"
	for b.Loop() {
		if _, err := e.Parse(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenSandbox is the cost a spare hides: opening and closing one
// in-memory database.
func BenchmarkOpenSandbox(b *testing.B) {
	e := newEngine(b, Config{})
	for b.Loop() {
		sb, err := e.openSandbox()
		if err != nil {
			b.Fatal(err)
		}
		sb.close()
	}
}

// benchPause is the time between two queries of BenchmarkRunSmall
// (CLEANROOMSD_BENCH_PAUSE, e.g. 100ms).
var benchPause = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("CLEANROOMSD_BENCH_PAUSE")); err == nil {
		return d
	}
	return 30 * time.Millisecond
}()
