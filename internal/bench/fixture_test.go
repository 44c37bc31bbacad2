package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/app"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/server"
	"github.com/cleanroomsd/cleanroomsd/internal/service"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// The seeded world: collaborator creates collaborations in which member is
// invited and has joined, so member holds n memberships (one account, as
// the targets ask) and collaborator has created n collaborations.
const (
	member       = "111122223333"
	collaborator = "444455556666"
	region       = "us-east-1"
)

// quotas never bind: the benchmarks grow accounts far past AWS's limits.
var quotas = service.Quotas{CollaborationsPerAccount: 1 << 30, MembershipsPerAccount: 1 << 30, MembersPerCollaboration: 5}

// Id kinds keep the id spaces of seeded records apart. Ids have the shape
// and length of the UUIDs the service makes.
const (
	kindCollab     = 1 // collaboration i, joined by member
	kindMembership = 2 // member's membership of collaboration i
	kindInvitation = 3 // collaboration i, member invited but not joined
)

func id(kind, i int) string { return fmt.Sprintf("%08d-0000-4000-8000-%012d", kind, i) }

var seedTime = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func collabRecord(kind, i int) *cleanrooms.Collaboration {
	t := seedTime.Add(time.Duration(i) * time.Millisecond)
	return &cleanrooms.Collaboration{
		ID: id(kind, i), Region: region, CreatorAccountID: collaborator,
		Name: fmt.Sprintf("collaboration %d", i), Description: "seeded for benchmarks",
		CreatorDisplayName: "collaborator", QueryLogStatus: "ENABLED", AnalyticsEngine: "SQL",
		AutoApprovedChangeTypes: []string{}, CreateTime: t, UpdateTime: t,
	}
}

// memberRows are the collaboration's rows: the creator (who queries and
// pays) and member (who receives results).
func memberRows(c *cleanrooms.Collaboration, membershipID string) []cleanrooms.Member {
	status := cleanrooms.MemberInvited
	if membershipID != "" {
		status = cleanrooms.MemberActive
	}
	return []cleanrooms.Member{
		{CollaborationID: c.ID, AccountID: collaborator, Position: 0, DisplayName: "collaborator",
			Abilities: []string{"CAN_QUERY", "CAN_RECEIVE_RESULTS"}, Status: cleanrooms.MemberInvited,
			Payment: cleanrooms.PaymentConfig{QueryCompute: true}, CreateTime: c.CreateTime, UpdateTime: c.CreateTime},
		{CollaborationID: c.ID, AccountID: member, Position: 1, DisplayName: "member",
			Abilities: []string{"CAN_RECEIVE_RESULTS"}, Status: status, MembershipID: membershipID,
			Payment: cleanrooms.PaymentConfig{QueryCompute: false}, CreateTime: c.CreateTime, UpdateTime: c.CreateTime},
	}
}

func membershipRecord(c *cleanrooms.Collaboration, i int) *cleanrooms.Membership {
	return &cleanrooms.Membership{
		ID: id(kindMembership, i), AccountID: member, Region: region, CollaborationID: c.ID,
		Status: cleanrooms.MembershipActive, QueryLogStatus: "DISABLED",
		DefaultResultConfig: &cleanrooms.ResultConfig{
			S3:      &cleanrooms.S3Output{Bucket: "results-bucket", KeyPrefix: ptr("seed/"), ResultFormat: "CSV"},
			RoleArn: "arn:aws:iam::" + member + ":role/results",
		},
		Payment:    cleanrooms.PaymentConfig{QueryCompute: false},
		CreateTime: c.CreateTime, UpdateTime: c.CreateTime,
	}
}

