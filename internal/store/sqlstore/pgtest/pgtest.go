// Package pgtest gives tests a private PostgreSQL schema on the test
// server.
//
// The server is CLEANROOMS_TEST_DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. When it cannot
// be reached, tests that need it are skipped, unless CLEANROOMS_TESTDB is
// "required" (CI sets it): then they fail, loudly, so that a CI run
// without PostgreSQL cannot pass by skipping.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// URLEnv names the environment variable with the test server's URL.
	URLEnv = "CLEANROOMS_TEST_DATABASE_URL"
	// RequiredEnv names the environment variable that, set to
	// "required", turns a missing server into a test failure.
	RequiredEnv = "CLEANROOMS_TESTDB"
	// DefaultURL is the test server when URLEnv is unset.
	DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// URL returns the test server's URL.
func URL() string {
	if u := os.Getenv(URLEnv); u != "" {
		return u
	}
	return DefaultURL
}

// Required reports whether tests must fail rather than skip without a
// server.
func Required() bool { return os.Getenv(RequiredEnv) == "required" }

var (
	mu sync.Mutex
	// unreachable is the first connection failure; later tests skip at
	// once instead of each waiting for its own failure.
	unreachable error
)

// Connect opens a connection to the test server, skipping or failing the
// test (see the package doc) if it cannot. The caller closes it.
func Connect(tb testing.TB) *pgx.Conn {
	tb.Helper()
	return connect(tb, URL())
}

func connect(tb testing.TB, u string) *pgx.Conn {
	tb.Helper()
	mu.Lock()
	err := unreachable
	mu.Unlock()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var conn *pgx.Conn
		if conn, err = pgx.Connect(ctx, u); err == nil {
			return conn
		}
		mu.Lock()
		unreachable = err
		mu.Unlock()
	}
	if Required() {
		tb.Fatalf("\n\n*** PostgreSQL is required (%s=required) but cannot be reached: %v\n*** Start it or point %s at one.\n\n", RequiredEnv, err, URLEnv)
	}
	tb.Skipf("no PostgreSQL (%v); set %s, and %s=required to fail instead of skipping", err, URLEnv, RequiredEnv)
	return nil
}

// Schema creates a new, empty schema t_<random> on the test server and
// returns the server's URL with search_path set to it, and the schema's
// name. The schema and everything in it are dropped when the test ends
// (after the cleanups registered later, such as closing the stores that
// use it).
func Schema(tb testing.TB) (dsn, schema string) {
	tb.Helper()
	base := URL()
	conn := connect(tb, base)
	defer conn.Close(context.Background())
	schema = "t_" + strings.ToLower(rand.Text()[:16])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("pgtest: create schema: %v", err)
	}
	tb.Cleanup(func() { drop(tb, base, schema) })
	dsn, err := WithSearchPath(base, schema)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return dsn, schema
}

func drop(tb testing.TB, base, schema string) {
	tb.Helper()
	// The test's context is already canceled when cleanups run.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", schema, err)
	}
}

// WithSearchPath returns the connection string dsn (a URL or key=value
// pairs) with search_path set to schema.
func WithSearchPath(dsn, schema string) (string, error) {
	return WithParam(dsn, "search_path", schema)
}

// WithParam returns the connection string dsn (a URL or key=value pairs)
// with the parameter key set to value (a plain word: no quoting is done
// for the key=value form).
func WithParam(dsn, key, value string) (string, error) {
	if !strings.Contains(dsn, "://") {
		return dsn + " " + key + "=" + value, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", URLEnv, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// MustWithParam is WithParam for tests.
func MustWithParam(tb testing.TB, dsn, key, value string) string {
	tb.Helper()
	s, err := WithParam(dsn, key, value)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
