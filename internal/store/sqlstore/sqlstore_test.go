package sqlstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/store/storetest"
	"github.com/google/go-cmp/cmp"
)

func TestSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cleanrooms.Store {
		return mustOpen(t, "", Options{})
	})
}

func TestSQLiteFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cleanrooms.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "cleanrooms.db"), Options{})
	})
}

// mustOpen opens a store; the caller closes it.
func mustOpen(tb testing.TB, path string, opts Options) *Store {
	tb.Helper()
	s, err := OpenSQLite(tb.Context(), path, opts)
	if err != nil {
		tb.Fatalf("OpenSQLite(%q): %v", path, err)
	}
	return s
}

// mustOpenTemp opens a file store in a temporary directory and closes it
// at the end of the test.
func mustOpenTemp(tb testing.TB, opts Options) (*Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "cleanrooms.db")
	s := mustOpen(tb, path, opts)
	tb.Cleanup(func() { s.Close() })
	return s, path
}

func mustTransact(tb testing.TB, s *Store, fn func(tx cleanrooms.Tx) error) {
	tb.Helper()
	if err := s.Transact(tb.Context(), fn); err != nil {
		tb.Fatalf("Transact: %v", err)
	}
}

func mustView(tb testing.TB, s *Store, fn func(tx cleanrooms.ReadTx) error) {
	tb.Helper()
	if err := s.View(tb.Context(), fn); err != nil {
		tb.Fatalf("View: %v", err)
	}
}

func testCollaboration(id, creator string) *cleanrooms.Collaboration {
	now := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	return &cleanrooms.Collaboration{
		ID: id, Region: "us-east-1", CreatorAccountID: creator,
		Name: "n", CreatorDisplayName: "d", QueryLogStatus: "DISABLED",
		AutoApprovedChangeTypes: []string{},
		CreateTime:              now, UpdateTime: now,
	}
}

func testMember(collaborationID, accountID string, position int) *cleanrooms.Member {
	now := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	return &cleanrooms.Member{
		CollaborationID: collaborationID, AccountID: accountID, Position: position,
		DisplayName: "m", Abilities: []string{"CAN_QUERY"}, Status: cleanrooms.MemberInvited,
		CreateTime: now, UpdateTime: now,
	}
}

func testMembership(id, collaborationID, accountID string) *cleanrooms.Membership {
	now := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	return &cleanrooms.Membership{
		ID: id, AccountID: accountID, Region: "us-east-1", CollaborationID: collaborationID,
		Status: cleanrooms.MembershipActive, QueryLogStatus: "ENABLED",
		Payment:    cleanrooms.PaymentConfig{QueryCompute: true, JobCompute: new(bool)},
		CreateTime: now, UpdateTime: now,
	}
}

// Everything written before Close is there after reopening, and a cursor
// issued before the restart still resumes the list.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cleanrooms.db")
	s := mustOpen(t, path, Options{})
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		for i := range 3 {
			c := testCollaboration(fmt.Sprintf("c%d", i), "111111111111")
			if err := tx.InsertCollaboration(t.Context(), c); err != nil {
				return err
			}
			if err := tx.InsertMember(t.Context(), testMember(c.ID, "222222222222", 1)); err != nil {
				return err
			}
			if err := tx.InsertMembership(t.Context(), testMembership(fmt.Sprintf("m%d", i), c.ID, "222222222222")); err != nil {
				return err
			}
		}
		return tx.TagResource(t.Context(), "arn:x", map[string]string{"k": "v"})
	})
	type snapshot struct {
		Collaboration *cleanrooms.Collaboration
		Members       []cleanrooms.Member
		Memberships   []cleanrooms.Membership
		Tags          map[string]string
	}
	read := func(s *Store) (snap snapshot, firstPageCursor string) {
		mustView(t, s, func(tx cleanrooms.ReadTx) (err error) {
			if snap.Collaboration, err = tx.GetCollaboration(t.Context(), "c1"); err != nil {
				return err
			}
			if snap.Members, _, err = tx.ListMembers(t.Context(), "c1", cleanrooms.Page{Limit: 10}); err != nil {
				return err
			}
			if snap.Memberships, _, err = tx.ListMembershipsOf(t.Context(), "222222222222", nil, cleanrooms.Page{Limit: 10}); err != nil {
				return err
			}
			if _, firstPageCursor, err = tx.ListMembershipsOf(t.Context(), "222222222222", nil, cleanrooms.Page{Limit: 1}); err != nil {
				return err
			}
			snap.Tags, err = tx.Tags(t.Context(), "arn:x")
			return err
		})
		return snap, firstPageCursor
	}
	before, cursor := read(s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = mustOpen(t, path, Options{})
	defer s.Close()
	after, _ := read(s)
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("after reopening (-before +after):\n%s", d)
	}
	if len(after.Memberships) != 3 {
		t.Errorf("%d memberships after reopening, want 3", len(after.Memberships))
	}
	mustView(t, s, func(tx cleanrooms.ReadTx) error {
		rest, _, err := tx.ListMembershipsOf(t.Context(), "222222222222", nil, cleanrooms.Page{Cursor: cursor, Limit: 10})
		if err == nil && len(rest) != 2 {
			t.Errorf("cursor from before the restart resumed with %d items, want 2", len(rest))
		}
		return err
	})
	var versions int
	if err := s.w.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if ms, _ := loadMigrations(s.d.migrations()); versions != len(ms) {
		t.Errorf("schema_migrations has %d rows after reopening, want %d", versions, len(ms))
	}
}

