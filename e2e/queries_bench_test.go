package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
	"github.com/cleanroomsd/cleanroomsd/e2e/internal/querykit"
)

// BenchmarkQueryStartToSuccess is what a test suite that polls for
// results waits: StartProtectedQuery, then GetProtectedQuery every
// millisecond until SUCCESS, through aws-sdk-go-v2 against an in-process
// server, for a self-join of a 3,000-row CSV table grouped into 10
// groups (staging, checks, execution and the upload of the result
// included). p50-ms and p90-ms are over the iterations.
func BenchmarkQueryStartToSuccess(b *testing.B) {
	srv := cleanroomstest.NewServer(b)
	ctx := context.Background()
	hc := &http.Client{}
	a := querykit.NewClients(srv.URL, querykit.Querier, hc)
	w, err := querykit.Setup(ctx, a, querykit.NewClients(srv.URL, querykit.Owner, hc), 3000)
	if err != nil {
		b.Fatal(err)
	}
	const sql = "SELECT x.id % 10 AS k, COUNT(*) AS n, SUM(y.id) AS s FROM big x JOIN big y ON x.id = y.id GROUP BY x.id % 10"
	var took []time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		id, err := w.Start(ctx, a, sql)
		if err != nil {
			b.Fatal(err)
		}
		for {
			q, err := w.Get(ctx, a, id)
			if err != nil {
				b.Fatal(err)
			}
			if q.Status == types.ProtectedQueryStatusSuccess {
				break
			}
			if q.Status != types.ProtectedQueryStatusSubmitted && q.Status != types.ProtectedQueryStatusStarted {
				b.Fatalf("query ended %s: %+v", q.Status, q.Error)
			}
			time.Sleep(time.Millisecond)
		}
		took = append(took, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1000, "p90-ms")
}
