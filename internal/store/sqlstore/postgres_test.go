package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	iofs "io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
	"github.com/cleanroomsd/cleanroomsd/internal/store/storetest"
)

// The PostgreSQL tests need a server (see package pgtest): they skip
// without one, and fail when CLEANROOMS_TESTDB=required. Each store gets
// a fresh schema, dropped when its test ends.

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cleanrooms.Store {
		dsn, _ := pgtest.Schema(t)
		// Bounded pools: the suite runs GOMAXPROCS stores at once, and the
		// defaults grow with GOMAXPROCS past what a test server allows
		// (max_connections is 100 by default).
		return mustOpenPostgresDSN(t, dsn, Options{MaxWriteConns: 4, MaxReadConns: 4})
	})
}

func TestPostgresPoolSizeFromURL(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	for _, tc := range []struct {
		param       string
		opts        Options
		write, read int
	}{
		{"pool_max_conns=6", Options{}, 2, 4},
		{"pool_max_conns=2", Options{}, 1, 1},
		{"pool_max_conns=9", Options{MaxWriteConns: 5}, 5, 6},
	} {
		k, v, _ := strings.Cut(tc.param, "=")
		s := mustOpenPostgresDSN(t, pgtest.MustWithParam(t, dsn, k, v), tc.opts)
		if w, r := s.w.Stats().MaxOpenConnections, s.r.Stats().MaxOpenConnections; w != tc.write || r != tc.read {
			t.Errorf("%s, %+v: pools of %d and %d, want %d and %d", tc.param, tc.opts, w, r, tc.write, tc.read)
		}
		s.Close()
	}
	for _, bad := range []string{"pool_max_conns=x", "pool_max_conns=1"} {
		k, v, _ := strings.Cut(bad, "=")
		if s, err := OpenPostgres(t.Context(), pgtest.MustWithParam(t, dsn, k, v), Options{}); err == nil {
			s.Close()
			t.Errorf("OpenPostgres accepted %s", bad)
		}
	}
}

// mustOpenPostgresDSN opens a store on dsn; the caller closes it.
func mustOpenPostgresDSN(tb testing.TB, dsn string, opts Options) *Store {
	tb.Helper()
	s, err := OpenPostgres(tb.Context(), dsn, opts)
	if err != nil {
		tb.Fatalf("OpenPostgres: %v", err)
	}
	return s
}

// mustOpenPostgres opens a store on a fresh schema and closes it at the
// end of the test. It returns the DSN for opening more stores on the same
// schema.
func mustOpenPostgres(tb testing.TB, opts Options) (*Store, string) {
	tb.Helper()
	dsn, _ := pgtest.Schema(tb)
	s := mustOpenPostgresDSN(tb, dsn, opts)
	tb.Cleanup(func() { s.Close() })
	return s, dsn
}

// Replicas starting at once on an empty schema: the advisory lock lets
// one of them apply the migrations and the others find them applied.
// Without it, concurrent CREATE TABLEs fail with duplicate-key errors on
// the system catalogs, or the migrations are recorded twice.
func TestPostgresConcurrentMigrations(t *testing.T) {
	const n = 8
	for round := range 3 {
		dsn, schema := pgtest.Schema(t)
		stores := make([]*Store, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				stores[i], errs[i] = OpenPostgres(t.Context(), dsn, Options{MaxReadConns: 1, MaxWriteConns: 1})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: OpenPostgres #%d: %v", round, i, err)
			} else {
				defer stores[i].Close()
			}
		}
		if t.Failed() {
			return
		}
		ms, err := loadMigrations(postgresDialect{}.migrations())
		if err != nil {
			t.Fatal(err)
		}
		var rows, versions int
		if err := stores[0].w.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations").Scan(&rows, &versions); err != nil {
			t.Fatal(err)
		}
		if rows != len(ms) || versions != len(ms) {
			t.Errorf("round %d: schema_migrations has %d rows, %d versions; want %d", round, rows, versions, len(ms))
		}
		var tables int
		if err := stores[0].w.QueryRow("SELECT COUNT(*) FROM pg_tables WHERE schemaname = $1", schema).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		// schema_migrations, collaborations, members, memberships, tags,
		// collaboration_counts, membership_counts, catalog_databases,
		// catalog_tables, the embedded S3's s3_buckets, s3_objects,
		// s3_uploads, s3_parts, analysis_templates, configured_tables,
		// configured_table_rules, table_associations,
		// table_association_rules, protected_queries,
		// protected_query_viewers, privacy_budget_templates,
		// privacy_budget_spends.
		if tables != 22 {
			t.Errorf("round %d: %d tables in schema %s, want 22", round, tables, schema)
		}
		// Every store works, and they share one database.
		for i, s := range stores {
			mustTransact(t, s, func(tx cleanrooms.Tx) error {
				return tx.InsertCollaboration(t.Context(), testCollaboration(fmt.Sprintf("c%d", i), "1"))
			})
		}
		mustView(t, stores[n-1], func(tx cleanrooms.ReadTx) error {
			got, err := tx.CountCollaborationsCreatedBy(t.Context(), "1")
			if err == nil && got != n {
				t.Errorf("round %d: %d collaborations, want %d", round, got, n)
			}
			return err
		})
		for _, s := range stores {
			s.Close()
		}
	}
}

