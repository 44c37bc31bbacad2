package replicas

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
)

const (
	killWorkers = 4 // goroutines, each with its own three accounts
	killCycles  = 3
)

// TestKillReplicaMidWrite spreads a write load over two replicas, kills
// one of them with SIGKILL in the middle of it, and checks through the
// other one, still running, that every acknowledged write is there with
// the state it was acknowledged with, that writes that got no answer were
// applied wholly or not at all, and (in the database itself) that nothing
// is half-applied. The killed replica is restarted and checked the same
// way; the cycle repeats, killing each replica in turn.
func TestKillReplicaMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it")
	}
	c := newCluster(t, 2, "--quotas", "collaborations=100000,memberships=100000,members=5")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	workers := make([]*worker, killWorkers)
	for i := range workers {
		workers[i] = newWorker(i, seed)
	}
	var procs []*proc
	cutTotal := 0
	for cycle := 1; cycle <= killCycles; cycle++ {
		victim := (cycle - 1) % 2
		survivor := 1 - victim
		procs = append(procs, c.replicas[victim])
		targets := []clients{c.clientsFor(victim, workers), c.clientsFor(survivor, workers)}

		killedAt.Store(math.MaxInt64)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Go(func() { w.run(ctx, targets) })
		}
		time.Sleep(time.Second + time.Duration(rng.Int64N(int64(time.Second))))
		killedAt.Store(time.Now().UnixNano())
		c.replicas[victim].kill(t)
		wg.Wait()
		cancel()
		c.waitSessionsGone(t, c.replicas[victim].name)

		acked, unanswered, cut := 0, 0, 0
		for _, w := range workers {
			acked += w.acked
			if w.inFlight != "" {
				unanswered++
			}
			if w.cut {
				cut++
			}
			for _, err := range w.unexpected {
				t.Errorf("cycle %d: %v", cycle, err)
			}
		}
		cutTotal += cut
		t.Logf("cycle %d: killed %s; %d writes acknowledged; %d workers had a write to it unanswered, %d of them cut off mid-request",
			cycle, c.replicas[victim].name, acked, unanswered, cut)
		if acked == 0 {
			t.Fatalf("cycle %d: no write was acknowledged before the kill", cycle)
		}
		if unanswered == 0 {
			t.Errorf("cycle %d: no write went unanswered; the kill did not hit the load", cycle)
		}

		// Through the replica that stayed up, at once.
		verifyAll(t, c.clientsFor(survivor, workers), workers)
		c.checkInvariants(t, workers)
		// Through the restarted one.
		start := time.Now()
		c.replicas[victim] = c.replicas[victim].restart(t)
		t.Logf("cycle %d: %s restarted in %v", cycle, c.replicas[victim].name, time.Since(start).Round(time.Millisecond))
		verifyAll(t, c.clientsFor(victim, workers), workers)
		if t.Failed() {
			break
		}
	}
	if cutTotal == 0 && !t.Failed() {
		t.Errorf("in %d cycles, the kill never cut a request off mid-way", killCycles)
	}
	collabs, memberships := 0, 0
	for _, w := range workers {
		collabs += len(w.collabs)
		memberships += len(w.memberships)
	}
	t.Logf("verified %d collaborations and %d memberships", collabs, memberships)
	for _, p := range c.replicas {
		procs = append(procs, p)
		if err := p.stop(t); err != nil {
			t.Errorf("%s: exit after SIGTERM: %v\n%s", p.name, err, p.logText())
		}
	}
	checkNoErrors(t, procs...)
}

// clients holds one client per account, bound to one replica.
type clients map[string]*cleanrooms.Client

func (c *cluster) clientsFor(replica int, workers []*worker) clients {
	cl := clients{}
	for _, w := range workers {
		for _, a := range []string{w.creator, w.invitees[0], w.invitees[1]} {
			cl[a] = c.replicas[replica].client(a, c.tr)
		}
	}
	return cl
}

// A worker drives one creator account and its two invitees through rounds
// of writes and keeps a ledger of what was acknowledged. A write that got
// no answer (its replica was killed) is pending: afterwards it may or may
// not have been applied, but nothing in between.

// settings are the fields UpdateMembership changes in this test.
type settings struct {
	queryLog  string
	keyPrefix string // of the default result configuration; "" without one
}

// versioned is an acknowledged value and, if a write of it went
// unanswered, the value that write would have set.
type versioned[T comparable] struct {
	acked   T
	pending *T
}

func (v *versioned[T]) ok(got T) bool {
	return got == v.acked || (v.pending != nil && got == *v.pending)
}

