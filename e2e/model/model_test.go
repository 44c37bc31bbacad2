package model

// The reference model: plain maps that encode the multi-account rules of
// AWS Clean Rooms as shared/spec/behavior.md (§2, §3, §5–7) and
// docs/behavior-decisions.md state them. It is written from those
// documents, not from internal/service, so that the randomized test can
// catch the implementation and the documents disagreeing.
//
// Every operation of the model has two halves: a prediction (the outcome
// the server must produce: success or an error code) and a commit (the
// state change a success makes). The harness asks for the prediction,
// calls the server, and commits only when the server succeeded.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

const region = "us-east-1"

// Error codes as the X-Amzn-ErrorType header carries them (spec 4.1).
const (
	codeOK           = ""
	codeAccessDenied = "AccessDeniedException"
	codeNotFound     = "ResourceNotFoundException"
	codeConflict     = "ConflictException"
	codeValidation   = "ValidationException"
	codeQuota        = "ServiceQuotaExceededException"
)

// Member statuses (a row of a collaboration, spec 2.3) and membership
// statuses (spec 2.4).
const (
	stInvited = "INVITED"
	stActive  = "ACTIVE"
	stLeft    = "LEFT"
	stRemoved = "REMOVED"

	msActive        = "ACTIVE"
	msRemoved       = "REMOVED"
	msCollabDeleted = "COLLABORATION_DELETED"
)

const (
	abilityQuery   = string(types.MemberAbilityCanQuery)
	abilityReceive = string(types.MemberAbilityCanReceiveResults)
	logEnabled     = "ENABLED"

	// ConflictException reasons and quota names (spec 4.1, 5).
	reasonExists     = "ALREADY_EXISTS"
	reasonState      = "INVALID_STATE"
	quotaNameCollabs = "Collaborations created per account"
	quotaNameMembers = "Members invited per collaboration"
	quotaNameShips   = "Memberships per account"

	// Model constraints (spec 1.5, 6).
	nameLimit   = 100
	descLimit   = 255
	maxPageSize = 100
)

// quotas are the per-account quotas (spec 5); zero fields mean AWS's
// defaults.
type quotas struct {
	collaborations, memberships, members int
}

func (q quotas) withDefaults() quotas {
	if q.collaborations <= 0 {
		q.collaborations = 10
	}
	if q.memberships <= 0 {
		q.memberships = 100
	}
	if q.members <= 0 {
		q.members = 5
	}
	return q
}

// outcome is what the model expects of one call.
type outcome struct {
	code   string // codeOK for success
	reason string // ConflictException reason, when the model insists on one
	quota  string // ServiceQuotaExceededException quotaName
	why    string // the rule that decided, for reports
}

func ok() outcome { return outcome{} }

func fail(code, why string) outcome { return outcome{code: code, why: why} }

func conflictOf(reason, why string) outcome {
	return outcome{code: codeConflict, reason: reason, why: why}
}

func quotaOf(name, why string) outcome { return outcome{code: codeQuota, quota: name, why: why} }

func (o outcome) String() string {
	if o.code == codeOK {
		return "success"
	}
	s := o.code
	if o.reason != "" {
		s += "(" + o.reason + ")"
	}
	if o.quota != "" {
		s += "(" + o.quota + ")"
	}
	if o.why != "" {
		s += ": " + o.why
	}
	return s
}

// mMember is a member row of a collaboration.
type mMember struct {
	account      string
	displayName  string
	abilities    []string
	status       string
	payQuery     bool
	payJob       *bool // nil: the collaboration does not bill job compute
	membershipID string
}

func (r *mMember) has(a string) bool { return slices.Contains(r.abilities, a) }

func (r *mMember) paysAnything() bool { return r.payQuery || (r.payJob != nil && *r.payJob) }

// mCollab is a collaboration.
type mCollab struct {
	id, creator       string
	name, description string
	queryLog          string
	deleted           bool
	rows              []*mMember // the creator's first, then invitees in request order
}

func (c *mCollab) row(account string) *mMember {
	for _, r := range c.rows {
		if r.account == account {
			return r
		}
	}
	return nil
}

