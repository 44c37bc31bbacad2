package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Benchmarks of the built binary: start-up to first answer and idle
// memory. Run them with a small -benchtime, e.g. -benchtime 20x for
// BenchmarkStartup and 1x for BenchmarkIdleRSS.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func binary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(root(tb), "cleanroomsd")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/cleanroomsd/cleanroomsd/cmd/cleanroomsd").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// running is a started binary.
type running struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startBinary execs the binary and returns once it has logged its address.
// The log level is info because the "listening" line is logged at INFO:
// with --log-level warn a server on port 0 never says where it listens.
func startBinary(tb testing.TB, dataDir string) *running {
	tb.Helper()
	cmd := exec.Command(binary(tb), append([]string{"--addr", "127.0.0.1:0", "--log-level", "info"}, serverFlags(dataDir)...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	r := &running{cmd: cmd, done: make(chan struct{})}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			r.url = "http://" + line.Addr
			break
		}
	}
	go func() {
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(r.done)
	}()
	if r.url == "" {
		<-r.done
		tb.Fatalf("cleanroomsd exited before listening: %v", cmd.ProcessState)
	}
	return r
}

func serverFlags(dataDir string) []string {
	return []string{"--data-dir", dataDir, "--quotas", "collaborations=1000000,memberships=1000000,members=5"}
}

// startQuietBinary runs the binary with --log-level warn (no access log)
// on a port picked here, since it will not log where it listens, and
// returns once the health check answers.
func startQuietBinary(tb testing.TB, dataDir string) *running {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary(tb), append([]string{"--addr", addr, "--log-level", "warn"}, serverFlags(dataDir)...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	r := &running{cmd: cmd, url: "http://" + addr, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(r.done)
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if resp, err := http.Get(r.url + "/_cleanroomsd/health"); err == nil {
			resp.Body.Close()
			return r
		}
		select {
		case <-r.done:
			tb.Fatalf("cleanroomsd exited: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			r.stop(tb)
			tb.Fatal("cleanroomsd did not answer its health check within 10s")
		}
	}
}

func (r *running) stop(tb testing.TB) {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
		_ = r.cmd.Process.Kill()
		tb.Fatal("cleanroomsd did not stop within 15s of SIGTERM")
	}
}

// get sends one signed request and fails unless it answers 200.
func (r *running) get(tb testing.TB, client *http.Client, target string) []byte {
	tb.Helper()
	body, err := r.do(client, target)
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

func (r *running) do(client *http.Client, target string) ([]byte, error) {
	req, err := http.NewRequest("GET", r.url+target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", authHeader(member))
	req.Header.Set("X-Amz-Date", amzDate)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d %s", target, resp.StatusCode, body)
	}
	return body, err
}

// BenchmarkStartup measures a cold start of the binary: exec, the
// "listening" line, and the first signed ListMemberships answered 200 (a
// full page of 100 with the seeded store). ns/op is exec to first answer;
// listen-ms is exec to the listening line. Stopping is not timed.
func BenchmarkStartup(b *testing.B) {
	for _, n := range []int{0, 100_000} {
		b.Run("store=disk/n="+size(n), func(b *testing.B) {
			binary(b)
			dir := dataDirWith(b, n, uniqueName("startup-"+size(n)))
			var listen time.Duration
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				r := startBinary(b, dir)
				listen += time.Since(t0)
				client := &http.Client{Transport: &http.Transport{}}
				r.get(b, client, listTarget(""))
				b.StopTimer()
				client.CloseIdleConnections()
				r.stop(b)
				b.StartTimer()
			}
			b.ReportMetric(float64(listen.Microseconds())/1000/float64(b.N), "listen-ms")
		})
	}
}

// BenchmarkIdleRSS starts the binary, lets it idle and reads its resident
// memory from /proc: VmRSS after 2 s idle (MiB) and the peak VmHWM. The
// stores: in memory and empty; on disk and empty; on disk with 100k
// memberships after a first page and a few reads; the same after every
// page of the 100k was listed once (SQLite's page caches full).
func BenchmarkIdleRSS(b *testing.B) {
	cases := []struct {
		name string
		n    int
		dir  bool
		walk bool
	}{
		{"store=mem/n=0", 0, false, false},
		{"store=disk/n=0", 0, true, false},
		{"store=disk/n=100k", 100_000, true, false},
		{"store=disk/n=100k/listed-all", 100_000, true, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			binary(b)
			dir := ""
			if c.dir {
				dir = dataDirWith(b, c.n, uniqueName("rss-"+size(c.n)))
			}
			var rss, hwm float64
			for range b.N {
				r := startBinary(b, dir)
				client := &http.Client{Transport: &http.Transport{}}
				r.get(b, client, listTarget(""))
				if c.n > 0 {
					for i := range 10 {
						r.get(b, client, "/memberships/"+id(kindMembership, spread(i, c.n)))
					}
				}
				if c.walk {
					token := ""
					for {
						var out struct{ NextToken string }
						if err := json.Unmarshal(r.get(b, client, listTarget(token)), &out); err != nil {
							b.Fatal(err)
						}
						if out.NextToken == "" {
							break
						}
						token = out.NextToken
					}
				}
				client.CloseIdleConnections()
				time.Sleep(2 * time.Second)
				st, err := procStatus(r.cmd.Process.Pid)
				if err != nil {
					b.Fatal(err)
				}
				rss += float64(st["VmRSS"]) / 1024
				hwm += float64(st["VmHWM"]) / 1024
				r.stop(b)
			}
			b.ReportMetric(rss/float64(b.N), "RSS-MiB")
			b.ReportMetric(hwm/float64(b.N), "peakRSS-MiB")
		})
	}
}

