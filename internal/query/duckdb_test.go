//go:build cgo

package query

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// duckParser is the test's Parser: DuckDB's json_serialize_sql and
// json_deserialize_sql over database/sql, as the engine's production
// parser does it.
type duckParser struct{ db *sql.DB }

func (p duckParser) Parse(ctx context.Context, text string) ([]byte, error) {
	var s string
	if err := p.db.QueryRowContext(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", text).Scan(&s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func (p duckParser) Deparse(ctx context.Context, tree []byte) (string, error) {
	var s string
	if err := p.db.QueryRowContext(ctx, "SELECT json_deserialize_sql(?::JSON)::VARCHAR", string(tree)).Scan(&s); err != nil {
		return "", err
	}
	return s, nil
}

var (
	dbOnce sync.Once
	testDB *sql.DB
	dbErr  error
)

// parser returns the shared test parser; its database also holds the
// tables the tests run plans against.
func parser(t testing.TB) duckParser {
	t.Helper()
	dbOnce.Do(func() {
		testDB, dbErr = sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
		if dbErr == nil {
			dbErr = testDB.Ping()
		}
	})
	if dbErr != nil {
		t.Fatalf("opening DuckDB: %v", dbErr)
	}
	return duckParser{testDB}
}

func TestParserRoundTrip(t *testing.T) {
	p := parser(t)
	ctx := context.Background()
	tree, err := p.Parse(ctx, "SELECT a FROM t WHERE b = 'x'")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Deparse(ctx, tree)
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT a FROM t WHERE (b = 'x')"; got != want {
		t.Errorf("round trip = %q, want %q", got, want)
	}
	var settings string
	if err := p.db.QueryRow("SELECT current_setting('autoinstall_known_extensions')::VARCHAR || current_setting('autoload_known_extensions')::VARCHAR").Scan(&settings); err != nil {
		t.Fatal(err)
	}
	if settings != "falsefalse" {
		t.Errorf("extension auto-install/load settings = %q, want both false", settings)
	}
	_ = errors.New
}
