package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// Benchmarks of the built binary: start-up to first answer and idle
// memory. Run them with a small -benchtime, e.g. -benchtime 20x for
// BenchmarkStartup and 1x for BenchmarkIdleRSS.

// running is a started binary (or the nop server).
type running struct{ *testbin.Proc }

// startBinary execs the binary with the benchmark's data directory and
// quotas, and args after them, and returns once it has logged its address
// (it does at any log level). The log level is info unless args say
// otherwise. Its stderr after the listening line is read and dropped
// unparsed, so that an access log costs this process nothing.
func startBinary(tb testing.TB, dataDir string, args ...string) running {
	tb.Helper()
	p, err := testbin.Launch(tb, testbin.Build(tb), testbin.Options{
		Args: append([]string{"--log-level", "info", "--data-dir", dataDir, "--quotas", "collaborations=1000000,memberships=1000000,members=5"}, args...),
		Logs: testbin.KeepNone,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return running{p}
}

// stop sends SIGTERM and waits (15s at most) for the process to exit; the
// exit status is not looked at.
func (r running) stop(tb testing.TB) {
	tb.Helper()
	_ = r.Stop(tb)
}

// get sends one signed request and fails unless it answers 200.
func (r running) get(tb testing.TB, client *http.Client, target string) []byte {
	tb.Helper()
	body, err := r.do(client, target)
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

func (r running) do(client *http.Client, target string) ([]byte, error) {
	req, err := http.NewRequest("GET", r.URL+target, nil)
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
			testbin.Build(b)
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
			testbin.Build(b)
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
				st, err := procStatus(r.PID())
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
				r := startBinary(b, dir, "--log-level", level)
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
	// It serves on a port of its own choosing, whatever its arguments,
	// and says where like cleanroomsd does.
	p, err := testbin.Launch(b, exe, testbin.Options{Name: "nop server", Env: []string{nopServerEnv + "=1"}, Logs: testbin.KeepNone})
	if err != nil {
		b.Fatal(err)
	}
	r := running{p}
	loadBinary(b, r, func(i int) string { return "/memberships/" + id(kindMembership, i) })
}

// loadBinary sends b.N GETs of target(i) from 8 concurrent keep-alive
// clients and reports the server process's CPU per request and the
// throughput.
func loadBinary(b *testing.B, r running, target func(i int) string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	r.get(b, client, target(0)) // warm
	const clients = 8
	b.ResetTimer()
	start, cpu0 := time.Now(), procCPU(b, r.PID())
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
	cpu := procCPU(b, r.PID()) - cpu0
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
