package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/objects"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
)

// fakeEngine writes one CSV file per run, or blocks until cancelled when
// the SQL says "block".
type fakeEngine struct {
	started chan string
}

func (fakeEngine) Parse(context.Context, string) ([]byte, error)   { return nil, nil }
func (fakeEngine) Deparse(context.Context, []byte) (string, error) { return "", nil }
func (fakeEngine) Close() error                                    { return nil }
func (e fakeEngine) Run(ctx context.Context, job engine.Job) (*engine.Result, error) {
	if e.started != nil {
		e.started <- job.SQL
	}
	if job.SQL == "block" {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if err := os.WriteFile(filepath.Join(job.Output.Dir, "part-00000.csv"), []byte("n\n1\n"), 0o600); err != nil {
		return nil, err
	}
	res := &engine.Result{Files: []string{"part-00000.csv"}, Rows: 1}
	if job.DP != nil {
		// Echo what the plan said, to show it reached the engine.
		for _, a := range job.DP.Aggregations {
			res.Sensitivity = append(res.Sensitivity, cleanrooms.SensitivityParameter{AggregationType: a,
				AggregationExpression: "x", UserContributionLimit: int64(job.DP.UsersNoise)})
		}
	}
	return res, nil
}

// memObjects keeps what the runner uploads.
type memObjects struct {
	mu  sync.Mutex
	put map[string][]byte
}

func (m *memObjects) List(_ context.Context, bucket, prefix string) iter.Seq2[objects.ObjectInfo, error] {
	m.mu.Lock()
	var keys []string
	for k := range m.put {
		if b, key, _ := strings.Cut(k, "/"); b == bucket && strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	m.mu.Unlock()
	slices.Sort(keys)
	return func(yield func(objects.ObjectInfo, error) bool) {
		for _, k := range keys {
			if !yield(objects.ObjectInfo{Key: k}, nil) {
				return
			}
		}
	}
}
func (m *memObjects) Open(context.Context, string, string) (io.ReadCloser, objects.ObjectInfo, error) {
	return nil, objects.ObjectInfo{}, objects.ErrNotFound
}
func (m *memObjects) Put(_ context.Context, bucket, key string, r io.Reader, _ int64, _ string) (string, error) {
	b, err := io.ReadAll(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put[bucket+"/"+key] = b
	return `"etag"`, err
}

type rig struct {
	store   *sqlstore.Store
	objs    *memObjects
	started chan string
	r       *Runner
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	st, err := sqlstore.OpenSQLite(t.Context(), "", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g := &rig{store: st, objs: &memObjects{put: map[string][]byte{}}, started: make(chan string, 10)}
	cfg.Store, cfg.Engine, cfg.Objects, cfg.WorkDir = st, fakeEngine{started: g.started}, g.objs, t.TempDir()
	if cfg.Owner == "" {
		cfg.Owner = "runner-1"
	}
	g.r = New(cfg)
	return g
}

func (g *rig) insert(t *testing.T, q *cleanrooms.ProtectedQuery) {
	t.Helper()
	if err := g.store.Transact(t.Context(), func(tx cleanrooms.Tx) error { return tx.InsertProtectedQuery(t.Context(), q) }); err != nil {
		t.Fatal(err)
	}
}

func (g *rig) get(t *testing.T, id string) *cleanrooms.ProtectedQuery {
	t.Helper()
	var q *cleanrooms.ProtectedQuery
	if err := g.store.View(t.Context(), func(tx cleanrooms.ReadTx) (err error) {
		q, err = tx.GetProtectedQuery(t.Context(), id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return q
}

func (g *rig) waitStatus(t *testing.T, id, want string) *cleanrooms.ProtectedQuery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q := g.get(t, id)
		if q.Status == want {
			return q
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s is %s, want %s", id, q.Status, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newQuery(id, sql string) *cleanrooms.ProtectedQuery {
	return &cleanrooms.ProtectedQuery{ID: id, AccountID: "111111111111", Region: "us-east-1", MembershipID: "m1", CollaborationID: "c1",
		Status: cleanrooms.QuerySubmitted, Plan: cleanrooms.QueryPlan{SQL: sql, Tables: []cleanrooms.PlanTable{}},
		Receivers:  []cleanrooms.QueryReceiver{{AccountID: "111111111111", MembershipID: "m1", Direct: true, Bucket: "out", KeyPrefix: "r", Format: "CSV"}},
		CreateTime: time.Now().UTC(), UpdateTime: time.Now().UTC()}
}

func TestRunsAndDelivers(t *testing.T) {
	g := newRig(t, Config{})
	g.insert(t, newQuery("q1", "ok"))
	if err := g.r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer g.r.Close()
	g.r.Notify()
	q := g.waitStatus(t, "q1", cleanrooms.QuerySuccess)
	if q.Result == nil || len(q.Result.Locations) != 1 || q.Result.Locations[0] != "s3://out/r/q1/result/" || q.LeaseOwner != "" || q.Attempts != 1 {
		t.Errorf("finished query: %+v", q)
	}
	if got := g.objs.put["out/r/q1/result/part-00000.csv"]; !bytes.Equal(got, []byte("n\n1\n")) {
		t.Errorf("uploaded %q", got)
	}
}

// A DP plan stored with the query reaches the engine, and the engine's
// sensitivity parameters are recorded with the result.
func TestRunsDPPlanOnce(t *testing.T) {
	g := newRig(t, Config{})
	q := newQuery("q1", "ok")
	q.Plan.DP = &cleanrooms.QueryDP{UsersNoise: 20, Aggregations: []string{"COUNT", "SUM"},
		Spec: json.RawMessage(`{"usersNoise":20,"aggregations":["COUNT","SUM"]}`)}
	two := newQuery("q2", "ok")
	two.Plan.DP = q.Plan.DP
	two.Receivers = append(two.Receivers, cleanrooms.QueryReceiver{AccountID: "111111111111", MembershipID: "m1",
		Direct: true, Bucket: "out", KeyPrefix: "p", Format: "PARQUET"})
	g.insert(t, q)
	g.insert(t, two)
	if err := g.r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer g.r.Close()
	g.r.Notify()
	got := g.waitStatus(t, "q1", cleanrooms.QuerySuccess)
	want := []cleanrooms.SensitivityParameter{{AggregationType: "COUNT", AggregationExpression: "x", UserContributionLimit: 20},
		{AggregationType: "SUM", AggregationExpression: "x", UserContributionLimit: 20}}
	if diff := cmp.Diff(want, got.Result.Sensitivity); diff != "" {
		t.Errorf("sensitivity (-want +got):\n%s", diff)
	}
	// Two result formats would need two runs, each with fresh noise.
	failed := g.waitStatus(t, "q2", cleanrooms.QueryFailed)
	if failed.Error == nil || failed.Error.Code != "INVALID_RESULT_CONFIGURATION" {
		t.Errorf("a DP query with two formats: %+v", failed.Error)
	}
	if _, ok := g.objs.put["out/r/q2/result/part-00000.csv"]; ok {
		t.Error("a DP query with two formats delivered a result")
	}
}

// A query whose runners kept dying is not run a fourth time.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	g := newRig(t, Config{})
	q := newQuery("q1", "ok")
	q.Status, q.LeaseOwner, q.LeaseExpires, q.Attempts = cleanrooms.QueryStarted, "dead", time.Now().Add(-time.Minute), 3
	g.insert(t, q)
	if err := g.r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer g.r.Close()
	g.r.Notify()
	got := g.waitStatus(t, "q1", cleanrooms.QueryFailed)
	if got.Error == nil || got.Error.Code != "INTERRUPTED" {
		t.Errorf("error %+v, want INTERRUPTED", got.Error)
	}
	select {
	case sql := <-g.started:
		t.Errorf("the engine ran %q", sql)
	default:
	}
}

// A DP query whose runner died is run again only if that run delivered
// nothing: a second release would draw fresh noise for one charge.
func TestDPQueryRunsAgainOnlyIfNothingWasReleased(t *testing.T) {
	g := newRig(t, Config{})
	dpq := func(id string) *cleanrooms.ProtectedQuery {
		q := newQuery(id, "ok")
		q.Plan.DP = &cleanrooms.QueryDP{UsersNoise: 10, Aggregations: []string{"COUNT"},
			Spec: json.RawMessage(`{"usersNoise":10,"aggregations":["COUNT"]}`)}
		q.Status, q.LeaseOwner, q.LeaseExpires, q.Attempts = cleanrooms.QueryStarted, "dead", time.Now().Add(-time.Minute), 1
		return q
	}
	g.insert(t, dpq("quiet"))
	g.insert(t, dpq("released"))
	g.objs.put["out/r/released/result/part-00000.csv"] = []byte("n\n7\n")
	if err := g.r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer g.r.Close()
	g.r.Notify()
	if got := g.waitStatus(t, "quiet", cleanrooms.QuerySuccess); got.Attempts != 2 {
		t.Errorf("re-run attempts %d, want 2", got.Attempts)
	}
	got := g.waitStatus(t, "released", cleanrooms.QueryFailed)
	if got.Error == nil || got.Error.Code != "INTERRUPTED" {
		t.Errorf("error %+v, want INTERRUPTED", got.Error)
	}
	if b := g.objs.put["out/r/released/result/part-00000.csv"]; string(b) != "n\n7\n" {
		t.Errorf("the first release was overwritten with %q", b)
	}
}

// A runner whose lease was taken by another stops and writes nothing.
func TestLostLeaseStopsTheRun(t *testing.T) {
	g := newRig(t, Config{Lease: 300 * time.Millisecond})
	g.insert(t, newQuery("q1", "block"))
	if err := g.r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	g.r.Notify()
	<-g.started
	q := g.get(t, "q1")
	q.LeaseOwner, q.LeaseExpires = "runner-2", time.Now().Add(time.Hour)
	if err := g.store.Transact(t.Context(), func(tx cleanrooms.Tx) error { return tx.UpdateProtectedQuery(t.Context(), q) }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.r.mu.Lock()
		n := len(g.r.active)
		g.r.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run did not stop after its lease was taken")
		}
		time.Sleep(10 * time.Millisecond)
	}
	g.r.Close()
	if got := g.get(t, "q1"); got.Status != cleanrooms.QueryStarted || got.LeaseOwner != "runner-2" {
		t.Errorf("after losing the lease: %s owned by %q; want STARTED by runner-2, untouched", got.Status, got.LeaseOwner)
	}
}

// Cancelling: a query nobody runs is finished by the next claim; a
// running one is interrupted.
func TestCancel(t *testing.T) {
	g := newRig(t, Config{})
	queued := newQuery("queued", "ok")
	queued.Status = cleanrooms.QueryCancelling
	g.insert(t, queued)
	g.insert(t, newQuery("running", "block"))
	if err := g.r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer g.r.Close()
	g.r.Notify()
	g.waitStatus(t, "queued", cleanrooms.QueryCancelled)
	<-g.started
	q := g.get(t, "running")
	q.Status = cleanrooms.QueryCancelling
	if err := g.store.Transact(t.Context(), func(tx cleanrooms.Tx) error { return tx.UpdateProtectedQuery(t.Context(), q) }); err != nil {
		t.Fatal(err)
	}
	g.r.Cancel("running")
	if got := g.waitStatus(t, "running", cleanrooms.QueryCancelled); got.Result != nil || len(g.objs.put) != 0 {
		t.Errorf("a cancelled query delivered: %+v, %v", got.Result, g.objs.put)
	}
}

// With Exclusive, leases left by an earlier process are released at
// start, so its queries run again at once.
func TestExclusiveStartReleasesLeases(t *testing.T) {
	g := newRig(t, Config{Exclusive: true})
	q := newQuery("q1", "ok")
	q.Status, q.LeaseOwner, q.LeaseExpires, q.Attempts = cleanrooms.QueryStarted, "earlier", time.Now().Add(time.Hour), 1
	g.insert(t, q)
	if err := g.r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer g.r.Close()
	g.r.Notify()
	if got := g.waitStatus(t, "q1", cleanrooms.QuerySuccess); got.Attempts != 2 {
		t.Errorf("attempts %d, want 2", got.Attempts)
	}
}
