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
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// BenchmarkQueryStartToSuccess is what a test suite that polls for
// results waits: StartProtectedQuery, then GetProtectedQuery every
// millisecond until SUCCESS, through aws-sdk-go-v2 against an in-process
// server, for a self-join of a 3,000-row CSV table grouped into 10
// groups (staging, checks, execution and the upload of the result
// included). p50-ms and p90-ms are over the iterations.
//
// in-process: cleanroomstest, DuckDB in the test's process; binary: the
// cleanroomsd binary on a data dir, DuckDB in its cleanroomsd-engine
// child (what users run).
func BenchmarkQueryStartToSuccess(b *testing.B) {
	b.Run("in-process", func(b *testing.B) {
		srv := cleanroomstest.NewServer(b)
		benchStartToSuccess(b, srv.URL)
	})
	b.Run("binary", func(b *testing.B) {
		p := testbin.Start(b, testbin.Build(b), "--data-dir", b.TempDir())
		b.Cleanup(func() { p.Stop(b) })
		benchStartToSuccess(b, p.URL)
	})
}

func benchStartToSuccess(b *testing.B, url string) {
	ctx := context.Background()
	hc := &http.Client{}
	a := querykit.NewClients(url, querykit.Querier, hc)
	w, err := querykit.Setup(ctx, a, querykit.NewClients(url, querykit.Owner, hc), 3000)
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

// TestMain removes the binaries BenchmarkQueryStartToSuccess/binary builds.
func TestMain(m *testing.M) { testbin.Main(m) }
