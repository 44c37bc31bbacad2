package replicas

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/crashload"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

const (
	acctA = "111122223333" // creator
	acctB = "444455556666"
	acctC = "777788889999"
)

// cmpOpt lets go-cmp look at SDK structs, which embed an unexported marker.
var cmpOpt = cmp.Exporter(func(reflect.Type) bool { return true })

func spec(account, name string, a ...types.MemberAbility) types.MemberSpecification {
	if a == nil {
		a = []types.MemberAbility{}
	}
	return types.MemberSpecification{AccountId: aws.String(account), DisplayName: aws.String(name), MemberAbilities: a}
}

// collabInput: the creator queries and receives results, with query
// logging on; the invitees contribute data only.
func collabInput(name string, invitees ...string) *cleanrooms.CreateCollaborationInput {
	members := []types.MemberSpecification{}
	for _, a := range invitees {
		members = append(members, spec(a, "member "+a))
	}
	return &cleanrooms.CreateCollaborationInput{
		Name: aws.String(name), Description: aws.String("replicas " + name), CreatorDisplayName: aws.String("creator"),
		CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		QueryLogStatus:         types.CollaborationQueryLogStatusEnabled,
		Members:                members,
	}
}

func mustCreate(t testing.TB, c *cleanrooms.Client, name string, invitees ...string) types.Collaboration {
	t.Helper()
	out, err := c.CreateCollaboration(t.Context(), collabInput(name, invitees...))
	if err != nil {
		t.Fatalf("CreateCollaboration(%s): %v", name, err)
	}
	return *out.Collaboration
}

func joinInput(collabID string) *cleanrooms.CreateMembershipInput {
	return &cleanrooms.CreateMembershipInput{CollaborationIdentifier: aws.String(collabID), QueryLogStatus: types.MembershipQueryLogStatusDisabled}
}

func mustJoin(t testing.TB, c *cleanrooms.Client, collabID string) types.Membership {
	t.Helper()
	out, err := c.CreateMembership(t.Context(), joinInput(collabID))
	if err != nil {
		t.Fatalf("CreateMembership(%s): %v", collabID, err)
	}
	return *out.Membership
}

func mustGetCollab(t testing.TB, c *cleanrooms.Client, id string) types.Collaboration {
	t.Helper()
	out, err := c.GetCollaboration(t.Context(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
	if err != nil {
		t.Fatalf("GetCollaboration(%s): %v", id, err)
	}
	return *out.Collaboration
}

func mustGetMembership(t testing.TB, c *cleanrooms.Client, id string) types.Membership {
	t.Helper()
	out, err := c.GetMembership(t.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(id)})
	if err != nil {
		t.Fatalf("GetMembership(%s): %v", id, err)
	}
	return *out.Membership
}

// members returns the collaboration's member rows by account.
func members(t testing.TB, c *cleanrooms.Client, id string) map[string]types.MemberSummary {
	t.Helper()
	out := map[string]types.MemberSummary{}
	p := cleanrooms.NewListMembersPaginator(c, &cleanrooms.ListMembersInput{CollaborationIdentifier: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListMembers(%s): %v", id, err)
		}
		for _, m := range page.MemberSummaries {
			out[aws.ToString(m.AccountId)] = m
		}
	}
	return out
}

// membershipsIn returns the caller's memberships of one collaboration
// (listMemberships, walked to the end).
func membershipsIn(t testing.TB, c *cleanrooms.Client, collabID string, status types.MembershipStatus) []types.MembershipSummary {
	t.Helper()
	var out []types.MembershipSummary
	p := cleanrooms.NewListMembershipsPaginator(c, &cleanrooms.ListMembershipsInput{Status: status})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListMemberships: %v", err)
		}
		for _, m := range page.MembershipSummaries {
			if collabID == "" || aws.ToString(m.CollaborationId) == collabID {
				out = append(out, m)
			}
		}
	}
	return out
}