// mMembership is a membership that exists (DeleteMembership removes it
// from the model, spec 2.4).
type mMembership struct {
	id, account, collabID string
	status                string
	queryLog              string
	hasResult, resultRole bool
	// resultBucket and resultPrefix are where the default result
	// configuration sends results (queries need them, query_model_test.go).
	resultBucket, resultPrefix string
}

type refModel struct {
	q           quotas
	collabs     map[string]*mCollab
	collabIDs   []string // every collaboration ever created, in order
	memberships map[string]*mMembership
	shipIDs     []string // every membership id ever created, in order (gone ones too)
	tags        map[string]map[string]string
	data        *dataModel
	queries     *queryModel
	budgets     *budgetModel
}

func newModel(q quotas) *refModel {
	return &refModel{
		q:           q.withDefaults(),
		collabs:     map[string]*mCollab{},
		memberships: map[string]*mMembership{},
		tags:        map[string]map[string]string{},
		data:        newDataModel(),
		queries:     newQueryModel(),
		budgets:     newBudgetModel(),
	}
}

func collabARN(creator, id string) string {
	return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:collaboration/%s", region, creator, id)
}

func membershipARN(account, id string) string {
	return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:membership/%s", region, account, id)
}

var (
	uuidRE     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	accountRE  = regexp.MustCompile(`^\d{12}$`)
	cleanARNRE = regexp.MustCompile(`^arn:aws:cleanrooms:[\w]{2}-[\w]{4,9}-[\d]:[\d]{12}:[\d\w/-]+$`)
)

// validText is the model's length rule for names and descriptions (the
// generator only produces printable ASCII, so the pattern is the length).
func validText(s *string, limit int) bool {
	return s != nil && len(*s) >= 1 && len(*s) <= limit
}

func reservedKey(k string) bool { return strings.HasPrefix(strings.ToLower(k), "aws:") }

func checkTagMap(tags map[string]string) string {
	for k := range tags {
		if k == "" || len(k) > 128 {
			return "tag key length"
		}
		if reservedKey(k) {
			return "tag key " + k + " uses the reserved aws: prefix (spec 7)"
		}
	}
	return ""
}

// visible is the caller's row when the caller may see the collaboration:
// it exists, is not deleted, and the caller is INVITED or ACTIVE in it
// (spec 2.5; decisions: LEFT/REMOVED callers are denied).
func (m *refModel) visible(id, caller string) (*mCollab, *mMember) {
	c := m.collabs[id]
	if c == nil || c.deleted {
		return nil, nil
	}
	r := c.row(caller)
	if r == nil || (r.status != stInvited && r.status != stActive) {
		return nil, nil
	}
	return c, r
}

func (m *refModel) aliveCreatedBy(account string) int {
	n := 0
	for _, c := range m.collabs {
		if c.creator == account && !c.deleted {
			n++
		}
	}
	return n
}

func (m *refModel) activeMembershipsOf(account string) int {
	n := 0
	for _, ms := range m.memberships {
		if ms.account == account && ms.status == msActive {
			n++
		}
	}
	return n
}

// ---- CreateCollaboration ----------------------------------------------

type participant struct {
	account   string
	abilities []types.MemberAbility
	pay       *types.PaymentConfiguration
}

func (p participant) has(a types.MemberAbility) bool { return slices.Contains(p.abilities, a) }

type costType int

const (
	costQuery costType = iota
	costJob
)

func (c costType) String() string { return [...]string{"queryCompute", "jobCompute"}[c] }

func explicitPay(p *types.PaymentConfiguration, c costType) *bool {
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
	}
	return nil
}

