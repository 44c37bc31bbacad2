// Package testbin builds the cleanroomsd binary and runs it for tests and
// benchmarks: started on port 0, it is found by the address in its
// {"msg":"listening","addr":...} line on stderr (written at any log level),
// and it can be killed with SIGKILL, stopped with SIGTERM and restarted.
// Its stderr is read to the end while it runs; the lines it keeps (by
// default warnings, errors and anything that is not JSON) come with every
// failure message.
//
// Only tests import it. A test package that calls Build removes the binary
// at the end with
//
//	func TestMain(m *testing.M) { testbin.Main(m) }
//
// (or calls Remove from its own TestMain).
package testbin

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Package is what Build compiles; EnginePackage is built beside it (the
// server finds its query engine next to its own binary).
const (
	Package       = "github.com/cleanroomsd/cleanroomsd/cmd/cleanroomsd"
	EnginePackage = "github.com/cleanroomsd/cleanroomsd/cmd/cleanroomsd-engine"
)

var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Build compiles cmd/cleanroomsd and cmd/cleanroomsd-engine once per test
// binary run, into a temporary directory that Remove (or Main) deletes,
// and returns the server binary's path. A failed build fails every
// caller.
func Build(tb testing.TB) string {
	tb.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "cleanroomsd-testbin-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "cleanroomsd")
		out, err := exec.Command("go", "build", "-o", built.dir+"/", Package, EnginePackage).CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		tb.Fatal(built.err)
	}
	return built.path
}

// Remove deletes what Build built. Call it after every test has run.
func Remove() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

// Main runs the tests, removes the binary and exits: a TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Remove()
	os.Exit(code)
}

// LogMode says which stderr lines a Proc keeps.
type LogMode int

const (
	// KeepWarnings keeps every line but the JSON ones at level INFO or
	// DEBUG (and the listening line): warnings, errors and anything
	// that is not JSON, such as a panic.
	KeepWarnings LogMode = iota
	// KeepAll keeps every line.
	KeepAll
	// KeepNone reads the lines after the listening line without parsing
	// them and keeps none: for load benchmarks with an access log.
	KeepNone
)

// Options configure Launch.
type Options struct {
	// Name names the process in failure messages; "cleanroomsd" if empty.
	Name string
	// Args follow --addr 127.0.0.1:0 (a later --addr would win).
	Args []string
	// Env is added to the test's environment.
	Env []string
	// StartTimeout bounds the wait for the listening line; 30s if zero.
	StartTimeout time.Duration
	// Logs is which stderr lines Logs and ErrorLogs see.
	Logs LogMode
}

// Proc is a running (or exited) cleanroomsd.
type Proc struct {
	// URL is the base URL it listens on, "http://127.0.0.1:PORT".
	URL string

	bin  string
	opts Options
	cmd  *exec.Cmd
	// exited is closed once the process has been waited for; err is
	// then its exit status.
	exited chan struct{}
	err    error

	mu   sync.Mutex
	logs []string
}

// Start is Launch with args, failing the test if the process does not get
// to listen.
func Start(tb testing.TB, bin string, args ...string) *Proc {
	tb.Helper()
	p, err := Launch(tb, bin, Options{Args: args})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// Launch runs bin on a free port of 127.0.0.1 and returns once it has
// logged the address it listens on; its error (the process exited first,
// or did not listen in time, with what it logged) is returned, not
// reported, so that Launch can run on any goroutine. The process is killed
// at the end of tb if still running.
func Launch(tb testing.TB, bin string, o Options) (*Proc, error) {
	if o.Name == "" {
		o.Name = "cleanroomsd"
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 30 * time.Second
	}
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, o.Args...)...)
	if o.Env != nil {
		cmd.Env = append(os.Environ(), o.Env...)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{bin: bin, opts: o, cmd: cmd, exited: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		p.read(stderr, addrc)
		_, _ = io.Copy(io.Discard, stderr)
		// Wait only after every read from the pipe is done (os/exec).
		p.err = cmd.Wait()
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
		p.URL = "http://" + addr
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before listening: %v\n%s", o.Name, p.err, p.Logs())
	case <-time.After(o.StartTimeout):
		return nil, fmt.Errorf("%s did not log its address within %v\n%s", o.Name, o.StartTimeout, p.Logs())
	}
}

// read scans stderr, sends the address of the listening line to addrc and
// keeps the lines the options ask for.
func (p *Proc) read(stderr io.Reader, addrc chan<- string) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	listening := false
	for sc.Scan() {
		if listening && p.opts.Logs == KeepNone {
			continue
		}
		var line struct{ Msg, Addr, Level string }
		isJSON := json.Unmarshal(sc.Bytes(), &line) == nil
		if !listening && isJSON && line.Msg == "listening" {
			listening = true
			addrc <- line.Addr
			if p.opts.Logs != KeepAll {
				continue
			}
		}
		if p.opts.Logs != KeepAll && isJSON && (line.Level == "INFO" || line.Level == "DEBUG") {
			continue
		}
		p.mu.Lock()
		p.logs = append(p.logs, sc.Text())
		p.mu.Unlock()
	}
}

// Restart launches a new process with the same binary and options (on a
// new port), failing the test if it does not get to listen.
func (p *Proc) Restart(tb testing.TB) *Proc {
	tb.Helper()
	q, err := Launch(tb, p.bin, p.opts)
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

// Name is Options.Name.
func (p *Proc) Name() string { return p.opts.Name }

// PID is the process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Exited is closed once the process has exited and been waited for.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// ExitErr is the exit status once Exited is closed (nil: exit code 0).
func (p *Proc) ExitErr() error {
	select {
	case <-p.exited:
		return p.err
	default:
		return errors.New("still running")
	}
}

// Kill sends SIGKILL and waits for the process to be gone, failing the
// test if it is still running 10s later or died of something else.
func (p *Proc) Kill(tb testing.TB) {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		tb.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		tb.Fatalf("%s still running 10s after SIGKILL", p.opts.Name)
	}
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		tb.Fatalf("%s did not die of SIGKILL: %v", p.opts.Name, p.err)
	}
}

// Stop is StopWithin 15 seconds.
func (p *Proc) Stop(tb testing.TB) error {
	tb.Helper()
	return p.StopWithin(tb, 15*time.Second)
}

// StopWithin sends SIGTERM and returns the exit status (nil: exit code 0),
// failing the test, with the logs, if the process is still running after
// d (it is then killed at the end of the test).
func (p *Proc) StopWithin(tb testing.TB, d time.Duration) error {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.exited:
		return p.err
	case <-time.After(d):
		tb.Fatalf("%s still running %v after SIGTERM\n%s", p.opts.Name, d, p.Logs())
	}
	return nil
}

// Logs returns the kept stderr lines (see LogMode), one per line.
func (p *Proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.logs, "\n")
}

// ErrorLogs returns the kept lines at level ERROR (a 500, a panic, a
// store failure) and those that are not JSON.
func (p *Proc) ErrorLogs() []string {
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