// seed writes collaborations [from, to) with member's memberships (joined)
// or with member only invited, in one transaction.
func seed(ctx context.Context, st cleanrooms.Store, from, to int, joined bool) error {
	return st.Transact(ctx, func(tx cleanrooms.Tx) error {
		for i := from; i < to; i++ {
			kind := kindInvitation
			if joined {
				kind = kindCollab
			}
			c := collabRecord(kind, i)
			if err := tx.InsertCollaboration(ctx, c); err != nil {
				return err
			}
			msID := ""
			if joined {
				msID = id(kindMembership, i)
			}
			for _, m := range memberRows(c, msID) {
				if err := tx.InsertMember(ctx, &m); err != nil {
					return err
				}
			}
			if joined {
				if err := tx.InsertMembership(ctx, membershipRecord(c, i)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Signed requests. Without a credentials file the server does not verify
// signatures: a well-formed Authorization header naming the account, plus
// the X-Amz-Date header that sigv4.Parse requires, is enough.

const amzDate = "20261121T000000Z"

func authHeader(account string) string {
	return "AWS4-HMAC-SHA256 Credential=" + account + "/20261121/" + region + "/cleanrooms/aws4_request, SignedHeaders=host, Signature=00"
}

func newRequest(method, target, account string, body []byte) *http.Request {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, "http://cleanroomsd"+target, rd)
	if err != nil {
		panic(err)
	}
	r.Header.Set("Authorization", authHeader(account))
	r.Header.Set("X-Amz-Date", amzDate)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

// serve runs one request through h and fails unless it answers 200.
func serve(tb testing.TB, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		tb.Fatalf("%s %s: %d %s", r.Method, r.URL, w.Code, w.Body)
	}
	return w
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Store kinds.
const (
	mem  = "mem"  // private in-memory SQLite
	disk = "disk" // SQLite file, WAL, synchronous=FULL (the default)
	// diskNormal is disk with synchronous=NORMAL (no fsync per commit), to
	// show what the fsync costs. Not reachable from the binary's flags.
	diskNormal = "disk-sync-normal"
)

// env is a handler over a seeded store.
type env struct {
	kind string
	h    http.Handler
	// side is a store on the same database, for seeding more records
	// while h is idle (for mem it is h's own store).
	side    cleanrooms.Store
	n       int // seeded memberships of member
	invited int // invitations seeded so far (next index to seed)
	joined  int // invitations consumed by CreateMembership
	closers []func() error

	deepOnce  sync.Once
	deepToken string // nextToken of the last full page of member's memberships
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		_ = e.closers[i]()
	}
}

// handlerOn composes the stack exactly as app.New does (server.New over
// service.New), for stores that app.New cannot be given: the in-memory one,
// which the benchmarks must seed directly, and synchronous=NORMAL.
func handlerOn(st cleanrooms.Store, log *slog.Logger) http.Handler {
	svc := service.New(service.Config{Store: st, Quotas: quotas})
	return server.New(server.Config{Service: svc, Logger: log})
}

// root is a directory for the databases and the binary of one test
// binary run, removed by TestMain.
var (
	rootOnce sync.Once
	rootDir  string
	envMu    sync.Mutex
	envs     = map[string]*env{}
)

func root(testing.TB) string {
	rootOnce.Do(func() {
		var err error
		if rootDir, err = os.MkdirTemp("", "cleanroomsd-bench-"); err != nil {
			panic(err)
		}
	})
	return rootDir
}

func TestMain(m *testing.M) {
	if os.Getenv(nopServerEnv) != "" {
		nopServer() // never returns
	}
	code := m.Run()
	for _, e := range envs {
		e.close()
	}
	if rootDir != "" {
		os.RemoveAll(rootDir)
	}
	testbin.Remove()
	os.Exit(code)
}

// template returns a database file seeded with n memberships of member,
// made once per run and copied by every disk environment and binary
// start that needs it.
var templates sync.Map // n -> *templateOnce

type templateOnce struct {
	once sync.Once
	path string
	err  error
}

func template(tb testing.TB, n int) string {
	tb.Helper()
	v, _ := templates.LoadOrStore(n, &templateOnce{})
	t := v.(*templateOnce)
	t.once.Do(func() {
		dir := filepath.Join(root(tb), fmt.Sprintf("template-%d", n))
		t.path = filepath.Join(dir, "cleanroomsd.db")
		if t.err = os.MkdirAll(dir, 0o755); t.err != nil {
			return
		}
		ctx := context.Background()
		st, err := sqlstore.OpenSQLite(ctx, t.path, sqlstore.Options{})
		if err != nil {
			t.err = err
			return
		}
		start := time.Now()
		t.err = seed(ctx, st, 0, n, true)
		if err := st.Close(); t.err == nil { // checkpoints: one self-contained file
			t.err = err
		}
		if testing.Verbose() {
			fmt.Fprintf(os.Stderr, "seeded %d memberships on disk in %v\n", n, time.Since(start).Round(time.Millisecond))
		}
	})
	if t.err != nil {
		tb.Fatalf("seeding %d: %v", n, t.err)
	}
	return t.path
}

// dataDirWith makes a fresh data directory holding a copy of the n-row
// template (empty when n == 0).
func dataDirWith(tb testing.TB, n int, name string) string {
	tb.Helper()
	dir := filepath.Join(root(tb), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if n > 0 {
		src, err := os.ReadFile(template(tb, n))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cleanroomsd.db"), src, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

var dirSeq struct {
	sync.Mutex
	n int
}

func uniqueName(prefix string) string {
	dirSeq.Lock()
	defer dirSeq.Unlock()
	dirSeq.n++
	return fmt.Sprintf("%s-%d", prefix, dirSeq.n)
}

// newEnv builds an environment of the kind with n seeded memberships.
func newEnv(tb testing.TB, kind string, n int, log *slog.Logger) *env {
	tb.Helper()
	ctx := context.Background()
	e := &env{kind: kind, n: n}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch kind {
	case mem:
		st, err := sqlstore.OpenSQLite(ctx, "", sqlstore.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		e.closers = append(e.closers, st.Close)
		start := time.Now()
		if err := seed(ctx, st, 0, n, true); err != nil {
			tb.Fatal(err)
		}
		if testing.Verbose() && n >= 10000 {
			fmt.Fprintf(os.Stderr, "seeded %d memberships in memory in %v\n", n, time.Since(start).Round(time.Millisecond))
		}
		e.side, e.h = st, handlerOn(st, log)
	case disk:
		dir := dataDirWith(tb, n, uniqueName(fmt.Sprintf("disk-%d", n)))
		a, err := app.New(ctx, app.Config{DataDir: dir, Quotas: quotas, Logger: log})
		if err != nil {
			tb.Fatal(err)
		}
		e.closers = append(e.closers, a.Close)
		side, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "cleanroomsd.db"), sqlstore.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		e.closers = append(e.closers, side.Close)
		e.side, e.h = side, a.Handler()
	case diskNormal:
		dir := dataDirWith(tb, n, uniqueName(fmt.Sprintf("normal-%d", n)))
		st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "cleanroomsd.db"), sqlstore.Options{Synchronous: sqlstore.SyncNormal})
		if err != nil {
			tb.Fatal(err)
		}
		e.closers = append(e.closers, st.Close)
		e.side, e.h = st, handlerOn(st, log)
	default:
		tb.Fatalf("unknown store kind %q", kind)
	}
	return e
}

// sharedEnv returns the run's environment of that kind and size, made on
// first use. Benchmarks that write to it add rows; sizes are what was
// seeded, give or take those.
func sharedEnv(tb testing.TB, kind string, n int) *env {
	tb.Helper()
	envMu.Lock()
	defer envMu.Unlock()
	key := fmt.Sprintf("%s/%d", kind, n)
	if e := envs[key]; e != nil {
		return e
	}
	e := newEnv(tb, kind, n, nil)
	envs[key] = e
	return e
}

// freshEnv returns an environment of its own, closed when tb ends.
func freshEnv(tb testing.TB, kind string, n int) *env {
	e := newEnv(tb, kind, n, nil)
	tb.Cleanup(e.close)
	return e
}

// invitations makes sure k unused invitations of member exist and returns
// the index of the first.
func (e *env) invitations(tb testing.TB, k int) int {
	tb.Helper()
	if e.invited-e.joined < k {
		if err := seed(context.Background(), e.side, e.invited, e.joined+k, false); err != nil {
			tb.Fatal(err)
		}
		e.invited = e.joined + k
	}
	first := e.joined
	e.joined += k
	return first
}

// deepPageToken is the nextToken that asks for the last full page (100
// items) of member's memberships, found by walking the pages once.
func (e *env) deepPageToken(tb testing.TB) string {
	tb.Helper()
	e.deepOnce.Do(func() {
		token := ""
		for page := 0; page < e.n/100-1; page++ {
			w := serve(tb, e.h, newRequest("GET", listTarget(token), member, nil))
			var out struct{ NextToken string }
			if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.NextToken == "" {
				tb.Fatalf("page %d: no nextToken (%v)", page, err)
			}
			token = out.NextToken
		}
		e.deepToken = token
	})
	return e.deepToken
}

func listTarget(token string) string {
	t := "/memberships?maxResults=100"
	if token != "" {
		t += "&nextToken=" + url.QueryEscape(token)
	}
	return t
}

// Request bodies.

func createCollaborationBody(i int) []byte {
	return mustJSON(map[string]any{
		"name": fmt.Sprintf("bench %d", i), "description": "benchmark", "creatorDisplayName": "collaborator",
		"creatorMemberAbilities": []string{"CAN_QUERY", "CAN_RECEIVE_RESULTS"},
		"queryLogStatus":         "DISABLED",
		"members": []map[string]any{{
			"accountId": member, "displayName": "member", "memberAbilities": []string{"CAN_RECEIVE_RESULTS"},
		}},
	})
}

func resultConfig(keyPrefix string) map[string]any {
	return map[string]any{
		"outputConfiguration": map[string]any{"s3": map[string]any{"bucket": "results-bucket", "keyPrefix": keyPrefix, "resultFormat": "CSV"}},
		"roleArn":             "arn:aws:iam::" + member + ":role/results",
	}
}

func createMembershipBody(collaborationID string) []byte {
	return mustJSON(map[string]any{
		"collaborationIdentifier": collaborationID, "queryLogStatus": "DISABLED",
		"defaultResultConfiguration": resultConfig("bench/"),
	})
}

func updateMembershipBody(i int) []byte {
	return mustJSON(map[string]any{"defaultResultConfiguration": resultConfig(fmt.Sprintf("v%d/", i))})
}

// CPU accounting: ns/op of a sequential benchmark is wall time on one
// goroutine; cpu-ns/op is the process's user+system CPU per operation
// (GC and the database/sql goroutines included, fsync waits excluded).

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs op b.N times and reports allocations and CPU per op.
// measureParallel serves req(i) for b.N distinct i from 4×GOMAXPROCS
// goroutines (8 on a 2-core machine, as crbench's 8 closed-loop clients),
// failing on any answer but 200, and reports throughput and CPU per
// request besides ns/op.
func measureParallel(b *testing.B, h http.Handler, req func(i int) *http.Request) {
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4)
	runtime.GC()
	b.ResetTimer()
	start, c0 := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := req(int(next.Add(1)))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Errorf("%s %s: %d %s", r.Method, r.URL, w.Code, w.Body)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
}

func measure(b *testing.B, op func(i int)) {
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	c0 := cpuTime()
	for i := range b.N {
		op(i)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
}
