package model

// The harness: one real aws-sdk-go-v2 client per account against an
// in-process cleanroomsd, a reference model, and the comparison of the
// two after every call.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
	"github.com/cleanroomsd/cleanroomsd/internal/sdktest"
)

// The five accounts that call; outsider is only ever invited.
var accounts = []string{"111111111111", "222222222222", "333333333333", "444444444444", "555555555555"}

const outsider = "999999999999"

type harness struct {
	t         *testing.T
	seed      int64
	r         *rand.Rand
	m         *refModel
	clients   map[string]*cleanrooms.Client
	s3c       map[string]*s3.Client
	gluec     map[string]*glue.Client
	op        int      // number of the current operation
	desc      string   // description of the current operation
	history   []string // descriptions of the calls so far (not the audits')
	inHistory bool     // the current call is in history
	divs      int
	maxDivs   int
	stats     map[string]int // "Op -> outcome" counts
	cmpOpts   cmp.Options
}

func newHarness(t *testing.T, seed int64, stream uint64, q quotas, maxDivs int) *harness {
	srv := cleanroomstest.NewServer(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{
		CollaborationsPerAccount: q.collaborations, MembershipsPerAccount: q.memberships, MembersPerCollaboration: q.members,
	}))
	h := &harness{
		t: t, seed: seed, r: rand.New(rand.NewPCG(uint64(seed), stream)), m: newModel(q),
		clients: map[string]*cleanrooms.Client{}, s3c: map[string]*s3.Client{}, gluec: map[string]*glue.Client{}, maxDivs: maxDivs, stats: map[string]int{},
		cmpOpts: cmp.Options{cmpopts.EquateEmpty()},
	}
	for _, a := range accounts {
		// The real SDK client acting as a. No retries: a 5xx must show up
		// as what it is rather than be retried away.
		cfg := srv.AWSConfig(a)
		cfg.HTTPClient = sdktest.BufferedClient{C: cfg.HTTPClient} // one attempt: see sdktest
		h.clients[a] = cleanrooms.NewFromConfig(cfg, func(o *cleanrooms.Options) { o.RetryMaxAttempts = 1 })
		h.s3c[a] = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle, o.RetryMaxAttempts = true, 1 })
		h.gluec[a] = glue.NewFromConfig(cfg, func(o *glue.Options) { o.RetryMaxAttempts = 1 })
	}
	return h
}

func (h *harness) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// begin starts a call with a description for reports. Every call but the
// audit's is kept in the history.
func (h *harness) begin(format string, args ...any) {
	h.desc = fmt.Sprintf("#%d ", h.op) + fmt.Sprintf(format, args...)
	h.inHistory = !strings.HasPrefix(format, "audit")
	if h.inHistory {
		h.history = append(h.history, h.desc)
	}
}

// note appends to the description of the current call.
func (h *harness) note(s string) {
	h.desc += s
	if h.inHistory {
		h.history[len(h.history)-1] = h.desc
	}
}

// idPrefix finds the (8-hex-digit prefixes of) resource ids in a text.
var idPrefix = regexp.MustCompile(`\b[0-9a-f]{8}\b`)

// relevantHistory is the earlier calls that name one of the resources a
// report names, plus the last few calls.
func (h *harness) relevantHistory(report string) string {
	ids := idPrefix.FindAllString(report, -1)
	const tail = 8
	var out []string
	for i, d := range h.history {
		recent := i >= len(h.history)-tail
		if recent || slices.ContainsFunc(ids, func(id string) bool { return strings.Contains(d, id) }) {
			out = append(out, d)
		}
	}
	if len(out) > 60 {
		out = append([]string{"..."}, out[len(out)-60:]...)
	}
	return strings.Join(out, "\n  ")
}

// diverge reports a difference between the server and the model.
func (h *harness) diverge(format string, args ...any) {
	h.t.Helper()
	h.divs++
	msg := fmt.Sprintf(format, args...)
	h.t.Errorf("DIVERGENCE (seed %d) at %s\n%s\nearlier calls on the resources involved, and the last calls:\n  %s",
		h.seed, h.desc, msg, h.relevantHistory(h.desc+"\n"+msg))
	if h.divs >= h.maxDivs {
		h.t.Fatalf("stopping after %d divergence(s); rerun with -seed=%d (and -maxdiv=N to continue past them)", h.divs, h.seed)
	}
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "non-API error: " + err.Error()
}

