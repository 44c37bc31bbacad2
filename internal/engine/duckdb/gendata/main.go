//go:build cgo

// Command gendata writes the data of BenchmarkJoin10M: a fact table of 10
// million rows and a dimension of 1 million, as Parquet, with DuckDB's
// own COPY from range() (deterministic: the same files every time).
//
//	go run ./internal/engine/duckdb/gendata [-dir DIR] [-fact N] [-dim N]
//
// DIR defaults to $CLEANROOMSD_JOIN_DATA, else $TMPDIR/cleanroomsd-join10m,
// which is where the benchmark looks.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	dir := flag.String("dir", DefaultDir(), "output directory")
	fact := flag.Int("fact", 10_000_000, "rows of fact.parquet")
	dim := flag.Int("dim", 1_000_000, "rows of dim.parquet")
	flag.Parse()
	if err := run(*dir, *fact, *dim); err != nil {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(1)
	}
}

// DefaultDir is where the files go unless -dir says otherwise.
func DefaultDir() string {
	if d := os.Getenv("CLEANROOMSD_JOIN_DATA"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "cleanroomsd-join10m")
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func run(dir string, fact, dim int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	stmts := []string{
		// dim: id 0..dim-1, a category of 50 and a region of 8.
		fmt.Sprintf(`COPY (SELECT range::INTEGER AS id, 'cat' || (range %% 50) AS category, 'region' || (hash(range) %% 8) AS region
			FROM range(%d)) TO %s (FORMAT parquet)`, dim, quote(filepath.Join(dir, "dim.parquet"))),
		// fact: a dimension id spread by a hash, an amount in cents, a day.
		fmt.Sprintf(`COPY (SELECT range::BIGINT AS id, (hash(range) %% %d)::INTEGER AS dim_id,
			((hash(range + 1) %% 100000) / 100.0)::DECIMAL(10,2) AS amount, DATE '2024-01-01' + (range %% 365)::INTEGER AS day
			FROM range(%d)) TO %s (FORMAT parquet)`, dim, fact, quote(filepath.Join(dir, "fact.parquet"))),
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return err
		}
	}
	fmt.Println("wrote", filepath.Join(dir, "fact.parquet"), "and", filepath.Join(dir, "dim.parquet"))
	return nil
}
