package model

// Privacy budget templates and budgets in the reference model. Written
// from shared/spec/dataplane.md §1.9 and docs/behavior-decisions.md
// ("Privacy budgets (issue 9)"), not from internal/service:
//
//   - templates live under a membership; at most one DIFFERENTIAL_PRIVACY
//     template per collaboration and one ACCESS_BUDGET template per
//     association ARN (409 ALREADY_EXISTS); any ACTIVE member may create
//     the DP template, only the association's owner its access budget
//     (400 naming parameters.accessBudget.resourceArn otherwise);
//   - Create/Update need an ACTIVE membership (409 INVALID_STATE);
//     Get/List/Delete work in any status; another account's membership or
//     a template not under the membership is 404;
//   - collaboration views serve ACTIVE members (403 else); DP budgets are
//     403 to a member without CAN_QUERY; access budgets are visible to
//     every ACTIVE member (and, through ListPrivacyBudgets, to the
//     membership's owner in any status, as the other membership reads);
//   - each accepted query spends 1 from the access budget of every
//     association it reads, in a ledger kept per association ARN and
//     period that outlives the template; a detail with 0 remaining
//     refuses the query (400 INVALID_QUERY) after every other check.
//
// The model's query worlds have no differential privacy tables, so
// nothing is ever spent from a DP budget: remaining = maxCount.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

const (
	budgetDP     = "DIFFERENTIAL_PRIVACY"
	budgetAccess = "ACCESS_BUDGET"

	periodDay      = "CALENDAR_DAY"
	periodWeek     = "CALENDAR_WEEK"
	periodMonth    = "CALENDAR_MONTH"
	periodLifetime = "LIFETIME"
	refreshOn      = "ENABLED"

	nanoPerEpsilon = 1_000_000_000
)

// The aggregation types of a DP budget and the shares of 1/N epsilon one
// aggregate of each costs (behavior-decisions, Privacy budgets; the
// accountant decision of issue 9).
var dpUnits = map[string]int64{"AVG": 4, "COUNT": 2, "COUNT_DISTINCT": 2, "SUM": 3, "STDDEV": 5}

// dpMaxCount is how many aggregates of type t a whole budget of epsilon
// allows at usersNoisePerQuery n: the budget is epsilon in nano-epsilon,
// one aggregate costs ceil(units·1e9/n) nano-epsilon (rounded up so that
// the accountant never spends less than the mechanism uses).
func dpMaxCount(eps, n int, t string) int {
	return dpRemainingCount(int64(eps)*nanoPerEpsilon, n, t)
}

func dpRemainingCount(remaining int64, n int, t string) int {
	if remaining <= 0 {
		return 0
	}
	cost := (dpUnits[t]*nanoPerEpsilon + int64(n) - 1) / int64(n)
	return int(remaining / cost)
}

// budgetedARNRE is the BudgetedResourceArn pattern of the service model.
var budgetedARNRE = regexp.MustCompile(`^arn:aws:[\w]+:[\w]{2}-[\w]{4,9}-[\d]:[\d]{12}:membership/[\d\w-]+/configuredtableassociation/[\d\w-]+$`)

type mAccessParam struct {
	typ     string
	budget  int
	refresh string // ENABLED, DISABLED or "" (does not refresh)
}

type mBudgetTpl struct {
	id, account, membershipID, collabID string
	typ, autoRefresh                    string
	eps, noise                          int            // DIFFERENTIAL_PRIVACY
	resource                            string         // ACCESS_BUDGET: the association ARN
	params                              []mAccessParam // ACCESS_BUDGET
}

type budgetModel struct {
	tpls map[string]*mBudgetTpl
	ids  []string
	// spends: association ARN -> when each query reading it spent (the
	// ledger, never cleared).
	spends map[string][]time.Time
	// budgetIDs: template id -> the budget id the server first reported
	// (stable, one per template).
	budgetIDs map[string]string
}

func newBudgetModel() *budgetModel {
	return &budgetModel{tpls: map[string]*mBudgetTpl{}, spends: map[string][]time.Time{}, budgetIDs: map[string]string{}}
}