func (v *versioned[T]) settle(got T) { v.acked, v.pending = got, nil }

type membershipRec struct {
	id, arn, account, collabID string
	receiver                   bool // has a default result configuration
	settings                   versioned[settings]
	tags                       versioned[string]
}

// join is an invitee's CreateMembership in a collaboration.
type join struct {
	acked    *membershipRec // nil until acknowledged
	pending  bool           // sent, never answered
	settings settings       // what was requested
}

type collabRec struct {
	id, arn, name string
	accounts      []string // creator, receiver, provider
	tags          versioned[string]
	joins         [3]*join // by position; [0] (the creator) stays nil
}

type worker struct {
	n        int
	creator  string
	invitees [2]string // [0] can receive results, [1] has no ability
	rng      *rand.Rand

	collabs     []*collabRec
	memberships []*membershipRec
	// pendingCreate is a CreateCollaboration that got no answer: its
	// name, "" if none.
	pendingCreate string
	// attempted maps every collaboration name ever requested to the
	// member accounts of that request.
	attempted map[string][]string
	round     int
	version   int

	// per cycle
	targets    []clients
	acked      int
	inFlight   string // the write that got no answer, if any
	cut        bool   // that write was sent before the kill
	sentAt     time.Time
	unexpected []error
}

func newWorker(n int, seed uint64) *worker {
	return &worker{
		n:         n,
		creator:   fmt.Sprintf("5000000000%02d", n),
		invitees:  [2]string{fmt.Sprintf("6000000000%02d", n), fmt.Sprintf("7000000000%02d", n)},
		rng:       rand.New(rand.NewPCG(seed, uint64(n))),
		attempted: map[string][]string{},
	}
}

// killedAt is when the test sent SIGKILL (Unix nanoseconds); a write
// sent before it and unanswered was cut off by the kill.
var killedAt atomic.Int64

// to picks the replica of the next write, at random, and notes when the
// write is sent.
func (w *worker) to(account string) *cleanrooms.Client {
	w.sentAt = time.Now()
	return w.targets[w.rng.IntN(len(w.targets))][account]
}

func canonicalTags(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s=%s;", k, m[k])
	}
	return b.String()
}

