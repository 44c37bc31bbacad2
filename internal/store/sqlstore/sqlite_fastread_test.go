package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fast path reads what database/sql reads: the same values, the same
// NULL handling, an error where database/sql gives one.
func TestFastReaderMatchesDatabaseSQL(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "fast.db"), Options{})
	defer s.Close()
	if _, err := s.w.Exec(`CREATE TABLE fast_t (i INTEGER, f REAL, s TEXT, b BLOB, n TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO fast_t VALUES (1, 2.5, 'héllo', x'00ff', NULL), (-9000000000, 0, '', x'', NULL), (0, -1e300, '42', NULL, 'true')`); err != nil {
		t.Fatal(err)
	}
	type dests struct {
		S  string
		NS sql.NullString
		I  int64
		N  int
		NI sql.NullInt64
		B  bool
		NB sql.NullBool
		F  float64
		BS []byte
	}
	cases := []struct {
		query string
		args  []any
		dest  func(d *dests) []any
	}{
		{"SELECT i, i, i, s, s FROM fast_t WHERE i = ?", []any{int64(1)}, func(d *dests) []any { return []any{&d.I, &d.S, &d.NI, &d.S, &d.NS} }},
		{"SELECT i, f, s, b, n FROM fast_t WHERE s = ?", []any{"héllo"}, func(d *dests) []any { return []any{&d.N, &d.F, &d.S, &d.BS, &d.NS} }},
		{"SELECT i, s, b, n, n FROM fast_t WHERE s = ?", []any{""}, func(d *dests) []any { return []any{&d.I, &d.S, &d.BS, &d.NI, &d.NB} }},
		{"SELECT s, n, i, f FROM fast_t WHERE i = ?", []any{0}, func(d *dests) []any { return []any{&d.I, &d.B, &d.NB, &d.F} }},
		{"SELECT n FROM fast_t WHERE i = ?", []any{int64(1)}, func(d *dests) []any { return []any{&d.S} }},    // NULL into string: error
		{"SELECT n FROM fast_t WHERE i = ?", []any{int64(1)}, func(d *dests) []any { return []any{&d.I} }},    // NULL into int64: error
		{"SELECT s FROM fast_t WHERE i = ?", []any{int64(1)}, func(d *dests) []any { return []any{&d.I} }},    // text into int64: error
		{"SELECT f FROM fast_t WHERE i = ?", []any{int64(1)}, func(d *dests) []any { return []any{&d.I} }},    // real into int64: error
		{"SELECT i FROM fast_t WHERE i = ?", []any{int64(1)}, func(d *dests) []any { return []any{&d.B} }},    // 1 into bool
		{"SELECT i, s FROM fast_t WHERE i = ?", []any{int64(1)}, func(d *dests) []any { return []any{&d.I} }}, // wrong count: error
		{"SELECT i FROM fast_t WHERE i = ?", []any{int64(7)}, func(d *dests) []any { return []any{&d.I} }},    // no row
		{"SELECT ?, ?, ?, ?", []any{"a\x00b", nil, true, 1.5}, func(d *dests) []any { return []any{&d.S, &d.NS, &d.B, &d.F} }},
		{"SELECT count(*) FROM fast_t WHERE s IN (?, ?)", []any{"", "42"}, func(d *dests) []any { return []any{&d.N} }},
		{"SELECT i FROM fast_t ORDER BY i", nil, func(d *dests) []any { return []any{&d.I} }},                    // the first of several rows
		{"SELECT nope FROM fast_t", nil, func(d *dests) []any { return []any{&d.I} }},                            // does not prepare
		{"SELECT " + strings.Repeat("1, ", fastMaxCols) + "1", nil, func(d *dests) []any { return []any{&d.I} }}, // wider than the fast path reads
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s%v", tc.query, tc.args), func(t *testing.T) {
			var fast, slow dests
			if !fastSupported(tc.args, tc.dest(&fast)) {
				t.Fatalf("fastSupported is false")
			}
			fastErr := s.fast.queryRow(tc.query, tc.args, tc.dest(&fast))
			slowErr := s.r.QueryRow(tc.query, tc.args...).Scan(tc.dest(&slow)...)
			if (fastErr == nil) != (slowErr == nil) || errors.Is(slowErr, sql.ErrNoRows) != errors.Is(fastErr, sql.ErrNoRows) {
				t.Fatalf("fast path error %v, database/sql %v", fastErr, slowErr)
			}
			if slowErr == nil {
				if diff := cmp.Diff(slow, fast); diff != "" {
					t.Errorf("fast path read (-database/sql +fast):\n%s", diff)
				}
			}
		})
	}
	// Stricter than database/sql with go-sqlite3, which ignores arguments
	// beyond the statement's: a count that differs is a bug here.
	var v string
	for _, args := range [][]any{{"x", "y"}, {}} {
		if err := s.fast.queryRow("SELECT ?", args, []any{&v}); err == nil {
			t.Errorf("SELECT ? with %d arguments succeeded", len(args))
		}
	}
}

