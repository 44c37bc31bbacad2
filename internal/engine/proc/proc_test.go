package proc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// The test binary is its own child: with childEnv set it serves fake.
const childEnv = "PROC_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := Serve(context.Background(), fake{}, os.Stdin, os.Stdout); err != nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fake answers by the SQL it is given.
type fake struct{}

func (fake) Parse(_ context.Context, sql string) ([]byte, error) {
	if sql == "unavailable" {
		return engine.Unavailable("built without cgo").Parse(context.Background(), sql)
	}
	return []byte(`{"sql":` + `"` + sql + `"}`), nil
}

func (fake) Deparse(_ context.Context, tree []byte) (string, error) {
	return "deparsed " + string(tree), nil
}

func (fake) Run(ctx context.Context, job engine.Job) (*engine.Result, error) {
	switch job.SQL {
	case "slow":
		<-ctx.Done()
		return nil, ctx.Err()
	case "bad cast":
		return nil, &engine.QueryError{Code: "CONVERSION_ERROR", Message: "Could not convert ? to INT32"}
	case "crash":
		os.Exit(2)
	}
	if job.DP != nil {
		// Echo the plan as the child received it, with sensitivity
		// parameters, for TestDPJobCrossesTheProcess.
		b, err := json.Marshal(job.DP)
		if err != nil {
			return nil, err
		}
		lo, hi := -1.5, 1e300
		return &engine.Result{Files: []string{string(b)}, Rows: 1, Sensitivity: []cleanrooms.SensitivityParameter{
			{AggregationType: "COUNT", AggregationExpression: "count_star()", UserContributionLimit: 4},
			{AggregationType: "SUM", AggregationExpression: "sum(\"v\")", UserContributionLimit: 4, MinColumnValue: &lo, MaxColumnValue: &hi}}}, nil
	}
	return &engine.Result{Files: []string{"part-00000.csv"}, Rows: int64(len(job.Inputs)), Duration: time.Millisecond}, nil
}

func (fake) Close() error { return nil }

func newEngine(t *testing.T) *Engine {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(childEnv, "1")
	e := New(Config{Path: exe})
	t.Cleanup(func() { e.Close() })
	return e
}

