package cleanroomstest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

// A creator invites a second account, which sees the invitation and joins.
func Example() {
	srv, err := cleanroomstest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	creator, invitee := srv.Client("111122223333"), srv.Client("444455556666")

	c, err := creator.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{
		Name:                   aws.String("campaign"),
		Description:            aws.String("ad campaign measurement"),
		CreatorDisplayName:     aws.String("Advertiser"),
		CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		QueryLogStatus:         types.CollaborationQueryLogStatusDisabled,
		Members: []types.MemberSpecification{{
			AccountId: aws.String("444455556666"), DisplayName: aws.String("Publisher"),
			MemberAbilities: []types.MemberAbility{},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	invites, err := invitee.ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{MemberStatus: types.FilterableMemberStatusInvited})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("invited to:", *invites.CollaborationList[0].Name)

	m, err := invitee.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{
		CollaborationIdentifier: c.Collaboration.Id,
		QueryLogStatus:          types.MembershipQueryLogStatusDisabled,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("membership:", m.Membership.Status, "pays for queries:", *m.Membership.PaymentConfiguration.QueryCompute.IsResponsible)
	// Output:
	// invited to: campaign
	// membership: ACTIVE pays for queries: false
}

// Quotas can be raised for load tests.
func ExampleWithQuotas() {
	srv, err := cleanroomstest.Start(cleanroomstest.WithQuotas(cleanroomstest.Quotas{CollaborationsPerAccount: 1}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client("111122223333")
	create := func() error {
		_, err := client.CreateCollaboration(context.Background(), &cleanrooms.CreateCollaborationInput{
			Name: aws.String("c"), Description: aws.String("d"), CreatorDisplayName: aws.String("me"),
			CreatorMemberAbilities: []types.MemberAbility{}, QueryLogStatus: types.CollaborationQueryLogStatusDisabled,
			Members: []types.MemberSpecification{},
		})
		return err
	}
	fmt.Println(create() == nil)
	var quota *types.ServiceQuotaExceededException
	fmt.Println(errorsAs(create(), &quota), *quota.QuotaName)
	// Output:
	// true
	// true Collaborations created per account
}
