package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/google/go-cmp/cmp"
)

// batchOf runs n Transact calls that share one batch: the first one's fn
// holds the write connection until the other n-1 are waiting for it, so
// all of them join its batch. fn(i, tx) is call i's work (call 0 first);
// it returns each call's error.
func batchOf(t *testing.T, s *Store, n int, fn func(i int, tx cleanrooms.Tx) error) []error {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	inside := make(chan struct{})
	call := func(i int) {
		defer wg.Done()
		defer func() {
			if p := recover(); p != nil {
				errs[i] = fmt.Errorf("panic: %v", p)
			}
		}()
		errs[i] = s.Transact(t.Context(), func(tx cleanrooms.Tx) error {
			if i == 0 {
				close(inside)
				deadline := time.Now().Add(10 * time.Second)
				for s.group.waiting.Load() < int32(n-1) {
					if time.Now().After(deadline) {
						return errors.New("the other calls never queued")
					}
					time.Sleep(time.Millisecond)
				}
			}
			return fn(i, tx)
		})
	}
	wg.Add(1)
	go call(0)
	<-inside
	for i := 1; i < n; i++ {
		wg.Add(1)
		go call(i)
	}
	wg.Wait()
	return errs
}

// collaborationIDs lists which of c0…c(n-1) a reader sees.
func collaborationIDs(t *testing.T, s *Store, n int) []string {
	t.Helper()
	have, err := readCollaborationIDs(t.Context(), s, n)
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return have
}

// readCollaborationIDs is collaborationIDs for goroutines other than the
// test's, which must not call t.Fatal.
func readCollaborationIDs(ctx context.Context, s *Store, n int) ([]string, error) {
	var have []string
	err := s.View(ctx, func(tx cleanrooms.ReadTx) error {
		for i := range n {
			id := fmt.Sprintf("c%d", i)
			switch _, err := tx.GetCollaboration(ctx, id); {
			case err == nil:
				have = append(have, id)
			case !errors.Is(err, cleanrooms.ErrNotFound):
				return err
			}
		}
		return nil
	})
	return have, err
}

// Concurrent writers share one commit, and each one's writes are there.
func TestGroupCommitSharesOneCommit(t *testing.T) {
	s, _ := mustOpenTemp(t, Options{})
	before := s.group.commits.Load()
	errs := batchOf(t, s, 8, func(i int, tx cleanrooms.Tx) error {
		return tx.InsertCollaboration(t.Context(), testCollaboration(fmt.Sprintf("c%d", i), "1"))
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if got := s.group.commits.Load() - before; got != 1 {
		t.Errorf("8 concurrent writers took %d commits, want 1", got)
	}
	want := []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"}
	if diff := cmp.Diff(want, collaborationIDs(t, s, 8)); diff != "" {
		t.Errorf("collaborations after the batch (-want +got):\n%s", diff)
	}
}

// A member that fails or panics after writing loses its writes only; the
// others of its batch commit, and later members see the earlier ones'
// writes as if they had committed.
func TestGroupCommitFailedMemberIsolated(t *testing.T) {
	s, _ := mustOpenTemp(t, Options{})
	boom := errors.New("boom")
	errs := batchOf(t, s, 6, func(i int, tx cleanrooms.Tx) error {
		if err := tx.InsertCollaboration(t.Context(), testCollaboration(fmt.Sprintf("c%d", i), "1")); err != nil {
			return err
		}
		switch i {
		case 2:
			return boom
		case 4:
			panic("member 4")
		case 5:
			// The member after the failures sees the first one's write.
			if _, err := tx.GetCollaboration(t.Context(), "c0"); err != nil {
				return fmt.Errorf("member 5 reads c0: %w", err)
			}
		}
		return nil
	})
	for i, err := range errs {
		switch i {
		case 2:
			if !errors.Is(err, boom) {
				t.Errorf("call 2 = %v, want its own error", err)
			}
		case 4:
			if err == nil || err.Error() != "panic: member 4" {
				t.Errorf("call 4 = %v, want its panic", err)
			}
		default:
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}
	}
	want := []string{"c0", "c1", "c3", "c5"}
	if diff := cmp.Diff(want, collaborationIDs(t, s, 6)); diff != "" {
		t.Errorf("collaborations after the batch (-want +got):\n%s", diff)
	}
}

// A member whose request is cancelled mid-way cannot interrupt the shared
// transaction: the statements of a batch run without cancellation, so the
// other members' writes are committed.
func TestGroupCommitCancelledMember(t *testing.T) {
	s, _ := mustOpenTemp(t, Options{})
	errs := batchOf(t, s, 4, func(i int, tx cleanrooms.Tx) error {
		ctx := t.Context()
		if i == 1 {
			c, cancel := context.WithCancel(ctx)
			cancel()
			ctx = c
		}
		return tx.InsertCollaboration(ctx, testCollaboration(fmt.Sprintf("c%d", i), "1"))
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if diff := cmp.Diff([]string{"c0", "c1", "c2", "c3"}, collaborationIDs(t, s, 4)); diff != "" {
		t.Errorf("collaborations after the batch (-want +got):\n%s", diff)
	}
}

// Readers see nothing of an open batch: its members have not returned.
func TestGroupCommitInvisibleUntilCommit(t *testing.T) {
	s, _ := mustOpenTemp(t, Options{})
	errs := batchOf(t, s, 2, func(i int, tx cleanrooms.Tx) error {
		if i == 1 {
			// c0 is written and its fn has returned; its batch is open.
			got, err := readCollaborationIDs(t.Context(), s, 2)
			if err != nil {
				return err
			}
			if len(got) != 0 {
				return fmt.Errorf("a reader saw %v before the batch committed", got)
			}
		}
		return tx.InsertCollaboration(t.Context(), testCollaboration(fmt.Sprintf("c%d", i), "1"))
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if diff := cmp.Diff([]string{"c0", "c1"}, collaborationIDs(t, s, 2)); diff != "" {
		t.Errorf("collaborations after the batch (-want +got):\n%s", diff)
	}
}