func budgetTplARN(t *mBudgetTpl) string {
	return membershipARN(t.account, t.membershipID) + "/privacybudgettemplate/" + t.id
}

// budgetInput is a Create/Update request as the model sees it.
type budgetInput struct {
	typ         string
	autoRefresh string
	dp          *[2]*int // epsilon, usersNoisePerQuery (nil: not sent)
	access      *accessInput
	tags        map[string]string
}

type accessInput struct {
	arn    string // Create only
	params []mAccessParam
}

// shapeInvalid: the service model's constraints, checked before anything
// else (400).
func (in budgetInput) shapeInvalid() string {
	if why := checkTagMap(in.tags); why != "" {
		return why
	}
	if in.dp != nil {
		if e := in.dp[0]; e != nil && (*e < 1 || *e > 20) {
			return "epsilon outside 1..20"
		}
		if n := in.dp[1]; n != nil && (*n < 10 || *n > 100) {
			return "usersNoisePerQuery outside 10..100"
		}
	}
	if a := in.access; a != nil {
		if len(a.params) < 1 || len(a.params) > 2 {
			return "budgetParameters holds 1..2 items"
		}
		for _, p := range a.params {
			if p.budget < 0 || p.budget > 1_000_000 {
				return "budget outside 0..1000000"
			}
		}
		if a.arn != "" && !budgetedARNRE.MatchString(a.arn) {
			return "resourceArn does not match BudgetedResourceArn"
		}
	}
	return ""
}

func dupTypes(ps []mAccessParam) bool {
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.typ] {
			return true
		}
		seen[p.typ] = true
	}
	return false
}

func (b *budgetModel) ofCollab(collabID string) []*mBudgetTpl {
	var out []*mBudgetTpl
	for _, id := range b.ids {
		if t := b.tpls[id]; t != nil && t.collabID == collabID {
			out = append(out, t)
		}
	}
	return out
}

func (m *refModel) createBudgetTemplate(caller, msID string, in budgetInput) (outcome, func(id string)) {
	commit := func(id string) {
		ms := m.memberships[msID]
		t := &mBudgetTpl{id: id, account: caller, membershipID: msID, collabID: ms.collabID, typ: in.typ, autoRefresh: in.autoRefresh}
		if t.autoRefresh == "" {
			t.autoRefresh = "NONE"
		}
		if in.dp != nil {
			t.eps, t.noise = *in.dp[0], *in.dp[1]
		}
		if in.access != nil {
			t.resource, t.params = in.access.arn, slices.Clone(in.access.params)
		}
		m.budgets.tpls[id] = t
		m.budgets.ids = append(m.budgets.ids, id)
		if len(in.tags) > 0 {
			m.tags[budgetTplARN(t)] = cloneTags(in.tags)
		}
	}
	if why := in.shapeInvalid(); why != "" {
		return fail(codeValidation, why+" (service model)"), commit
	}
	ms, o := m.ownMembership(caller, msID)
	if o.code != codeOK {
		return o, commit
	}
	if ms.status != msActive {
		return conflictOf(reasonState, "membership is "+ms.status+": Create needs ACTIVE (decisions)"), commit
	}
	switch {
	case in.typ == budgetDP && (in.dp == nil || in.access != nil):
		return fail(codeValidation, "field=parameters: DIFFERENTIAL_PRIVACY takes parameters.differentialPrivacy (decisions)"), commit
	case in.typ == budgetAccess && (in.access == nil || in.dp != nil):
		return fail(codeValidation, "field=parameters: ACCESS_BUDGET takes parameters.accessBudget (decisions)"), commit
	}
	if in.typ == budgetAccess {
		var a *mCTA
		for _, x := range m.data.ctasOfCollab(m, ms.collabID) {
			if ctaARN(x) == in.access.arn {
				a = x
			}
		}
		if a == nil {
			return fail(codeValidation, "field=parameters.accessBudget.resourceArn: not an association of this collaboration (decisions)"), commit
		}
		if a.account != caller {
			return fail(codeValidation, "field=parameters.accessBudget.resourceArn: only the association's owner sets its access budget (decisions)"), commit
		}
		if dupTypes(in.access.params) {
			return fail(codeValidation, "field=parameters.accessBudget.budgetParameters: types are unique (decisions)"), commit
		}
	}
	for _, t := range m.budgets.ofCollab(ms.collabID) {
		if t.typ == in.typ && (in.typ == budgetDP || t.resource == in.access.arn) {
			return conflictOf(reasonExists, "one "+in.typ+" template per collaboration/resource (decisions)"), commit
		}
	}
	return ok(), commit
}