// BenchmarkBinary loads a running binary (1k memberships on disk; with the
// default log level, one access-log line per request, and with warn, none)
// from 8 concurrent keep-alive
// clients in this process, the way an SDK user's test suite would. It
// reports the server process's own CPU per request (from /proc/PID/stat;
// the clients' CPU is not in it) and the throughput on this machine, where
// the clients compete with the server for the same cores.
func BenchmarkBinary(b *testing.B) {
	const n = 1_000
	for _, op := range []string{"GetMembership", "ListMemberships"} {
		for _, level := range []string{"info", "warn"} {
			b.Run(op+"/log="+level, func(b *testing.B) {
				dir := dataDirWith(b, n, uniqueName("binary"))
				var r *running
				if level == "info" {
					r = startBinary(b, dir)
				} else {
					r = startQuietBinary(b, dir)
				}
				defer r.stop(b)
				loadBinary(b, r, func(i int) string {
					if op == "ListMemberships" {
						return listTarget("")
					}
					return "/memberships/" + id(kindMembership, spread(i, n))
				})
			})
		}
	}
}

// nopServerEnv makes the test binary, re-executed by
// BenchmarkNopHTTPServer, serve a fixed answer instead of running tests.
const nopServerEnv = "CLEANROOMSD_BENCH_NOP_SERVER"

// nopServer is the floor under BenchmarkBinary: Go's net/http answering
// every request with a fixed GetMembership-sized JSON body, nothing else.
func nopServer() {
	body := []byte(`{"membership":{"arn":"` + strings.Repeat("x", 900) + `"}}`)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "{\"msg\":\"listening\",\"addr\":%q}\n", ln.Addr().String())
	panic(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})))
}

// BenchmarkNopHTTPServer is BenchmarkBinary's load against nopServer: the
// CPU that net/http, the loopback network and the scheduler cost per
// request on this machine before cleanroomsd does anything.
func BenchmarkNopHTTPServer(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), nopServerEnv+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var line struct{ Msg, Addr string }
	if sc := bufio.NewScanner(stderr); !sc.Scan() || json.Unmarshal(sc.Bytes(), &line) != nil {
		b.Fatal("no address from the nop server")
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	r := &running{cmd: cmd, url: "http://" + line.Addr}
	loadBinary(b, r, func(i int) string { return "/memberships/" + id(kindMembership, i) })
}

// loadBinary sends b.N GETs of target(i) from 8 concurrent keep-alive
// clients and reports the server process's CPU per request and the
// throughput.
func loadBinary(b *testing.B, r *running, target func(i int) string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	r.get(b, client, target(0)) // warm
	const clients = 8
	b.ResetTimer()
	start, cpu0 := time.Now(), procCPU(b, r.cmd.Process.Pid)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < b.N; i += clients {
				if _, err := r.do(client, target(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu := procCPU(b, r.cmd.Process.Pid) - cpu0
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "server-cpu-µs/op")
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// procCPU is the user+system CPU time the process has used, from
// /proc/PID/stat (in clock ticks of 10 ms).
func procCPU(tb testing.TB, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("parsing /proc/%d/stat: %q", pid, raw)
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime+stime) * tick
}

// procStatus reads the kB fields of /proc/PID/status.
func procStatus(pid int) (map[string]int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.HasSuffix(v, " kB") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, " kB")), 10, 64)
		if err == nil {
			out[k] = n
		}
	}
	return out, nil
}