// pgFSDialect is PostgreSQL with other migrations.
type pgFSDialect struct {
	postgresDialect
	fsys fstest.MapFS
}

func (d pgFSDialect) migrations() iofs.FS { return d.fsys }

// openPostgresRaw opens a one-connection pool on dsn, closed at the end
// of the test.
func openPostgresRaw(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openPostgresPool(t.Context(), cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A failing migration leaves nothing behind, earlier ones in the same run
// included; fixed, it applies once.
func TestPostgresMigrateIsAtomic(t *testing.T) {
	dsn, schema := pgtest.Schema(t)
	db := openPostgresRaw(t, dsn)
	d := pgFSDialect{fsys: fstest.MapFS{
		"0001_a.sql": file("CREATE TABLE a (x INTEGER);"),
		"0002_b.sql": file("CREATE TABLE b (x INTEGER); THIS IS NOT SQL;"),
	}}
	if err := migrate(t.Context(), db, d); err == nil {
		t.Fatal("migrate with a broken migration succeeded")
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM pg_tables WHERE schemaname = $1", schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d tables left by a failed migration run", n)
	}
	d.fsys["0002_b.sql"] = file("CREATE TABLE b (x INTEGER);")
	for range 2 {
		if err := migrate(t.Context(), db, d); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != 2 {
		t.Errorf("schema_migrations rows = %d (%v), want 2", n, err)
	}
}

// An older binary must not write to a schema it does not know.
func TestPostgresRefusesNewerSchema(t *testing.T) {
	s, dsn := mustOpenPostgres(t, Options{})
	ms, _ := loadMigrations(s.d.migrations())
	if _, err := s.w.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future.sql', 0)", len(ms)+1); err != nil {
		t.Fatal(err)
	}
	if s2, err := OpenPostgres(t.Context(), dsn, Options{}); err == nil {
		s2.Close()
		t.Errorf("OpenPostgres opened a database with a newer schema")
	}
}

func TestPostgresErrorHidesPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://someone:s3cretpw@127.0.0.1:1/db?connect_timeout=2",
		"postgres://someone:s3cretpw@127.0.0.1:1/db?sslmode=bogus",
		"host=127.0.0.1 port=1 user=someone password=s3cretpw connect_timeout=2",
	} {
		s, err := OpenPostgres(t.Context(), dsn, Options{})
		if err == nil {
			s.Close()
			t.Fatalf("OpenPostgres(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("OpenPostgres error shows the password: %v", err)
		}
	}
}

// Two Stores on one schema behave like two replicas: serializable
// transactions, aborted and retried on conflict, lose no increment. The
// write pools are wide, as on a large machine, so that dozens of
// transactions collide on one row at once: each must still get through
// within its attempts (the retry gate of Transact).
func TestPostgresTwoStoresNoLostUpdate(t *testing.T) {
	opts := Options{MaxWriteConns: 16}
	s1, dsn := mustOpenPostgres(t, opts)
	s2 := mustOpenPostgresDSN(t, dsn, opts)
	defer s2.Close()
	concurrentIncrements(t, s1, s2, 32, 5)
	t.Logf("retries: %d and %d", s1.retries.Load(), s2.retries.Load())
}