// What one replica writes, the other serves at once: the database is the
// only state.
func TestWritesOnOneReplicaAreReadOnTheOther(t *testing.T) {
	c := newCluster(t, 2)
	a, b, cc := c.clients(acctA), c.clients(acctB), c.clients(acctC)

	collab := mustCreate(t, a[0], "shared", acctB, acctC)
	if got := mustGetCollab(t, a[1], *collab.Id); !cmp.Equal(collab, got, cmpOpt) {
		t.Errorf("collaboration created on replica1, read on replica2 (-want +got):\n%s", cmp.Diff(collab, got, cmpOpt))
	}
	msB := mustJoin(t, b[1], *collab.Id)
	msC := mustJoin(t, cc[0], *collab.Id)
	for i, cl := range b {
		if got := mustGetMembership(t, cl, *msB.Id); !cmp.Equal(msB, got, cmpOpt) {
			t.Errorf("membership created on replica2, read on replica%d (-want +got):\n%s", i+1, cmp.Diff(msB, got, cmpOpt))
		}
	}
	for i, cl := range a {
		rows := members(t, cl, *collab.Id)
		for acct, ms := range map[string]types.Membership{acctB: msB, acctC: msC} {
			if r := rows[acct]; r.Status != types.MemberStatusActive || aws.ToString(r.MembershipId) != *ms.Id {
				t.Errorf("replica%d: member %s is %s %q, want ACTIVE %s", i+1, acct, r.Status, aws.ToString(r.MembershipId), *ms.Id)
			}
		}
	}

	// Read your writes across replicas: an update acknowledged by one is
	// what the other returns next.
	for round := range 6 {
		w, r := a[round%2], a[1-round%2]
		name := fmt.Sprintf("renamed %d", round)
		up, err := w.UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: collab.Id, Name: aws.String(name)})
		if err != nil {
			t.Fatalf("UpdateCollaboration: %v", err)
		}
		if got := mustGetCollab(t, r, *collab.Id); !cmp.Equal(*up.Collaboration, got, cmpOpt) {
			t.Errorf("round %d: update on one replica, read on the other (-want +got):\n%s", round, cmp.Diff(*up.Collaboration, got, cmpOpt))
		}
	}
	if _, err := b[0].TagResource(t.Context(), &cleanrooms.TagResourceInput{ResourceArn: msB.Arn, Tags: map[string]string{"team": "b"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	tags, err := b[1].ListTagsForResource(t.Context(), &cleanrooms.ListTagsForResourceInput{ResourceArn: msB.Arn})
	if err != nil || !cmp.Equal(tags.Tags, map[string]string{"team": "b"}) {
		t.Errorf("tags read on replica2 = %v, %v; want team=b", tags, err)
	}
	if got := membershipsIn(t, b[0], *collab.Id, ""); len(got) != 1 || aws.ToString(got[0].Id) != *msB.Id {
		t.Errorf("ListMemberships of B on replica1: %v, want %s", got, *msB.Id)
	}

	// A nextToken from one replica pages on the other.
	want := []string{*msB.Id}
	for i := range 4 {
		more := mustCreate(t, a[i%2], fmt.Sprint("more ", i), acctB)
		want = append(want, *mustJoin(t, b[i%2], *more.Id).Id)
	}
	var got []string
	var token *string
	for page := 0; ; page++ {
		out, err := b[page%2].ListMemberships(t.Context(), &cleanrooms.ListMembershipsInput{MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatalf("ListMemberships page %d on replica%d: %v", page, page%2+1, err)
		}
		for _, m := range out.MembershipSummaries {
			got = append(got, *m.Id)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("ListMemberships paged across replicas: %v, want %v", got, want)
	}
	checkNoErrors(t, c.replicas...)
}

// 32 concurrent joins of one account, spread over both replicas: exactly
// one succeeds and every other gets the ConflictException one process
// gives, naming the winner's membership.
func TestConcurrentJoinsOneWins(t *testing.T) {
	c := newCluster(t, 2)
	a, b := c.clients(acctA), c.clients(acctB)
	for round := range 3 {
		collab := mustCreate(t, a[round%2], fmt.Sprint("race ", round), acctB)
		for who, cl := range map[string][]*cleanrooms.Client{"creator": a, "invitee": b} {
			const n = 32
			results := make([]*types.Membership, n)
			errs := make([]error, n)
			race(n, func(i int) {
				out, err := cl[i%2].CreateMembership(t.Context(), joinInput(*collab.Id))
				if err == nil {
					results[i] = out.Membership
				}
				errs[i] = err
			})
			var won *types.Membership
			for i, err := range errs {
				if err == nil {
					if won != nil {
						t.Errorf("%s round %d: two memberships created: %s and %s", who, round, *won.Id, *results[i].Id)
					}
					won = results[i]
				}
			}
			if won == nil {
				t.Fatalf("%s round %d: no CreateMembership succeeded: %v", who, round, tally(errs))
			}
			for i, err := range errs {
				if err == nil {
					continue
				}
				var ce *types.ConflictException
				if !errors.As(err, &ce) {
					t.Errorf("%s round %d: join #%d (replica%d): %v, want ConflictException", who, round, i, i%2+1, err)
					continue
				}
				if ce.Reason != types.ConflictExceptionReasonAlreadyExists || ce.ResourceType != types.ResourceTypeMembership || aws.ToString(ce.ResourceId) != *won.Id {
					t.Errorf("%s round %d: join #%d: conflict %s on %s %s, want ALREADY_EXISTS on membership %s",
						who, round, i, ce.Reason, ce.ResourceType, aws.ToString(ce.ResourceId), *won.Id)
				}
			}
			for i, r := range cl {
				if got := membershipsIn(t, r, *collab.Id, ""); len(got) != 1 || aws.ToString(got[0].Id) != *won.Id {
					t.Errorf("%s round %d: replica%d lists memberships %v, want only %s", who, round, i+1, got, *won.Id)
				}
				if g := mustGetCollab(t, r, *collab.Id); g.MemberStatus != types.MemberStatusActive || aws.ToString(g.MembershipId) != *won.Id {
					t.Errorf("%s round %d: replica%d: collaboration says %s %q", who, round, i+1, g.MemberStatus, aws.ToString(g.MembershipId))
				}
			}
		}
	}
	checkNoErrors(t, c.replicas...)
}

// Concurrent updates of different fields of one record, on different
// replicas: both land (no lost update), and both replicas then agree.
func TestConcurrentUpdatesConverge(t *testing.T) {
	c := newCluster(t, 2)
	a := c.clients(acctA)
	collab := mustCreate(t, a[0], "updates")
	ms := mustJoin(t, a[1], *collab.Id)

	for round := range 20 {
		name, desc := fmt.Sprintf("name %d", round), fmt.Sprintf("description %d", round)
		prefix := fmt.Sprintf("r%d/", round)
		qlog := []types.MembershipQueryLogStatus{types.MembershipQueryLogStatusEnabled, types.MembershipQueryLogStatusDisabled}[round%2]
		errs := make([]error, 4)
		race(4, func(i int) {
			cl := a[i%2]
			switch i {
			case 0:
				_, errs[i] = cl.UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: collab.Id, Name: aws.String(name)})
			case 1:
				_, errs[i] = cl.UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: collab.Id, Description: aws.String(desc)})
			case 2:
				_, errs[i] = cl.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{MembershipIdentifier: ms.Id, QueryLogStatus: qlog})
			case 3:
				_, errs[i] = cl.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{MembershipIdentifier: ms.Id, DefaultResultConfiguration: crashload.ResultConfig(acctA, prefix)})
			}
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: update #%d: %v", round, i, err)
			}
		}
		var seen []types.Collaboration
		for i, cl := range a {
			g := mustGetCollab(t, cl, *collab.Id)
			if aws.ToString(g.Name) != name || aws.ToString(g.Description) != desc {
				t.Errorf("round %d: replica%d: name %q, description %q; want %q, %q (an update was lost)",
					round, i+1, aws.ToString(g.Name), aws.ToString(g.Description), name, desc)
			}
			m := mustGetMembership(t, cl, *ms.Id)
			if m.QueryLogStatus != qlog || crashload.KeyPrefix(m) != prefix {
				t.Errorf("round %d: replica%d: membership query log %s, key prefix %q; want %s, %q (an update was lost)",
					round, i+1, m.QueryLogStatus, crashload.KeyPrefix(m), qlog, prefix)
			}
			seen = append(seen, g)
		}
		if !cmp.Equal(seen[0], seen[1], cmpOpt) {
			t.Errorf("round %d: replicas disagree (-replica1 +replica2):\n%s", round, cmp.Diff(seen[0], seen[1], cmpOpt))
		}
	}

	// Many writers of the same field: every one is acknowledged, one wins,
	// and both replicas show the same winner.
	const n = 32
	errs := make([]error, n)
	race(n, func(i int) {
		_, errs[i] = a[i%2].UpdateCollaboration(t.Context(), &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: collab.Id, Name: aws.String(fmt.Sprint("writer ", i))})
	})
	if got := tally(errs); got[""] != n {
		t.Errorf("concurrent UpdateCollaboration: %v, want %d successes", got, n)
	}
	g1, g2 := mustGetCollab(t, a[0], *collab.Id), mustGetCollab(t, a[1], *collab.Id)
	if !strings.HasPrefix(aws.ToString(g1.Name), "writer ") || !cmp.Equal(g1, g2, cmpOpt) {
		t.Errorf("after concurrent renames: replica1 %q, replica2 %q", aws.ToString(g1.Name), aws.ToString(g2.Name))
	}
	checkNoErrors(t, c.replicas...)
}

