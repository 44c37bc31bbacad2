package durability

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/crashload"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// killCycles is how many kill/restart cycles accumulate on one directory.
const killCycles = 3

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
	bin := testbin.Build(t)
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	load := crashload.NewLoad(4, seed, 1) // 4 goroutines, each with its own three accounts

	p := startServer(t, bin, dir)
	var procs []*testbin.Proc
	for cycle := 1; cycle <= killCycles; cycle++ {
		procs = append(procs, p)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		wait := load.Start(ctx, clientsFor(p, load))
		time.Sleep(time.Second + time.Duration(rng.Int64N(int64(time.Second))))
		p.Kill(t)
		wait()
		cancel()

		tally := load.Tally(time.Time{})
		for _, err := range tally.Unexpected {
			t.Errorf("cycle %d: %v", cycle, err)
		}
		t.Logf("cycle %d: %d writes acknowledged, %d workers had a write in flight at SIGKILL: %v", cycle, tally.Acked, tally.Unanswered, tally.InFlight)
		if tally.Acked == 0 {
			t.Fatalf("cycle %d: no write was acknowledged before the kill", cycle)
		}
		if tally.Unanswered == 0 {
			t.Errorf("cycle %d: no write was in flight at SIGKILL; the kill did not hit the load", cycle)
		}

		start := time.Now()
		p = startServer(t, bin, dir)
		restarted := time.Since(start)
		load.Verify(t, clientsFor(p, load))
		verified := time.Since(start) - restarted
		checkInvariants(t, dir, load.Attempted())
		t.Logf("cycle %d: restarted in %v, ledger verified in %v, invariants checked in %v", cycle,
			restarted.Round(time.Millisecond), verified.Round(time.Millisecond), (time.Since(start) - restarted - verified).Round(time.Millisecond))
		if t.Failed() {
			break
		}
	}
	procs = append(procs, p)
	if err := p.Stop(t); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.Logs())
	}
	collabs, memberships := load.Size()
	objs, glueTables, rules, assocs := load.DataSize()
	t.Logf("verified %d collaborations, %d memberships, %d objects, %d Glue tables, %d configured tables with a rule, %d associations",
		collabs, memberships, objs, glueTables, rules, assocs)
	for i, q := range procs {
		if lines := q.ErrorLogs(); len(lines) > 0 {
			t.Errorf("server %d logged errors:\n%s", i+1, strings.Join(lines, "\n"))
		}
	}
}