// Write skew: two transactions each check a count and insert if there is
// room for one more. Under snapshot isolation both would pass the check;
// SERIALIZABLE aborts one, whose retry then sees the other's row. This is
// the shape of every quota check of the service.
func TestPostgresNoWriteSkew(t *testing.T) {
	s1, dsn := mustOpenPostgres(t, Options{})
	s2 := mustOpenPostgresDSN(t, dsn, Options{})
	defer s2.Close()
	const quota, tries = 3, 24
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for i := range tries {
		s := []*Store{s1, s2}[i%2]
		wg.Go(func() {
			full := errors.New("quota")
			err := s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
				n, err := tx.CountCollaborationsCreatedBy(t.Context(), "1")
				if err != nil {
					return err
				}
				if n >= quota {
					return full
				}
				return tx.InsertCollaboration(t.Context(), testCollaboration(fmt.Sprintf("c%d", i), "1"))
			})
			switch {
			case err == nil:
				mu.Lock()
				created++
				mu.Unlock()
			case !errors.Is(err, full):
				t.Errorf("Transact: %v", err)
			}
		})
	}
	wg.Wait()
	if created != quota {
		t.Errorf("%d creates passed a quota of %d", created, quota)
	}
	mustView(t, s1, func(tx cleanrooms.ReadTx) error {
		n, err := tx.CountCollaborationsCreatedBy(t.Context(), "1")
		if err == nil && n != quota {
			t.Errorf("%d collaborations stored, quota %d", n, quota)
		}
		return err
	})
}

// interfere commits an update of member (c1, 1) from another connection,
// as another replica would, between fn's read and its write.
func interfere(t *testing.T, dsn string) {
	t.Helper()
	db := openPostgresRaw(t, dsn)
	if _, err := db.ExecContext(t.Context(), "UPDATE members SET display_name = display_name || '+' WHERE collaboration_id = 'c1' AND account_id = '1'"); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresSerializationFailures(t *testing.T) {
	s, dsn := mustOpenPostgres(t, Options{MaxAttempts: 3})
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		if err := tx.InsertCollaboration(t.Context(), testCollaboration("c1", "1")); err != nil {
			return err
		}
		return tx.InsertMember(t.Context(), testMember("c1", "1", 0))
	})
	readModifyWrite := func(calls *int, interfereOn func(call int) bool) error {
		return s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
			*calls++
			m, err := tx.GetMember(t.Context(), "c1", "1")
			if err != nil {
				return err
			}
			if interfereOn(*calls) {
				interfere(t, dsn)
			}
			m.Position++
			return tx.UpdateMember(t.Context(), m)
		})
	}

	t.Run("RetriedThenCommitted", func(t *testing.T) {
		calls := 0
		if err := readModifyWrite(&calls, func(call int) bool { return call == 1 }); err != nil {
			t.Fatalf("Transact: %v", err)
		}
		if calls != 2 {
			t.Errorf("fn ran %d times, want 2", calls)
		}
		mustView(t, s, func(tx cleanrooms.ReadTx) error {
			m, err := tx.GetMember(t.Context(), "c1", "1")
			if err == nil && (m.Position != 1 || m.DisplayName != "m+") {
				t.Errorf("member = position %d, name %q; want 1, %q: the retry must start from the other write", m.Position, m.DisplayName, "m+")
			}
			return err
		})
	})

	t.Run("GivesUp", func(t *testing.T) {
		calls := 0
		err := readModifyWrite(&calls, func(int) bool { return true })
		if !errors.Is(err, cleanrooms.ErrUnavailable) {
			t.Errorf("Transact = %v, want ErrUnavailable", err)
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != pgSerializationFailure {
			t.Errorf("Transact = %v, want it to wrap the 40001 error", err)
		}
		if calls != 3 {
			t.Errorf("fn ran %d times, want MaxAttempts = 3", calls)
		}
	})
}

