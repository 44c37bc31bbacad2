package replicas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/smithy-go"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/crashload"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

func TestMain(m *testing.M) { testbin.Main(m) }

// start runs the binary with args on a free port of 127.0.0.1 and returns
// once it listens. It is killed at the end of the test if still running.
func start(tb testing.TB, name string, args ...string) *testbin.Proc {
	tb.Helper()
	p, err := launch(tb, name, nil, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// launch is start for any goroutine: it returns its failure. env is added
// to the process's environment. The log level is info, before args; the
// per-request INFO lines are read and dropped. Every replica of a test
// shares one objects directory, as replicas on one database must.
func launch(tb testing.TB, name string, env []string, args ...string) (*testbin.Proc, error) {
	return testbin.Launch(tb, testbin.Build(tb), testbin.Options{
		Name:         name,
		Env:          append([]string{"CLEANROOMSD_OBJECTS_DIR=" + objectsDir(tb)}, env...),
		Args:         append([]string{"--log-level", "info"}, args...),
		StartTimeout: 60 * time.Second,
	})
}

var objectsDirs sync.Map // testing.TB → string

// objectsDir is the objects directory the replicas of tb share.
func objectsDir(tb testing.TB) string {
	if d, ok := objectsDirs.Load(tb); ok {
		return d.(string)
	}
	d, _ := objectsDirs.LoadOrStore(tb, tb.TempDir())
	return d.(string)
}

// checkNoErrors fails the test if any process logged an error.
func checkNoErrors(tb testing.TB, procs ...*testbin.Proc) {
	tb.Helper()
	for _, p := range procs {
		if lines := p.ErrorLogs(); len(lines) > 0 {
			tb.Errorf("%s logged errors:\n%s", p.Name(), strings.Join(lines, "\n"))
		}
	}
}

// transport is shared by every client of a test, with room for the
// concurrent calls the tests make.
func newTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return tr
}

// client returns a Clean Rooms client acting as account against p (see
// crashload.Client: it never retries, so that concurrent calls can be
// counted, and an unanswered write was applied at most once).
func client(p *testbin.Proc, account string, tr http.RoundTripper) *cleanrooms.Client {
	if tr == nil {
		tr = newTransport()
	}
	return crashload.Client(p.URL, account, &http.Client{Transport: tr, Timeout: 60 * time.Second})
}

// cluster is replicas of cleanroomsd on one fresh PostgreSQL schema.
type cluster struct {
	dsn, schema string
	replicas    []*testbin.Proc
	tr          *http.Transport
}

// newCluster starts n replicas on a new schema, each with args after
// --database-url. The schema is dropped at the end of the test, after the
// processes are gone. (The tests do not run in parallel: each cluster's
// connections count against the test server's max_connections.)
func newCluster(tb testing.TB, n int, args ...string) *cluster {
	tb.Helper()
	dsn, schema := pgtest.Schema(tb)
	testbin.Build(tb)
	c := &cluster{dsn: dsn, schema: schema, tr: newTransport()}
	tb.Cleanup(c.tr.CloseIdleConnections)
	// Started at once, as an orchestrator would: they race to migrate.
	procs := make([]*testbin.Proc, n)
	errs := make([]error, n)
	names, dsns := make([]string, n), make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("replica%d", i+1)
		dsns[i] = c.replicaDSN(tb, names[i])
	}
	race(n, func(i int) {
		procs[i], errs[i] = launch(tb, names[i], nil, append([]string{"--database-url", dsns[i]}, args...)...)
	})
	if err := errors.Join(errs...); err != nil {
		tb.Fatal(err)
	}
	c.replicas = procs
	return c
}

// replicaDSN is the cluster's URL with the replica's application_name, so
// that its sessions can be told apart in pg_stat_activity, and a bounded
// pool: the default sizes grow with GOMAXPROCS, and the test server's
// max_connections (100 by default) is shared with the other packages'
// tests.
func (c *cluster) replicaDSN(tb testing.TB, name string) string {
	dsn := pgtest.MustWithParam(tb, c.dsn, "application_name", c.appName(name))
	return pgtest.MustWithParam(tb, dsn, "pool_max_conns", "6")
}

func (c *cluster) appName(replica string) string { return c.schema + "-" + replica }

// waitSessionsGone waits until the server has ended every session of a
// killed replica. A session notices that its client is gone when it next
// reads from or writes to it: a transaction whose COMMIT had arrived before
// the kill still commits, and only then is its outcome final.
func (c *cluster) waitSessionsGone(tb testing.TB, replica string) {
	tb.Helper()
	conn := pgtest.Connect(tb)
	defer conn.Close(context.Background())
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := conn.QueryRow(context.Background(), "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1", c.appName(replica)).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d sessions of the killed %s still open after 30s", n, replica)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// clients returns account's client for each replica, in replica order.
func (c *cluster) clients(account string) []*cleanrooms.Client {
	out := make([]*cleanrooms.Client, len(c.replicas))
	for i, p := range c.replicas {
		out[i] = client(p, account, c.tr)
	}
	return out
}

// race runs fn(0..n-1) in n goroutines released together and waits.
func race(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// errorCode is the AWS error code of err ("" if nil, "<no answer>" if the
// server did not answer with an API error).
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "<no answer>"
}

// tally counts error codes ("" for success).
func tally(errs []error) map[string]int {
	m := map[string]int{}
	for _, err := range errs {
		m[errorCode(err)]++
	}
	return m
}

func ctxTimeout(tb testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}