// resolvePayers applies spec 3.3 (baseline single-payer) per cost type:
// more than one TRUE is invalid; with none the default payer pays
// (CAN_QUERY for query compute, CAN_RUN_JOB for job compute) and may not be
// FALSE; with no default payer nobody pays (decisions: accepted). Job
// compute is billed when someone set it or someone can run jobs
// (decisions, Payment). It returns each participant's responsibilities,
// and a reason when the configuration is invalid; the result is then a
// best effort (first TRUE wins), used only to resynchronise after a
// divergence.
func resolvePayers(parts []participant) (query []bool, job []*bool, invalid string) {
	query = make([]bool, len(parts))
	job = make([]*bool, len(parts))
	for _, c := range []costType{costQuery, costJob} {
		billed := c == costQuery
		for _, p := range parts {
			if explicitPay(p.pay, c) != nil || (c == costJob && p.has(types.MemberAbilityCanRunJob)) {
				billed = true
			}
		}
		if !billed {
			continue
		}
		payer := -1
		for i, p := range parts {
			if v := explicitPay(p.pay, c); v != nil && *v {
				if payer >= 0 && invalid == "" {
					invalid = fmt.Sprintf("two members (%s, %s) responsible for %s (spec 3.3 step 2)", parts[payer].account, p.account, c)
				}
				if payer < 0 {
					payer = i
				}
			}
		}
		if payer < 0 {
			want := types.MemberAbilityCanQuery
			if c == costJob {
				want = types.MemberAbilityCanRunJob
			}
			for i, p := range parts {
				if p.has(want) {
					payer = i
					break
				}
			}
			if payer >= 0 {
				if v := explicitPay(parts[payer].pay, c); v != nil && !*v && invalid == "" {
					invalid = fmt.Sprintf("default payer %s declines %s with nobody else responsible (spec 3.3 step 3)", parts[payer].account, c)
				}
			}
		}
		for i := range parts {
			v := i == payer
			if c == costQuery {
				query[i] = v
			} else {
				job[i] = &v
			}
		}
	}
	return query, job, invalid
}

func abilityStrings(in []types.MemberAbility) []string {
	out := make([]string, len(in))
	for i, a := range in {
		out[i] = string(a)
	}
	return out
}

// createCollaboration predicts CreateCollaboration. The precedence is spec
// 4.3: request validation and the semantic rules (ValidationException)
// before quotas (402).
func (m *refModel) createCollaboration(caller string, in *cleanrooms.CreateCollaborationInput) (outcome, func(id string)) {
	parts := []participant{{account: caller, abilities: in.CreatorMemberAbilities, pay: in.CreatorPaymentConfiguration}}
	for _, ms := range in.Members {
		parts = append(parts, participant{account: *ms.AccountId, abilities: ms.MemberAbilities, pay: ms.PaymentConfiguration})
	}
	query, job, payInvalid := resolvePayers(parts)
	commit := func(id string) {
		c := &mCollab{id: id, creator: caller, name: *in.Name, description: *in.Description, queryLog: string(in.QueryLogStatus)}
		for i, p := range parts {
			name := *in.CreatorDisplayName
			if i > 0 {
				name = *in.Members[i-1].DisplayName
			}
			c.rows = append(c.rows, &mMember{account: p.account, displayName: name, abilities: abilityStrings(p.abilities),
				status: stInvited, payQuery: query[i], payJob: job[i]})
		}
		m.collabs[id] = c
		m.collabIDs = append(m.collabIDs, id)
		if len(in.Tags) > 0 {
			m.tags[collabARN(caller, id)] = cloneTags(in.Tags)
		}
	}
	if why := m.collaborationInputInvalid(caller, in, parts); why != "" {
		return fail(codeValidation, why), commit
	}
	if payInvalid != "" {
		return fail(codeValidation, payInvalid), commit
	}
	if len(in.Members) > m.q.members {
		return quotaOf(quotaNameMembers, fmt.Sprintf("%d invited members > quota %d", len(in.Members), m.q.members)), commit
	}
	if n := m.aliveCreatedBy(caller); n >= m.q.collaborations {
		return quotaOf(quotaNameCollabs, fmt.Sprintf("caller has %d live collaborations, quota %d (decisions: deleted ones do not count)", n, m.q.collaborations)), commit
	}
	return ok(), commit
}

