package e2e

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

// race runs fn(0..n-1) in n goroutines released together and waits.
func race(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

func TestConcurrentCreateMembership(t *testing.T) {
	e := newEnv(t)
	for round := range 3 {
		c := mustCreate(t, e.A, standard(fmt.Sprint("race", round)))
		for name, cl := range map[string]*cleanrooms.Client{"creator": e.A, "member": e.B} {
			const n = 32
			results := make([]*types.Membership, n)
			errs := make([]error, n)
			race(n, func(i int) {
				out, err := cl.CreateMembership(t.Context(), joinInput(*c.Id))
				if err == nil {
					results[i] = out.Membership
				}
				errs[i] = err
			})
			var won *types.Membership
			for i, err := range errs {
				if err == nil {
					if won != nil {
						t.Errorf("%s round %d: two memberships created: %s and %s", name, round, *won.Id, *results[i].Id)
					}
					won = results[i]
					continue
				}
				ce := wantConflict(t, err, types.ConflictExceptionReasonAlreadyExists)
				if won != nil && (ce.ResourceType != types.ResourceTypeMembership || aws.ToString(ce.ResourceId) != *won.Id) {
					t.Errorf("%s round %d: conflict names %s %s, want membership %s", name, round, ce.ResourceType, aws.ToString(ce.ResourceId), *won.Id)
				}
			}
			if won == nil {
				t.Fatalf("%s round %d: no CreateMembership succeeded", name, round)
			}
			var mine []string
			for _, m := range allMemberships(t, cl, "") {
				if *m.CollaborationId == *c.Id {
					mine = append(mine, *m.Id)
				}
			}
			if len(mine) != 1 || mine[0] != *won.Id {
				t.Errorf("%s round %d: memberships %v, want only %s", name, round, mine, *won.Id)
			}
			if g := mustGetCollab(t, cl, *c.Id); g.MemberStatus != types.MemberStatusActive || aws.ToString(g.MembershipId) != *won.Id {
				t.Errorf("%s round %d: collaboration says %s %v", name, round, g.MemberStatus, aws.ToString(g.MembershipId))
			}
		}
	}
}

func TestConcurrentUpdatesKeepOneFinalState(t *testing.T) {
	e := newEnv(t)
	in := standard("contended")
	in.Members[0].MemberAbilities = abilities(canReceive)
	in.QueryLogStatus = types.CollaborationQueryLogStatusEnabled
	c := mustCreate(t, e.A, in)
	join := joinInput(*c.Id)
	join.DefaultResultConfiguration = resultConfig("bucket-start", acctB)
	mB := mustJoin(t, e.B, join)
	const n = 32

	t.Run("UpdateCollaboration", func(t *testing.T) {
		outs := make([]*types.Collaboration, n)
		errs := make([]error, n)
		race(n, func(i int) {
			out, err := e.A.UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{
				CollaborationIdentifier: c.Id, Name: aws.String(fmt.Sprint("name-", i)), Description: aws.String(fmt.Sprint("description-", i)),
			})
			if err == nil {
				outs[i] = out.Collaboration
			}
			errs[i] = err
		})
		final := mustGetCollab(t, e.A, *c.Id)
		match := -1
		for i, err := range errs {
			if err != nil {
				t.Fatalf("update %d: %v", i, err)
			}
			if outs[i].UpdateTime.After(*final.UpdateTime) {
				t.Errorf("update %d is newer (%v) than the final state (%v)", i, outs[i].UpdateTime, final.UpdateTime)
			}
			if diff(*outs[i], final) == "" {
				match = i
			}
		}
		if match < 0 {
			t.Fatalf("final state %s/%s is no update's result", aws.ToString(final.Name), aws.ToString(final.Description))
		}
		if m := mustGetMembership(t, e.B, *mB.Id); aws.ToString(m.CollaborationName) != aws.ToString(final.Name) {
			t.Errorf("membership collaborationName %q, collaboration %q", aws.ToString(m.CollaborationName), aws.ToString(final.Name))
		}
		if l := allCollabs(t, e.C, ""); len(l) != 1 || aws.ToString(l[0].Name) != aws.ToString(final.Name) {
			t.Errorf("C lists %+v", l)
		}
	})

	t.Run("UpdateMembership", func(t *testing.T) {
		outs := make([]*types.Membership, n)
		errs := make([]error, n)
		race(n, func(i int) {
			out, err := e.B.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{
				MembershipIdentifier:       mB.Id,
				DefaultResultConfiguration: resultConfig(fmt.Sprint("bucket-", i), acctB),
			})
			if err == nil {
				outs[i] = out.Membership
			}
			errs[i] = err
		})
		final := mustGetMembership(t, e.B, *mB.Id)
		match := -1
		for i, err := range errs {
			if err != nil {
				t.Fatalf("update %d: %v", i, err)
			}
			if outs[i].UpdateTime.After(*final.UpdateTime) {
				t.Errorf("update %d is newer (%v) than the final state (%v)", i, outs[i].UpdateTime, final.UpdateTime)
			}
			if diff(*outs[i], final) == "" {
				match = i
			}
		}
		if match < 0 {
			t.Fatalf("final membership is no update's result: %+v", final)
		}
	})

	// Writers of different fields, racing each other and readers, must not
	// undo each other's changes (every update is read-modify-write).
	t.Run("disjoint fields", func(t *testing.T) {
		engines := []types.AnalyticsEngine{types.AnalyticsEngineCleanRoomsSql, types.AnalyticsEngineSpark}
		logs := []types.MembershipQueryLogStatus{types.MembershipQueryLogStatusEnabled, types.MembershipQueryLogStatusDisabled}
		for round := range 12 {
			name, desc, engine := fmt.Sprint("round-", round), fmt.Sprint("desc-", round), engines[round%2]
			res := resultConfig(fmt.Sprint("round-bucket-", round), acctB)
			job := jobResultConfig(fmt.Sprint("round-jobs-", round), "", acctB)
			writers := []func() error{
				func() error {
					_, err := e.A.UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: c.Id, Name: aws.String(name)})
					return err
				},
				func() error {
					_, err := e.A.UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: c.Id, Description: aws.String(desc)})
					return err
				},
				func() error {
					_, err := e.A.UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: c.Id, AnalyticsEngine: engine})
					return err
				},
				func() error {
					_, err := e.B.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{MembershipIdentifier: mB.Id, DefaultResultConfiguration: res})
					return err
				},
				func() error {
					_, err := e.B.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{MembershipIdentifier: mB.Id, DefaultJobResultConfiguration: job})
					return err
				},
				func() error {
					_, err := e.B.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{MembershipIdentifier: mB.Id, QueryLogStatus: logs[round%2]})
					return err
				},
			}
			readers := 10
			errs := make([]error, len(writers)+readers)
			race(len(errs), func(i int) {
				if i < len(writers) {
					errs[i] = writers[i]()
					return
				}
				switch i % 3 {
				case 0:
					_, errs[i] = e.C.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: c.Id})
				case 1:
					_, errs[i] = e.B.GetMembership(t.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: mB.Id})
				default:
					_, errs[i] = e.C.ListMembers(t.Context(), &cleanrooms.ListMembersInput{CollaborationIdentifier: c.Id})
				}
			})
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d call %d: %v", round, i, err)
				}
			}
			g := mustGetCollab(t, e.A, *c.Id)
			if aws.ToString(g.Name) != name || aws.ToString(g.Description) != desc || g.AnalyticsEngine != engine {
				t.Errorf("round %d: collaboration %s/%s/%s, want %s/%s/%s (a lost update)", round,
					aws.ToString(g.Name), aws.ToString(g.Description), g.AnalyticsEngine, name, desc, engine)
			}
			m := mustGetMembership(t, e.B, *mB.Id)
			if diff(res, m.DefaultResultConfiguration) != "" || diff(job, m.DefaultJobResultConfiguration) != "" ||
				m.QueryLogStatus != logs[round%2] || aws.ToString(m.CollaborationName) != name {
				t.Errorf("round %d: membership lost an update: %+v", round, m)
			}
		}
	})
}

