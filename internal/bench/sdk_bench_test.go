package bench

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// BenchmarkSDK is the reference point of a real client: aws-sdk-go-v2
// (signing, serializing, its middleware stack, the HTTP transport) against
// an httptest.Server on loopback over the in-memory store. Client and
// server share the process, so ns/op and cpu-ns/op include both; the
// difference to the in-process handler benchmarks is the client's and the
// network's share.
func BenchmarkSDK(b *testing.B) {
	const n = 1_000
	e := sharedEnv(b, mem, n)
	srv := httptest.NewServer(e.h)
	b.Cleanup(srv.Close)
	client := func(account string) *cleanrooms.Client {
		return cleanrooms.New(cleanrooms.Options{
			Region:       region,
			Credentials:  credentials.NewStaticCredentialsProvider(account, "bench-secret", ""),
			BaseEndpoint: aws.String(srv.URL),
			HTTPClient:   srv.Client(),
		})
	}
	ctx := context.Background()
	m, c := client(member), client(collaborator)

	b.Run("GetMembership", func(b *testing.B) {
		measure(b, func(i int) {
			if _, err := m.GetMembership(ctx, &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(id(kindMembership, spread(i, n)))}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("ListMemberships/page=first", func(b *testing.B) {
		measure(b, func(int) {
			out, err := m.ListMemberships(ctx, &cleanrooms.ListMembershipsInput{MaxResults: aws.Int32(100)})
			if err != nil || len(out.MembershipSummaries) != 100 {
				b.Fatal(err)
			}
		})
	})
	b.Run("CreateCollaboration", func(b *testing.B) {
		measure(b, func(i int) {
			_, err := c.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{
				Name: aws.String(fmt.Sprintf("sdk %d", i)), Description: aws.String("benchmark"), CreatorDisplayName: aws.String("collaborator"),
				CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
				QueryLogStatus:         types.CollaborationQueryLogStatusDisabled,
				Members: []types.MemberSpecification{{
					AccountId: aws.String(member), DisplayName: aws.String("member"),
					MemberAbilities: []types.MemberAbility{types.MemberAbilityCanReceiveResults},
				}},
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	})
}
