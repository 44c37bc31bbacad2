package durability

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/querykit"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// queryRows makes querykit.SlowQuery run for a second or more here.
const queryRows = 1500

// TestQueryRunsAgainAfterSIGKILL: a query running when the process is
// killed is run again by the restarted process (SQLite: no other process
// holds its lease) and completes once, with the right result, in one
// result file; a query that had finished stays as it was.
func TestQueryRunsAgainAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := testbin.Build(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hc := &http.Client{Timeout: 30 * time.Second}
	p := startServer(t, bin, dir)
	a, b := querykit.NewClients(p.URL, querykit.Querier, hc), querykit.NewClients(p.URL, querykit.Owner, hc)
	w, err := querykit.Setup(ctx, a, b, queryRows)
	if err != nil {
		t.Fatal(err)
	}
	quick, err := w.Start(ctx, a, "SELECT COUNT(*) AS n FROM big")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WaitFor(ctx, a, quick, 30*time.Second, types.ProtectedQueryStatusSuccess); err != nil {
		t.Fatal(err)
	}
	slow, err := w.Start(ctx, a, querykit.SlowQuery)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WaitFor(ctx, a, slow, 30*time.Second, types.ProtectedQueryStatusStarted); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	p.Kill(t)

	p = startServer(t, bin, dir)
	a = querykit.NewClients(p.URL, querykit.Querier, hc)
	q, err := w.WaitFor(ctx, a, slow, 90*time.Second, types.ProtectedQueryStatusSuccess)
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	keys, body, err := w.Result(ctx, a, q)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("n\n%d\n", queryRows*queryRows*queryRows); body != want {
		t.Errorf("result %q, want %q", body, want)
	}
	if want := []string{slow + "/result/part-00000.csv"}; !slices.Equal(keys, want) {
		t.Errorf("result objects %v, want %v", keys, want)
	}
	if q, err := w.Get(ctx, a, quick); err != nil || q.Status != types.ProtectedQueryStatusSuccess {
		t.Errorf("the finished query after restart: %+v, %v", q, err)
	}
	p.Stop(t)
}
