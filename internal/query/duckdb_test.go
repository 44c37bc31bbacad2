//go:build cgo

package query

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// duckParser is the test's Parser: DuckDB's json_serialize_sql and
// json_deserialize_sql over database/sql, as the engine's production
// parser does it.
type duckParser struct {
	db             *sql.DB
	parse, deparse *sql.Stmt
}

func (p duckParser) Parse(ctx context.Context, text string) ([]byte, error) {
	var s string
	if err := p.parse.QueryRowContext(ctx, text).Scan(&s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func (p duckParser) Deparse(ctx context.Context, tree []byte) (string, error) {
	var s string
	if err := p.deparse.QueryRowContext(ctx, string(tree)).Scan(&s); err != nil {
		return "", err
	}
	return s, nil
}

var (
	dbOnce     sync.Once
	testParser duckParser
	dbErr      error
)

// parser returns the shared test parser; its database also holds the
// tables the tests run plans against.
func parser(t testing.TB) duckParser {
	t.Helper()
	dbOnce.Do(func() {
		p := &testParser
		if p.db, dbErr = sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false"); dbErr != nil {
			return
		}
		if p.parse, dbErr = p.db.Prepare("SELECT json_serialize_sql(?::VARCHAR)::VARCHAR"); dbErr != nil {
			return
		}
		p.deparse, dbErr = p.db.Prepare("SELECT json_deserialize_sql(?::JSON)::VARCHAR")
	})
	if dbErr != nil {
		t.Fatalf("opening DuckDB: %v", dbErr)
	}
	return testParser
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
}
