package replicas

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"

	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// BenchmarkThroughput drives the binary over HTTP with real SDK clients:
// requests per second with one SQLite process, and with one and with two
// replicas on PostgreSQL, the clients' calls spread over the replicas
// round-robin. Each is run with 8×GOMAXPROCS client goroutines.
//
//	go test -run '^$' -bench Throughput ./e2e/replicas
//
// GetMembership is a point read (one View); CreateMembership is the
// heaviest write of the service (reads of the collaboration, the member
// row and the account's membership count, then an insert and an update in
// one Transact), each call for a different invitation so that they do not
// conflict by design.
func BenchmarkThroughput(b *testing.B) {
	const quotas = "collaborations=1000000,memberships=1000000,members=50"
	setups := []struct {
		name  string
		start func(b *testing.B) []*testbin.Proc
	}{
		{"sqlite", func(b *testing.B) []*testbin.Proc {
			return []*testbin.Proc{start(b, "sqlite", "--data-dir", b.TempDir(), "--quotas", quotas)}
		}},
		{"postgres/replicas=1", func(b *testing.B) []*testbin.Proc { return newCluster(b, 1, "--quotas", quotas).replicas }},
		{"postgres/replicas=2", func(b *testing.B) []*testbin.Proc { return newCluster(b, 2, "--quotas", quotas).replicas }},
	}
	for _, setup := range setups {
		b.Run(setup.name, func(b *testing.B) {
			procs := setup.start(b)
			tr := newTransport()
			tr.MaxIdleConnsPerHost = 256
			clientsOf := func(account string) []*cleanrooms.Client {
				var out []*cleanrooms.Client
				for _, p := range procs {
					out = append(out, client(p, account, tr))
				}
				return out
			}
			creator := clientsOf(acctA)
			collabs := 0
			// newCollaboration creates a collaboration inviting accounts.
			newCollaboration := func(b *testing.B, accounts []string) string {
				b.Helper()
				collabs++
				out, err := creator[collabs%len(creator)].CreateCollaboration(b.Context(), collabInput(fmt.Sprint("bench ", collabs), accounts...))
				if err != nil {
					b.Fatal(err)
				}
				return *out.Collaboration.Id
			}

			b.Run("GetMembership", func(b *testing.B) {
				reader := clientsOf(acctB)
				id := *mustJoin(b, reader[0], newCollaboration(b, []string{acctB})).Id
				var next atomic.Int64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					cl := reader[int(next.Add(1))%len(reader)]
					for pb.Next() {
						if _, err := cl.GetMembership(b.Context(), &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(id)}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})

			b.Run("CreateMembership", func(b *testing.B) {
				// b.N invitations, 50 accounts per collaboration.
				const perCollab = 50
				accounts := make([]string, perCollab)
				joiners := make([][]*cleanrooms.Client, perCollab)
				for i := range accounts {
					accounts[i] = fmt.Sprintf("8%011d", i)
					joiners[i] = clientsOf(accounts[i])
				}
				type invitation struct {
					collab  string
					account int
				}
				var invitations []invitation
				for len(invitations) < b.N {
					id := newCollaboration(b, accounts)
					for a := range accounts {
						invitations = append(invitations, invitation{id, a})
					}
				}
				var next atomic.Int64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n := next.Add(1) - 1
						inv := invitations[n]
						cl := joiners[inv.account][int(n)%len(procs)]
						if _, err := cl.CreateMembership(b.Context(), joinInput(inv.collab)); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		})
	}
}
