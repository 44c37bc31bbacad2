package durability

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
)

const region = "us-east-1"

// serverArgs are the flags of every server the tests start, after --addr
// and --data-dir. The quotas are raised so that the load never hits them.
//
// The log level is info, not warn: cmd/cleanroomsd logs its "listening"
// line at INFO, so --log-level warn hides the only place a server started
// on port 0 says where it listens. The per-request INFO lines are read and
// dropped; warnings, errors and anything that is not JSON are kept.
var serverArgs = []string{
	"--quotas", "collaborations=100000,memberships=100000,members=5",
	"--log-level", "info",
}

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
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "cleanroomsd-durability-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "cleanroomsd")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/cleanroomsd/cleanroomsd/cmd/cleanroomsd").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a running cleanroomsd.
type proc struct {
	cmd *exec.Cmd
	url string
	// exited is closed once the process has been waited for; state is
	// then its exit status.
	exited chan struct{}
	state  error

	mu   sync.Mutex
	logs []string // stderr lines after "listening", but for INFO and DEBUG
}

// startServer runs bin on a free port with dataDir and returns once it has
// logged the address it listens on. It is killed at the end of the test if
// still running.
func startServer(t *testing.T, bin, dataDir string) *proc {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--data-dir", dataDir}, serverArgs...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		listening := false
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if !listening && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				listening = true
				addrc <- line.Addr
				continue
			}
			var lvl struct{ Level string }
			if json.Unmarshal(sc.Bytes(), &lvl) == nil && (lvl.Level == "INFO" || lvl.Level == "DEBUG") {
				continue
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
	t.Cleanup(func() {
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
		return p
	case <-p.exited:
		t.Fatalf("cleanroomsd exited before listening: %v\n%s", p.state, p.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("cleanroomsd did not log its address within 30s\n%s", p.logText())
	}
	return nil
}

func (p *proc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b []byte
	for _, l := range p.logs {
		b = append(append(b, l...), '\n')
	}
	return string(b)
}

// errorLogs returns the logged lines at level ERROR: a 500, a panic or a
// store failure.
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
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("cleanroomsd still running 10s after SIGKILL")
	}
	var ee *exec.ExitError
	if !errors.As(p.state, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("cleanroomsd did not die of SIGKILL: %v", p.state)
	}
}

// stop sends SIGTERM and returns the exit status (nil: exit code 0).
func (p *proc) stop(t *testing.T) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.exited:
		return p.state
	case <-time.After(15 * time.Second):
		t.Fatalf("cleanroomsd still running 15s after SIGTERM\n%s", p.logText())
	}
	return nil
}

// client returns a Clean Rooms client acting as account against p. It
// never retries: every call is sent exactly once, so an answered write
// was applied exactly once and an unanswered one at most once.
func (p *proc) client(account string, transport http.RoundTripper) *cleanrooms.Client {
	if transport == nil {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	return cleanrooms.New(cleanrooms.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(account, "durability-secret", ""),
		BaseEndpoint: aws.String(p.url),
		HTTPClient:   &http.Client{Transport: transport},
		Retryer:      aws.NopRetryer{},
	})
}