// Concurrent deletes of one thing: one succeeds, the others get the error
// of deleting something that is gone; and a removal racing a join leaves
// one of the two serial outcomes, never a mix.
func TestConcurrentDeletes(t *testing.T) {
	c := newCluster(t, 2, "--quotas", "collaborations=100")
	a, b, cc := c.clients(acctA), c.clients(acctB), c.clients(acctC)
	const n = 16

	t.Run("DeleteMembership", func(t *testing.T) {
		collab := mustCreate(t, a[0], "leave", acctB)
		ms := mustJoin(t, b[0], *collab.Id)
		errs := make([]error, n)
		race(n, func(i int) {
			_, errs[i] = b[i%2].DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: ms.Id})
		})
		if got, want := tally(errs), map[string]int{"": 1, "ResourceNotFoundException": n - 1}; !cmp.Equal(got, want) {
			t.Errorf("concurrent DeleteMembership: %v, want %v", got, want)
		}
		for i := range a {
			if r := members(t, a[i], *collab.Id)[acctB]; r.Status != types.MemberStatusLeft || r.MembershipId != nil {
				t.Errorf("replica%d: B's row is %s %q, want LEFT without membership", i+1, r.Status, aws.ToString(r.MembershipId))
			}
		}
	})

	t.Run("DeleteMemberRacingJoin", func(t *testing.T) {
		outcomes := map[string]int{}
		for round := range 10 {
			collab := mustCreate(t, a[round%2], fmt.Sprint("remove ", round), acctC)
			var join *cleanrooms.CreateMembershipOutput
			var joinErr, delErr error
			race(2, func(i int) {
				if i == 0 {
					join, joinErr = cc[1-round%2].CreateMembership(t.Context(), joinInput(*collab.Id))
				} else {
					_, delErr = a[round%2].DeleteMember(t.Context(), &cleanrooms.DeleteMemberInput{CollaborationIdentifier: collab.Id, AccountId: aws.String(acctC)})
				}
			})
			if delErr != nil {
				t.Fatalf("round %d: DeleteMember: %v", round, delErr)
			}
			row := members(t, a[1-round%2], *collab.Id)[acctC]
			if row.Status != types.MemberStatusRemoved {
				t.Errorf("round %d: C's row is %s, want REMOVED", round, row.Status)
			}
			switch {
			case joinErr == nil: // joined, then removed
				outcomes["joined then removed"]++
				if got := mustGetMembership(t, cc[round%2], *join.Membership.Id); got.Status != types.MembershipStatusRemoved {
					t.Errorf("round %d: C's membership is %s, want REMOVED", round, got.Status)
				}
				if aws.ToString(row.MembershipId) != *join.Membership.Id {
					t.Errorf("round %d: C's row names membership %q, want %s", round, aws.ToString(row.MembershipId), *join.Membership.Id)
				}
			default: // removed, then the join refused
				outcomes["removed then refused"]++
				var ce *types.ConflictException
				if !errors.As(joinErr, &ce) || ce.Reason != types.ConflictExceptionReasonInvalidState {
					t.Errorf("round %d: CreateMembership after removal: %v, want ConflictException INVALID_STATE", round, joinErr)
				}
				if ms := membershipsIn(t, cc[round%2], *collab.Id, ""); len(ms) != 0 || row.MembershipId != nil {
					t.Errorf("round %d: refused join left memberships %v, row membership %q", round, ms, aws.ToString(row.MembershipId))
				}
			}
		}
		t.Logf("outcomes: %v", outcomes)
	})

	t.Run("DeleteCollaboration", func(t *testing.T) {
		collab := mustCreate(t, a[0], "end", acctB)
		ms := mustJoin(t, b[1], *collab.Id)
		errs := make([]error, n)
		race(n, func(i int) {
			_, errs[i] = a[i%2].DeleteCollaboration(t.Context(), &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: collab.Id})
		})
		if got, want := tally(errs), map[string]int{"": 1, "AccessDeniedException": n - 1}; !cmp.Equal(got, want) {
			t.Errorf("concurrent DeleteCollaboration: %v, want %v", got, want)
		}
		for i := range b {
			if got := mustGetMembership(t, b[i], *ms.Id); got.Status != types.MembershipStatusCollaborationDeleted {
				t.Errorf("replica%d: B's membership is %s, want COLLABORATION_DELETED", i+1, got.Status)
			}
		}
	})
	checkNoErrors(t, c.replicas...)
}