func (m *refModel) collaborationInputInvalid(caller string, in *cleanrooms.CreateCollaborationInput, parts []participant) string {
	if !validText(in.Name, nameLimit) {
		return "name length (spec 1.5)"
	}
	if !validText(in.Description, descLimit) {
		return "description length (spec 1.5)"
	}
	if why := checkTagMap(in.Tags); why != "" {
		return why
	}
	seen := map[string]bool{caller: true}
	for _, ms := range in.Members {
		a := *ms.AccountId
		if !accountRE.MatchString(a) {
			return "member account id " + a + " is not 12 digits (spec 1.2)"
		}
		if a == caller {
			return "creator listed in members (spec 3.6)"
		}
		if seen[a] {
			return "account " + a + " listed twice (spec 3.6)"
		}
		seen[a] = true
	}
	queriers, runners := 0, 0
	for _, p := range parts {
		dup := map[types.MemberAbility]bool{}
		for _, a := range p.abilities {
			if dup[a] {
				return "duplicate ability " + string(a) + " (spec 3.6, uniqueItems)"
			}
			dup[a] = true
		}
		if p.has(types.MemberAbilityCanQuery) {
			queriers++
		}
		if p.has(types.MemberAbilityCanRunJob) {
			runners++
			if !p.has(types.MemberAbilityCanQuery) {
				return "CAN_RUN_JOB without CAN_QUERY (decisions)"
			}
		}
	}
	if queriers > 1 {
		return "more than one CAN_QUERY member (spec 3.6)"
	}
	if runners > 1 {
		return "more than one CAN_RUN_JOB member (decisions)"
	}
	return ""
}

func cloneTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

// ---- collaboration-level operations -------------------------------------

func idInvalid(id string) bool { return !uuidRE.MatchString(id) }

func (m *refModel) getCollaboration(caller, id string) outcome {
	if idInvalid(id) {
		return fail(codeValidation, "collaborationIdentifier is not a UUID (spec 1.2)")
	}
	if c, _ := m.visible(id, caller); c == nil {
		return fail(codeAccessDenied, "not an INVITED/ACTIVE member of a live collaboration (spec 2.5)")
	}
	return ok()
}

// ownCollab: creator-only operations; everything else is AccessDenied.
func (m *refModel) ownCollab(caller, id string) (*mCollab, outcome) {
	if o := m.getCollaboration(caller, id); o.code != codeOK {
		return nil, o
	}
	c := m.collabs[id]
	if c.creator != caller {
		return nil, fail(codeAccessDenied, "creator-only operation (spec 2.5)")
	}
	return c, ok()
}

func (m *refModel) updateCollaboration(caller, id string, name, desc *string) (outcome, func()) {
	commit := func() {
		if c := m.collabs[id]; c != nil {
			if name != nil {
				c.name = *name
			}
			if desc != nil {
				c.description = *desc
			}
		}
	}
	if (name != nil && !validText(name, nameLimit)) || (desc != nil && !validText(desc, descLimit)) {
		return fail(codeValidation, "name/description length (spec 1.5)"), commit
	}
	_, o := m.ownCollab(caller, id)
	return o, commit
}

func (m *refModel) deleteCollaboration(caller, id string) (outcome, func()) {
	commit := func() {
		c := m.collabs[id]
		if c == nil {
			return
		}
		c.deleted = true
		for _, ms := range m.memberships {
			if ms.collabID == id && ms.status == msActive {
				ms.status = msCollabDeleted
			}
		}
		delete(m.tags, collabARN(c.creator, id))
	}
	_, o := m.ownCollab(caller, id)
	return o, commit
}

func (m *refModel) listMembers(caller, id string) outcome { return m.getCollaboration(caller, id) }

func (m *refModel) deleteMember(caller, id, target string) (outcome, func()) {
	commit := func() {
		c := m.collabs[id]
		if c == nil {
			return
		}
		r := c.row(target)
		if r == nil {
			return
		}
		r.status = stRemoved
		if ms := m.memberships[r.membershipID]; ms != nil {
			ms.status = msRemoved
		}
	}
	if !accountRE.MatchString(target) {
		return fail(codeValidation, "accountId is not 12 digits"), commit
	}
	c, o := m.ownCollab(caller, id)
	if o.code != codeOK {
		return o, commit
	}
	if target == c.creator {
		return fail(codeValidation, "the creator cannot be removed (decisions)"), commit
	}
	r := c.row(target)
	if r == nil {
		return fail(codeNotFound, "target has no member row (decisions)"), commit
	}
	if r.status == stLeft || r.status == stRemoved {
		return conflictOf(reasonState, "target is "+r.status+" (decisions)"), commit
	}
	return ok(), commit
}

