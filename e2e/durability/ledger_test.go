package durability

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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/smithy-go"
)

// A worker drives one creator account and its two invitees through rounds
// of writes and keeps a ledger of what the server acknowledged. A write
// that got no answer (the server was killed) is recorded as pending: after
// the restart it may or may not be there, but nothing else is allowed.

// settings are the fields UpdateMembership changes in this test.
type settings struct {
	queryLog  string
	keyPrefix string // of the default result configuration; "" without one
}

// versioned is an acknowledged value and, if a write of it was in flight
// when the server died, the value that write would have set.
type versioned[T comparable] struct {
	acked   T
	pending *T
}

func (v *versioned[T]) ok(got T) bool {
	return got == v.acked || (v.pending != nil && got == *v.pending)
}

// settle records what the restarted server shows (after ok said it is
// allowed) as the new acknowledged value.
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
	// attempted maps every collaboration name ever requested to the
	// member rows that request asks for.
	attempted map[string][]string
	round     int
	version   int // makes every update and tag value distinct

	// per cycle
	acked      int
	inFlight   string // the write that got no answer, if any
	unexpected []error
}

func newWorker(n int, seed uint64) *worker {
	return &worker{
		n:         n,
		creator:   fmt.Sprintf("1000000000%02d", n),
		invitees:  [2]string{fmt.Sprintf("2000000000%02d", n), fmt.Sprintf("3000000000%02d", n)},
		rng:       rand.New(rand.NewPCG(seed, uint64(n))),
		attempted: map[string][]string{},
	}
}

// clients holds one client per account, bound to one server process.
type clients map[string]*cleanrooms.Client

func clientsFor(p *proc, workers []*worker) clients {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	cl := clients{}
	for _, w := range workers {
		for _, a := range []string{w.creator, w.invitees[0], w.invitees[1]} {
			cl[a] = p.client(a, tr)
		}
	}
	return cl
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

func resultConfig(account, keyPrefix string) *types.MembershipProtectedQueryResultConfiguration {
	return &types.MembershipProtectedQueryResultConfiguration{
		OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{Value: types.ProtectedQueryS3OutputConfiguration{
			Bucket: aws.String("durability-results"), KeyPrefix: aws.String(keyPrefix), ResultFormat: types.ResultFormatCsv,
		}},
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/results"),
	}
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

// run writes until a write fails, which happens when the server is killed.
func (w *worker) run(ctx context.Context, cl clients) {
	w.acked, w.inFlight, w.unexpected = 0, "", nil
	for w.step(ctx, cl) {
	}
}

// step is one round: a collaboration, both invitees join it, then an
// update and tags on earlier resources.
func (w *worker) step(ctx context.Context, cl clients) bool {
	w.round++
	c := w.createCollaboration(ctx, cl)
	if c == nil {
		return false
	}
	for pos := 1; pos <= 2; pos++ {
		if !w.join(ctx, cl, c, pos) {
			return false
		}
	}
	if len(w.memberships) > 0 {
		if !w.updateMembership(ctx, cl, w.memberships[w.rng.IntN(len(w.memberships))]) {
			return false
		}
		if !w.tagMembership(ctx, cl, w.memberships[w.rng.IntN(len(w.memberships))]) {
			return false
		}
	}
	return w.tagCollaboration(ctx, cl, w.collabs[w.rng.IntN(len(w.collabs))])
}

func (w *worker) createCollaboration(ctx context.Context, cl clients) *collabRec {
	name := fmt.Sprintf("w%d-r%d", w.n, w.round)
	accounts := []string{w.creator, w.invitees[0], w.invitees[1]}
	w.attempted[name] = accounts
	tags := map[string]string{"round": strconv.Itoa(w.round)}
	out, err := cl[w.creator].CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{
		Name:                   aws.String(name),
		Description:            aws.String("durability test"),
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
	c := &collabRec{id: *out.Collaboration.Id, arn: *out.Collaboration.Arn, name: name, accounts: accounts}
	c.tags.acked = canonicalTags(tags)
	w.collabs = append(w.collabs, c)
	return c
}

func (w *worker) join(ctx context.Context, cl clients, c *collabRec, pos int) bool {
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
	out, err := cl[account].CreateMembership(ctx, in)
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

func (w *worker) updateMembership(ctx context.Context, cl clients, ms *membershipRec) bool {
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
	_, err := cl[ms.account].UpdateMembership(ctx, in)
	if !w.outcome("UpdateMembership "+ms.id, err) {
		return false
	}
	ms.settings.settle(next)
	return true
}

func (w *worker) tagMembership(ctx context.Context, cl clients, ms *membershipRec) bool {
	return w.tag(ctx, cl[ms.account], ms.arn, &ms.tags)
}

func (w *worker) tagCollaboration(ctx context.Context, cl clients, c *collabRec) bool {
	return w.tag(ctx, cl[c.accounts[0]], c.arn, &c.tags)
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

// verify reads back, through the restarted server, everything the worker
// was told was written, and resolves what was pending.
func (w *worker) verify(ctx context.Context, t *testing.T, cl clients) {
	for _, c := range w.collabs {
		w.verifyCollaboration(ctx, t, cl, c)
	}
	for _, ms := range w.memberships {
		w.verifyMembership(ctx, t, cl, ms)
	}
}

func (w *worker) verifyCollaboration(ctx context.Context, t *testing.T, cl clients, c *collabRec) {
	creator := cl[c.accounts[0]]
	got, err := creator.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(c.id)})
	if err != nil {
		t.Errorf("acknowledged collaboration %s (%s) lost: %v", c.id, c.name, err)
		return
	}
	if g := got.Collaboration; aws.ToString(g.Name) != c.name || aws.ToString(g.CreatorAccountId) != c.accounts[0] || g.MemberStatus != types.MemberStatusInvited {
		t.Errorf("collaboration %s: name %q creator %q status %s, want %q %q INVITED",
			c.id, aws.ToString(g.Name), aws.ToString(g.CreatorAccountId), g.MemberStatus, c.name, c.accounts[0])
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
	if s := ml.MemberSummaries[0]; s.Status != types.MemberStatusInvited || s.MembershipId != nil {
		t.Errorf("collaboration %s: creator row %s %v, want INVITED without membership", c.id, s.Status, aws.ToString(s.MembershipId))
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
		default: // pending CreateMembership: either outcome, whole
			switch {
			case status == types.MemberStatusInvited && msID == "":
				j.pending = false
			case status == types.MemberStatusActive && msID != "":
				// It was applied: adopt it, verified with the others.
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
	obs := settings{queryLog: string(m.QueryLogStatus)}
	if rc := m.DefaultResultConfiguration; rc != nil {
		if s3, ok := rc.OutputConfiguration.(*types.MembershipProtectedQueryOutputConfigurationMemberS3); ok {
			obs.keyPrefix = aws.ToString(s3.Value.KeyPrefix)
		}
	}
	if !ms.settings.ok(obs) {
		t.Errorf("membership %s: settings %+v, want %+v (or in-flight %+v)", ms.id, obs, ms.settings.acked, ms.settings.pending)
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
		t.Errorf("tags of %s: %q, want %q (or in-flight %q)", arn, got, want.acked, pending)
		return
	}
	want.settle(got)
}

// verifyAll verifies every worker's ledger concurrently.
func verifyAll(t *testing.T, p *proc, workers []*worker) {
	t.Helper()
	cl := clientsFor(p, workers)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { w.verify(context.Background(), t, cl) })
	}
	wg.Wait()
}