// Quotas are counts checked inside the write's transaction; under
// SERIALIZABLE, two replicas cannot both see room for the last one.
func TestQuotasHoldAcrossReplicas(t *testing.T) {
	const maxCollabs, maxMemberships = 5, 3
	c := newCluster(t, 2, "--quotas", fmt.Sprintf("collaborations=%d,memberships=%d", maxCollabs, maxMemberships))
	a, b := c.clients(acctA), c.clients(acctB)

	const n = 24
	errs := make([]error, n)
	race(n, func(i int) {
		_, errs[i] = a[i%2].CreateCollaboration(t.Context(), collabInput(fmt.Sprint("quota ", i), acctB))
	})
	if got, want := tally(errs), map[string]int{"": maxCollabs, "ServiceQuotaExceededException": n - maxCollabs}; !cmp.Equal(got, want) {
		t.Errorf("concurrent CreateCollaboration with a quota of %d: %v, want %v", maxCollabs, got, want)
	}
	var collabs []string
	for i := range a {
		out, err := a[i].ListCollaborations(t.Context(), &cleanrooms.ListCollaborationsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.CollaborationList) != maxCollabs {
			t.Errorf("replica%d lists %d collaborations of A, want %d", i+1, len(out.CollaborationList), maxCollabs)
		}
		collabs = nil
		for _, s := range out.CollaborationList {
			collabs = append(collabs, *s.Id)
		}
	}

	// B is invited to every collaboration A created and joins them all at
	// once, through both replicas, several times over.
	errs = make([]error, 2*len(collabs))
	race(len(errs), func(i int) {
		_, errs[i] = b[i%2].CreateMembership(t.Context(), joinInput(collabs[i/2]))
	})
	got := tally(errs)
	if got[""] != maxMemberships || got[""]+got["ServiceQuotaExceededException"]+got["ConflictException"] != len(errs) {
		t.Errorf("concurrent CreateMembership with a quota of %d: %v", maxMemberships, got)
	}
	for i := range b {
		if ms := membershipsIn(t, b[i], "", types.MembershipStatusActive); len(ms) != maxMemberships {
			t.Errorf("replica%d lists %d active memberships of B, want %d", i+1, len(ms), maxMemberships)
		}
	}
	checkNoErrors(t, c.replicas...)
}