// Reads on the fast path see committed writes, concurrently with the
// writer, and fail once the store is closed.
func TestFastReaderConcurrentAndClosed(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "fast.db"), Options{MaxReadConns: 2})
	if _, err := s.w.Exec(`CREATE TABLE fast_c (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := range n {
			if _, err := s.w.Exec(`INSERT INTO fast_c VALUES (?, ?)`, k, fmt.Sprintf("v%d", k)); err != nil {
				t.Errorf("insert %d: %v", k, err)
				return
			}
		}
	}()
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				k := (i*7 + g) % n
				var v string
				err := s.fast.queryRow(`SELECT v FROM fast_c WHERE k = ?`, []any{k}, []any{&v})
				if errors.Is(err, sql.ErrNoRows) {
					continue // not written yet
				}
				if err != nil || v != fmt.Sprintf("v%d", k) {
					errs <- fmt.Errorf("read %d = %q, %v", k, v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var v string
	if err := s.fast.queryRow(`SELECT v FROM fast_c WHERE k = ?`, []any{n - 1}, []any{&v}); err != nil || v != fmt.Sprintf("v%d", n-1) {
		t.Errorf("after the writes: %q, %v", v, err)
	}
	s.Close()
	if err := s.fast.queryRow(`SELECT v FROM fast_c WHERE k = ?`, []any{1}, []any{&v}); !errors.Is(err, errClosed) {
		t.Errorf("read after Close = %v, want errClosed", err)
	}
}

// A page read on the fast path has database/sql's rows, in order, and
// gives its connection back on Close: with a pool of one connection, the
// reads after it would wait forever otherwise.
func TestFastRowsMatchDatabaseSQL(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "fast.db"), Options{MaxReadConns: 1})
	defer s.Close()
	if _, err := s.w.Exec(`CREATE TABLE fast_r (k INTEGER PRIMARY KEY, v TEXT, n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for k := range 50 {
		var n any
		if k%3 == 0 {
			n = int64(k * 1000)
		}
		if _, err := s.w.Exec(`INSERT INTO fast_r VALUES (?, ?, ?)`, k, fmt.Sprintf("value %d é", k), n); err != nil {
			t.Fatal(err)
		}
	}
	type row struct {
		K int64
		V string
		N sql.NullInt64
	}
	read := func(rows interface {
		Next() bool
		Scan(...any) error
		Err() error
		Close() error
	}) ([]row, error) {
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.K, &r.V, &r.N); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`SELECT k, v, n FROM fast_r WHERE k >= ? ORDER BY k LIMIT ?`, []any{int64(10), 21}},
		{`SELECT k, v, n FROM fast_r WHERE k > ? ORDER BY k DESC`, []any{40}},
		{`SELECT k, v, n FROM fast_r WHERE k > ?`, []any{1000}}, // no rows
	} {
		slowRows, err := s.r.Query(q.query, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		want, err := read(slowRows)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 { // the one connection is given back each time
			fastRows, err := s.fast.query(q.query, q.args)
			if err != nil {
				t.Fatal(err)
			}
			got, err := read(fastRows)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: fast rows (-database/sql +fast):\n%s", q.query, diff)
			}
		}
	}
	rows, err := s.fast.query(`SELECT k, v, n FROM fast_r`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var k int64
	var v string
	var n sql.NullInt64
	if err := rows.Scan(&k, &v, &n); err == nil {
		t.Errorf("Scan before Next succeeded")
	}
	rows.Close()
	if _, err := s.fast.query(`SELECT nope FROM fast_r`, nil); err == nil {
		t.Errorf("a statement that does not prepare ran")
	}
	// ... and that failure gave its connection back too.
	if err := s.fast.queryRow(`SELECT v FROM fast_r WHERE k = ?`, []any{3}, []any{&v}); err != nil || v != "value 3 é" {
		t.Errorf("read after a failed query: %q, %v", v, err)
	}
}

// A single-row read whose destination the fast path does not fill is read
// through database/sql, with the same result.
func TestFastRowFallsBack(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "fast.db"), Options{})
	defer s.Close()
	tx := &readTx{d: s.d, db: s.r, fast: s.fast, uncancellable: true}
	var v any
	if fastSupported([]any{"x"}, []any{&v}) {
		t.Fatal("the fast path now fills *any: this test needs a destination it does not fill")
	}
	if err := tx.queryRow(t.Context(), "SELECT ?", "x").Scan(&v); err != nil || v != "x" {
		t.Errorf("SELECT ? into *any = %#v, %v", v, err)
	}
	if err := tx.queryRow(t.Context(), "SELECT 1").Scan(&v); !errors.Is(err, errSecondRead) {
		t.Errorf("second read of a ViewOne = %v, want errSecondRead", err)
	}
}
