package durability

import (
	"context"
	"maps"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	workerCount = 4 // goroutines, each with its own three accounts
	killCycles  = 3
)

// TestKillDuringWritesLosesNothing runs write load from several accounts
// against the binary, kills it with SIGKILL mid-load, restarts it on the
// same data directory and checks that every acknowledged write is there
// with the state it was acknowledged with, that unanswered writes are
// either wholly applied or absent, and that the database holds nothing
// half-applied. Three kill/restart cycles accumulate on one directory.
func TestKillDuringWritesLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	workers := make([]*worker, workerCount)
	for i := range workers {
		workers[i] = newWorker(i, seed)
	}

	p := startServer(t, bin, dir)
	var procs []*proc
	for cycle := 1; cycle <= killCycles; cycle++ {
		procs = append(procs, p)
		cl := clientsFor(p, workers)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Go(func() { w.run(ctx, cl) })
		}
		time.Sleep(time.Second + time.Duration(rng.Int64N(int64(time.Second))))
		p.kill(t)
		wg.Wait()
		cancel()

		acked, inFlight := 0, 0
		for _, w := range workers {
			acked += w.acked
			if w.inFlight != "" {
				inFlight++
			}
			for _, err := range w.unexpected {
				t.Errorf("cycle %d: %v", cycle, err)
			}
		}
		t.Logf("cycle %d: %d writes acknowledged, %d workers had a write in flight at SIGKILL", cycle, acked, inFlight)
		if acked == 0 {
			t.Fatalf("cycle %d: no write was acknowledged before the kill", cycle)
		}
		if inFlight == 0 {
			t.Errorf("cycle %d: no write was in flight at SIGKILL; the kill did not hit the load", cycle)
		}

		start := time.Now()
		p = startServer(t, bin, dir)
		restarted := time.Since(start)
		verifyAll(t, p, workers)
		verified := time.Since(start) - restarted
		attempted := map[string][]string{}
		for _, w := range workers {
			maps.Copy(attempted, w.attempted)
		}
		checkInvariants(t, dir, attempted)
		t.Logf("cycle %d: restarted in %v, ledger verified in %v, invariants checked in %v", cycle,
			restarted.Round(time.Millisecond), verified.Round(time.Millisecond), (time.Since(start) - restarted - verified).Round(time.Millisecond))
		if t.Failed() {
			break
		}
	}
	procs = append(procs, p)
	if err := p.stop(t); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.logText())
	}
	collabs, memberships := 0, 0
	for _, w := range workers {
		collabs += len(w.collabs)
		memberships += len(w.memberships)
	}
	t.Logf("verified %d collaborations and %d memberships", collabs, memberships)
	for i, q := range procs {
		if lines := q.errorLogs(); len(lines) > 0 {
			t.Errorf("server %d logged errors:\n%s", i+1, strings.Join(lines, "\n"))
		}
	}
}