// CLEANROOMSD_DATABASE_URL selects PostgreSQL like --database-url does, and
// a password in the URL never reaches the logs.
func TestDatabaseURLFromEnvironment(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	// The test server trusts local connections, so any password works.
	withPassword := strings.Replace(dsn, "postgres://postgres@", "postgres://postgres:hunter2secret@", 1)
	if withPassword == dsn {
		t.Skip("the test database URL does not have the form postgres://postgres@...")
	}
	env := []string{"CLEANROOMSD_DATABASE_URL=" + withPassword, "CLEANROOMSD_OBJECTS_DIR=" + objectsDir(t)}
	// A flag error prints the usage, with the defaults: not the URL.
	cmd := exec.Command(testbin.Build(t), "--no-such-flag")
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err == nil || strings.Contains(string(out), "hunter2secret") {
		t.Errorf("cleanroomsd --no-such-flag: %v\n%s", err, out)
	}
	// Every line is kept, DEBUG ones too, to look for the password.
	p, err := testbin.Launch(t, testbin.Build(t), testbin.Options{
		Name: "env", Env: env, Args: []string{"--log-level", "debug"}, StartTimeout: 60 * time.Second, Logs: testbin.KeepAll,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The flag wins over the environment.
	q, err := launch(t, "flag", []string{"CLEANROOMSD_DATABASE_URL=postgres://nobody@127.0.0.1:1/none"}, "--database-url", dsn)
	if err != nil {
		t.Fatal(err)
	}
	collab := mustCreate(t, client(p, acctA, nil), "from env")
	mustGetCollab(t, client(q, acctA, nil), *collab.Id)
	if err := p.Stop(t); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	logs := p.Logs()
	if strings.Contains(logs, "hunter2secret") {
		t.Errorf("the password is in the logs:\n%s", logs)
	}
	if !strings.Contains(logs, `"store":"postgres"`) {
		t.Errorf("the listening line does not say the store is postgres:\n%s", logs)
	}
}

// Replicas starting at once on an empty schema migrate it once.
func TestReplicasStartTogether(t *testing.T) {
	c := newCluster(t, 4)
	conn := pgtest.Connect(t)
	defer conn.Close(t.Context())
	// Each migration recorded exactly once: as many rows as distinct
	// versions, and as many as the binary embeds.
	var n, distinct int
	if err := conn.QueryRow(t.Context(), "SELECT COUNT(*), COUNT(DISTINCT version) FROM "+
		pgx.Identifier{c.schema, "schema_migrations"}.Sanitize()).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../../internal/store/sqlstore/migrations/postgres/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v %v", files, err)
	}
	if n != len(files) || distinct != n {
		t.Errorf("schema_migrations has %d rows (%d versions), want one per migration (%d)", n, distinct, len(files))
	}
	for i, p := range c.replicas {
		mustCreate(t, client(p, acctA, c.tr), fmt.Sprint("replica ", i))
	}
	out, err := client(c.replicas[0], acctA, c.tr).ListCollaborations(t.Context(), &cleanrooms.ListCollaborationsInput{})
	if err != nil || len(out.CollaborationList) != len(c.replicas) {
		t.Errorf("ListCollaborations: %d, %v; want %d", len(out.CollaborationList), err, len(c.replicas))
	}
}