// DeleteMember, CreateMembership and DeleteMembership on the same member,
// all at once: whatever order wins, the member row and the membership
// tell the same story.
func TestConcurrentMembershipChurn(t *testing.T) {
	e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{CollaborationsPerAccount: 100}))
	const rounds = 36
	outcomes := map[string]int{}
	defer func() { t.Logf("outcomes: %v", outcomes) }()
	for round := range rounds {
		c := mustCreate(t, e.A, standard(fmt.Sprint("churn", round)))
		leave := round%2 == 0 // B leaves right after joining
		var removeErr, joinErr, leaveErr error
		var joined *types.Membership
		race(3, func(i int) {
			switch i {
			case 0:
				// Vary who tends to win.
				time.Sleep(time.Duration(round%6) * 2 * time.Millisecond)
				_, removeErr = e.A.DeleteMember(t.Context(), &cleanrooms.DeleteMemberInput{CollaborationIdentifier: c.Id, AccountId: aws.String(acctB)})
			case 1:
				out, err := e.B.CreateMembership(t.Context(), joinInput(*c.Id))
				joinErr = err
				if err != nil {
					return
				}
				joined = out.Membership
				if leave {
					_, leaveErr = e.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: out.Membership.Id})
				}
			default:
				// A reader in the middle of it all.
				_, _ = e.B.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: c.Id})
			}
		})
		if leaveErr != nil {
			t.Errorf("round %d: DeleteMembership of B's own membership: %v", round, leaveErr)
		}
		if joinErr != nil {
			wantConflict(t, joinErr, types.ConflictExceptionReasonInvalidState) // removed first
			if removeErr != nil {
				t.Errorf("round %d: both the join and the removal failed: %v / %v", round, joinErr, removeErr)
			}
		}
		if removeErr != nil {
			wantConflict(t, removeErr, types.ConflictExceptionReasonInvalidState) // B had left
		}

		row := memberRow(t, e.A, *c.Id, acctB)
		outcomes[fmt.Sprintf("leave=%v joined=%v removed=%v row=%s", leave, joined != nil, removeErr == nil, row.Status)]++
		var ms []types.MembershipSummary
		for _, m := range allMemberships(t, e.B, "") {
			if *m.CollaborationId == *c.Id {
				ms = append(ms, m)
			}
		}
		if len(ms) > 1 {
			t.Fatalf("round %d: B has %d memberships", round, len(ms))
		}
		_, getErr := e.B.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: c.Id})
		switch row.Status {
		case types.MemberStatusRemoved:
			if removeErr != nil {
				t.Errorf("round %d: row REMOVED but DeleteMember failed", round)
			}
			if len(ms) == 1 && (ms[0].Status != types.MembershipStatusRemoved || aws.ToString(row.MembershipId) != *ms[0].Id) {
				t.Errorf("round %d: row REMOVED (membership %v) but membership %s is %s", round, aws.ToString(row.MembershipId), *ms[0].Id, ms[0].Status)
			}
			if joined != nil && !leave && len(ms) != 1 {
				t.Errorf("round %d: B joined, was removed, never left, yet has no membership", round)
			}
			if getErr == nil {
				t.Errorf("round %d: removed B still reads the collaboration", round)
			}
		case types.MemberStatusLeft:
			if !leave || joined == nil || removeErr == nil {
				t.Errorf("round %d: row LEFT (leave=%v joined=%v removeErr=%v)", round, leave, joined != nil, removeErr)
			}
			if len(ms) != 0 || row.MembershipId != nil {
				t.Errorf("round %d: row LEFT but membership %v / row names %v", round, ms, aws.ToString(row.MembershipId))
			}
			if getErr == nil {
				t.Errorf("round %d: B that left still reads the collaboration", round)
			}
		default:
			t.Errorf("round %d: row ended %s; DeleteMember err %v, CreateMembership err %v", round, row.Status, removeErr, joinErr)
		}
	}
}