// Two transactions that lock the same two rows in opposite orders
// deadlock; PostgreSQL aborts one (40P01) and Transact runs it again.
func TestPostgresDeadlockRetried(t *testing.T) {
	s, _ := mustOpenPostgres(t, Options{})
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		if err := tx.InsertCollaboration(t.Context(), testCollaboration("c1", "1")); err != nil {
			return err
		}
		for _, acct := range []string{"a", "b"} {
			if err := tx.InsertMember(t.Context(), testMember("c1", acct, 0)); err != nil {
				return err
			}
		}
		return nil
	})
	var firstLocked sync.WaitGroup
	firstLocked.Add(2)
	var mu sync.Mutex
	calls := 0
	bump := func(order []string) error {
		attempt := 0
		return s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
			attempt++
			mu.Lock()
			calls++
			mu.Unlock()
			for i, acct := range order {
				// A blind write takes the row lock at once.
				m := testMember("c1", acct, 0)
				m.DisplayName = strings.Join(order, "")
				if err := tx.UpdateMember(t.Context(), m); err != nil {
					return err
				}
				if i == 0 && attempt == 1 {
					firstLocked.Done()
					firstLocked.Wait() // both hold their first row
				}
			}
			return nil
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, order := range [][]string{{"a", "b"}, {"b", "a"}} {
		wg.Go(func() { errs[i] = bump(order) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Transact #%d: %v", i, err)
		}
	}
	if calls < 3 {
		t.Errorf("fn ran %d times in all; a deadlock should have made one run again", calls)
	}
}

func TestPostgresClassify(t *testing.T) {
	d := postgresDialect{}
	for code, want := range map[string]errKind{
		"23505": errUnique, "23503": errForeignKey,
		"40001": errRetryable, "40P01": errRetryable,
		"23502": errOther, "42P01": errOther, "57014": errOther,
	} {
		err := fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code})
		if got := d.classify(err); got != want {
			t.Errorf("classify(SQLSTATE %s) = %d, want %d", code, got, want)
		}
	}
	if got := d.classify(errors.New("x")); got != errOther {
		t.Errorf("classify(plain error) = %d, want errOther", got)
	}
}

func TestPostgresRebind(t *testing.T) {
	got := postgresDialect{}.rebind("SELECT a FROM t WHERE b = ? AND (c, d) > (?, ?) LIMIT ?")
	if want := "SELECT a FROM t WHERE b = $1 AND (c, d) > ($2, $3) LIMIT $4"; got != want {
		t.Errorf("rebind = %q, want %q", got, want)
	}
}

// Transact is SERIALIZABLE and read-write; View is REPEATABLE READ and
// read-only, and ViewOne's read pool read-only, so a write cannot sneak
// through them.
func TestPostgresIsolationLevels(t *testing.T) {
	s, _ := mustOpenPostgres(t, Options{})
	show := func(tx *sql.Tx) (iso, ro string) {
		if err := tx.QueryRow("SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')").Scan(&iso, &ro); err != nil {
			t.Fatal(err)
		}
		return iso, ro
	}
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		if iso, ro := show(tx.(*writeTx).tx); iso != "serializable" || ro != "off" {
			t.Errorf("Transact runs at %s, read only %s; want serializable, off", iso, ro)
		}
		return nil
	})
	mustView(t, s, func(tx cleanrooms.ReadTx) error {
		rtx := tx.(*readTx).tx
		if iso, ro := show(rtx); iso != "repeatable read" || ro != "on" {
			t.Errorf("View runs at %s, read only %s; want repeatable read, on", iso, ro)
		}
		if _, err := rtx.Exec("DELETE FROM tags"); err == nil {
			t.Errorf("a write inside View succeeded")
		}
		return nil
	})
	// ViewOne's statements run on the read pool outside a transaction:
	// read-only too.
	var ro string
	if err := s.r.QueryRow("SELECT current_setting('transaction_read_only')").Scan(&ro); err != nil || ro != "on" {
		t.Errorf("a statement on the read pool runs with transaction_read_only %q (%v), want on", ro, err)
	}
	if _, err := s.r.Exec("DELETE FROM tags"); err == nil {
		t.Errorf("a write through the read pool succeeded")
	}
}

// Rows must point at an existing collaboration: 23503 is ErrNotFound.
func TestPostgresForeignKeys(t *testing.T) {
	s, _ := mustOpenPostgres(t, Options{})
	for name, fn := range map[string]func(tx cleanrooms.Tx) error{
		"InsertMember": func(tx cleanrooms.Tx) error { return tx.InsertMember(t.Context(), testMember("nope", "1", 0)) },
		"InsertMembership": func(tx cleanrooms.Tx) error {
			return tx.InsertMembership(t.Context(), testMembership("m", "nope", "1"))
		},
	} {
		if err := s.Transact(t.Context(), fn); !errors.Is(err, cleanrooms.ErrNotFound) {
			t.Errorf("%s into an unknown collaboration: %v, want ErrNotFound", name, err)
		}
	}
}

