package service

import (
	"fmt"
	"slices"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// costType is one of the five things a collaboration can bill.
type costType int

const (
	costQuery costType = iota
	costJob
	costTraining
	costInference
	costSynthetic
)

var costTypes = []costType{costQuery, costJob, costTraining, costInference, costSynthetic}

// wirePath is where the cost type sits inside a payment configuration.
func (c costType) wirePath() string {
	return [...]string{"queryCompute", "jobCompute", "machineLearning.modelTraining",
		"machineLearning.modelInference", "machineLearning.syntheticDataGeneration"}[c]
}

// participant is the creator or one invited member, as CreateCollaboration
// describes it.
type participant struct {
	field     string // path of its payment configuration in the request
	abilities []api.MemberAbility
	hasML     bool
	pay       *api.PaymentConfiguration
}

// explicit is the value a payment configuration gives for c, nil if none.
func explicit(p *api.PaymentConfiguration, c costType) *bool {
	if p == nil {
		return nil
	}
	switch c {
	case costQuery:
		if p.QueryCompute != nil {
			return p.QueryCompute.IsResponsible
		}
	case costJob:
		if p.JobCompute != nil {
			return p.JobCompute.IsResponsible
		}
	default:
		ml := p.MachineLearning
		if ml == nil {
			return nil
		}
		switch {
		case c == costTraining && ml.ModelTraining != nil:
			return ml.ModelTraining.IsResponsible
		case c == costInference && ml.ModelInference != nil:
			return ml.ModelInference.IsResponsible
		case c == costSynthetic && ml.SyntheticDataGeneration != nil:
			return ml.SyntheticDataGeneration.IsResponsible
		}
	}
	return nil
}

// defaultPayer is who pays for c when nobody is designated: the member who
// can query (query compute and the ML cost types), or the member who can
// run jobs (job compute). -1 when there is no such member.
func defaultPayer(parts []participant, c costType) int {
	want := api.MemberAbilityCanQuery
	if c == costJob {
		want = api.MemberAbilityCanRunJob
	}
	for i, p := range parts {
		if slices.Contains(p.abilities, want) {
			return i
		}
	}
	return -1
}

// configured reports whether the collaboration bills c at all, and so
// whether member rows carry it: query compute always; the others when the
// creator set them for anyone or when the matching ability exists
// (shared spec 3.5).
func configured(parts []participant, c costType) bool {
	for _, p := range parts {
		if explicit(p.pay, c) != nil {
			return true
		}
	}
	switch c {
	case costQuery:
		return true
	case costJob:
		return defaultPayer(parts, costJob) >= 0
	case costTraining, costInference:
		return slices.ContainsFunc(parts, func(p participant) bool { return p.hasML })
	}
	return false
}

// resolvePayments applies the payment rules of CreateCollaboration (shared
// spec 3.3): for each cost type at most one member is designated TRUE; with
// none, the default payer pays and may not decline. It returns every
// participant's resolved responsibilities, in order.
func resolvePayments(parts []participant) ([]cleanrooms.PaymentConfig, error) {
	out := make([]cleanrooms.PaymentConfig, len(parts))
	for _, c := range costTypes {
		if !configured(parts, c) {
			continue
		}
		payer := -1
		for i, p := range parts {
			if v := explicit(p.pay, c); v != nil && *v {
				if payer >= 0 {
					return nil, invalid(p.field+"."+c.wirePath()+".isResponsible", fmt.Sprintf(
						"Only one member can be responsible for the %s costs of a collaboration; %s and %s are both set to pay.",
						c.wirePath(), parts[payer].field, p.field))
				}
				payer = i
			}
		}
		if payer < 0 {
			payer = defaultPayer(parts, c)
			if payer >= 0 {
				if v := explicit(parts[payer].pay, c); v != nil && !*v {
					return nil, invalid(parts[payer].field+"."+c.wirePath()+".isResponsible", fmt.Sprintf(
						"The member who runs analyses pays for %s unless another member is designated to pay; "+
							"it cannot be set to false while no other member is responsible.", c.wirePath()))
				}
			}
		}
		for i := range parts {
			set(&out[i], c, i == payer)
		}
	}
	return out, nil
}

func set(p *cleanrooms.PaymentConfig, c costType, v bool) {
	switch c {
	case costQuery:
		p.QueryCompute = v
	case costJob:
		p.JobCompute = &v
	case costTraining:
		p.ModelTraining = &v
	case costInference:
		p.ModelInference = &v
	case costSynthetic:
		p.SyntheticDataGeneration = &v
	}
}

// get is the resolved responsibility for c; nil when not billed.
func get(p cleanrooms.PaymentConfig, c costType) *bool {
	switch c {
	case costQuery:
		return &p.QueryCompute
	case costJob:
		return p.JobCompute
	case costTraining:
		return p.ModelTraining
	case costInference:
		return p.ModelInference
	case costSynthetic:
		return p.SyntheticDataGeneration
	}
	return nil
}

func paysAnything(p cleanrooms.PaymentConfig) bool {
	for _, c := range costTypes {
		if v := get(p, c); v != nil && *v {
			return true
		}
	}
	return false
}

// memberPayment is a membership-side payment configuration, as
// CreateMembership or UpdateMembership carry it, flattened per cost type.
type memberPayment map[costType]*bool

func fromMembershipPayment(p *api.MembershipPaymentConfiguration) memberPayment {
	if p == nil {
		return nil
	}
	mp := memberPayment{}
	if p.QueryCompute != nil {
		mp[costQuery] = p.QueryCompute.IsResponsible
	}
	if p.JobCompute != nil {
		mp[costJob] = p.JobCompute.IsResponsible
	}
	addML(mp, p.MachineLearning)
	return mp
}

func fromUpdatePayment(p *api.UpdateMembershipPaymentConfiguration) memberPayment {
	if p == nil {
		return nil
	}
	mp := memberPayment{}
	if p.QueryCompute != nil {
		mp[costQuery] = p.QueryCompute.IsResponsible
	}
	if p.JobCompute != nil {
		mp[costJob] = p.JobCompute.IsResponsible
	}
	addML(mp, p.MachineLearning)
	return mp
}

func addML(mp memberPayment, ml *api.MembershipMLPaymentConfig) {
	if ml == nil {
		return
	}
	if ml.ModelTraining != nil {
		mp[costTraining] = ml.ModelTraining.IsResponsible
	}
	if ml.ModelInference != nil {
		mp[costInference] = ml.ModelInference.IsResponsible
	}
	if ml.SyntheticDataGeneration != nil {
		mp[costSynthetic] = ml.SyntheticDataGeneration.IsResponsible
	}
}

// checkAcceptance applies the membership-side rules (shared spec 3.4): a
// member who is designated to pay but cannot query must say so when it
// joins (required), and every value it sends must equal its real
// responsibility, in both directions.
func checkAcceptance(field string, resolved cleanrooms.PaymentConfig, canQuery, required bool, given memberPayment) error {
	if given == nil {
		if required && !canQuery && paysAnything(resolved) {
			return invalid(field, "This member is responsible for paying for analyses in the collaboration and must "+
				"accept that responsibility by providing a payment configuration.")
		}
		return nil
	}
	for _, c := range costTypes {
		v, ok := given[c]
		if !ok || v == nil {
			continue
		}
		want := false
		if r := get(resolved, c); r != nil {
			want = *r
		}
		if *v != want {
			if want {
				return invalid(field+"."+c.wirePath()+".isResponsible", fmt.Sprintf(
					"This member is responsible for the %s costs of the collaboration; isResponsible must be true.", c.wirePath()))
			}
			return invalid(field+"."+c.wirePath()+".isResponsible", fmt.Sprintf(
				"This member is not responsible for the %s costs of the collaboration; isResponsible must be false.", c.wirePath()))
		}
	}
	return nil
}
