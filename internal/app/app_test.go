package app

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
)

// --no-fsync is SQLite's synchronous = NORMAL, and only that: off by
// default, and refused beside a PostgreSQL URL rather than ignored.
func TestNoFsync(t *testing.T) {
	if got := sqliteOptions(Config{}); got.Synchronous != sqlstore.SyncFull {
		t.Errorf("default SQLite options: Synchronous %v, want SyncFull", got.Synchronous)
	}
	if got := sqliteOptions(Config{NoFsync: true}); got != (sqlstore.Options{Synchronous: sqlstore.SyncNormal}) {
		t.Errorf("--no-fsync SQLite options = %+v, want only Synchronous: SyncNormal", got)
	}
	s, err := openStore(t.Context(), Config{DataDir: filepath.Join(t.TempDir(), "d"), NoFsync: true})
	if err != nil {
		t.Fatalf("open a SQLite store with --no-fsync: %v", err)
	}
	s.Close()
	_, err = openStore(t.Context(), Config{DatabaseURL: "postgres://nobody@127.0.0.1:1/none", NoFsync: true})
	if err == nil || !strings.Contains(err.Error(), "--no-fsync") {
		t.Errorf("--no-fsync with a database URL: %v, want an error naming --no-fsync", err)
	}
}
