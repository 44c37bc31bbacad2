// Package model holds a randomized, model-based end-to-end test of
// cleanroomsd: thousands of random Clean Rooms, Glue and S3 operations
// from five accounts, each checked against an independent reference model
// of the rules in shared/spec/behavior.md, shared/spec/dataplane.md and
// docs/behavior-decisions.md, with leak audits: every account lists and
// gets what it can, and sees exactly what it owns or may see.
//
//	go test ./e2e/model -run TestRandomizedAgainstReferenceModel -seed=42 -ops=3000
package model

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
)

var (
	flagSeed   = flag.Int64("seed", 0, "seed of the randomized model test (0: time-based)")
	flagOps    = flag.Int("ops", 0, "operations of the randomized model test (0: 3000, 600 with -short)")
	flagMaxDiv = flag.Int("maxdiv", 1, "divergences to report before the randomized model test stops")
	flagStats  = flag.Bool("stats", false, "log how often each operation had each outcome")
)

// auditEvery is how many operations pass between full audits.
const auditEvery = 200

func TestRandomizedAgainstReferenceModel(t *testing.T) {
	seed := *flagSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	total := *flagOps
	if total <= 0 {
		total = 3000
		if testing.Short() {
			total = 600
		}
	}
	t.Logf("seed %d, %d operations", seed, total)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with: go test ./e2e/model -run TestRandomizedAgainstReferenceModel -seed=%d -ops=%d", seed, total)
		}
	})
	runs := []struct {
		name   string
		q      quotas
		ops    int
		stream uint64
	}{
		// Quotas raised well above what the pool needs; the members quota
		// stays at AWS's 5, which only an invalid request exceeds.
		{"raised-quotas", quotas{collaborations: 1000, memberships: 1000, members: 5}, total * 2 / 3, 1},
		// Low quotas, so that the 402 paths are taken often.
		{"low-quotas", quotas{collaborations: 3, memberships: 4, members: 3}, total - total*2/3, 2},
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, seed, run.stream, run.q, *flagMaxDiv)
			for h.op = 1; h.op <= run.ops; h.op++ {
				h.step()
				if h.op%auditEvery == 0 {
					h.audit(false)
				}
			}
			h.audit(true)
			if *flagStats {
				h.logStats()
			}
		})
	}
}

// audit compares everything every account can list with the model, and
// checks that no account can reach another account's memberships.
func (h *harness) audit(final bool) {
	h.t.Helper()
	h.auditData(final)
	h.auditQueries(final)
	h.auditBudgets(final)
	for _, a := range accounts {
		h.begin("audit: %s ListCollaborations", a)
		cs, err := h.allCollaborations(a, "")
		if h.outcome("audit ListCollaborations", ok(), err) {
			h.compareCollaborationList(a, "", cs)
		}
		h.begin("audit: %s ListMemberships", a)
		ms, err := h.allMemberships(a, "")
		if h.outcome("audit ListMemberships", ok(), err) {
			h.compareMembershipList(a, "", ms)
		}
		// Other accounts' memberships (a sample, all of them at the end)
		// are ResourceNotFound for a, whatever their status.
		var foreign []string
		for _, id := range h.m.shipIDs {
			if s := h.m.memberships[id]; s != nil && s.account != a {
				foreign = append(foreign, id)
			}
		}
		if !final && len(foreign) > 4 {
			h.r.Shuffle(len(foreign), func(i, j int) { foreign[i], foreign[j] = foreign[j], foreign[i] })
			foreign = foreign[:4]
		}
		for _, id := range foreign {
			h.begin("audit: %s GetMembership %s (owned by %s)", a, short(id), h.m.memberships[id].account)
			ctx, cancel := h.ctx()
			_, err := h.clients[a].GetMembership(ctx, &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(id)})
			cancel()
			h.outcome("audit GetMembership(foreign)", h.m.getMembership(a, id), err)
		}
	}
	// Every live collaboration: its members as the creator sees them, and
	// (for a sample, all of them at the end) what each account gets from
	// GetCollaboration.
	alive := h.aliveCollabs()
	h.r.Shuffle(len(alive), func(i, j int) { alive[i], alive[j] = alive[j], alive[i] })
	for i, id := range alive {
		c := h.m.collabs[id]
		h.begin("audit: %s ListMembers %s", c.creator, short(id))
		got, err := h.allMembers(c.creator, id)
		if h.outcome("audit ListMembers", h.m.listMembers(c.creator, id), err) {
			h.compareMembers(id, got)
		}
		if !final && i >= 3 {
			continue
		}
		for _, a := range accounts {
			h.begin("audit: %s GetCollaboration %s", a, short(id))
			ctx, cancel := h.ctx()
			out, err := h.clients[a].GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
			cancel()
			if h.outcome("audit GetCollaboration", h.m.getCollaboration(a, id), err) {
				h.same("GetCollaboration", h.m.collabView(c, a, false), viewOfCollaboration(out.Collaboration))
			}
		}
	}
	if !final {
		return
	}
	// At the end: the tags of every resource, read by its owner.
	h.auditDataTags()
	h.auditBudgetTags()
	for _, id := range h.m.collabIDs {
		c := h.m.collabs[id]
		h.begin("audit: %s ListTagsForResource %s", c.creator, collabARN(c.creator, id))
		h.listTags(c.creator, collabARN(c.creator, id))
	}
	for _, id := range h.m.shipIDs {
		if ms := h.m.memberships[id]; ms != nil {
			h.begin("audit: %s ListTagsForResource %s", ms.account, membershipARN(ms.account, id))
			h.listTags(ms.account, membershipARN(ms.account, id))
		}
	}
}

func (h *harness) logStats() {
	keys := make([]string, 0, len(h.stats))
	for k := range h.stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %-60s %5d", k, h.stats[k])
	}
	h.t.Logf("outcomes:%s", b.String())
}
