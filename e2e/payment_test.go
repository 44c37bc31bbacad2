package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

var (
	canQuery   = types.MemberAbilityCanQuery
	canReceive = types.MemberAbilityCanReceiveResults
	canRunJob  = types.MemberAbilityCanRunJob
	modelOut   = types.CustomMLMemberAbilityCanReceiveModelOutput
)

func paying(s types.MemberSpecification, c costs) types.MemberSpecification {
	s.PaymentConfiguration = c.collab()
	return s
}

// payments is the paymentConfiguration of every ListMembers row, in order.
func payments(t *testing.T, cl *cleanrooms.Client, id string) []*types.PaymentConfiguration {
	t.Helper()
	var out []*types.PaymentConfiguration
	for _, r := range allMembers(t, cl, id) {
		out = append(out, r.PaymentConfiguration)
	}
	return out
}

func collabs(list ...costs) []*types.PaymentConfiguration {
	out := make([]*types.PaymentConfiguration, len(list))
	for i, c := range list {
		out[i] = c.collab()
	}
	return out
}

// Shared spec 3.10, worked examples 1 to 5, exactly.
func TestPaymentWorkedExamples(t *testing.T) {
	t.Run("1 querier pays, receive-only member", func(t *testing.T) {
		e := newEnv(t)
		c := mustCreate(t, e.A, collabInput("ex1", abilities(canQuery), spec(acctB, "b", canReceive)))
		if d := diff(collabs(costs{Query: yes}, costs{Query: no}), payments(t, e.A, *c.Id)); d != "" {
			t.Errorf("ListMembers payments (-want +got):\n%s", d)
		}
		_, err := e.B.CreateMembership(t.Context(), joinInput(*c.Id))
		wantValidation(t, err) // no defaultResultConfiguration
		in := joinInput(*c.Id)
		in.DefaultResultConfiguration = resultConfig("b-results", acctB)
		in.PaymentConfiguration = costs{Query: yes}.membership()
		_, err = e.B.CreateMembership(t.Context(), in)
		wantValidation(t, err) // a non-payer claiming to pay
		in.PaymentConfiguration = nil
		m := mustJoin(t, e.B, in)
		if d := diff(costs{Query: no}.membership(), m.PaymentConfiguration); d != "" {
			t.Errorf("B's membership payment (-want +got):\n%s", d)
		}
		if d := diff(abilities(canReceive), m.MemberAbilities); d != "" {
			t.Errorf("B's memberAbilities (-want +got):\n%s", d)
		}
		// The querier may not decline what it pays.
		aIn := joinInput(*c.Id)
		aIn.PaymentConfiguration = costs{Query: no}.membership()
		_, err = e.A.CreateMembership(t.Context(), aIn)
		wantValidation(t, err)
	})

	t.Run("2 a contributor pays", func(t *testing.T) {
		e := newEnv(t)
		c := mustCreate(t, e.A, collabInput("ex2", abilities(canQuery, canReceive), paying(spec(acctB, "b"), costs{Query: yes})))
		if d := diff(collabs(costs{Query: no}, costs{Query: yes}), payments(t, e.A, *c.Id)); d != "" {
			t.Errorf("ListMembers payments (-want +got):\n%s", d)
		}
		_, err := e.B.CreateMembership(t.Context(), joinInput(*c.Id))
		if ve := wantValidation(t, err); !fieldNamed(ve, "paymentConfiguration") {
			t.Errorf("missing paymentConfiguration: fields %v", ve.FieldList)
		}
		in := joinInput(*c.Id)
		in.PaymentConfiguration = costs{Query: no}.membership()
		_, err = e.B.CreateMembership(t.Context(), in)
		wantValidation(t, err)
		if r := memberRow(t, e.A, *c.Id, acctB); r.Status != types.MemberStatusInvited {
			t.Errorf("B after two refused joins: %s", r.Status)
		}
		in.PaymentConfiguration = costs{Query: yes}.membership()
		m := mustJoin(t, e.B, in)
		if d := diff(costs{Query: yes}.membership(), m.PaymentConfiguration); d != "" {
			t.Errorf("B's membership payment (-want +got):\n%s", d)
		}
		a := mustJoin(t, e.A, joinInput(*c.Id))
		if d := diff(costs{Query: no}.membership(), a.PaymentConfiguration); d != "" {
			t.Errorf("A's membership payment (-want +got):\n%s", d)
		}
	})

	t.Run("3 querier declines with nobody paying", func(t *testing.T) {
		e := newEnv(t)
		in := collabInput("ex3", abilities(canQuery), spec(acctB, "b"))
		in.CreatorPaymentConfiguration = costs{Query: no}.collab()
		_, err := e.A.CreateCollaboration(t.Context(), in)
		if ve := wantValidation(t, err); !fieldNamed(ve, "creatorPaymentConfiguration.queryCompute.isResponsible") {
			t.Errorf("fields %v do not name the creator's queryCompute", ve.FieldList)
		}
		if l := allCollabs(t, e.A, ""); len(l) != 0 {
			t.Errorf("rejected create left %v", collabIDs(l))
		}
		if l := allCollabs(t, e.B, ""); len(l) != 0 {
			t.Errorf("B was invited by a rejected create: %v", collabIDs(l))
		}
	})

	t.Run("4 two payers", func(t *testing.T) {
		e := newEnv(t)
		in := collabInput("ex4", abilities(canQuery), paying(spec(acctB, "b"), costs{Query: yes}))
		in.CreatorPaymentConfiguration = costs{Query: yes}.collab()
		_, err := e.A.CreateCollaboration(t.Context(), in)
		wantValidation(t, err)
		if l := allCollabs(t, e.A, ""); len(l) != 0 {
			t.Errorf("rejected create left %v", collabIDs(l))
		}
	})

	t.Run("5 benchmark body", func(t *testing.T) {
		e := newEnv(t)
		c := mustCreate(t, e.A, collabInput("ex5", abilities(canQuery, canReceive), spec(acctB, "b"), spec(acctC, "c")))
		out, err := e.A.CreateMembership(t.Context(), &cleanrooms.CreateMembershipInput{
			CollaborationIdentifier: c.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled,
		})
		if err != nil {
			t.Fatalf("creator's minimal CreateMembership: %v", err)
		}
		if out.Membership.Status != types.MembershipStatusActive {
			t.Errorf("status %s, want ACTIVE", out.Membership.Status)
		}
		if d := diff(costs{Query: yes}.membership(), out.Membership.PaymentConfiguration); d != "" {
			t.Errorf("creator's payment (-want +got):\n%s", d)
		}
		if d := diff(collabs(costs{Query: yes}, costs{Query: no}, costs{Query: no}), payments(t, e.B, *c.Id)); d != "" {
			t.Errorf("ListMembers payments (-want +got):\n%s", d)
		}
		for _, cl := range []*cleanrooms.Client{e.B, e.C} {
			if m := mustJoin(t, cl, joinInput(*c.Id)); diff(costs{Query: no}.membership(), m.PaymentConfiguration) != "" {
				t.Errorf("contributor's payment = %+v", m.PaymentConfiguration)
			}
		}
	})
}