func TestConnectionSettings(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		sync string
	}{
		{Options{}, "2"},
		{Options{Synchronous: SyncNormal}, "1"},
	} {
		s, _ := mustOpenTemp(t, tc.opts)
		want := map[string]string{"journal_mode": "wal", "synchronous": tc.sync, "foreign_keys": "1", "busy_timeout": "5000",
			"wal_autocheckpoint": strconv.Itoa(walAutocheckpoint)}
		for name, w := range want {
			var got string
			if err := s.w.QueryRow("PRAGMA " + name).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != w {
				t.Errorf("writer PRAGMA %s = %s, want %s (opts %+v)", name, got, w, tc.opts)
			}
		}
		// The read pool cannot write even if asked to.
		if _, err := s.r.Exec("DELETE FROM tags"); err == nil {
			t.Errorf("a write through the read pool succeeded")
		}
	}
}

// Rows must point at an existing collaboration; the store reports a
// missing one as ErrNotFound.
func TestForeignKeys(t *testing.T) {
	for _, path := range []string{"", filepath.Join(t.TempDir(), "db")} {
		s := mustOpen(t, path, Options{})
		defer s.Close()
		for name, fn := range map[string]func(tx cleanrooms.Tx) error{
			"InsertMember": func(tx cleanrooms.Tx) error { return tx.InsertMember(t.Context(), testMember("nope", "1", 0)) },
			"InsertMembership": func(tx cleanrooms.Tx) error {
				return tx.InsertMembership(t.Context(), testMembership("m", "nope", "1"))
			},
		} {
			if err := s.Transact(t.Context(), fn); !errors.Is(err, cleanrooms.ErrNotFound) {
				t.Errorf("store %q: %s into an unknown collaboration: %v, want ErrNotFound", path, name, err)
			}
		}
	}
}

func TestTimesAreUTC(t *testing.T) {
	s := mustOpen(t, "", Options{})
	defer s.Close()
	c := testCollaboration("c1", "1")
	c.CreateTime = time.Date(2025, 1, 1, 23, 0, 0, 999, time.FixedZone("X", -7*3600))
	mustTransact(t, s, func(tx cleanrooms.Tx) error { return tx.InsertCollaboration(t.Context(), c) })
	mustView(t, s, func(tx cleanrooms.ReadTx) error {
		got, err := tx.GetCollaboration(t.Context(), "c1")
		if err != nil {
			return err
		}
		want := c.CreateTime.UTC().Truncate(time.Microsecond)
		if got.CreateTime != want { // same wall clock, zone and no monotonic reading
			t.Errorf("CreateTime = %v, want %v", got.CreateTime, want)
		}
		return nil
	})
}