// outcome compares a call's result with the model's prediction and
// reports whether both agree that it succeeded (the caller then compares
// the returned data).
func (h *harness) outcome(op string, want outcome, err error) bool {
	h.t.Helper()
	got := codeOK
	if err != nil {
		got = errorCode(err)
	}
	key := op + " -> " + got
	if got == codeOK {
		key = op + " -> ok"
	}
	h.stats[key]++
	if got == codeOK {
		h.note(" => ok")
	} else {
		h.note(" => " + strings.TrimSuffix(got, "Exception"))
	}
	switch {
	case err == nil && want.code == codeOK:
		return true
	case err == nil:
		h.diverge("server succeeded; model expected %s", want)
		return false
	case want.code == codeOK:
		h.diverge("server failed with %s (%v); model expected success", got, err)
		return false
	case got != want.code:
		h.diverge("server failed with %s (%v); model expected %s", got, err, want)
		return false
	}
	if want.reason != "" {
		var ce *types.ConflictException
		if errors.As(err, &ce) && string(ce.Reason) != want.reason {
			h.diverge("ConflictException reason %q; model expected %s", ce.Reason, want)
		}
	}
	if want.quota != "" {
		var qe *types.ServiceQuotaExceededException
		if errors.As(err, &qe) && aws.ToString(qe.QuotaName) != want.quota {
			h.diverge("quotaName %q; model expected %s", aws.ToString(qe.QuotaName), want)
		}
	}
	return false
}

func (h *harness) same(what string, want, got any) {
	h.t.Helper()
	if d := cmp.Diff(want, got, h.cmpOpts); d != "" {
		h.diverge("%s differs from the model (-model +server):\n%s", what, d)
	}
}

// ---- random choices -----------------------------------------------------

func (h *harness) chance(p float64) bool { return h.r.Float64() < p }

func pick[T any](h *harness, s []T) T { return s[h.r.IntN(len(s))] }

func (h *harness) anyAccount() string { return pick(h, accounts) }