func TestCallsCrossTheProcess(t *testing.T) {
	e := newEngine(t)
	ctx := t.Context()
	tree, err := e.Parse(ctx, "SELECT 1")
	if err != nil || string(tree) != `{"sql":"SELECT 1"}` {
		t.Fatalf("Parse = %s, %v", tree, err)
	}
	text, err := e.Deparse(ctx, tree)
	if err != nil || text != `deparsed {"sql":"SELECT 1"}` {
		t.Fatalf("Deparse = %q, %v", text, err)
	}
	res, err := e.Run(ctx, engine.Job{SQL: "ok", Inputs: []engine.Input{{Name: "t", Files: []string{"/x"}}}})
	want := &engine.Result{Files: []string{"part-00000.csv"}, Rows: 1, Duration: time.Millisecond}
	if err != nil || !cmp.Equal(res, want) {
		t.Fatalf("Run = %+v, %v; want %+v", res, err, want)
	}
	_, err = e.Run(ctx, engine.Job{SQL: "bad cast"})
	var qe *engine.QueryError
	if !errors.As(err, &qe) || qe.Code != "CONVERSION_ERROR" {
		t.Errorf("Run(bad cast) = %v, want the QueryError", err)
	}
	_, err = e.Parse(ctx, "unavailable")
	if !errors.Is(err, engine.ErrUnavailable) || !strings.Contains(err.Error(), "built without cgo") {
		t.Errorf("Parse(unavailable) = %v, want ErrUnavailable with the reason", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	e := newEngine(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sql := strings.Repeat("x", i)
			tree, err := e.Parse(t.Context(), sql)
			if err != nil || string(tree) != `{"sql":"`+sql+`"}` {
				t.Errorf("Parse(%q) = %s, %v", sql, tree, err)
			}
		}()
	}
	wg.Wait()
}

func TestCancelInterruptsTheRun(t *testing.T) {
	e := newEngine(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(ctx, engine.Job{SQL: "slow"})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	// The child lives on.
	if _, err := e.Parse(t.Context(), "after"); err != nil {
		t.Errorf("Parse after a cancel: %v", err)
	}
}

func TestDeadChildFailsItsCallsAndIsReplaced(t *testing.T) {
	e := newEngine(t)
	slow := make(chan error, 1)
	go func() {
		_, err := e.Run(t.Context(), engine.Job{SQL: "slow"})
		slow <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if _, err := e.Run(t.Context(), engine.Job{SQL: "crash"}); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("Run that kills the child = %v, want an error saying it stopped", err)
	}
	select {
	case err := <-slow:
		if err == nil || !strings.Contains(err.Error(), "stopped") {
			t.Errorf("the other call of the dead child = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a call of the dead child never returned")
	}
	if _, err := e.Parse(t.Context(), "again"); err != nil {
		t.Errorf("Parse after the child died: %v (a new child should start)", err)
	}
}

func TestClose(t *testing.T) {
	e := newEngine(t)
	if _, err := e.Parse(t.Context(), "x"); err != nil {
		t.Fatal(err)
	}
	c := e.cur
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.dead:
	default:
		t.Error("the child is still running after Close")
	}
	if _, err := e.Parse(t.Context(), "x"); !errors.Is(err, errClosed) {
		t.Errorf("Parse after Close = %v", err)
	}
}

// BenchmarkRoundTrip is what the process boundary adds to one parser
// call: a 40 KiB parse tree (a 10-table query's is about that) there and
// back through the child's pipes.
func BenchmarkRoundTrip(b *testing.B) {
	for _, size := range []int{100, 40 << 10} {
		b.Run(fmt.Sprintf("tree=%dB", size), func(b *testing.B) { benchRoundTrip(b, size) })
	}
}

func benchRoundTrip(b *testing.B, size int) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv(childEnv, "1")
	e := New(Config{Path: exe})
	defer e.Close()
	tree := []byte(`{"x":"` + strings.Repeat("a", size) + `"}`)
	if _, err := e.Deparse(b.Context(), tree); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := e.Deparse(b.Context(), tree); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDPJobCrossesTheProcess(t *testing.T) {
	e := newEngine(t)
	limit := int64(5)
	plan := &query.DPPlan{UsersNoise: 20, Aggregations: []string{"COUNT", "SUM"},
		SQL: "SELECT u AS __uid, g AS __g0, v AS __a1 FROM t\nWHERE x = 'a\"b'", Groups: 1,
		Aggregates: []query.DPAggregate{{Type: "COUNT", Expression: "count_star()"}, {Type: "SUM", Arg: true, Expression: `sum("v")`}},
		Columns:    []query.DPColumn{{Name: "g", Group: 0, Aggregate: -1}, {Name: "n", Group: -1, Aggregate: 0}, {Name: "s", Group: -1, Aggregate: 1}},
		OrderBy:    []query.DPOrder{{Column: 1, Desc: true, NullsFirst: false}}, Limit: &limit}
	res, err := e.Run(t.Context(), engine.Job{SQL: "dp", DP: plan})
	if err != nil {
		t.Fatal(err)
	}
	var got query.DPPlan
	if err := json.Unmarshal([]byte(res.Files[0]), &got); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(plan, &got); d != "" {
		t.Errorf("plan the child received (-sent +got):\n%s", d)
	}
	lo, hi := -1.5, 1e300
	want := []cleanrooms.SensitivityParameter{
		{AggregationType: "COUNT", AggregationExpression: "count_star()", UserContributionLimit: 4},
		{AggregationType: "SUM", AggregationExpression: `sum("v")`, UserContributionLimit: 4, MinColumnValue: &lo, MaxColumnValue: &hi}}
	if d := cmp.Diff(want, res.Sensitivity); d != "" {
		t.Errorf("sensitivity back from the child (-want +got):\n%s", d)
	}
}
