package service

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

func pay(query *bool) *api.PaymentConfiguration {
	return &api.PaymentConfiguration{QueryCompute: &api.QueryComputePaymentConfig{IsResponsible: query}}
}

var (
	yes = boolPtr(true)
	no  = boolPtr(false)
)

func TestResolvePayments(t *testing.T) {
	q := []api.MemberAbility{api.MemberAbilityCanQuery}
	qr := []api.MemberAbility{api.MemberAbilityCanQuery, api.MemberAbilityCanReceiveResults}
	qj := []api.MemberAbility{api.MemberAbilityCanQuery, api.MemberAbilityCanRunJob}
	r := []api.MemberAbility{api.MemberAbilityCanReceiveResults}
	none := []api.MemberAbility{}
	cases := []struct {
		name    string
		parts   []participant
		want    []cleanrooms.PaymentConfig
		wantErr string // field named by the ValidationException
	}{
		{"spec 3.10 ex 1: querier pays by default",
			[]participant{{abilities: q}, {abilities: r}},
			[]cleanrooms.PaymentConfig{{QueryCompute: true}, {QueryCompute: false}}, ""},
		{"spec 3.10 ex 2: designated contributor pays",
			[]participant{{abilities: qr}, {field: "m0", abilities: none, pay: pay(yes)}},
			[]cleanrooms.PaymentConfig{{QueryCompute: false}, {QueryCompute: true}}, ""},
		{"designated payer while querier says false",
			[]participant{{field: "c", abilities: q, pay: pay(no)}, {field: "m0", abilities: none, pay: pay(yes)}},
			[]cleanrooms.PaymentConfig{{QueryCompute: false}, {QueryCompute: true}}, ""},
		{"spec 3.10 ex 3: querier declines with nobody paying",
			[]participant{{field: "creatorPaymentConfiguration", abilities: q, pay: pay(no)}, {abilities: r}},
			nil, "creatorPaymentConfiguration.queryCompute.isResponsible"},
		{"spec 3.10 ex 4: two payers",
			[]participant{{field: "creatorPaymentConfiguration", abilities: q, pay: pay(yes)}, {field: "members.0.paymentConfiguration", abilities: none, pay: pay(yes)}},
			nil, "members.0.paymentConfiguration.queryCompute.isResponsible"},
		{"nobody can query and nobody pays",
			[]participant{{abilities: none}, {abilities: r}},
			[]cleanrooms.PaymentConfig{{}, {}}, ""},
		{"job runner pays job compute by default",
			[]participant{{abilities: qj}, {abilities: r}},
			[]cleanrooms.PaymentConfig{{QueryCompute: true, JobCompute: yes}, {JobCompute: no}}, ""},
		{"ML abilities bill training and inference to the querier",
			[]participant{{abilities: q}, {abilities: r, hasML: true}},
			[]cleanrooms.PaymentConfig{
				{QueryCompute: true, ModelTraining: yes, ModelInference: yes},
				{ModelTraining: no, ModelInference: no}}, ""},
		{"synthetic data generation only when set",
			[]participant{{abilities: q}, {field: "m0", abilities: none, pay: &api.PaymentConfiguration{
				QueryCompute:    &api.QueryComputePaymentConfig{IsResponsible: no},
				MachineLearning: &api.MLPaymentConfig{SyntheticDataGeneration: &api.SyntheticDataGenerationPaymentConfig{IsResponsible: yes}}}}},
			[]cleanrooms.PaymentConfig{{QueryCompute: true, SyntheticDataGeneration: no}, {SyntheticDataGeneration: yes}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := resolvePayments(c.parts)
			if c.wantErr != "" {
				var ve *api.ValidationException
				if !errors.As(err, &ve) || len(ve.FieldList) != 1 || *ve.FieldList[0].Name != c.wantErr {
					t.Fatalf("error %v, want ValidationException on %s", err, c.wantErr)
				}
				if ve.Reason != api.ValidationExceptionReasonInvalidConfiguration {
					t.Errorf("reason %s", ve.Reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("resolved (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckAcceptance(t *testing.T) {
	payer := cleanrooms.PaymentConfig{QueryCompute: true}
	free := cleanrooms.PaymentConfig{}
	mp := func(v *bool) memberPayment { return memberPayment{costQuery: v} }
	cases := []struct {
		name     string
		resolved cleanrooms.PaymentConfig
		canQuery bool
		given    memberPayment
		ok       bool
	}{
		{"payer who cannot query must accept", payer, false, nil, false},
		{"payer who cannot query accepts", payer, false, mp(yes), true},
		{"payer declines", payer, false, mp(no), false},
		{"querier may omit", payer, true, nil, true},
		{"non-payer omits", free, false, nil, true},
		{"non-payer claims to pay", free, false, mp(yes), false},
		{"non-payer says false", free, false, mp(no), true},
		{"unbilled job compute sent as true", payer, true, memberPayment{costJob: yes}, false},
	}
	for _, c := range cases {
		err := checkAcceptance("paymentConfiguration", c.resolved, c.canQuery, true, c.given)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
}