// A collaboration deleted while members join leaves no ACTIVE membership.
func TestConcurrentDeleteCollaborationAndJoins(t *testing.T) {
	e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{CollaborationsPerAccount: 100}))
	for round := range 16 {
		c := mustCreate(t, e.A, standard(fmt.Sprint("doomed", round)))
		errs := make([]error, 4)
		race(4, func(i int) {
			switch i {
			case 0:
				_, errs[i] = e.A.DeleteCollaboration(t.Context(), &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: c.Id})
			case 1:
				_, errs[i] = e.A.CreateMembership(t.Context(), joinInput(*c.Id))
			case 2:
				_, errs[i] = e.B.CreateMembership(t.Context(), joinInput(*c.Id))
			default:
				_, errs[i] = e.C.CreateMembership(t.Context(), joinInput(*c.Id))
			}
		})
		if errs[0] != nil {
			t.Fatalf("round %d: DeleteCollaboration: %v", round, errs[0])
		}
		for i, cl := range []*cleanrooms.Client{e.A, e.B, e.C} {
			if err := errs[i+1]; err != nil {
				wantAccessDenied(t, err)
			}
			for _, m := range allMemberships(t, cl, "") {
				if *m.CollaborationId == *c.Id && m.Status != types.MembershipStatusCollaborationDeleted {
					t.Errorf("round %d: membership %s of a deleted collaboration is %s", round, *m.Id, m.Status)
				}
			}
		}
	}
}

