package sqlstore

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// holdWriteLock takes the database's write lock from another connection,
// as another process would, until release is called.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open(sqliteDriver, path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		conn.ExecContext(t.Context(), "ROLLBACK")
		conn.Close()
		db.Close()
	}
}

func TestTransactGivesUpWhenLocked(t *testing.T) {
	s, path := mustOpenTemp(t, Options{BusyTimeout: 10 * time.Millisecond, MaxAttempts: 3})
	release := holdWriteLock(t, path)
	defer release()
	calls := 0
	err := s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
		calls++
		return nil
	})
	if !errors.Is(err, cleanrooms.ErrUnavailable) {
		t.Errorf("Transact on a locked database: %v, want ErrUnavailable", err)
	}
	if calls != 0 {
		t.Errorf("fn ran %d times without the write lock", calls)
	}
}

func TestTransactWaitsOutALock(t *testing.T) {
	s, path := mustOpenTemp(t, Options{BusyTimeout: 10 * time.Millisecond, MaxAttempts: 50})
	release := holdWriteLock(t, path)
	time.AfterFunc(50*time.Millisecond, release)
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		return tx.InsertCollaboration(t.Context(), testCollaboration("c1", "1"))
	})
}

// flakyDialect reports unique violations as retryable, to drive failures
// inside fn through the retry path.
type flakyDialect struct{ sqliteDialect }

func (d flakyDialect) classify(err error) errKind {
	if k := d.sqliteDialect.classify(err); k != errUnique {
		return k
	}
	return errRetryable
}

func TestTransactRetriesFailuresInFn(t *testing.T) {
	s, _ := mustOpenTemp(t, Options{MaxAttempts: 4})
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		return tx.InsertCollaboration(t.Context(), testCollaboration("dup", "1"))
	})
	<-s.prepared // the background preparation reads s.d
	s.d = flakyDialect{}
	boom := errors.New("boom")

	t.Run("GivesUp", func(t *testing.T) {
		calls := 0
		err := s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
			calls++
			if err := tx.InsertCollaboration(t.Context(), testCollaboration("dup", "1")); err != nil {
				return errors.Join(boom, errors.New(err.Error())) // fn hides the cause
			}
			return nil
		})
		if !errors.Is(err, cleanrooms.ErrUnavailable) || !errors.Is(err, boom) {
			t.Errorf("Transact = %v, want ErrUnavailable wrapping fn's last error", err)
		}
		if calls != 4 {
			t.Errorf("fn ran %d times, want MaxAttempts = 4", calls)
		}
	})

	// fn ignores the failure; its other writes of that attempt must not
	// be committed, and the attempt that succeeds commits once.
	t.Run("SwallowedError", func(t *testing.T) {
		calls := 0
		err := s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
			calls++
			if calls == 1 {
				if err := tx.InsertCollaboration(t.Context(), testCollaboration("first-attempt", "1")); err != nil {
					return err
				}
				_ = tx.InsertCollaboration(t.Context(), testCollaboration("dup", "1"))
				return nil
			}
			return tx.InsertCollaboration(t.Context(), testCollaboration("second-attempt", "1"))
		})
		if err != nil {
			t.Fatalf("Transact: %v", err)
		}
		if calls != 2 {
			t.Errorf("fn ran %d times, want 2", calls)
		}
		mustView(t, s, func(tx cleanrooms.ReadTx) error {
			if _, err := tx.GetCollaboration(t.Context(), "first-attempt"); !errors.Is(err, cleanrooms.ErrNotFound) {
				t.Errorf("write of the failed attempt: %v, want ErrNotFound", err)
			}
			_, err := tx.GetCollaboration(t.Context(), "second-attempt")
			return err
		})
	})

	// A non-retryable error from fn is returned as is, after one call.
	t.Run("FnError", func(t *testing.T) {
		calls := 0
		err := s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
			calls++
			return boom
		})
		if err != boom || calls != 1 {
			t.Errorf("Transact = %v after %d calls, want boom after 1", err, calls)
		}
	})
}