// Every member row and every membership carries the resolved
// responsibility for every cost type the collaboration bills.
func TestPaymentResolution(t *testing.T) {
	mlSpec := func(s types.MemberSpecification) types.MemberSpecification {
		s.MlMemberAbilities = mlAbilities(modelOut)
		return s
	}
	cases := []struct {
		name    string
		creator []types.MemberAbility
		pay     *costs // the creator's
		members []types.MemberSpecification
		want    []costs // A, B, C
	}{
		{"querier pays by default", abilities(canQuery), nil,
			[]types.MemberSpecification{spec(acctB, "b"), spec(acctC, "c")},
			[]costs{{Query: yes}, {Query: no}, {Query: no}}},
		{"a member queries", nil, nil,
			[]types.MemberSpecification{spec(acctB, "b", canQuery), spec(acctC, "c", canReceive)},
			[]costs{{Query: no}, {Query: yes}, {Query: no}}},
		{"a contributor is designated", abilities(canQuery), nil,
			[]types.MemberSpecification{spec(acctB, "b"), paying(spec(acctC, "c"), costs{Query: yes})},
			[]costs{{Query: no}, {Query: no}, {Query: yes}}},
		{"querier says false, another pays", abilities(canQuery), &costs{Query: no},
			[]types.MemberSpecification{paying(spec(acctB, "b"), costs{Query: yes}), spec(acctC, "c")},
			[]costs{{Query: no}, {Query: yes}, {Query: no}}},
		{"job runner pays job compute", abilities(canQuery, canRunJob), nil,
			[]types.MemberSpecification{spec(acctB, "b"), spec(acctC, "c")},
			[]costs{{Query: yes, Job: yes}, {Query: no, Job: no}, {Query: no, Job: no}}},
		{"job compute designated", abilities(canQuery, canRunJob), &costs{Query: yes, Job: no},
			[]types.MemberSpecification{paying(spec(acctB, "b"), costs{Query: no, Job: yes}), spec(acctC, "c")},
			[]costs{{Query: yes, Job: no}, {Query: no, Job: yes}, {Query: no, Job: no}}},
		{"ML costs default to the querier", abilities(canQuery), nil,
			[]types.MemberSpecification{mlSpec(spec(acctB, "b")), spec(acctC, "c")},
			[]costs{{Query: yes, Train: yes, Infer: yes}, {Query: no, Train: no, Infer: no}, {Query: no, Train: no, Infer: no}}},
		{"ML costs designated", abilities(canQuery), nil,
			[]types.MemberSpecification{
				paying(mlSpec(spec(acctB, "b")), costs{Query: no, Infer: yes}),
				paying(spec(acctC, "c"), costs{Query: no, Train: yes, Infer: no}),
			},
			[]costs{{Query: yes, Train: no, Infer: no}, {Query: no, Train: no, Infer: yes}, {Query: no, Train: yes, Infer: no}}},
		{"synthetic data designated", abilities(canQuery), nil,
			[]types.MemberSpecification{mlSpec(spec(acctB, "b")), paying(spec(acctC, "c"), costs{Query: no, Synth: yes})},
			[]costs{{Query: yes, Train: yes, Infer: yes, Synth: no}, {Query: no, Train: no, Infer: no, Synth: no}, {Query: no, Train: no, Infer: no, Synth: yes}}},
		{"synthetic data mentioned, querier pays", abilities(canQuery), nil,
			[]types.MemberSpecification{paying(spec(acctB, "b"), costs{Query: no, Synth: no}), spec(acctC, "c")},
			[]costs{{Query: yes, Synth: yes}, {Query: no, Synth: no}, {Query: no, Synth: no}}},
		{"nobody queries, nobody pays", nil, nil,
			[]types.MemberSpecification{spec(acctB, "b", canReceive), spec(acctC, "c")},
			[]costs{{Query: no}, {Query: no}, {Query: no}}},
		{"nobody queries, a contributor pays", nil, nil,
			[]types.MemberSpecification{paying(spec(acctB, "b"), costs{Query: yes}), spec(acctC, "c")},
			[]costs{{Query: no}, {Query: yes}, {Query: no}}},
	}
	e := newEnv(t, cleanroomstest.WithQuotas(cleanroomstest.Quotas{CollaborationsPerAccount: 100}))
	clients := []*cleanrooms.Client{e.A, e.B, e.C}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := collabInput(tc.name, tc.creator, tc.members...)
			if tc.pay != nil {
				in.CreatorPaymentConfiguration = tc.pay.collab()
			}
			c := mustCreate(t, e.A, in)
			want := collabs(tc.want...)
			if d := diff(want, payments(t, e.B, *c.Id)); d != "" {
				t.Fatalf("ListMembers payments (-want +got):\n%s", d)
			}
			rows := allMembers(t, e.A, *c.Id)
			for i, cl := range clients {
				join := joinInput(*c.Id)
				queries, receives := false, false
				for _, a := range rows[i].Abilities {
					queries = queries || a == canQuery
					receives = receives || a == canReceive
				}
				if receives && !queries {
					join.DefaultResultConfiguration = resultConfig("results-bucket", aws.ToString(rows[i].AccountId))
				}
				if !queries {
					// Saying exactly what one pays is always accepted, and
					// required of a payer that does not query.
					join.PaymentConfiguration = tc.want[i].membership()
				}
				m := mustJoin(t, cl, join)
				if d := diff(tc.want[i].membership(), m.PaymentConfiguration); d != "" {
					t.Errorf("member %d's membership payment (-want +got):\n%s", i, d)
				}
				if d := diff(tc.want[i].membership(), allMemberships(t, cl, types.MembershipStatusActive)[0].PaymentConfiguration); d != "" {
					t.Errorf("member %d's ListMemberships payment (-want +got):\n%s", i, d)
				}
			}
			// Joining does not change anyone's responsibilities.
			if d := diff(want, payments(t, e.C, *c.Id)); d != "" {
				t.Errorf("ListMembers payments after joining (-want +got):\n%s", d)
			}
			for _, cl := range clients[1:] {
				id := allMemberships(t, cl, types.MembershipStatusActive)[0].Id
				if _, err := cl.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: id}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.A.DeleteCollaboration(t.Context(), &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: c.Id}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.A.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: allMemberships(t, e.A, "")[0].Id}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPaymentRejectedAtCreate(t *testing.T) {
	mlSpec := func(s types.MemberSpecification) types.MemberSpecification {
		s.MlMemberAbilities = mlAbilities(modelOut)
		return s
	}
	cases := []struct {
		name    string
		creator []types.MemberAbility
		pay     *costs
		members []types.MemberSpecification
		field   string
	}{
		{"creator and member both pay queries", abilities(canQuery), &costs{Query: yes},
			[]types.MemberSpecification{paying(spec(acctB, "b"), costs{Query: yes})}, "members.0.paymentConfiguration.queryCompute.isResponsible"},
		{"two members pay queries", abilities(canQuery), nil,
			[]types.MemberSpecification{paying(spec(acctB, "b"), costs{Query: yes}), paying(spec(acctC, "c"), costs{Query: yes})}, ""},
		{"querier declines, nobody pays", abilities(canQuery), &costs{Query: no},
			[]types.MemberSpecification{spec(acctB, "b")}, "creatorPaymentConfiguration.queryCompute.isResponsible"},
		{"member querier declines, everyone false", nil, &costs{Query: no},
			[]types.MemberSpecification{paying(spec(acctB, "b", canQuery), costs{Query: no}), paying(spec(acctC, "c"), costs{Query: no})},
			"members.0.paymentConfiguration.queryCompute.isResponsible"},
		{"job runner declines job compute, nobody pays", abilities(canQuery, canRunJob), &costs{Query: yes, Job: no},
			[]types.MemberSpecification{spec(acctB, "b")}, "creatorPaymentConfiguration.jobCompute.isResponsible"},
		{"two members pay job compute", abilities(canQuery, canRunJob), nil,
			[]types.MemberSpecification{paying(spec(acctB, "b"), costs{Query: no, Job: yes}), paying(spec(acctC, "c"), costs{Query: no, Job: yes})}, ""},
		{"two members pay model training", abilities(canQuery), nil,
			[]types.MemberSpecification{paying(mlSpec(spec(acctB, "b")), costs{Query: no, Train: yes}), paying(spec(acctC, "c"), costs{Query: no, Train: yes})}, ""},
		{"querier declines model inference, nobody pays", abilities(canQuery), &costs{Query: yes, Infer: no},
			[]types.MemberSpecification{mlSpec(spec(acctB, "b"))}, "creatorPaymentConfiguration.machineLearning.modelInference.isResponsible"},
		{"two members pay synthetic data", abilities(canQuery), &costs{Query: yes, Synth: yes},
			[]types.MemberSpecification{paying(spec(acctB, "b"), costs{Query: no, Synth: yes})}, ""},
	}
	e := newEnv(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := collabInput("pay", tc.creator, tc.members...)
			if tc.pay != nil {
				in.CreatorPaymentConfiguration = tc.pay.collab()
			}
			_, err := e.A.CreateCollaboration(t.Context(), in)
			ve := wantValidation(t, err)
			if ve.Reason != types.ValidationExceptionReasonInvalidConfiguration {
				t.Errorf("reason = %q, want INVALID_CONFIGURATION", ve.Reason)
			}
			if tc.field != "" && !fieldNamed(ve, tc.field) {
				t.Errorf("ValidationException %q does not name %s", aws.ToString(ve.Message), tc.field)
			}
			for name, cl := range map[string]*cleanrooms.Client{"A": e.A, "B": e.B, "C": e.C} {
				if l := allCollabs(t, cl, ""); len(l) != 0 {
					t.Errorf("%s lists %v after a rejected create", name, collabIDs(l))
				}
			}
		})
	}
}