// ownBudgetTemplate: Get/Delete (any membership status).
func (m *refModel) ownBudgetTemplate(caller, msID, id string) outcome {
	if idInvalid(id) {
		return fail(codeValidation, "privacyBudgetTemplateIdentifier is not a UUID")
	}
	if _, o := m.ownMembership(caller, msID); o.code != codeOK {
		return o
	}
	if t := m.budgets.tpls[id]; t == nil || t.membershipID != msID {
		return fail(codeNotFound, "template not under this membership (decisions: 404 MEMBERSHIP)")
	}
	return ok()
}

func (m *refModel) updateBudgetTemplate(caller, msID, id string, in budgetInput) (outcome, func()) {
	commit := func() {
		t := m.budgets.tpls[id]
		if t == nil {
			return
		}
		if in.dp != nil {
			if e := in.dp[0]; e != nil {
				t.eps = *e
			}
			if n := in.dp[1]; n != nil {
				t.noise = *n
			}
		}
		if in.access != nil {
			t.params = slices.Clone(in.access.params)
		}
	}
	if why := in.shapeInvalid(); why != "" {
		return fail(codeValidation, why+" (service model)"), commit
	}
	if idInvalid(id) {
		return fail(codeValidation, "privacyBudgetTemplateIdentifier is not a UUID"), commit
	}
	ms, o := m.ownMembership(caller, msID)
	if o.code != codeOK {
		return o, commit
	}
	if ms.status != msActive {
		return conflictOf(reasonState, "membership is "+ms.status+": Update needs ACTIVE (decisions)"), commit
	}
	t := m.budgets.tpls[id]
	if t == nil || t.membershipID != msID {
		return fail(codeNotFound, "template not under this membership"), commit
	}
	if in.typ != t.typ {
		return fail(codeValidation, "field=privacyBudgetType: not the template's"), commit
	}
	switch {
	case in.dp == nil && in.access == nil:
	case t.typ == budgetDP && in.dp == nil:
		return fail(codeValidation, "field=parameters: a DP template is updated with parameters.differentialPrivacy"), commit
	case t.typ == budgetAccess && in.access == nil:
		return fail(codeValidation, "field=parameters: an access budget is updated with parameters.accessBudget"), commit
	case in.access != nil && dupTypes(in.access.params):
		return fail(codeValidation, "field=parameters.accessBudget.budgetParameters: types are unique"), commit
	}
	return ok(), commit
}

// budgetViewer: who may list the collaboration's budgets of type typ.
// through == "" is the collaboration view (ACTIVE members), else the
// membership view (its owner).
func (m *refModel) budgetViewer(caller, collabID, msID, typ string) (string, outcome) {
	if msID != "" {
		ms, o := m.ownMembership(caller, msID)
		if o.code != codeOK {
			return "", o
		}
		collabID = ms.collabID
	} else if o := m.activeMember(caller, collabID); o.code != codeOK {
		return "", o
	}
	if r := m.collabs[collabID].row(caller); typ == budgetDP && !r.has(abilityQuery) {
		return "", fail(codeAccessDenied, "DP budgets are shown only to the member who can query (decisions)")
	}
	return collabID, ok()
}

// accessRemaining is what is left of one detail now: the spends of its
// period when it refreshes, of the lifetime otherwise.
func (b *budgetModel) accessRemaining(arn string, p mAccessParam, now time.Time) int {
	kind := periodLifetime
	if p.refresh == refreshOn {
		kind = p.typ
	}
	spent := 0
	for _, s := range b.spends[arn] {
		if kind == periodLifetime || periodStartOf(kind, s).Equal(periodStartOf(kind, now)) {
			spent++
		}
	}
	return max(0, p.budget-spent)
}

