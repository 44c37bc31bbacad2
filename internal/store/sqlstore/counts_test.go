package sqlstore

import (
	"database/sql"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
)

// The counts of migration 0002 against the rows they count, read with
// GROUP BY: the counts of accounts with rows must equal them, and every
// other count must be 0.
func checkCountsMatchRows(t *testing.T, db *sql.DB, d dialect) {
	t.Helper()
	read := func(q string) map[string]int {
		rows, err := db.QueryContext(t.Context(), d.rebind(q))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[string]int{}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				m[k] = n
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if d := cmp.Diff(
		read("SELECT creator_account_id, COUNT(*) FROM collaborations WHERE delete_time IS NULL GROUP BY creator_account_id"),
		read("SELECT account_id, n FROM collaboration_counts"),
	); d != "" {
		t.Errorf("collaboration_counts (-rows +counts):\n%s", d)
	}
	if d := cmp.Diff(
		read("SELECT account_id || '/' || status, COUNT(*) FROM memberships GROUP BY account_id, status"),
		read("SELECT account_id || '/' || status, n FROM membership_counts"),
	); d != "" {
		t.Errorf("membership_counts (-rows +counts):\n%s", d)
	}
}

// onlyFirstMigration is d's first migration alone: a schema at version 1.
func onlyFirstMigration(t *testing.T, d dialect) fstest.MapFS {
	t.Helper()
	body, err := fs.ReadFile(d.migrations(), "0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{"0001_init.sql": file(string(body))}
}

// seedVersion1 writes rows on a schema at version 1, through the store's
// own writes (unprepared).
func seedVersion1(t *testing.T, db *sql.DB, d dialect) {
	t.Helper()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	w := &writeTx{readTx{d: d, tx: tx}}
	ctx := t.Context()
	statuses := []string{cleanrooms.MembershipActive, cleanrooms.MembershipRemoved, cleanrooms.MembershipCollaborationDeleted}
	for i := range 40 {
		c := testCollaboration(fmt.Sprintf("c%d", i), fmt.Sprintf("creator%d", i%3))
		if i%5 == 0 {
			c.DeleteTime = &c.CreateTime
		}
		if err := w.InsertCollaboration(ctx, c); err != nil {
			t.Fatal(err)
		}
		for j := range i % 4 {
			m := testMembership(fmt.Sprintf("m%d-%d", i, j), c.ID, fmt.Sprintf("acct%d", j))
			m.Status = statuses[(i+j)%3]
			if err := w.InsertMembership(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// Migration 0002 counts the rows that exist when it runs, then the
// triggers keep the counts.
func TestCountsMigrationBackfills(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db := openRaw(t)
		d := sqliteDialect{}
		if err := migrate(t.Context(), db, fsDialect{fsys: onlyFirstMigration(t, d)}); err != nil {
			t.Fatal(err)
		}
		seedVersion1(t, db, d)
		if err := migrate(t.Context(), db, d); err != nil {
			t.Fatal(err)
		}
		checkCountsMatchRows(t, db, d)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, _ := pgtest.Schema(t)
		db := openPostgresRaw(t, dsn)
		d := postgresDialect{}
		if err := migrate(t.Context(), db, pgFSDialect{fsys: onlyFirstMigration(t, d)}); err != nil {
			t.Fatal(err)
		}
		seedVersion1(t, db, d)
		if err := migrate(t.Context(), db, d); err != nil {
			t.Fatal(err)
		}
		checkCountsMatchRows(t, db, d)
		// Counted from there by the triggers, TRUNCATE included.
		s := mustOpenPostgresDSN(t, dsn, Options{})
		defer s.Close()
		randomWrites(t, s, 200, 1)
		checkCountsMatchRows(t, db, d)
		if _, err := db.ExecContext(t.Context(), "TRUNCATE analysis_templates, memberships, members, collaborations CASCADE"); err != nil {
			t.Fatal(err)
		}
		checkCountsMatchRows(t, db, d)
	})
}

// randomWrites runs n random writes of every kind that changes a count,
// from the given number of goroutines.
func randomWrites(t *testing.T, s *Store, n, workers int) {
	t.Helper()
	const accounts, collaborations = 4, 12
	statuses := []string{cleanrooms.MembershipActive, cleanrooms.MembershipRemoved, cleanrooms.MembershipCollaborationDeleted}
	acct := func(r *rand.Rand) string { return fmt.Sprintf("acct%d", r.IntN(accounts)) }
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range n / workers {
				err := s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
					ctx := t.Context()
					cid := fmt.Sprintf("rc%d", r.IntN(collaborations))
					c, err := tx.GetCollaboration(ctx, cid)
					if err != nil {
						c = testCollaboration(cid, acct(r))
						return tx.InsertCollaboration(ctx, c)
					}
					switch r.IntN(5) {
					case 0: // delete, undelete or move the collaboration
						switch r.IntN(3) {
						case 0:
							c.DeleteTime = &c.UpdateTime
						case 1:
							c.DeleteTime = nil
						default:
							c.CreatorAccountID = acct(r)
						}
						return tx.UpdateCollaboration(ctx, c)
					case 1:
						_, err := tx.SetMembershipStatuses(ctx, cid, statuses[1+r.IntN(2)], c.UpdateTime)
						return err
					}
					a := acct(r)
					items, _, err := tx.ListMembershipsOf(ctx, a, nil, cleanrooms.Page{Limit: 100})
					if err != nil {
						return err
					}
					for _, m := range items {
						if m.CollaborationID != cid {
							continue
						}
						if r.IntN(2) == 0 {
							return tx.DeleteMembership(ctx, m.ID)
						}
						m.Status = statuses[r.IntN(3)]
						return tx.UpdateMembership(ctx, &m)
					}
					m := testMembership(fmt.Sprintf("rm%d-%d-%d", w, i, r.IntN(1000)), cid, a)
					m.Status = statuses[r.IntN(3)]
					return tx.InsertMembership(ctx, m)
				})
				if err != nil {
					t.Errorf("write %d of worker %d: %v", i, w, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Random writes, concurrent where the engine runs them side by side,
// leave every count equal to its rows.
func TestCountsMatchRowsAfterRandomWrites(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		s, _ := mustOpenTemp(t, Options{Synchronous: SyncNormal})
		randomWrites(t, s, 400, 4)
		checkCountsMatchRows(t, s.w, s.d)
	})
	t.Run("postgres", func(t *testing.T) {
		s, _ := mustOpenPostgres(t, Options{MaxWriteConns: 4})
		randomWrites(t, s, 400, 4)
		checkCountsMatchRows(t, s.w, s.d)
		t.Logf("retries: %d", s.retries.Load())
	})
}

// The triggers count a membership or collaboration that SQL moves to
// another account (an operator's UPDATE: the store's own updates never
// change a membership's account).
func TestCountsFollowAccountMoves(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) *Store
	}{
		{"sqlite", func(t *testing.T) *Store { s, _ := mustOpenTemp(t, Options{}); return s }},
		{"postgres", func(t *testing.T) *Store { s, _ := mustOpenPostgres(t, Options{}); return s }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.open(t)
			mustTransact(t, s, func(tx cleanrooms.Tx) error {
				if err := tx.InsertCollaboration(t.Context(), testCollaboration("c1", "acct0")); err != nil {
					return err
				}
				for i, a := range []string{"acct0", "acct1"} {
					if err := tx.InsertMembership(t.Context(), testMembership(fmt.Sprintf("m%d", i), "c1", a)); err != nil {
						return err
					}
				}
				return nil
			})
			for _, q := range []string{
				"UPDATE memberships SET account_id = 'acct2' WHERE id = 'm1'",
				"UPDATE memberships SET account_id = 'acct3', status = 'REMOVED' WHERE id = 'm1'",
				"UPDATE collaborations SET creator_account_id = 'acct1' WHERE id = 'c1'",
			} {
				if _, err := s.w.ExecContext(t.Context(), q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				checkCountsMatchRows(t, s.w, s.d)
			}
		})
	}
}