// ---- memberships --------------------------------------------------------

// settings is what a member chooses for its membership.
type settings struct {
	queryLog   string // "" on update: unchanged
	result     bool   // defaultResultConfiguration sent
	resultRole bool   // ... with a roleArn
	pay        map[costType]bool
	paySent    bool
}

// settingsInvalid applies spec 3.4, 3.8, 3.9 and the decisions on
// membership settings.
func settingsInvalid(c *mCollab, r *mMember, st settings, create bool) string {
	queries, receives := r.has(abilityQuery), r.has(abilityReceive)
	if st.queryLog == logEnabled && c.queryLog != logEnabled {
		return "query logging ENABLED in a collaboration without it (decisions)"
	}
	if st.result {
		if !receives {
			return "result configuration from a member that cannot receive results (decisions)"
		}
		if !queries && !st.resultRole {
			return "receive-only member's result configuration lacks roleArn (decisions)"
		}
	} else if create && receives && !queries {
		return "receive-only member without defaultResultConfiguration (spec 3.8)"
	}
	if !st.paySent {
		if create && !queries && r.paysAnything() {
			return "non-querying payer must send paymentConfiguration (spec 3.4)"
		}
		return ""
	}
	for ct, v := range st.pay {
		want := false
		switch ct {
		case costQuery:
			want = r.payQuery
		case costJob:
			want = r.payJob != nil && *r.payJob
		}
		if v != want {
			return fmt.Sprintf("%s isResponsible=%v but the member's responsibility is %v (spec 3.4)", ct, v, want)
		}
	}
	return ""
}

func (m *refModel) createMembership(caller, id string, st settings, tags map[string]string) (outcome, func(msID string)) {
	commit := func(msID string) {
		c := m.collabs[id]
		if c == nil {
			return
		}
		r := c.row(caller)
		if r == nil {
			return
		}
		r.status, r.membershipID = stActive, msID
		m.memberships[msID] = &mMembership{id: msID, account: caller, collabID: id, status: msActive,
			queryLog: st.queryLog, hasResult: st.result, resultRole: st.result && st.resultRole}
		if st.result {
			m.memberships[msID].resultBucket, m.memberships[msID].resultPrefix = defaultResultBucket, defaultResultPrefix
		}
		m.shipIDs = append(m.shipIDs, msID)
		if len(tags) > 0 {
			m.tags[membershipARN(caller, msID)] = cloneTags(tags)
		}
	}
	if idInvalid(id) {
		return fail(codeValidation, "collaborationIdentifier is not a UUID"), commit
	}
	if why := checkTagMap(tags); why != "" {
		return fail(codeValidation, why), commit
	}
	c := m.collabs[id]
	if c == nil || c.deleted {
		return fail(codeAccessDenied, "collaboration unknown or deleted (decisions)"), commit
	}
	r := c.row(caller)
	if r == nil {
		return fail(codeAccessDenied, "caller not invited (decisions)"), commit
	}
	switch r.status {
	case stActive:
		return conflictOf(reasonExists, "caller already has a membership (decisions)"), commit
	case stLeft, stRemoved:
		return conflictOf(reasonState, "caller is "+r.status+" and cannot rejoin (decisions)"), commit
	}
	if why := settingsInvalid(c, r, st, true); why != "" {
		return fail(codeValidation, why), commit
	}
	if n := m.activeMembershipsOf(caller); n >= m.q.memberships {
		return quotaOf(quotaNameShips, fmt.Sprintf("caller has %d ACTIVE memberships, quota %d (decisions)", n, m.q.memberships)), commit
	}
	return ok(), commit
}

// ownMembership: memberships of other accounts and unknown ids are
// ResourceNotFound (spec 2.5).
func (m *refModel) ownMembership(caller, id string) (*mMembership, outcome) {
	if idInvalid(id) {
		return nil, fail(codeValidation, "membershipIdentifier is not a UUID")
	}
	ms := m.memberships[id]
	if ms == nil {
		return nil, fail(codeNotFound, "membership unknown or deleted (spec 2.4/2.5)")
	}
	if ms.account != caller {
		return nil, fail(codeNotFound, "membership of another account (spec 2.5)")
	}
	return ms, ok()
}

