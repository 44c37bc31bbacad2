// Package crashload is the write load of the crash tests and its ledger of
// acknowledged writes. Workers, each with its own three accounts, write in
// rounds (CreateCollaboration with tags, CreateMembership by both invitees,
// the provider's data (data.go: an S3 object, single or multipart, sometimes
// an overwrite; a Glue table; a configured table with a LIST rule,
// sometimes a rule update; its association), UpdateMembership and
// TagResource on earlier resources) through clients
// that never retry, until a write fails because its server was killed.
// Every answered write is recorded with the state it set; the one write
// that got no answer is pending: afterwards it may or may not have been
// applied, but wholly. Verify reads everything back through the API.
//
// How the clients are obtained is up to the suite: e2e/durability sends
// every write to its one process, e2e/replicas spreads them at random over
// several replicas. Checks of the database itself stay in the suites.
//
// Only tests import it.
package crashload

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/smithy-go"
)

// Region is the region of Client's clients, and so of the ARNs.
const Region = "us-east-1"

// Client returns a Clean Rooms client acting as account against baseURL
// (the 12-digit access key is the account; no credentials file is
// involved), sending through hc (a new client on a clone of
// http.DefaultTransport if nil). It never retries: every call is sent
// exactly once, so an answered write was applied exactly once and an
// unanswered one at most once, and concurrent calls can be counted.
func Client(baseURL, account string, hc *http.Client) *cleanrooms.Client {
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return cleanrooms.New(cleanrooms.Options{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(account, "crashload-secret", ""),
		BaseEndpoint: aws.String(baseURL),
		HTTPClient:   hc,
		Retryer:      aws.NopRetryer{},
	})
}

// Clients holds one client per account, bound to one server process.
type Clients map[string]*cleanrooms.Client

// Load is a set of workers and their ledgers, which accumulate over runs.
type Load struct {
	workers []*worker
}

// NewLoad makes n workers whose random choices follow seed. Worker i's
// accounts are D000000000ii, (D+1)000000000ii and (D+2)000000000ii for
// the digit D (1 to 7), so that suites can keep their accounts apart.
func NewLoad(n int, seed uint64, digit int) *Load {
	l := &Load{}
	for i := range n {
		l.workers = append(l.workers, &worker{
			n:         i,
			creator:   fmt.Sprintf("%d000000000%02d", digit, i),
			invitees:  [2]string{fmt.Sprintf("%d000000000%02d", digit+1, i), fmt.Sprintf("%d000000000%02d", digit+2, i)},
			rng:       rand.New(rand.NewPCG(seed, uint64(i))),
			attempted: map[string][]string{},
		})
	}
	return l
}

// Clients returns client(account) for every account of the load.
func (l *Load) Clients(client func(account string) *cleanrooms.Client) Clients {
	cl := Clients{}
	for _, w := range l.workers {
		for _, a := range []string{w.creator, w.invitees[0], w.invitees[1]} {
			cl[a] = client(a)
		}
	}
	return cl
}

// Start runs every worker on its own goroutine until one of its writes
// fails (or ctx ends), each write going to one of targets at random, and
// returns a function that waits for all of them.
func (l *Load) Start(ctx context.Context, targets ...Clients) (wait func()) {
	var wg sync.WaitGroup
	for _, w := range l.workers {
		wg.Go(func() { w.run(ctx, targets) })
	}
	return wg.Wait
}

// Tally is what the workers of one run got.
type Tally struct {
	Acked      int // writes acknowledged
	Unanswered int // workers whose last write got no answer
	// Cut counts the unanswered writes sent before the kill (rather than
	// refused, or failed on a dead kept-alive connection, after it).
	Cut int
	// InFlight names the operation of each unanswered write.
	InFlight []string
	// Unexpected holds the writes the server answered with an error:
	// the test's fault or a bug.
	Unexpected []error
}

// Tally sums up the last run; killedAt is when the kill was sent (the
// zero time counts nothing as cut).
func (l *Load) Tally(killedAt time.Time) Tally {
	var t Tally
	for _, w := range l.workers {
		t.Acked += w.acked
		if w.inFlight != "" {
			t.Unanswered++
			t.InFlight = append(t.InFlight, strings.Fields(w.inFlight)[0])
			if w.sentAt.Before(killedAt) {
				t.Cut++
			}
		}
		t.Unexpected = append(t.Unexpected, w.unexpected...)
	}
	return t
}

// Verify reads back through cl everything every worker was told was
// written, concurrently, reports what is missing or different, and
// resolves what was pending into the ledger.
func (l *Load) Verify(tb testing.TB, cl Clients) {
	tb.Helper()
	var wg sync.WaitGroup
	for _, w := range l.workers {
		wg.Go(func() { w.verify(context.Background(), tb, cl) })
	}
	wg.Wait()
}