// acceptanceCollab: B is designated for query compute, C for model
// training; A (the querier) pays model inference by default.
func acceptanceCollab() *cleanrooms.CreateCollaborationInput {
	in := collabInput("acceptance", abilities(canQuery, canReceive),
		paying(spec(acctB, "b"), costs{Query: yes}), paying(spec(acctC, "c"), costs{Query: no, Train: yes}))
	in.CreatorMLMemberAbilities = mlAbilities(modelOut)
	return in
}

var (
	acceptA = costs{Query: no, Train: no, Infer: yes}
	acceptB = costs{Query: yes, Train: no, Infer: no}
	acceptC = costs{Query: no, Train: yes, Infer: no}
)

func TestCreateMembershipPaymentAcceptance(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, acceptanceCollab())
	if d := diff(collabs(acceptA, acceptB, acceptC), payments(t, e.A, *c.Id)); d != "" {
		t.Fatalf("ListMembers payments (-want +got):\n%s", d)
	}
	steps := []struct {
		name    string
		account string
		pay     *costs
		ok      bool
	}{
		{"B omits its payment configuration", acctB, nil, false},
		{"B declines query compute", acctB, &costs{Query: no}, false},
		{"B also claims model training", acctB, &costs{Query: yes, Train: yes}, false},
		{"B accepts", acctB, &costs{Query: yes}, true},
		{"C omits its payment configuration", acctC, nil, false},
		{"C declines model training", acctC, &costs{Query: no, Train: no}, false},
		{"C claims query compute too", acctC, &costs{Query: yes, Train: yes}, false},
		{"C accepts", acctC, &costs{Query: no, Train: yes}, true},
		{"A claims query compute", acctA, &costs{Query: yes}, false},
		{"A declines model inference", acctA, &costs{Query: no, Infer: no}, false},
		{"A, a querier, omits it", acctA, nil, true},
	}
	clients := map[string]*cleanrooms.Client{acctA: e.A, acctB: e.B, acctC: e.C}
	want := map[string]costs{acctA: acceptA, acctB: acceptB, acctC: acceptC}
	for _, s := range steps {
		in := joinInput(*c.Id)
		if s.pay != nil {
			in.PaymentConfiguration = s.pay.membership()
		}
		out, err := clients[s.account].CreateMembership(t.Context(), in)
		if !s.ok {
			if err == nil {
				t.Fatalf("%s: accepted", s.name)
			}
			wantValidation(t, err)
			if r := memberRow(t, e.A, *c.Id, s.account); r.Status != types.MemberStatusInvited || r.MembershipId != nil {
				t.Errorf("%s: row after the refusal = %+v", s.name, r)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if d := diff(want[s.account].membership(), out.Membership.PaymentConfiguration); d != "" {
			t.Errorf("%s: membership payment (-want +got):\n%s", s.name, d)
		}
	}
}

func TestUpdateMembershipPayment(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, acceptanceCollab())
	mA := mustJoin(t, e.A, joinInput(*c.Id))
	bIn, cIn := joinInput(*c.Id), joinInput(*c.Id)
	bIn.PaymentConfiguration = acceptB.membership()
	cIn.PaymentConfiguration = acceptC.membership()
	mB, mC := mustJoin(t, e.B, bIn), mustJoin(t, e.C, cIn)

	steps := []struct {
		name   string
		client *cleanrooms.Client
		m      types.Membership
		pay    costs
		ok     bool
	}{
		{"B declines query compute", e.B, mB, costs{Query: no}, false},
		{"B claims model training", e.B, mB, costs{Train: yes}, false},
		{"B confirms", e.B, mB, costs{Query: yes}, true},
		{"C declines model training", e.C, mC, costs{Train: no}, false},
		{"C confirms everything", e.C, mC, acceptC, true},
		{"A declines model inference", e.A, mA, costs{Infer: no}, false},
		{"A claims query compute", e.A, mA, costs{Query: yes}, false},
		{"A confirms", e.A, mA, costs{Query: no, Infer: yes}, true},
	}
	for _, s := range steps {
		before := mustGetMembership(t, s.client, *s.m.Id)
		out, err := s.client.UpdateMembership(t.Context(), &cleanrooms.UpdateMembershipInput{
			MembershipIdentifier: s.m.Id, MembershipPaymentConfiguration: s.pay.update(),
		})
		if !s.ok {
			if err == nil {
				t.Errorf("%s: accepted", s.name)
				continue
			}
			wantValidation(t, err)
			if d := diff(before, mustGetMembership(t, s.client, *s.m.Id)); d != "" {
				t.Errorf("%s: refused update changed the membership (-want +got):\n%s", s.name, d)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if d := diff(before.PaymentConfiguration, out.Membership.PaymentConfiguration); d != "" {
			t.Errorf("%s: payment changed (-want +got):\n%s", s.name, d)
		}
	}
	if d := diff(collabs(acceptA, acceptB, acceptC), payments(t, e.A, *c.Id)); d != "" {
		t.Errorf("ListMembers payments after updates (-want +got):\n%s", d)
	}
}