// Everything written is there after reopening, and a cursor issued
// before still resumes the list.
func TestPostgresReopen(t *testing.T) {
	s, dsn := mustOpenPostgres(t, Options{})
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		for i := range 3 {
			c := testCollaboration(fmt.Sprintf("c%d", i), "111111111111")
			if err := tx.InsertCollaboration(t.Context(), c); err != nil {
				return err
			}
			if err := tx.InsertMembership(t.Context(), fullTestMembership(fmt.Sprintf("m%d", i), c.ID, "222222222222")); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(s *Store, p cleanrooms.Page) (items []cleanrooms.Membership, next string) {
		mustView(t, s, func(tx cleanrooms.ReadTx) (err error) {
			items, next, err = tx.ListMembershipsOf(t.Context(), "222222222222", nil, p)
			return err
		})
		return items, next
	}
	all, _ := list(s, cleanrooms.Page{Limit: 10})
	_, cursor := list(s, cleanrooms.Page{Limit: 1})
	s.Close()

	s = mustOpenPostgresDSN(t, dsn, Options{})
	defer s.Close()
	again, _ := list(s, cleanrooms.Page{Limit: 10})
	if d := cmp.Diff(all, again); d != "" || len(again) != 3 {
		t.Errorf("memberships after reopening (-before +after):\n%s", d)
	}
	rest, _ := list(s, cleanrooms.Page{Cursor: cursor, Limit: 10})
	if d := cmp.Diff(all[1:], rest); d != "" {
		t.Errorf("cursor from before reopening resumed with (-want +got):\n%s", d)
	}
}

// Tag keys and values may hold any character, NUL included, on both
// engines.
func TestTagsAnyCharacters(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *Store{
		"sqlite":   func(t *testing.T) *Store { s, _ := mustOpenTemp(t, Options{}); return s },
		"postgres": func(t *testing.T) *Store { s, _ := mustOpenPostgres(t, Options{}); return s },
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			tags := map[string]string{"nul\x00key": "nul\x00value", "☃\t\n'\"\\%_": "", "plain": "é"}
			mustTransact(t, s, func(tx cleanrooms.Tx) error { return tx.TagResource(t.Context(), "arn:x", tags) })
			mustView(t, s, func(tx cleanrooms.ReadTx) error {
				got, err := tx.Tags(t.Context(), "arn:x")
				if d := cmp.Diff(tags, got); err == nil && d != "" {
					t.Errorf("tags (-want +got):\n%s", d)
				}
				return err
			})
			mustTransact(t, s, func(tx cleanrooms.Tx) error {
				return tx.UntagResource(t.Context(), "arn:x", []string{"nul\x00key", "nul"})
			})
			mustView(t, s, func(tx cleanrooms.ReadTx) error {
				got, err := tx.Tags(t.Context(), "arn:x")
				delete(tags, "nul\x00key")
				if d := cmp.Diff(tags, got); err == nil && d != "" {
					t.Errorf("tags after untag (-want +got):\n%s", d)
				}
				return err
			})
		})
	}
}

// The service's join, raced from two stores: read the member row, refuse
// if it already has a membership, else insert one and point the row at
// it. Every loser must answer what it would on a serial engine ("already
// a member", from its read), not with the unique violation of an insert
// that raced the winner's: that is the answer one process gives.
func TestPostgresJoinRaceAnswersAsSerial(t *testing.T) {
	s1, dsn := mustOpenPostgres(t, Options{})
	s2 := mustOpenPostgresDSN(t, dsn, Options{})
	defer s2.Close()
	errMember := errors.New("already a member")
	const rounds, racers = 5, 16
	for round := range rounds {
		c := fmt.Sprintf("c%d", round)
		mustTransact(t, s1, func(tx cleanrooms.Tx) error {
			if err := tx.InsertCollaboration(t.Context(), testCollaboration(c, "1")); err != nil {
				return err
			}
			return tx.InsertMember(t.Context(), testMember(c, "2", 1))
		})
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			s := []*Store{s1, s2}[i%2]
			wg.Go(func() {
				<-start
				errs[i] = s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
					m, err := tx.GetMember(t.Context(), c, "2")
					if err != nil {
						return err
					}
					if m.Status == cleanrooms.MemberActive {
						return errMember
					}
					ms := testMembership(fmt.Sprintf("m%d-%d", round, i), c, "2")
					if err := tx.InsertMembership(t.Context(), ms); err != nil {
						return err
					}
					m.Status, m.MembershipID = cleanrooms.MemberActive, ms.ID
					return tx.UpdateMember(t.Context(), m)
				})
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, errMember):
				t.Errorf("round %d: join #%d: %v, want nil or %v", round, i, err, errMember)
			}
		}
		if wins != 1 {
			t.Errorf("round %d: %d joins succeeded, want 1", round, wins)
		}
	}
	t.Logf("retries: %d and %d", s1.retries.Load(), s2.retries.Load())
}
