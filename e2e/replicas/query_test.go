package replicas

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/querykit"
)

// TestQueryTakenOverWhenReplicaDies: the replica that runs a query is
// killed; the other takes the query over when its lease lapses and the
// client, polling the survivor, sees it complete once with the right
// result. A query started on one replica is run by any (here the
// survivor runs the second one after the kill).
func TestQueryTakenOverWhenReplicaDies(t *testing.T) {
	const rows = 1500
	c := newCluster(t, 2, "--query-lease", "1s")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hc := &http.Client{Transport: c.tr, Timeout: 30 * time.Second}
	r1, r2 := c.replicas[0], c.replicas[1]
	a1 := querykit.NewClients(r1.URL, querykit.Querier, hc)
	a2 := querykit.NewClients(r2.URL, querykit.Querier, hc)
	w, err := querykit.Setup(ctx, a1, querykit.NewClients(r1.URL, querykit.Owner, hc), rows)
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.Start(ctx, a1, querykit.SlowQuery)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WaitFor(ctx, a2, id, 30*time.Second, types.ProtectedQueryStatusStarted); err != nil {
		t.Fatal(err)
	}
	r1.Kill(t)
	q, err := w.WaitFor(ctx, a2, id, 90*time.Second, types.ProtectedQueryStatusSuccess)
	if err != nil {
		t.Fatalf("after replica1 died: %v", err)
	}
	_, body, err := w.Result(ctx, a2, q)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("n\n%d\n", rows*rows*rows); body != want {
		t.Errorf("result %q, want %q", body, want)
	}
	other, err := w.Start(ctx, a2, "SELECT COUNT(*) AS n FROM big")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WaitFor(ctx, a2, other, 30*time.Second, types.ProtectedQueryStatusSuccess); err != nil {
		t.Fatal(err)
	}
	// Replica 1 was told of the query at once and claimed it; replica 2
	// ran it again after the lease.
	if !strings.Contains(r2.Logs(), "running a protected query again") {
		t.Errorf("replica2 did not take the query over; its log:\n%s", r2.Logs())
	}
	checkNoErrors(t, r2)
}