// Position ties are broken by creation order, and pages over a tie lose
// nothing.
func TestListMembersPositionTies(t *testing.T) {
	s := mustOpen(t, "", Options{})
	defer s.Close()
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		if err := tx.InsertCollaboration(t.Context(), testCollaboration("c1", "0")); err != nil {
			return err
		}
		for _, acct := range []string{"d", "b", "c", "a"} {
			if err := tx.InsertMember(t.Context(), testMember("c1", acct, 1)); err != nil {
				return err
			}
		}
		return tx.InsertMember(t.Context(), testMember("c1", "z", 0))
	})
	var got []string
	cursor := ""
	for {
		var page []cleanrooms.Member
		mustView(t, s, func(tx cleanrooms.ReadTx) (err error) {
			page, cursor, err = tx.ListMembers(t.Context(), "c1", cleanrooms.Page{Cursor: cursor, Limit: 1})
			return err
		})
		for _, m := range page {
			got = append(got, m.AccountID)
		}
		if cursor == "" {
			break
		}
	}
	if d := cmp.Diff([]string{"z", "d", "b", "c", "a"}, got); d != "" {
		t.Errorf("ListMembers order (-want +got):\n%s", d)
	}
}

func TestPageLimitBelowOne(t *testing.T) {
	s := mustOpen(t, "", Options{})
	defer s.Close()
	err := s.View(t.Context(), func(tx cleanrooms.ReadTx) error {
		_, _, err := tx.ListMembershipsOf(t.Context(), "1", nil, cleanrooms.Page{Limit: 0})
		return err
	})
	if err == nil {
		t.Errorf("ListMembershipsOf with Limit 0 succeeded")
	}
}

// A panic in fn rolls back and leaves the write connection usable.
func TestTransactPanic(t *testing.T) {
	s, _ := mustOpenTemp(t, Options{})
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("panic in fn did not propagate")
			}
		}()
		s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
			if err := tx.InsertCollaboration(t.Context(), testCollaboration("c1", "1")); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		if _, err := tx.GetCollaboration(t.Context(), "c1"); !errors.Is(err, cleanrooms.ErrNotFound) {
			t.Errorf("write of the panicking fn: GetCollaboration = %v, want ErrNotFound", err)
		}
		return tx.InsertCollaboration(t.Context(), testCollaboration("c2", "1"))
	})
}

// Two Stores on one file behave like two processes: BEGIN IMMEDIATE,
// busy_timeout and retries keep their read-modify-writes serializable.
func TestTwoStoresOneFile(t *testing.T) {
	s1, path := mustOpenTemp(t, Options{Synchronous: SyncNormal})
	s2 := mustOpen(t, path, Options{Synchronous: SyncNormal})
	defer s2.Close()
	concurrentIncrements(t, s1, s2, 8, 5)
}

// The path reaches SQLite as a file: URI; characters with a meaning in
// URIs must name the file literally.
func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a b?c=d#e%20f&g.db")
	s := mustOpen(t, path, Options{})
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		return tx.InsertCollaboration(t.Context(), testCollaboration("c1", "1"))
	})
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	s = mustOpen(t, path, Options{})
	defer s.Close()
	mustView(t, s, func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetCollaboration(t.Context(), "c1")
		return err
	})
}

// concurrentIncrements has perStore goroutines on each of two stores of one
// database do increments read-modify-writes of one row through Transact,
// and checks that no update was lost.
func concurrentIncrements(t *testing.T, s1, s2 *Store, perStore, increments int) {
	t.Helper()
	mustTransact(t, s1, func(tx cleanrooms.Tx) error {
		if err := tx.InsertCollaboration(t.Context(), testCollaboration("c1", "1")); err != nil {
			return err
		}
		return tx.InsertMember(t.Context(), testMember("c1", "1", 0))
	})
	var wg sync.WaitGroup
	for _, s := range []*Store{s1, s2} {
		for range perStore {
			wg.Go(func() {
				for range increments {
					err := s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
						m, err := tx.GetMember(t.Context(), "c1", "1")
						if err != nil {
							return err
						}
						m.Position++
						return tx.UpdateMember(t.Context(), m)
					})
					if err != nil {
						t.Errorf("Transact: %v", err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	mustView(t, s2, func(tx cleanrooms.ReadTx) error {
		m, err := tx.GetMember(t.Context(), "c1", "1")
		if err == nil && m.Position != 2*perStore*increments {
			t.Errorf("counter = %d, want %d", m.Position, 2*perStore*increments)
		}
		return err
	})
}

// Every connection plans without looking at bound values, so that a
// prepared join is not re-prepared on each execution (sqlite_qpsg.go).
func TestQueryPlannerStability(t *testing.T) {
	if got := qpsgOfNewConnection(); got != 1 {
		t.Errorf("QPSG of a new connection = %d, want 1", got)
	}
}