// periodStartOf: UTC periods, weeks from Monday (decisions).
func periodStartOf(kind string, t time.Time) time.Time {
	t = t.UTC()
	y, mo, d := t.Date()
	switch kind {
	case periodDay:
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	case periodWeek:
		return time.Date(y, mo, d-(int(t.Weekday())+6)%7, 0, 0, 0, 0, time.UTC)
	case periodMonth:
		return time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Time{}
}

func periodEndOf(kind string, start time.Time) time.Time {
	switch kind {
	case periodDay:
		return start.AddDate(0, 0, 1)
	case periodWeek:
		return start.AddDate(0, 0, 7)
	}
	return start.AddDate(0, 1, 0)
}

// budgetView is one budget reduced to what the model knows: the template
// it belongs to and its numbers.
func (b *budgetModel) budgetView(t *mBudgetTpl, now time.Time) string {
	if t.typ == budgetDP {
		var aggs []string
		for _, typ := range slices.Sorted(mapKeys(dpUnits)) {
			n := dpMaxCount(t.eps, t.noise, typ)
			aggs = append(aggs, fmt.Sprintf("%s:%d/%d", typ, n, n)) // nothing spent: no DP tables in the model
		}
		return fmt.Sprintf("DP eps=%d %s", t.eps, strings.Join(aggs, " "))
	}
	least := -1
	var ds []string
	for _, p := range t.params {
		r := b.accessRemaining(t.resource, p, now)
		if least < 0 || r < least {
			least = r
		}
		d := fmt.Sprintf("%s:%d/%d/%s", p.typ, p.budget, r, p.refresh)
		if p.refresh == refreshOn && p.typ != periodLifetime {
			s := periodStartOf(p.typ, now)
			d += " " + s.Format(time.DateOnly) + ".." + periodEndOf(p.typ, s).Format(time.DateOnly)
		} else {
			d += " lifetime"
		}
		ds = append(ds, d)
	}
	return fmt.Sprintf("ACCESS %s agg=%d %s", t.resource, max(least, 0), strings.Join(ds, " "))
}

// budgets predicts the items of a budget list: template id -> view.
func (m *refModel) budgetsOf(collabID, typ, arn string, now time.Time) map[string]string {
	out := map[string]string{}
	for _, t := range m.budgets.ofCollab(collabID) {
		if t.typ == typ && (typ == budgetDP || arn == "" || t.resource == arn) {
			out[t.id] = m.budgets.budgetView(t, now)
		}
	}
	return out
}

// accessCheck is StartProtectedQuery's last check (decisions: after the
// quota): every association the query reads whose access budget has a
// detail at 0 refuses it; otherwise each such association spends 1. It
// returns the refusal and the ARNs to spend on.
func (m *refModel) accessCheck(collabID string, s querySpec, now time.Time) (string, []string) {
	var arns []string
	for _, name := range s.tables {
		a := m.schemaByName(collabID, name)
		if a == nil || slices.Contains(arns, ctaARN(a)) {
			continue
		}
		for _, t := range m.budgets.ofCollab(collabID) {
			if t.typ != budgetAccess || t.resource != ctaARN(a) {
				continue
			}
			for _, p := range t.params {
				if m.budgets.accessRemaining(t.resource, p, now) == 0 {
					return fmt.Sprintf("access budget spent for table %s (%s)", a.name, p.typ), nil
				}
			}
			arns = append(arns, t.resource)
		}
	}
	return "", arns
}

func (b *budgetModel) spend(arns []string, now time.Time) {
	for _, a := range arns {
		b.spends[a] = append(b.spends[a], now)
	}
}

func (m *refModel) budgetTemplatesOf(msID string) bool {
	for _, t := range m.budgets.tpls {
		if t.membershipID == msID {
			return true
		}
	}
	return false
}