func (m *refModel) getMembership(caller, id string) outcome {
	_, o := m.ownMembership(caller, id)
	return o
}

func (m *refModel) updateMembership(caller, id string, st settings) (outcome, func()) {
	commit := func() {
		ms := m.memberships[id]
		if ms == nil {
			return
		}
		if st.queryLog != "" {
			ms.queryLog = st.queryLog
		}
		if st.result {
			ms.hasResult, ms.resultRole = true, st.resultRole
			ms.resultBucket, ms.resultPrefix = defaultResultBucket, defaultResultPrefix
		}
	}
	ms, o := m.ownMembership(caller, id)
	if o.code != codeOK {
		return o, commit
	}
	if ms.status != msActive {
		return conflictOf(reasonState, "membership is "+ms.status+" (decisions)"), commit
	}
	c := m.collabs[ms.collabID]
	if why := settingsInvalid(c, c.row(caller), st, false); why != "" {
		return fail(codeValidation, why), commit
	}
	return ok(), commit
}

func (m *refModel) deleteMembership(caller, id string) (outcome, func()) {
	commit := func() {
		ms := m.memberships[id]
		if ms == nil {
			return
		}
		c := m.collabs[ms.collabID]
		if r := c.row(ms.account); r != nil && r.membershipID == id {
			if ms.status == msActive {
				r.status = stLeft
			}
			// Spec 1.6: a row names a membership only while the member
			// has one.
			r.membershipID = ""
		}
		delete(m.memberships, id)
		delete(m.tags, membershipARN(ms.account, id))
	}
	ms, o := m.ownMembership(caller, id)
	if o.code != codeOK {
		return o, commit
	}
	if ms.status == msActive && m.collabs[ms.collabID].creator == caller {
		return conflictOf(reasonState, "the creator cannot leave (decisions)"), commit
	}
	if m.hasSubresources(id) {
		return conflictOf(reasonSubresources, "the membership has associations, templates or privacy budget templates (issue 7, 9; decisions)"), commit
	}
	return ok(), commit
}

// ---- tags ---------------------------------------------------------------

// taggable: a live collaboration tagged by its creator or an existing
// membership tagged by its member; anything else is ResourceNotFound
// (spec 2.5, 7; decisions, Tags).
func (m *refModel) taggable(caller, arn string) outcome {
	if !cleanARNRE.MatchString(arn) {
		return fail(codeValidation, "resourceArn does not match the CleanroomsArn pattern (spec 7)")
	}
	parts := strings.SplitN(arn, ":", 6)
	rgn, acct, res := parts[3], parts[4], strings.Split(parts[5], "/")
	if rgn == region && acct == caller && len(res) == 4 && res[0] == "membership" {
		// Sub-resources of a membership (decisions, Tags): the exact ARN
		// of an association or template under the caller's membership.
		if ms := m.memberships[res[1]]; ms != nil && ms.account == caller {
			switch res[2] {
			case "configuredtableassociation":
				if a := m.data.ctas[res[3]]; a != nil && a.membershipID == res[1] {
					return ok()
				}
			case "analysistemplate":
				if t := m.data.tpls[res[3]]; t != nil && t.membershipID == res[1] {
					return ok()
				}
			case "privacybudgettemplate":
				if t := m.budgets.tpls[res[3]]; t != nil && t.membershipID == res[1] {
					return ok()
				}
			}
		}
		return fail(codeNotFound, "no such association or template under the caller's membership")
	}
	if rgn != region || acct != caller || len(res) != 2 {
		return fail(codeNotFound, "not a resource of the caller in this region")
	}
	switch res[0] {
	case "configuredtable":
		if ct := m.data.cts[res[1]]; ct != nil && ct.account == caller {
			return ok()
		}
	case "collaboration":
		if c := m.collabs[res[1]]; c != nil && !c.deleted && c.creator == caller {
			return ok()
		}
	case "membership":
		if ms := m.memberships[res[1]]; ms != nil && ms.account == caller {
			return ok()
		}
	}
	return fail(codeNotFound, "no such taggable resource of the caller")
}

