package sqlstore

import (
	"encoding/binary"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// walState reads, from the wal-index (the -shm file; SQLite's wal.c), the
// frames in the WAL (mxFrame, in the first copy of the index header) and
// how many of them a checkpoint has copied into the database file
// (nBackfill, right after the two header copies). Both are native-endian
// u32.
func walState(t *testing.T, path string) (mxFrame, nBackfill uint32) {
	t.Helper()
	b, err := os.ReadFile(path + "-shm")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 100 {
		t.Fatalf("wal-index of %d bytes", len(b))
	}
	return binary.NativeEndian.Uint32(b[16:]), binary.NativeEndian.Uint32(b[96:])
}

func writeSome(t *testing.T, s *Store, prefix string, n int) {
	t.Helper()
	for i := range n {
		mustTransact(t, s, func(tx cleanrooms.Tx) error {
			return tx.InsertCollaboration(t.Context(), testCollaboration(fmt.Sprintf("%s%d", prefix, i), "1"))
		})
	}
}

// Once the writer is quiet, a checkpoint copies every frame of the WAL
// into the database file, and what was written stays readable.
func TestIdleCheckpointFoldsTheWAL(t *testing.T) {
	s, path := mustOpenTemp(t, Options{IdleCheckpoint: 20 * time.Millisecond})
	writeSome(t, s, "c", 20)
	deadline := time.Now().Add(10 * time.Second)
	for s.idle.runs.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no idle checkpoint within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if mx, back := walState(t, path); mx == 0 || back != mx {
		t.Errorf("after the idle checkpoint: %d frames in the WAL, %d copied; want all of them", mx, back)
	}
	if got := collaborationIDs(t, s, 20); len(got) != 20 {
		t.Errorf("after the checkpoint a reader sees %d of 20 collaborations", len(got))
	}
	// A later burst arms it again.
	before := s.idle.runs.Load()
	writeSome(t, s, "d", 5)
	for s.idle.runs.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("no second idle checkpoint")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if mx, back := walState(t, path); back != mx {
		t.Errorf("after the second: %d frames, %d copied", mx, back)
	}
}

// Turned off, the frames of a small burst stay in the WAL (the writer's
// own checkpoint waits for walAutocheckpoint pages); Close after writes
// with the timer armed neither hangs nor checkpoints afterwards.
func TestIdleCheckpointOffAndClose(t *testing.T) {
	s, path := mustOpenTemp(t, Options{IdleCheckpoint: -1})
	if s.idle != nil {
		t.Fatal("IdleCheckpoint < 0 still made a checkpointer")
	}
	writeSome(t, s, "c", 5)
	time.Sleep(50 * time.Millisecond)
	if mx, back := walState(t, path); mx == 0 || back == mx {
		t.Errorf("without idle checkpoints: %d frames, %d copied; want frames left in the WAL", mx, back)
	}

	s2, _ := mustOpenTemp(t, Options{IdleCheckpoint: 30 * time.Millisecond})
	writeSome(t, s2, "c", 3)
	before := s2.idle.runs.Load()
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	if n := s2.idle.runs.Load() - before; n != 0 {
		t.Errorf("%d checkpoints after Close", n)
	}
}