func parseTags(s string) map[string]string {
	m := map[string]string{}
	for kv := range strings.SplitSeq(strings.TrimSuffix(s, ";"), ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// outcome sorts the error of a write: nil (acknowledged), an API error
// (refused: a bug), or no answer (the replica died).
func (w *worker) outcome(op string, err error) (acked bool) {
	if err == nil {
		w.acked++
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		w.unexpected = append(w.unexpected, fmt.Errorf("worker %d: %s: %w", w.n, op, err))
	} else {
		w.inFlight = op
		// Sent before the kill (rather than refused, or failed on a dead
		// kept-alive connection, after it).
		w.cut = w.sentAt.UnixNano() < killedAt.Load()
	}
	return false
}

// run writes until a write fails, which happens when it goes to the
// killed replica.
func (w *worker) run(ctx context.Context, targets []clients) {
	w.targets, w.acked, w.inFlight, w.cut, w.unexpected = targets, 0, "", false, nil
	for w.step(ctx) {
	}
}

func (w *worker) step(ctx context.Context) bool {
	w.round++
	c := w.createCollaboration(ctx)
	if c == nil {
		return false
	}
	for pos := 1; pos <= 2; pos++ {
		if !w.join(ctx, c, pos) {
			return false
		}
	}
	if !w.updateMembership(ctx, w.memberships[w.rng.IntN(len(w.memberships))]) {
		return false
	}
	ms := w.memberships[w.rng.IntN(len(w.memberships))]
	if !w.tag(ctx, w.to(ms.account), ms.arn, &ms.tags) {
		return false
	}
	cr := w.collabs[w.rng.IntN(len(w.collabs))]
	return w.tag(ctx, w.to(cr.accounts[0]), cr.arn, &cr.tags)
}

func (w *worker) createCollaboration(ctx context.Context) *collabRec {
	name := fmt.Sprintf("w%d-r%d", w.n, w.round)
	accounts := []string{w.creator, w.invitees[0], w.invitees[1]}
	w.attempted[name] = accounts
	tags := map[string]string{"round": strconv.Itoa(w.round)}
	w.pendingCreate = name
	out, err := w.to(w.creator).CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{
		Name:                   aws.String(name),
		Description:            aws.String("replica kill test"),
		CreatorDisplayName:     aws.String("creator"),
		CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		QueryLogStatus:         types.CollaborationQueryLogStatusEnabled,
		Members: []types.MemberSpecification{
			{AccountId: aws.String(accounts[1]), DisplayName: aws.String("receiver"), MemberAbilities: []types.MemberAbility{types.MemberAbilityCanReceiveResults}},
			{AccountId: aws.String(accounts[2]), DisplayName: aws.String("provider"), MemberAbilities: []types.MemberAbility{}},
		},
		Tags: tags,
	})
	if !w.outcome("CreateCollaboration "+name, err) {
		return nil
	}
	w.pendingCreate = ""
	c := &collabRec{id: *out.Collaboration.Id, arn: *out.Collaboration.Arn, name: name, accounts: accounts}
	c.tags.acked = canonicalTags(tags)
	w.collabs = append(w.collabs, c)
	return c
}

func (w *worker) join(ctx context.Context, c *collabRec, pos int) bool {
	account := c.accounts[pos]
	in := &cleanrooms.CreateMembershipInput{CollaborationIdentifier: aws.String(c.id)}
	j := &join{pending: true}
	if pos == 1 {
		j.settings = settings{queryLog: "ENABLED", keyPrefix: "p0/"}
		in.QueryLogStatus = types.MembershipQueryLogStatusEnabled
		in.DefaultResultConfiguration = resultConfig(account, j.settings.keyPrefix)
	} else {
		j.settings = settings{queryLog: "DISABLED"}
		in.QueryLogStatus = types.MembershipQueryLogStatusDisabled
	}
	c.joins[pos] = j
	out, err := w.to(account).CreateMembership(ctx, in)
	if !w.outcome("CreateMembership "+c.name+"/"+account, err) {
		return false
	}
	ms := &membershipRec{id: *out.Membership.Id, arn: *out.Membership.Arn, account: account, collabID: c.id, receiver: pos == 1}
	ms.settings.acked = j.settings
	ms.tags.acked = canonicalTags(nil)
	j.acked, j.pending = ms, false
	w.memberships = append(w.memberships, ms)
	return true
}

func (w *worker) updateMembership(ctx context.Context, ms *membershipRec) bool {
	w.version++
	next := ms.settings.acked
	in := &cleanrooms.UpdateMembershipInput{MembershipIdentifier: aws.String(ms.id)}
	if ms.receiver {
		next.keyPrefix = fmt.Sprintf("p%d/", w.version)
		in.DefaultResultConfiguration = resultConfig(ms.account, next.keyPrefix)
	} else {
		next.queryLog = map[string]string{"ENABLED": "DISABLED", "DISABLED": "ENABLED"}[next.queryLog]
		in.QueryLogStatus = types.MembershipQueryLogStatus(next.queryLog)
	}
	ms.settings.pending = &next
	_, err := w.to(ms.account).UpdateMembership(ctx, in)
	if !w.outcome("UpdateMembership "+ms.id, err) {
		return false
	}
	ms.settings.settle(next)
	return true
}

func (w *worker) tag(ctx context.Context, client *cleanrooms.Client, arn string, tags *versioned[string]) bool {
	w.version++
	m := parseTags(tags.acked)
	add := map[string]string{"v": strconv.Itoa(w.version), "k" + strconv.Itoa(w.version%3): "x"}
	maps.Copy(m, add)
	next := canonicalTags(m)
	tags.pending = &next
	_, err := client.TagResource(ctx, &cleanrooms.TagResourceInput{ResourceArn: aws.String(arn), Tags: add})
	if !w.outcome("TagResource "+arn, err) {
		return false
	}
	tags.settle(next)
	return true
}

// verifyAll checks every worker's ledger through cl, concurrently.
func verifyAll(t *testing.T, cl clients, workers []*worker) {
	t.Helper()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { w.verify(context.Background(), t, cl) })
	}
	wg.Wait()
}

// verify reads back everything the worker was told was written, and
// resolves what was pending.
func (w *worker) verify(ctx context.Context, t *testing.T, cl clients) {
	if w.pendingCreate != "" {
		w.resolveCreate(ctx, t, cl)
	}
	for _, c := range w.collabs {
		w.verifyCollaboration(ctx, t, cl, c)
	}
	for _, ms := range w.memberships {
		w.verifyMembership(ctx, t, cl, ms)
	}
}