func (m *refModel) tagResource(caller, arn string, tags map[string]string) (outcome, func()) {
	commit := func() {
		if m.tags[arn] == nil {
			m.tags[arn] = map[string]string{}
		}
		for k, v := range tags {
			m.tags[arn][k] = v
		}
	}
	if why := checkTagMap(tags); why != "" {
		return fail(codeValidation, why), commit
	}
	return m.taggable(caller, arn), commit
}

func (m *refModel) untagResource(caller, arn string, keys []string) (outcome, func()) {
	commit := func() {
		for _, k := range keys {
			delete(m.tags[arn], k)
		}
	}
	for _, k := range keys {
		if k == "" || reservedKey(k) {
			return fail(codeValidation, "tag key "+k+" is reserved or empty (spec 7)"), commit
		}
	}
	return m.taggable(caller, arn), commit
}

// ---- what the caller sees -----------------------------------------------

// collabView is a collaboration (or its summary) reduced to what the model
// knows.
type collabView struct {
	ID, Arn, Name, Description, Creator string
	MemberStatus                        string
	MembershipID, MembershipArn         string
	QueryLog                            string
}

func (m *refModel) collabView(c *mCollab, caller string, summary bool) collabView {
	r := c.row(caller)
	v := collabView{ID: c.id, Arn: collabARN(c.creator, c.id), Name: c.name, Creator: c.creator, MemberStatus: r.status}
	if r.membershipID != "" {
		v.MembershipID, v.MembershipArn = r.membershipID, membershipARN(caller, r.membershipID)
	}
	if !summary {
		v.Description, v.QueryLog = c.description, c.queryLog
	}
	return v
}

// listCollaborations: INVITED or ACTIVE rows of live collaborations
// (spec 2.6), optionally one status.
func (m *refModel) listCollaborations(caller, filter string) map[string]collabView {
	out := map[string]collabView{}
	for _, id := range m.collabIDs {
		c, r := m.visible(id, caller)
		if c == nil || (filter != "" && r.status != filter) {
			continue
		}
		out[id] = m.collabView(c, caller, true)
	}
	return out
}

type memberView struct {
	Account, DisplayName, Status string
	Abilities                    []string
	PayQuery, PayJob             *bool
	MembershipID, MembershipArn  string
}

func (m *refModel) memberViews(c *mCollab) []memberView {
	out := make([]memberView, 0, len(c.rows))
	for _, r := range c.rows {
		v := memberView{Account: r.account, DisplayName: r.displayName, Status: r.status,
			Abilities: r.abilities, PayQuery: boolp(r.payQuery), PayJob: r.payJob}
		if r.membershipID != "" {
			v.MembershipID, v.MembershipArn = r.membershipID, membershipARN(r.account, r.membershipID)
		}
		out = append(out, v)
	}
	return out
}

type membershipView struct {
	ID, Arn, CollabID, CollabArn, Creator, CollabName, Status string
	Abilities                                                 []string
	PayQuery, PayJob                                          *bool
	QueryLog                                                  string
	HasResult, ResultRole                                     bool
}

func (m *refModel) membershipView(ms *mMembership, summary bool) membershipView {
	c := m.collabs[ms.collabID]
	r := c.row(ms.account)
	v := membershipView{ID: ms.id, Arn: membershipARN(ms.account, ms.id), CollabID: c.id, CollabArn: collabARN(c.creator, c.id),
		Creator: c.creator, CollabName: c.name, Status: ms.status, Abilities: r.abilities,
		PayQuery: boolp(r.payQuery), PayJob: r.payJob}
	if !summary {
		v.QueryLog, v.HasResult, v.ResultRole = ms.queryLog, ms.hasResult, ms.resultRole
	}
	return v
}

func (m *refModel) listMemberships(caller, filter string) map[string]membershipView {
	out := map[string]membershipView{}
	for _, id := range m.shipIDs {
		ms := m.memberships[id]
		if ms == nil || ms.account != caller || (filter != "" && ms.status != filter) {
			continue
		}
		out[id] = m.membershipView(ms, true)
	}
	return out
}

func boolp(b bool) *bool { return &b }