func (h *harness) randomUUID() string {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(h.r.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func (h *harness) aliveCollabs() []string {
	var out []string
	for _, id := range h.m.collabIDs {
		if !h.m.collabs[id].deleted {
			out = append(out, id)
		}
	}
	return out
}

// pickCollab returns a collaboration id: mostly a live one, sometimes a
// deleted, unknown or malformed one.
func (h *harness) pickCollab() string {
	alive := h.aliveCollabs()
	x := h.r.Float64()
	switch {
	case x < 0.01:
		return "not-a-collaboration-id"
	case x < 0.06 || len(h.m.collabIDs) == 0:
		return h.randomUUID()
	case x < 0.18 || len(alive) == 0:
		return pick(h, h.m.collabIDs)
	}
	return pick(h, alive)
}

// callerFor picks who calls a collaboration-level operation: often the
// creator or another account with a row, sometimes anybody.
func (h *harness) callerFor(id string) string {
	c := h.m.collabs[id]
	if c == nil || h.chance(0.3) {
		return h.anyAccount()
	}
	if h.chance(0.3) {
		return c.creator
	}
	var in []string
	for _, r := range c.rows {
		if slices.Contains(accounts, r.account) {
			in = append(in, r.account)
		}
	}
	return pick(h, in)
}

// pickMembership returns a membership id and a caller: mostly an existing
// membership and its owner, sometimes another account, a deleted or an
// unknown id.
func (h *harness) pickMembership() (id, caller string) {
	x := h.r.Float64()
	switch {
	case x < 0.01:
		return "not-a-membership-id", h.anyAccount()
	case x < 0.06 || len(h.m.shipIDs) == 0:
		return h.randomUUID(), h.anyAccount()
	}
	id = pick(h, h.m.shipIDs)
	if x < 0.85 {
		// prefer one that still exists
		var live []string
		for _, s := range h.m.shipIDs {
			if h.m.memberships[s] != nil {
				live = append(live, s)
			}
		}
		if len(live) > 0 {
			id = pick(h, live)
		}
	}
	caller = h.anyAccount()
	if ms := h.m.memberships[id]; ms != nil && h.chance(0.65) {
		caller = ms.account
	}
	return id, caller
}

// pageSize is a random maxResults: often absent, often tiny (to exercise
// paging), sometimes large.
func (h *harness) pageSize() *int32 {
	x := h.r.Float64()
	switch {
	case x < 0.3:
		return nil
	case x < 0.85:
		return aws.Int32(int32(1 + h.r.IntN(4)))
	}
	return aws.Int32(int32(1 + h.r.IntN(maxPageSize)))
}

func (h *harness) badPageSize() *int32 {
	if h.chance(0.5) {
		return aws.Int32(0)
	}
	return aws.Int32(int32(maxPageSize + 1 + h.r.IntN(50)))
}

var tagKeyPool = []string{"env", "team", "owner", "cost-center", "k1", "k2"}

func (h *harness) randomTags(maxN int) map[string]string {
	tags := map[string]string{}
	for n := 1 + h.r.IntN(maxN); n > 0; n-- {
		tags[pick(h, tagKeyPool)] = fmt.Sprintf("v%d", h.r.IntN(5))
	}
	if h.chance(0.05) {
		tags["aws:reserved"] = "x"
	}
	return tags
}

func fmtTags(t map[string]string) string {
	keys := make([]string, 0, len(t))
	for k, v := range t {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return "{" + strings.Join(keys, ",") + "}"
}

func fmtPtr[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

// ---- views of what the server returned ----------------------------------

func abilitiesOf(in []types.MemberAbility) []string {
	out := make([]string, len(in))
	for i, a := range in {
		out[i] = string(a)
	}
	return out
}

func payOf(p *types.PaymentConfiguration) (q, j *bool) {
	if p == nil {
		return nil, nil
	}
	if p.QueryCompute != nil {
		q = p.QueryCompute.IsResponsible
	}
	if p.JobCompute != nil {
		j = p.JobCompute.IsResponsible
	}
	return q, j
}

func membershipPayOf(p *types.MembershipPaymentConfiguration) (q, j *bool) {
	if p == nil {
		return nil, nil
	}
	if p.QueryCompute != nil {
		q = p.QueryCompute.IsResponsible
	}
	if p.JobCompute != nil {
		j = p.JobCompute.IsResponsible
	}
	return q, j
}

func viewOfCollaboration(c *types.Collaboration) collabView {
	if c == nil {
		return collabView{}
	}
	return collabView{
		ID: aws.ToString(c.Id), Arn: aws.ToString(c.Arn), Name: aws.ToString(c.Name), Description: aws.ToString(c.Description),
		Creator: aws.ToString(c.CreatorAccountId), MemberStatus: string(c.MemberStatus),
		MembershipID: aws.ToString(c.MembershipId), MembershipArn: aws.ToString(c.MembershipArn), QueryLog: string(c.QueryLogStatus),
	}
}

func viewOfCollaborationSummary(c types.CollaborationSummary) collabView {
	return collabView{
		ID: aws.ToString(c.Id), Arn: aws.ToString(c.Arn), Name: aws.ToString(c.Name),
		Creator: aws.ToString(c.CreatorAccountId), MemberStatus: string(c.MemberStatus),
		MembershipID: aws.ToString(c.MembershipId), MembershipArn: aws.ToString(c.MembershipArn),
	}
}

func viewOfMember(s types.MemberSummary) memberView {
	q, j := payOf(s.PaymentConfiguration)
	return memberView{
		Account: aws.ToString(s.AccountId), DisplayName: aws.ToString(s.DisplayName), Status: string(s.Status),
		Abilities: abilitiesOf(s.Abilities), PayQuery: q, PayJob: j,
		MembershipID: aws.ToString(s.MembershipId), MembershipArn: aws.ToString(s.MembershipArn),
	}
}

func viewOfMembership(ms *types.Membership) membershipView {
	if ms == nil {
		return membershipView{}
	}
	q, j := membershipPayOf(ms.PaymentConfiguration)
	v := membershipView{
		ID: aws.ToString(ms.Id), Arn: aws.ToString(ms.Arn), CollabID: aws.ToString(ms.CollaborationId),
		CollabArn: aws.ToString(ms.CollaborationArn), Creator: aws.ToString(ms.CollaborationCreatorAccountId),
		CollabName: aws.ToString(ms.CollaborationName), Status: string(ms.Status), Abilities: abilitiesOf(ms.MemberAbilities),
		PayQuery: q, PayJob: j, QueryLog: string(ms.QueryLogStatus),
	}
	if rc := ms.DefaultResultConfiguration; rc != nil {
		v.HasResult, v.ResultRole = true, rc.RoleArn != nil
	}
	return v
}

func viewOfMembershipSummary(ms types.MembershipSummary) membershipView {
	q, j := membershipPayOf(ms.PaymentConfiguration)
	return membershipView{
		ID: aws.ToString(ms.Id), Arn: aws.ToString(ms.Arn), CollabID: aws.ToString(ms.CollaborationId),
		CollabArn: aws.ToString(ms.CollaborationArn), Creator: aws.ToString(ms.CollaborationCreatorAccountId),
		CollabName: aws.ToString(ms.CollaborationName), Status: string(ms.Status), Abilities: abilitiesOf(ms.MemberAbilities),
		PayQuery: q, PayJob: j,
	}
}

// ---- paging -------------------------------------------------------------

// maxPages guards against a server that never stops handing out tokens.
const maxPages = 500

// collect pages through a list with random page sizes, checking that no
// page exceeds its size, that tokens never repeat and that the list ends.
func collect[T any](h *harness, op string, fetch func(ctx context.Context, size *int32, token *string) ([]T, *string, error)) ([]T, error) {
	var out []T
	var token *string
	seen := map[string]bool{}
	size := h.pageSize()
	for range maxPages {
		ctx, cancel := h.ctx()
		h.stats["pages fetched: "+op]++
		items, next, err := fetch(ctx, size, token)
		cancel()
		if err != nil {
			return out, err
		}
		if size != nil && len(items) > int(*size) {
			h.diverge("%s returned %d items for maxResults %d", op, len(items), *size)
		}
		out = append(out, items...)
		if aws.ToString(next) == "" {
			return out, nil
		}
		if seen[*next] {
			h.diverge("%s repeated a nextToken", op)
			return out, nil
		}
		seen[*next], token = true, next
		if h.chance(0.3) {
			size = h.pageSize()
		}
	}
	h.diverge("%s did not end after %d pages", op, maxPages)
	return out, nil
}

func (h *harness) allCollaborations(caller string, filter types.FilterableMemberStatus) ([]types.CollaborationSummary, error) {
	return collect(h, "ListCollaborations", func(ctx context.Context, size *int32, token *string) ([]types.CollaborationSummary, *string, error) {
		page, err := h.clients[caller].ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{MemberStatus: filter, MaxResults: size, NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		return page.CollaborationList, page.NextToken, nil
	})
}

func (h *harness) allMemberships(caller string, filter types.MembershipStatus) ([]types.MembershipSummary, error) {
	return collect(h, "ListMemberships", func(ctx context.Context, size *int32, token *string) ([]types.MembershipSummary, *string, error) {
		page, err := h.clients[caller].ListMemberships(ctx, &cleanrooms.ListMembershipsInput{Status: filter, MaxResults: size, NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		return page.MembershipSummaries, page.NextToken, nil
	})
}

func (h *harness) allMembers(caller, id string) ([]types.MemberSummary, error) {
	return collect(h, "ListMembers", func(ctx context.Context, size *int32, token *string) ([]types.MemberSummary, *string, error) {
		page, err := h.clients[caller].ListMembers(ctx, &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(id), MaxResults: size, NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		return page.MemberSummaries, page.NextToken, nil
	})
}

// compareCollaborationList checks a caller's listed collaborations against
// the model: the same set of ids, each at most once, with the caller's own
// status and membership.
func (h *harness) compareCollaborationList(caller string, filter string, got []types.CollaborationSummary) {
	h.t.Helper()
	want := h.m.listCollaborations(caller, filter)
	have := map[string]collabView{}
	for _, s := range got {
		v := viewOfCollaborationSummary(s)
		if _, dup := have[v.ID]; dup {
			h.diverge("ListCollaborations(%s, filter %q) lists %s twice", caller, filter, v.ID)
		}
		have[v.ID] = v
		if v.MembershipID != "" {
			if ms := h.m.memberships[v.MembershipID]; ms == nil || ms.account != caller {
				h.diverge("ListCollaborations(%s) shows membership %s, which is not the caller's (leak)", caller, v.MembershipID)
			}
		}
	}
	h.same(fmt.Sprintf("ListCollaborations(%s, filter %q)", caller, filter), want, have)
	h.inCreationOrder(fmt.Sprintf("ListCollaborations(%s, filter %q)", caller, filter), h.m.collabIDs, len(got), func(i int) string { return aws.ToString(got[i].Id) })
}

// inCreationOrder checks that a listing follows creation order across its
// pages (decisions, Lists and tokens).
func (h *harness) inCreationOrder(what string, created []string, n int, id func(int) string) {
	h.t.Helper()
	pos := make(map[string]int, len(created))
	for i, c := range created {
		pos[c] = i
	}
	for i := 1; i < n; i++ {
		a, aok := pos[id(i-1)]
		b, bok := pos[id(i)]
		if aok && bok && a > b {
			h.diverge("%s is not in creation order: %s listed before %s", what, id(i-1), id(i))
			return
		}
	}
}

func (h *harness) compareMembershipList(caller string, filter string, got []types.MembershipSummary) {
	h.t.Helper()
	want := h.m.listMemberships(caller, filter)
	have := map[string]membershipView{}
	for _, s := range got {
		v := viewOfMembershipSummary(s)
		if _, dup := have[v.ID]; dup {
			h.diverge("ListMemberships(%s, filter %q) lists %s twice", caller, filter, v.ID)
		}
		have[v.ID] = v
		if !strings.Contains(v.Arn, ":"+caller+":membership/") {
			h.diverge("ListMemberships(%s) returned %s, a membership of another account (leak)", caller, v.Arn)
		}
	}
	h.same(fmt.Sprintf("ListMemberships(%s, filter %q)", caller, filter), want, have)
	h.inCreationOrder(fmt.Sprintf("ListMemberships(%s, filter %q)", caller, filter), h.m.shipIDs, len(got), func(i int) string { return aws.ToString(got[i].Id) })
}