// resolveCreate looks for the collaboration of an unanswered create: at
// most one, and if there, adopted into the ledger (and checked with it).
func (w *worker) resolveCreate(ctx context.Context, t *testing.T, cl clients) {
	name := w.pendingCreate
	var found []types.CollaborationSummary
	p := cleanrooms.NewListCollaborationsPaginator(cl[w.creator], &cleanrooms.ListCollaborationsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Errorf("ListCollaborations: %v", err)
			return
		}
		for _, s := range page.CollaborationList {
			if aws.ToString(s.Name) == name {
				found = append(found, s)
			}
		}
	}
	w.pendingCreate = ""
	switch len(found) {
	case 0:
	case 1:
		c := &collabRec{id: *found[0].Id, arn: *found[0].Arn, name: name, accounts: w.attempted[name]}
		c.tags.acked = canonicalTags(map[string]string{"round": strings.TrimPrefix(name, fmt.Sprintf("w%d-r", w.n))})
		w.collabs = append(w.collabs, c)
	default:
		t.Errorf("an unanswered CreateCollaboration %s created %d collaborations", name, len(found))
	}
}

func (w *worker) verifyCollaboration(ctx context.Context, t *testing.T, cl clients, c *collabRec) {
	creator := cl[c.accounts[0]]
	got, err := creator.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(c.id)})
	if err != nil {
		t.Errorf("acknowledged collaboration %s (%s) lost: %v", c.id, c.name, err)
		return
	}
	if g := got.Collaboration; aws.ToString(g.Name) != c.name || aws.ToString(g.CreatorAccountId) != c.accounts[0] {
		t.Errorf("collaboration %s: name %q creator %q, want %q %q", c.id, aws.ToString(g.Name), aws.ToString(g.CreatorAccountId), c.name, c.accounts[0])
	}
	ml, err := creator.ListMembers(ctx, &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(c.id)})
	if err != nil {
		t.Errorf("ListMembers %s: %v", c.id, err)
		return
	}
	var accounts []string
	for _, m := range ml.MemberSummaries {
		accounts = append(accounts, aws.ToString(m.AccountId))
	}
	if !slices.Equal(accounts, c.accounts) || ml.NextToken != nil {
		t.Errorf("collaboration %s (%s): members %v, want %v", c.id, c.name, accounts, c.accounts)
		return
	}
	for pos := 1; pos <= 2; pos++ {
		s, j := ml.MemberSummaries[pos], c.joins[pos]
		status, msID := s.Status, aws.ToString(s.MembershipId)
		switch {
		case j == nil || (j.acked == nil && !j.pending):
			if status != types.MemberStatusInvited || msID != "" {
				t.Errorf("collaboration %s: row of %s is %s %q, want INVITED (never joined)", c.id, c.accounts[pos], status, msID)
			}
		case j.acked != nil:
			if status != types.MemberStatusActive || msID != j.acked.id {
				t.Errorf("collaboration %s: row of %s is %s %q, want ACTIVE %s (acknowledged CreateMembership)", c.id, c.accounts[pos], status, msID, j.acked.id)
			}
		default: // an unanswered CreateMembership: either outcome, whole
			switch {
			case status == types.MemberStatusInvited && msID == "":
				j.pending = false
			case status == types.MemberStatusActive && msID != "":
				arn := fmt.Sprintf("arn:aws:cleanrooms:%s:%s:membership/%s", region, c.accounts[pos], msID)
				ms := &membershipRec{id: msID, arn: arn, account: c.accounts[pos], collabID: c.id, receiver: pos == 1}
				ms.settings.acked, ms.tags.acked = j.settings, canonicalTags(nil)
				j.acked, j.pending = ms, false
				w.memberships = append(w.memberships, ms)
			default:
				t.Errorf("collaboration %s: row of %s is %s %q after an unanswered CreateMembership", c.id, c.accounts[pos], status, msID)
			}
		}
	}
	w.verifyTags(ctx, t, creator, c.arn, &c.tags)
}

func (w *worker) verifyMembership(ctx context.Context, t *testing.T, cl clients, ms *membershipRec) {
	client := cl[ms.account]
	got, err := client.GetMembership(ctx, &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(ms.id)})
	if err != nil {
		t.Errorf("acknowledged membership %s lost: %v", ms.id, err)
		return
	}
	m := got.Membership
	if m.Status != types.MembershipStatusActive || aws.ToString(m.CollaborationId) != ms.collabID {
		t.Errorf("membership %s: status %s collaboration %s, want ACTIVE %s", ms.id, m.Status, aws.ToString(m.CollaborationId), ms.collabID)
	}
	obs := settings{queryLog: string(m.QueryLogStatus), keyPrefix: keyPrefix(*m)}
	if !ms.settings.ok(obs) {
		t.Errorf("membership %s: settings %+v, want %+v (or unanswered %+v)", ms.id, obs, ms.settings.acked, ms.settings.pending)
	} else {
		ms.settings.settle(obs)
	}
	w.verifyTags(ctx, t, client, ms.arn, &ms.tags)
}

