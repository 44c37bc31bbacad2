package sqlstore

import (
	"path/filepath"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/store/storetest"
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

// mustOpen opens a store; the caller (or storetest) closes it.
func mustOpen(tb testing.TB, path string, opts Options) *Store {
	tb.Helper()
	s, err := OpenSQLite(tb.Context(), path, opts)
	if err != nil {
		tb.Fatalf("OpenSQLite(%q): %v", path, err)
	}
	return s
}
