package durability

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver the server uses

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/crashload"
)

// checkInvariants opens the server's database read-only (alongside the
// running server: WAL lets a reader in) and checks that no transaction is
// half-applied:
//
//   - the file is intact and in WAL mode, with no dangling foreign key;
//   - every collaboration is one the load tried to create, with exactly the
//     member rows that request named (creator first);
//   - a member row is ACTIVE iff it names a membership that exists for the
//     same account and collaboration, and every membership is named by its
//     ACTIVE member row;
//   - every tag belongs to a resource that exists.
//
// attempted maps a collaboration name to its member accounts in order.
func checkInvariants(t *testing.T, dataDir string, attempted map[string][]string) {
	t.Helper()
	ctx := context.Background()
	path, err := filepath.Abs(filepath.Join(dataDir, "cleanroomsd.db"))
	if err != nil {
		t.Fatal(err)
	}
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: "mode=ro&_busy_timeout=5000"}).String()
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// One read transaction: every check sees the same snapshot.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	one := func(q string) string {
		t.Helper()
		var s string
		if err := tx.QueryRowContext(ctx, q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}
	if got := one("PRAGMA integrity_check"); got != "ok" {
		t.Errorf("integrity_check: %s", got)
	}
	if got := one("PRAGMA journal_mode"); got != "wal" {
		t.Errorf("journal_mode = %q, want wal", got)
	}
	rows := func(q string, scan func(*sql.Rows) error) {
		t.Helper()
		r, err := tx.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer r.Close()
		for r.Next() {
			if err := scan(r); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := r.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Dangling foreign keys (members or memberships of no collaboration).
	rows("PRAGMA foreign_key_check", func(r *sql.Rows) error {
		cols, _ := r.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := r.Scan(vals...); err != nil {
			return err
		}
		t.Errorf("foreign_key_check: %v", derefAll(vals))
		return nil
	})

	// Collaborations and their member rows.
	members := map[string][]string{} // collaboration name -> accounts by position
	names := map[string]string{}     // id -> name
	rows(`SELECT c.id, c.name, COALESCE(m.account_id, ''), COALESCE(m.position, -1)
	      FROM collaborations c LEFT JOIN members m ON m.collaboration_id = c.id
	      ORDER BY c.seq, m.position`, func(r *sql.Rows) error {
		var id, name, account string
		var pos int
		if err := r.Scan(&id, &name, &account, &pos); err != nil {
			return err
		}
		names[id] = name
		if pos >= 0 {
			members[name] = append(members[name], account)
		}
		return nil
	})
	for id, name := range names {
		want, ok := attempted[name]
		switch {
		case !ok:
			t.Errorf("collaboration %s (%q) was never requested", id, name)
		case strings.Join(members[name], ",") != strings.Join(want, ","):
			t.Errorf("collaboration %s (%q) has member rows %v, want %v (half-applied CreateCollaboration)", id, name, members[name], want)
		}
	}

	// Member row ACTIVE <=> its membership exists.
	rows(`SELECT m.collaboration_id, m.account_id, m.status, m.membership_id,
	             (SELECT COUNT(*) FROM memberships ms WHERE ms.id = m.membership_id
	                AND ms.account_id = m.account_id AND ms.collaboration_id = m.collaboration_id)
	      FROM members m`, func(r *sql.Rows) error {
		var collab, account, status, msID string
		var n int
		if err := r.Scan(&collab, &account, &status, &msID, &n); err != nil {
			return err
		}
		if (status == "ACTIVE") != (n == 1) {
			t.Errorf("member row %s/%s: status %s, membership %q, matching memberships %d", collab, account, status, msID, n)
		}
		if status != "ACTIVE" && msID != "" {
			t.Errorf("member row %s/%s: status %s but names membership %q", collab, account, status, msID)
		}
		return nil
	})
	rows(`SELECT ms.id, ms.status FROM memberships ms WHERE NOT EXISTS (
	        SELECT 1 FROM members m WHERE m.collaboration_id = ms.collaboration_id
	          AND m.account_id = ms.account_id AND m.membership_id = ms.id AND m.status = 'ACTIVE')`,
		func(r *sql.Rows) error {
			var id, status string
			if err := r.Scan(&id, &status); err != nil {
				return err
			}
			t.Errorf("membership %s (%s) has no ACTIVE member row naming it (half-applied CreateMembership)", id, status)
			return nil
		})

	// Objects, Glue tables, configured tables, rules and associations.
	orphans := crashload.CheckData(t, filepath.Join(dataDir, "objects"), func(q string, each func(func(...any) error) error) {
		t.Helper()
		rows(q, func(r *sql.Rows) error { return each(r.Scan) })
	})
	t.Logf("%d blobs that no row names (a kill between a blob's rename and its row's commit)", orphans)

	// Tags of resources that do not exist (ARNs end in
	// ":collaboration/ID" or ":membership/ID").
	rows(`SELECT DISTINCT arn FROM tags WHERE NOT (
	        (instr(arn, ':collaboration/') > 0 AND
	         substr(arn, instr(arn, ':collaboration/') + 15) IN (SELECT id FROM collaborations))
	     OR (instr(arn, ':membership/') > 0 AND
	         substr(arn, instr(arn, ':membership/') + 12) IN (SELECT id FROM memberships)))`,
		func(r *sql.Rows) error {
			var arn string
			if err := r.Scan(&arn); err != nil {
				return err
			}
			t.Errorf("tags of %s, which does not exist", arn)
			return nil
		})
}

func derefAll(vals []any) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = *(v.(*any))
	}
	return out
}
