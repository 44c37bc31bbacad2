package replicas

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/smithy-go"

	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
)

const region = "us-east-1"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinary compiles cmd/cleanroomsd once per test run.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "cleanroomsd-replicas-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "cleanroomsd")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/cleanroomsd/cleanroomsd/cmd/cleanroomsd").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binPath
}

// proc is a running cleanroomsd.
type proc struct {
	name string
	env  []string
	args []string
	cmd  *exec.Cmd
	url  string
	// exited is closed once the process has been waited for; state is
	// then its exit status.
	exited chan struct{}
	state  error

	mu   sync.Mutex
	logs []string // stderr lines but for INFO and DEBUG ones
	all  []string // every stderr line
}

// start runs the binary with args on a free port of 127.0.0.1 and returns
// once it listens. It is killed at the end of the test if still running.
func start(tb testing.TB, name string, args ...string) *proc {
	tb.Helper()
	p, err := launch(tb, name, nil, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// launch is start for any goroutine: it returns its failure. env is added
// to the process's environment.
func launch(tb testing.TB, name string, env []string, args ...string) (*proc, error) {
	bin := buildBinary(tb)
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--log-level", "info"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: name, env: env, args: args, cmd: cmd, exited: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		listening := false
		for sc.Scan() {
			p.mu.Lock()
			p.all = append(p.all, sc.Text())
			p.mu.Unlock()
			var line struct{ Msg, Addr, Level string }
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				if !listening && line.Msg == "listening" {
					listening = true
					addrc <- line.Addr
				}
				if line.Level == "INFO" || line.Level == "DEBUG" {
					continue
				}
			}
			p.mu.Lock()
			p.logs = append(p.logs, sc.Text())
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
		// Wait only after every read from the pipe is done (os/exec).
		p.state = cmd.Wait()
		close(p.exited)
	}()
	tb.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case addr := <-addrc:
		p.url = "http://" + addr
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before listening: %v\n%s", name, p.state, p.logText())
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("%s did not log its address within 60s\n%s", name, p.logText())
	}
}

// restart starts a new process with the same arguments (and a new port).
func (p *proc) restart(tb testing.TB) *proc {
	tb.Helper()
	q, err := launch(tb, p.name, p.env, p.args...)
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

func (p *proc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.logs, "\n")
}

func (p *proc) allLogs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.all, "\n")
}

// errorLogs returns the logged lines at level ERROR (a 500, a panic, a
// store failure) and anything that is not JSON.
func (p *proc) errorLogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.logs {
		var line struct{ Level string }
		if json.Unmarshal([]byte(l), &line) != nil || line.Level == "ERROR" {
			out = append(out, l)
		}
	}
	return out
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill(tb testing.TB) {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		tb.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		tb.Fatalf("%s still running 10s after SIGKILL", p.name)
	}
	var ee *exec.ExitError
	if !errors.As(p.state, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		tb.Fatalf("%s did not die of SIGKILL: %v", p.name, p.state)
	}
}

// stop sends SIGTERM and returns the exit status (nil: exit code 0).
func (p *proc) stop(tb testing.TB) error {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.exited:
		return p.state
	case <-time.After(15 * time.Second):
		tb.Fatalf("%s still running 15s after SIGTERM\n%s", p.name, p.logText())
	}
	return nil
}

// checkNoErrors fails the test if any process logged an error.
func checkNoErrors(tb testing.TB, procs ...*proc) {
	tb.Helper()
	for _, p := range procs {
		if lines := p.errorLogs(); len(lines) > 0 {
			tb.Errorf("%s logged errors:\n%s", p.name, strings.Join(lines, "\n"))
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

// client returns a Clean Rooms client acting as account against p; the
// 12-digit access key is the account, no credentials file is involved. It
// never retries: every call is sent exactly once, so that concurrent calls
// can be counted, and an unanswered write was applied at most once.
func (p *proc) client(account string, tr http.RoundTripper) *cleanrooms.Client {
	if tr == nil {
		tr = newTransport()
	}
	return cleanrooms.New(cleanrooms.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(account, "replicas-secret", ""),
		BaseEndpoint: aws.String(p.url),
		HTTPClient:   &http.Client{Transport: tr, Timeout: 60 * time.Second},
		Retryer:      aws.NopRetryer{},
	})
}

// cluster is replicas of cleanroomsd on one fresh PostgreSQL schema.
type cluster struct {
	dsn, schema string
	replicas    []*proc
	tr          *http.Transport
}

// newCluster starts n replicas on a new schema, each with args after
// --database-url. The schema is dropped at the end of the test, after the
// processes are gone. (The tests do not run in parallel: each cluster's
// connections count against the test server's max_connections.)
func newCluster(tb testing.TB, n int, args ...string) *cluster {
	tb.Helper()
	dsn, schema := pgtest.Schema(tb)
	buildBinary(tb)
	c := &cluster{dsn: dsn, schema: schema, tr: newTransport()}
	tb.Cleanup(c.tr.CloseIdleConnections)
	// Started at once, as an orchestrator would: they race to migrate.
	procs := make([]*proc, n)
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
		out[i] = p.client(account, c.tr)
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