// Attempted maps every collaboration name ever requested to the member
// accounts of that request, in order (creator first).
func (l *Load) Attempted() map[string][]string {
	out := map[string][]string{}
	for _, w := range l.workers {
		maps.Copy(out, w.attempted)
	}
	return out
}

// Size counts the collaborations and memberships in the ledgers.
func (l *Load) Size() (collabs, memberships int) {
	for _, w := range l.workers {
		collabs += len(w.collabs)
		memberships += len(w.memberships)
	}
	return collabs, memberships
}

// settings are the fields UpdateMembership changes in the load.
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

// settle records what the server shows (after ok said it is allowed) as
// the new acknowledged value.
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

// A worker drives one creator account and its two invitees through rounds
// of writes and keeps a ledger of what was acknowledged.
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
	version   int // makes every update and tag value distinct
	data      dataLedger

	// per run
	targets    []Clients
	acked      int
	inFlight   string    // the write that got no answer, if any
	sentAt     time.Time // when the last write was sent
	unexpected []error
}

// to picks the server of the next write, at random, and notes when the
// write is sent.
func (w *worker) to(account string) *cleanrooms.Client {
	w.sentAt = time.Now()
	if len(w.targets) == 1 {
		return w.targets[0][account]
	}
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

// ResultConfig is a default result configuration of account, to S3 under
// keyPrefix.
func ResultConfig(account, keyPrefix string) *types.MembershipProtectedQueryResultConfiguration {
	return &types.MembershipProtectedQueryResultConfiguration{
		OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{Value: types.ProtectedQueryS3OutputConfiguration{
			Bucket: aws.String("crashload-results"), KeyPrefix: aws.String(keyPrefix), ResultFormat: types.ResultFormatCsv,
		}},
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/results"),
	}
}

// KeyPrefix is the S3 key prefix of m's default result configuration, ""
// without one.
func KeyPrefix(m types.Membership) string {
	if rc := m.DefaultResultConfiguration; rc != nil {
		if s3, ok := rc.OutputConfiguration.(*types.MembershipProtectedQueryOutputConfigurationMemberS3); ok {
			return aws.ToString(s3.Value.KeyPrefix)
		}
	}
	return ""
}

// outcome sorts the error of a write: nil (acknowledged), an API error
// (the server answered and refused: the test's fault or a bug), or no
// answer (the server died; the write may or may not have been applied).
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
	}
	return false
}

// run writes until a write fails, which happens when it goes to a killed
// server.
func (w *worker) run(ctx context.Context, targets []Clients) {
	w.targets, w.acked, w.inFlight, w.unexpected = targets, 0, "", nil
	for w.step(ctx) {
	}
}

