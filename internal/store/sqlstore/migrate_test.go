package sqlstore

import (
	"database/sql"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

type fsDialect struct {
	sqliteDialect
	fsys fs.FS
}

func (d fsDialect) migrations() fs.FS { return d.fsys }

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestLoadMigrations(t *testing.T) {
	ok := fstest.MapFS{"0002_b.sql": file("B"), "0001_a.sql": file("A")}
	ms, err := loadMigrations(ok)
	if err != nil || len(ms) != 2 || ms[0].sql != "A" || ms[1].version != 2 {
		t.Errorf("loadMigrations = %+v, %v; want 0001 then 0002", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":       {"0001_a.sql": file(""), "0003_c.sql": file("")},
		"duplicate": {"0001_a.sql": file(""), "0001_b.sql": file("")},
		"bad name":  {"0001_a.sql": file(""), "2_b.sql": file("")},
		"stray":     {"0001_a.sql": file(""), "README": file("")},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: loadMigrations accepted %v", name, fsys)
		}
	}
	if _, err := loadMigrations(sqliteDialect{}.migrations()); err != nil {
		t.Errorf("embedded SQLite migrations: %v", err)
	}
}

func openRaw(t *testing.T) *sql.DB {
	t.Helper()
	db, err := openPool(t.Context(), sqliteMemoryDSN("migrate-"+strings.ReplaceAll(t.Name(), "/", "-"), Options{}.withDefaults()), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A failing migration leaves nothing behind, earlier ones in the same run
// included.
func TestMigrateIsAtomic(t *testing.T) {
	db := openRaw(t)
	d := fsDialect{fsys: fstest.MapFS{
		"0001_a.sql": file("CREATE TABLE a (x INTEGER);"),
		"0002_b.sql": file("CREATE TABLE b (x INTEGER); THIS IS NOT SQL;"),
	}}
	if err := migrate(t.Context(), db, d); err == nil {
		t.Fatal("migrate with a broken migration succeeded")
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('a', 'b', 'schema_migrations')").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d objects left by a failed migration run", n)
	}

	// Fixed, it applies; run again, it is a no-op.
	d.fsys.(fstest.MapFS)["0002_b.sql"] = file("CREATE TABLE b (x INTEGER);")
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
func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := mustOpenTemp(t, Options{})
	ms, _ := loadMigrations(s.d.migrations())
	if _, err := s.w.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 0)", len(ms)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := OpenSQLite(t.Context(), path, Options{}); err == nil {
		s.Close()
		t.Errorf("OpenSQLite opened a database with a newer schema")
	}
}