func (w *worker) verifyTags(ctx context.Context, t *testing.T, client *cleanrooms.Client, arn string, want *versioned[string]) {
	out, err := client.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Errorf("ListTagsForResource %s: %v", arn, err)
		return
	}
	got := canonicalTags(out.Tags)
	if !want.ok(got) {
		pending := "none"
		if want.pending != nil {
			pending = *want.pending
		}
		t.Errorf("tags of %s: %q, want %q (or unanswered %q)", arn, got, want.acked, pending)
		return
	}
	want.settle(got)
}

// checkInvariants reads the cluster's schema directly, in one snapshot,
// and checks that no transaction is half-applied:
//
//   - every collaboration is one the load asked for, with exactly the
//     member rows that request named, in order;
//   - a member row is ACTIVE iff it names a membership, and that
//     membership exists for the same account and collaboration; every
//     membership is named by its member row;
//   - every tag belongs to a resource that exists.
func (c *cluster) checkInvariants(t *testing.T, workers []*worker) {
	t.Helper()
	ctx := context.Background()
	attempted := map[string][]string{}
	for _, w := range workers {
		maps.Copy(attempted, w.attempted)
	}
	conn := pgtest.Connect(t)
	defer conn.Close(ctx)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+pgx.Identifier{c.schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	query := func(q string, scan func(pgx.Rows) error) {
		t.Helper()
		rows, err := tx.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	collabs := 0
	query(`SELECT c.name, array_agg(m.account_id ORDER BY m.position, m.seq)
		FROM collaborations c LEFT JOIN members m ON m.collaboration_id = c.id GROUP BY c.id, c.name`, func(r pgx.Rows) error {
		var name string
		var accounts []*string
		if err := r.Scan(&name, &accounts); err != nil {
			return err
		}
		collabs++
		var got []string
		for _, a := range accounts {
			if a != nil {
				got = append(got, *a)
			}
		}
		if want, ok := attempted[name]; !ok || !slices.Equal(got, want) {
			t.Errorf("collaboration %q has member rows %v, want %v (attempted: %v)", name, got, want, ok)
		}
		return nil
	})
	query(`SELECT m.collaboration_id, m.account_id, m.status, m.membership_id, ms.id IS NOT NULL, COALESCE(ms.status, '')
		FROM members m LEFT JOIN memberships ms ON ms.id = m.membership_id AND ms.account_id = m.account_id AND ms.collaboration_id = m.collaboration_id`, func(r pgx.Rows) error {
		var collab, account, status, msID, msStatus string
		var exists bool
		if err := r.Scan(&collab, &account, &status, &msID, &exists, &msStatus); err != nil {
			return err
		}
		active := status == "ACTIVE"
		if active != (msID != "") || (msID != "" && (!exists || msStatus != "ACTIVE")) {
			t.Errorf("member %s of %s: status %s, membership %q (exists %v, status %q)", account, collab, status, msID, exists, msStatus)
		}
		return nil
	})
	query(`SELECT ms.id, ms.account_id, ms.collaboration_id FROM memberships ms
		WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.collaboration_id = ms.collaboration_id AND m.account_id = ms.account_id AND m.membership_id = ms.id)`, func(r pgx.Rows) error {
		var id, account, collab string
		if err := r.Scan(&id, &account, &collab); err != nil {
			return err
		}
		t.Errorf("membership %s of %s in %s is not named by its member row", id, account, collab)
		return nil
	})
	query(`SELECT DISTINCT t.arn FROM tags t
		WHERE NOT EXISTS (SELECT 1 FROM collaborations c WHERE t.arn = 'arn:aws:cleanrooms:' || c.region || ':' || c.creator_account_id || ':collaboration/' || c.id)
		  AND NOT EXISTS (SELECT 1 FROM memberships ms WHERE t.arn = 'arn:aws:cleanrooms:' || ms.region || ':' || ms.account_id || ':membership/' || ms.id)`, func(r pgx.Rows) error {
		var arn string
		if err := r.Scan(&arn); err != nil {
			return err
		}
		t.Errorf("tags of %s, which does not exist", arn)
		return nil
	})
	if collabs == 0 {
		t.Errorf("no collaboration in schema %s", c.schema)
	}
}