// step is one round: a collaboration, both invitees join it, then an
// update and tags on earlier resources.
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
	if !w.dataStep(ctx, c, c.joins[2].acked) {
		return false
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
		Description:            aws.String("crash load"),
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
		in.DefaultResultConfiguration = ResultConfig(account, j.settings.keyPrefix)
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
		in.DefaultResultConfiguration = ResultConfig(ms.account, next.keyPrefix)
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

// verify reads back everything the worker was told was written, and
// resolves what was pending.
func (w *worker) verify(ctx context.Context, tb testing.TB, cl Clients) {
	if w.pendingCreate != "" {
		w.resolveCreate(ctx, tb, cl)
	}
	for _, c := range w.collabs {
		w.verifyCollaboration(ctx, tb, cl, c)
	}
	for _, ms := range w.memberships {
		w.verifyMembership(ctx, tb, cl, ms)
	}
	w.verifyData(ctx, tb, cl)
}

// resolveCreate looks for the collaboration of an unanswered create: at
// most one, and if there, adopted into the ledger (and checked with it).
func (w *worker) resolveCreate(ctx context.Context, tb testing.TB, cl Clients) {
	name := w.pendingCreate
	var found []types.CollaborationSummary
	p := cleanrooms.NewListCollaborationsPaginator(cl[w.creator], &cleanrooms.ListCollaborationsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			tb.Errorf("ListCollaborations: %v", err)
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
		tb.Errorf("an unanswered CreateCollaboration %s created %d collaborations", name, len(found))
	}
}

func (w *worker) verifyCollaboration(ctx context.Context, tb testing.TB, cl Clients, c *collabRec) {
	creator := cl[c.accounts[0]]
	got, err := creator.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(c.id)})
	if err != nil {
		tb.Errorf("acknowledged collaboration %s (%s) lost: %v", c.id, c.name, err)
		return
	}
	if g := got.Collaboration; aws.ToString(g.Name) != c.name || aws.ToString(g.CreatorAccountId) != c.accounts[0] || g.MemberStatus != types.MemberStatusInvited {
		tb.Errorf("collaboration %s: name %q creator %q status %s, want %q %q INVITED",
			c.id, aws.ToString(g.Name), aws.ToString(g.CreatorAccountId), g.MemberStatus, c.name, c.accounts[0])
	}
	ml, err := creator.ListMembers(ctx, &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(c.id)})
	if err != nil {
		tb.Errorf("ListMembers %s: %v", c.id, err)
		return
	}
	var accounts []string
	for _, m := range ml.MemberSummaries {
		accounts = append(accounts, aws.ToString(m.AccountId))
	}
	if !slices.Equal(accounts, c.accounts) || ml.NextToken != nil {
		tb.Errorf("collaboration %s (%s): members %v, want %v", c.id, c.name, accounts, c.accounts)
		return
	}
	if s := ml.MemberSummaries[0]; s.Status != types.MemberStatusInvited || s.MembershipId != nil {
		tb.Errorf("collaboration %s: creator row %s %v, want INVITED without membership", c.id, s.Status, aws.ToString(s.MembershipId))
	}
	for pos := 1; pos <= 2; pos++ {
		s, j := ml.MemberSummaries[pos], c.joins[pos]
		status, msID := s.Status, aws.ToString(s.MembershipId)
		switch {
		case j == nil || (j.acked == nil && !j.pending):
			if status != types.MemberStatusInvited || msID != "" {
				tb.Errorf("collaboration %s: row of %s is %s %q, want INVITED (never joined)", c.id, c.accounts[pos], status, msID)
			}
		case j.acked != nil:
			if status != types.MemberStatusActive || msID != j.acked.id {
				tb.Errorf("collaboration %s: row of %s is %s %q, want ACTIVE %s (acknowledged CreateMembership)", c.id, c.accounts[pos], status, msID, j.acked.id)
			}
		default: // an unanswered CreateMembership: either outcome, whole
			switch {
			case status == types.MemberStatusInvited && msID == "":
				j.pending = false
			case status == types.MemberStatusActive && msID != "":
				// It was applied: adopt it, verified with the others.
				arn := fmt.Sprintf("arn:aws:cleanrooms:%s:%s:membership/%s", Region, c.accounts[pos], msID)
				ms := &membershipRec{id: msID, arn: arn, account: c.accounts[pos], collabID: c.id, receiver: pos == 1}
				ms.settings.acked, ms.tags.acked = j.settings, canonicalTags(nil)
				j.acked, j.pending = ms, false
				w.memberships = append(w.memberships, ms)
			default:
				tb.Errorf("collaboration %s: row of %s is %s %q after an unanswered CreateMembership", c.id, c.accounts[pos], status, msID)
			}
		}
	}
	w.verifyTags(ctx, tb, creator, c.arn, &c.tags)
}

func (w *worker) verifyMembership(ctx context.Context, tb testing.TB, cl Clients, ms *membershipRec) {
	client := cl[ms.account]
	got, err := client.GetMembership(ctx, &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(ms.id)})
	if err != nil {
		tb.Errorf("acknowledged membership %s lost: %v", ms.id, err)
		return
	}
	m := got.Membership
	if m.Status != types.MembershipStatusActive || aws.ToString(m.CollaborationId) != ms.collabID {
		tb.Errorf("membership %s: status %s collaboration %s, want ACTIVE %s", ms.id, m.Status, aws.ToString(m.CollaborationId), ms.collabID)
	}
	obs := settings{queryLog: string(m.QueryLogStatus), keyPrefix: KeyPrefix(*m)}
	if !ms.settings.ok(obs) {
		tb.Errorf("membership %s: settings %+v, want %+v (or unanswered %+v)", ms.id, obs, ms.settings.acked, ms.settings.pending)
	} else {
		ms.settings.settle(obs)
	}
	w.verifyTags(ctx, tb, client, ms.arn, &ms.tags)
}

func (w *worker) verifyTags(ctx context.Context, tb testing.TB, client *cleanrooms.Client, arn string, want *versioned[string]) {
	out, err := client.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		tb.Errorf("ListTagsForResource %s: %v", arn, err)
		return
	}
	got := canonicalTags(out.Tags)
	if !want.ok(got) {
		pending := "none"
		if want.pending != nil {
			pending = *want.pending
		}
		tb.Errorf("tags of %s: %q, want %q (or unanswered %q)", arn, got, want.acked, pending)
		return
	}
	want.settle(got)
}