// Quotas hold under concurrent creation: the count and the insert are one
// transaction.
func TestConcurrentQuotas(t *testing.T) {
	t.Run("collaborations", func(t *testing.T) {
		e := newEnv(t)
		errs := make([]error, 24)
		race(len(errs), func(i int) {
			_, errs[i] = e.A.CreateCollaboration(t.Context(), standard(fmt.Sprint("q", i)))
		})
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			wantQuota(t, err, quotaCollaborations, 10)
		}
		if ok != 10 || len(allCollabs(t, e.A, "")) != 10 {
			t.Errorf("%d creates succeeded, %d listed; want 10", ok, len(allCollabs(t, e.A, "")))
		}
	})
	t.Run("memberships", func(t *testing.T) {
		e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{MembershipsPerAccount: 4}))
		ids := inviteB(t, e.A, 10)
		errs := make([]error, len(ids))
		race(len(ids), func(i int) {
			_, errs[i] = e.B.CreateMembership(t.Context(), joinInput(ids[i]))
		})
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			wantQuota(t, err, quotaMemberships, 4)
		}
		if n := len(allMemberships(t, e.B, types.MembershipStatusActive)); ok != 4 || n != 4 {
			t.Errorf("%d joins succeeded, %d memberships; want 4", ok, n)
		}
	})
	t.Run("tags", func(t *testing.T) {
		e := newEnv(t)
		c := mustCreate(t, e.A, standard("tags"))
		errs := make([]error, 20)
		race(len(errs), func(i int) {
			errs[i] = tag(e.A, t, *c.Arn, manyTags(fmt.Sprintf("g%02d-", i), 15))
		})
		ok := 0
		for _, err := range errs {
			var ve *types.ValidationException
			switch {
			case err == nil:
				ok++
			case !errors.As(err, &ve):
				t.Errorf("TagResource: %v", err)
			}
		}
		got := tagsOf(t, e.A, *c.Arn)
		if len(got) > 200 || len(got) != 15*ok {
			t.Errorf("%d tags after %d successful calls of 15; limit 200", len(got), ok)
		}
	})
}
