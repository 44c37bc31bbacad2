package model

// The random operations. Each one generates an input (valid most of the
// time, invalid on purpose some of the time), asks the model what must
// happen, calls the server as the chosen account and compares.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"
)

type weightedOp struct {
	name   string
	weight func(h *harness) int
	run    func(h *harness)
}

func fixed(n int) func(*harness) int { return func(*harness) int { return n } }

var operations = []weightedOp{
	{"CreateCollaboration", func(h *harness) int {
		switch n := len(h.aliveCollabs()); {
		case n < 4:
			return 30
		case n < 10:
			return 8
		default:
			return 2
		}
	}, (*harness).opCreateCollaboration},
	{"GetCollaboration", fixed(8), (*harness).opGetCollaboration},
	{"ListCollaborations", fixed(6), (*harness).opListCollaborations},
	{"UpdateCollaboration", fixed(5), (*harness).opUpdateCollaboration},
	{"DeleteCollaboration", func(h *harness) int {
		if len(h.aliveCollabs()) > 8 {
			return 6
		}
		return 2
	}, (*harness).opDeleteCollaboration},
	{"ListMembers", fixed(7), (*harness).opListMembers},
	{"DeleteMember", fixed(5), (*harness).opDeleteMember},
	{"CreateMembership", fixed(16), (*harness).opCreateMembership},
	{"GetMembership", fixed(7), (*harness).opGetMembership},
	{"ListMemberships", fixed(5), (*harness).opListMemberships},
	{"UpdateMembership", fixed(6), (*harness).opUpdateMembership},
	{"DeleteMembership", fixed(5), (*harness).opDeleteMembership},
	{"TagResource", fixed(3), (*harness).opTagResource},
	{"UntagResource", fixed(3), (*harness).opUntagResource},
	{"ListTagsForResource", fixed(3), (*harness).opListTagsForResource},
}

func (h *harness) step() {
	total := 0
	weights := make([]int, len(operations))
	for i, op := range operations {
		weights[i] = op.weight(h)
		total += weights[i]
	}
	x := h.r.IntN(total)
	for i, op := range operations {
		if x < weights[i] {
			op.run(h)
			return
		}
		x -= weights[i]
	}
}

// ---- CreateCollaboration ----------------------------------------------

func (h *harness) opCreateCollaboration() {
	caller := h.anyAccount()
	var others []string
	for _, a := range accounts {
		if a != caller {
			others = append(others, a)
		}
	}
	h.r.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
	invitees := others[:h.r.IntN(len(others)+1)]
	if h.chance(0.1) {
		invitees = append(invitees, outsider)
	}
	if h.chance(0.04) {
		invitees = append(invitees, caller) // creator in members: invalid
	}
	if h.chance(0.04) && len(invitees) > 0 {
		invitees = append(invitees, pick(h, invitees)) // listed twice: invalid
	}
	if h.chance(0.02) {
		invitees = append(invitees, "12345678901") // 11 digits: invalid
	}
	h.r.Shuffle(len(invitees), func(i, j int) { invitees[i], invitees[j] = invitees[j], invitees[i] })

	n := 1 + len(invitees) // participants: creator first
	abilities := make([][]types.MemberAbility, n)
	querier := -1
	if h.chance(0.8) {
		querier = h.r.IntN(n)
	}
	for i := range abilities {
		abilities[i] = []types.MemberAbility{}
		if i == querier {
			abilities[i] = append(abilities[i], types.MemberAbilityCanQuery)
			if h.chance(0.08) {
				abilities[i] = append(abilities[i], types.MemberAbilityCanRunJob)
			}
		}
		if h.chance(0.4) {
			abilities[i] = append(abilities[i], types.MemberAbilityCanReceiveResults)
		}
	}
	if h.chance(0.05) { // a second querier: invalid unless it is the same one
		i := h.r.IntN(n)
		if !slices.Contains(abilities[i], types.MemberAbilityCanQuery) {
			abilities[i] = append(abilities[i], types.MemberAbilityCanQuery)
		}
	}
	if h.chance(0.03) { // a job runner that cannot query: invalid
		i := h.r.IntN(n)
		if !slices.Contains(abilities[i], types.MemberAbilityCanRunJob) {
			abilities[i] = append(abilities[i], types.MemberAbilityCanRunJob)
		}
	}
	if h.chance(0.02) { // an ability twice: invalid
		i := h.r.IntN(n)
		abilities[i] = append(abilities[i], types.MemberAbilityCanReceiveResults, types.MemberAbilityCanReceiveResults)
	}
	for i := range abilities {
		h.r.Shuffle(len(abilities[i]), func(a, b int) { abilities[i][a], abilities[i][b] = abilities[i][b], abilities[i][a] })
	}

	pays := make([]*types.PaymentConfiguration, n)
	if h.chance(0.15) { // the creator designates a payer
		pays[h.r.IntN(n)] = &types.PaymentConfiguration{QueryCompute: &types.QueryComputePaymentConfig{IsResponsible: aws.Bool(true)}}
	}
	for i := range pays {
		if h.chance(0.12) {
			p := &types.PaymentConfiguration{QueryCompute: &types.QueryComputePaymentConfig{IsResponsible: aws.Bool(h.chance(0.4))}}
			if h.chance(0.3) {
				p.JobCompute = &types.JobComputePaymentConfig{IsResponsible: aws.Bool(h.chance(0.5))}
			}
			pays[i] = p
		}
	}

	in := &cleanrooms.CreateCollaborationInput{
		Name:                        aws.String(fmt.Sprintf("collab-%d", h.op)),
		Description:                 aws.String("randomized model test"),
		CreatorDisplayName:          aws.String("creator-" + caller[:1]),
		CreatorMemberAbilities:      abilities[0],
		CreatorPaymentConfiguration: pays[0],
		QueryLogStatus:              pick(h, []types.CollaborationQueryLogStatus{types.CollaborationQueryLogStatusEnabled, types.CollaborationQueryLogStatusDisabled}),
		Members:                     []types.MemberSpecification{},
	}
	if h.chance(0.02) {
		in.Name = aws.String("")
	}
	if h.chance(0.01) {
		in.Name = aws.String(strings.Repeat("n", nameLimit+1))
	}
	if h.chance(0.3) {
		in.Tags = h.randomTags(2)
	}
	for i, a := range invitees {
		in.Members = append(in.Members, types.MemberSpecification{
			AccountId: aws.String(a), DisplayName: aws.String("member-" + a[:1]),
			MemberAbilities: abilities[i+1], PaymentConfiguration: pays[i+1],
		})
	}

	h.begin("%s CreateCollaboration creator=%v%s members=%s log=%s tags=%s", caller, abilities[0], fmtPay(pays[0]),
		fmtMembers(in.Members), in.QueryLogStatus, fmtTags(in.Tags))
	want, commit := h.m.createCollaboration(caller, in)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].CreateCollaboration(ctx, in)
	cancel()
	agree := h.outcome("CreateCollaboration", want, err)
	if err != nil {
		return
	}
	id := aws.ToString(out.Collaboration.Id)
	h.note(" " + short(id))
	commit(id)
	if agree {
		h.same("CreateCollaboration result", h.m.collabView(h.m.collabs[id], caller, false), viewOfCollaboration(out.Collaboration))
	}
}

func fmtPay(p *types.PaymentConfiguration) string {
	if p == nil {
		return ""
	}
	s := "pay{q:" + fmtPtr(p.QueryCompute.IsResponsible)
	if p.JobCompute != nil {
		s += ",j:" + fmtPtr(p.JobCompute.IsResponsible)
	}
	return s + "}"
}

func fmtMembers(ms []types.MemberSpecification) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = fmt.Sprintf("%s%v%s", aws.ToString(m.AccountId), m.MemberAbilities, fmtPay(m.PaymentConfiguration))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// ---- collaboration-level operations -------------------------------------

func (h *harness) opGetCollaboration() {
	id := h.pickCollab()
	caller := h.callerFor(id)
	h.begin("%s GetCollaboration %s", caller, short(id))
	want := h.m.getCollaboration(caller, id)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
	cancel()
	if h.outcome("GetCollaboration", want, err) {
		h.same("GetCollaboration", h.m.collabView(h.m.collabs[id], caller, false), viewOfCollaboration(out.Collaboration))
	}
}

func (h *harness) opListCollaborations() {
	caller := h.anyAccount()
	filter := pick(h, []types.FilterableMemberStatus{"", "", types.FilterableMemberStatusInvited, types.FilterableMemberStatusActive})
	x := h.r.Float64()
	switch {
	case x < 0.03:
		size := h.badPageSize()
		h.begin("%s ListCollaborations maxResults=%d", caller, *size)
		ctx, cancel := h.ctx()
		_, err := h.clients[caller].ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{MaxResults: size})
		cancel()
		h.outcome("ListCollaborations(bad maxResults)", fail(codeValidation, "maxResults outside 1..100 (spec 6)"), err)
		return
	case x < 0.06:
		h.begin("%s ListCollaborations nextToken=garbage", caller)
		ctx, cancel := h.ctx()
		_, err := h.clients[caller].ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{NextToken: aws.String("garbage!")})
		cancel()
		h.outcome("ListCollaborations(bad token)", fail(codeValidation, "invalid nextToken (spec 6; decisions)"), err)
		return
	case x < 0.15:
		h.tokenReuse(caller, filter)
		return
	}
	h.begin("%s ListCollaborations filter=%q", caller, filter)
	got, err := h.allCollaborations(caller, filter)
	if h.outcome("ListCollaborations", ok(), err) {
		h.compareCollaborationList(caller, string(filter), got)
	}
}

// tokenReuse takes a nextToken issued to one caller and filter and hands
// it to another caller or another filter: decisions (Lists and tokens)
// bind tokens to both, so the reuse is a ValidationException.
func (h *harness) tokenReuse(caller string, filter types.FilterableMemberStatus) {
	h.begin("%s ListCollaborations filter=%q maxResults=1 (token reuse)", caller, filter)
	ctx, cancel := h.ctx()
	page, err := h.clients[caller].ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{MemberStatus: filter, MaxResults: aws.Int32(1)})
	cancel()
	if !h.outcome("ListCollaborations", ok(), err) || page.NextToken == nil {
		return
	}
	other, otherFilter := caller, filter
	if h.chance(0.5) {
		for other == caller {
			other = h.anyAccount()
		}
	} else {
		for otherFilter == filter {
			otherFilter = pick(h, []types.FilterableMemberStatus{"", types.FilterableMemberStatusInvited, types.FilterableMemberStatusActive})
		}
	}
	h.begin("%s ListCollaborations filter=%q with the token of %s filter=%q", other, otherFilter, caller, filter)
	ctx, cancel = h.ctx()
	_, err = h.clients[other].ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{MemberStatus: otherFilter, NextToken: page.NextToken})
	cancel()
	h.outcome("ListCollaborations(foreign token)", fail(codeValidation, "token issued for another caller or filter (decisions)"), err)
}

func (h *harness) opUpdateCollaboration() {
	id := h.pickCollab()
	caller := h.callerFor(id)
	var name, desc *string
	if h.chance(0.7) {
		name = aws.String(fmt.Sprintf("renamed-%d", h.op))
	}
	if h.chance(0.5) {
		desc = aws.String(fmt.Sprintf("description %d", h.op))
	}
	if h.chance(0.03) {
		name = aws.String("")
	}
	h.begin("%s UpdateCollaboration %s name=%s desc=%s", caller, short(id), fmtPtr(name), fmtPtr(desc))
	want, commit := h.m.updateCollaboration(caller, id, name, desc)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].UpdateCollaboration(ctx, &cleanrooms.UpdateCollaborationInput{
		CollaborationIdentifier: aws.String(id), Name: name, Description: desc})
	cancel()
	agree := h.outcome("UpdateCollaboration", want, err)
	if err != nil {
		return
	}
	commit()
	if agree {
		h.same("UpdateCollaboration result", h.m.collabView(h.m.collabs[id], caller, false), viewOfCollaboration(out.Collaboration))
	}
}

func (h *harness) opDeleteCollaboration() {
	id := h.pickCollab()
	caller := h.callerFor(id)
	h.begin("%s DeleteCollaboration %s", caller, short(id))
	want, commit := h.m.deleteCollaboration(caller, id)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].DeleteCollaboration(ctx, &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: aws.String(id)})
	cancel()
	h.outcome("DeleteCollaboration", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opListMembers() {
	id := h.pickCollab()
	caller := h.callerFor(id)
	h.begin("%s ListMembers %s", caller, short(id))
	want := h.m.listMembers(caller, id)
	got, err := h.allMembers(caller, id)
	if h.outcome("ListMembers", want, err) {
		h.compareMembers(id, got)
	}
}

func (h *harness) compareMembers(id string, got []types.MemberSummary) {
	h.t.Helper()
	have := make([]memberView, len(got))
	for i, s := range got {
		have[i] = viewOfMember(s)
	}
	want := h.m.memberViews(h.m.collabs[id])
	if d := cmp.Diff(want, have, h.cmpOpts); d != "" {
		h.diverge("ListMembers %s (creator first, then invitees in request order) differs from the model (-model +server):\n%s"+
			"model rows:  %s\nserver rows: %s", short(id), d, fmtRows(want), fmtRows(have))
	}
}

func fmtRows(rows []memberView) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprintf("%s/%s/%s", r.Account, r.Status, short(r.MembershipID))
	}
	return strings.Join(parts, " ")
}

func (h *harness) opDeleteMember() {
	id := h.pickCollab()
	caller := h.callerFor(id)
	target := h.anyAccount()
	if c := h.m.collabs[id]; c != nil && h.chance(0.8) {
		target = pick(h, c.rows).account
	}
	if h.chance(0.02) {
		target = "1234"
	}
	h.begin("%s DeleteMember %s account=%s", caller, short(id), target)
	want, commit := h.m.deleteMember(caller, id, target)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].DeleteMember(ctx, &cleanrooms.DeleteMemberInput{CollaborationIdentifier: aws.String(id), AccountId: aws.String(target)})
	cancel()
	h.outcome("DeleteMember", want, err)
	if err == nil {
		commit()
	}
}

// ---- memberships --------------------------------------------------------

// randomSettings makes membership settings for the row r (nil when the
// caller has no row): right most of the time, wrong some of the time.
func (h *harness) randomSettings(c *mCollab, r *mMember, create bool) settings {
	var st settings
	switch {
	case !create && h.chance(0.4):
		// leave the log status alone
	case c != nil && c.queryLog != logEnabled && h.chance(0.85):
		st.queryLog = "DISABLED"
	default:
		st.queryLog = pick(h, []string{"ENABLED", "DISABLED"})
	}
	if r != nil && h.chance(0.85) {
		queries, receives := r.has(abilityQuery), r.has(abilityReceive)
		st.result = receives && ((create && !queries) || h.chance(0.5))
		st.resultRole = !queries || h.chance(0.5)
		if r.paysAnything() && !queries && create || h.chance(0.2) {
			st.paySent = true
			st.pay = map[costType]bool{costQuery: r.payQuery}
			if r.payJob != nil && h.chance(0.5) {
				st.pay[costJob] = *r.payJob
			}
		}
	} else {
		st.result = h.chance(0.5)
		st.resultRole = h.chance(0.7)
		if h.chance(0.4) {
			st.paySent = true
			st.pay = map[costType]bool{costQuery: h.chance(0.5)}
			if h.chance(0.2) {
				st.pay[costJob] = h.chance(0.5)
			}
		}
	}
	if !create && st.paySent && h.chance(0.2) {
		delete(st.pay, costQuery) // queryCompute is optional on update
	}
	return st
}

func (st settings) String() string {
	s := "log=" + st.queryLog
	if st.result {
		s += " result"
		if st.resultRole {
			s += "+role"
		}
	}
	if st.paySent {
		s += " pay{"
		if v, ok := st.pay[costQuery]; ok {
			s += fmt.Sprintf("q:%v", v)
		}
		if v, ok := st.pay[costJob]; ok {
			s += fmt.Sprintf(",j:%v", v)
		}
		s += "}"
	}
	return s
}

func resultConfig(st settings) *types.MembershipProtectedQueryResultConfiguration {
	if !st.result {
		return nil
	}
	rc := &types.MembershipProtectedQueryResultConfiguration{
		OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{Value: types.ProtectedQueryS3OutputConfiguration{
			Bucket: aws.String(defaultResultBucket), ResultFormat: types.ResultFormatCsv, KeyPrefix: aws.String(defaultResultPrefix),
		}},
	}
	if st.resultRole {
		rc.RoleArn = aws.String("arn:aws:iam::123456789012:role/cleanrooms-results")
	}
	return rc
}

func (h *harness) opCreateMembership() {
	id := h.pickCollab()
	caller := h.anyAccount()
	c := h.m.collabs[id]
	if c != nil && h.chance(0.7) {
		var invited []string
		for _, r := range c.rows {
			if r.status == stInvited && slices.Contains(accounts, r.account) {
				invited = append(invited, r.account)
			}
		}
		if len(invited) > 0 {
			caller = pick(h, invited)
		} else {
			caller = h.callerFor(id)
		}
	}
	var row *mMember
	if c != nil {
		row = c.row(caller)
	}
	st := h.randomSettings(c, row, true)
	var tags map[string]string
	if h.chance(0.3) {
		tags = h.randomTags(2)
	}
	in := &cleanrooms.CreateMembershipInput{
		CollaborationIdentifier: aws.String(id), QueryLogStatus: types.MembershipQueryLogStatus(st.queryLog),
		DefaultResultConfiguration: resultConfig(st), Tags: tags,
	}
	if st.paySent {
		in.PaymentConfiguration = &types.MembershipPaymentConfiguration{
			QueryCompute: &types.MembershipQueryComputePaymentConfig{IsResponsible: aws.Bool(st.pay[costQuery])}}
		if v, ok := st.pay[costJob]; ok {
			in.PaymentConfiguration.JobCompute = &types.MembershipJobComputePaymentConfig{IsResponsible: aws.Bool(v)}
		}
		st.pay[costQuery] = *in.PaymentConfiguration.QueryCompute.IsResponsible // required on create
	}
	h.begin("%s CreateMembership %s %s tags=%s", caller, short(id), st, fmtTags(tags))
	want, commit := h.m.createMembership(caller, id, st, tags)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].CreateMembership(ctx, in)
	cancel()
	agree := h.outcome("CreateMembership", want, err)
	if err != nil {
		return
	}
	msID := aws.ToString(out.Membership.Id)
	h.note(" " + short(msID))
	commit(msID)
	if agree {
		h.same("CreateMembership result", h.m.membershipView(h.m.memberships[msID], false), viewOfMembership(out.Membership))
	}
}

func (h *harness) opGetMembership() {
	id, caller := h.pickMembership()
	h.begin("%s GetMembership %s", caller, short(id))
	want := h.m.getMembership(caller, id)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].GetMembership(ctx, &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(id)})
	cancel()
	if h.outcome("GetMembership", want, err) {
		h.same("GetMembership", h.m.membershipView(h.m.memberships[id], false), viewOfMembership(out.Membership))
	}
}

func (h *harness) opListMemberships() {
	caller := h.anyAccount()
	filter := pick(h, []types.MembershipStatus{"", "", types.MembershipStatusActive, types.MembershipStatusRemoved, types.MembershipStatusCollaborationDeleted})
	if h.chance(0.03) {
		size := h.badPageSize()
		h.begin("%s ListMemberships maxResults=%d", caller, *size)
		ctx, cancel := h.ctx()
		_, err := h.clients[caller].ListMemberships(ctx, &cleanrooms.ListMembershipsInput{MaxResults: size})
		cancel()
		h.outcome("ListMemberships(bad maxResults)", fail(codeValidation, "maxResults outside 1..100 (spec 6)"), err)
		return
	}
	h.begin("%s ListMemberships filter=%q", caller, filter)
	got, err := h.allMemberships(caller, filter)
	if h.outcome("ListMemberships", ok(), err) {
		h.compareMembershipList(caller, string(filter), got)
	}
}

func (h *harness) opUpdateMembership() {
	id, caller := h.pickMembership()
	var c *mCollab
	var row *mMember
	if ms := h.m.memberships[id]; ms != nil && ms.account == caller {
		c = h.m.collabs[ms.collabID]
		row = c.row(caller)
	}
	st := h.randomSettings(c, row, false)
	in := &cleanrooms.UpdateMembershipInput{
		MembershipIdentifier: aws.String(id), QueryLogStatus: types.MembershipQueryLogStatus(st.queryLog),
		DefaultResultConfiguration: resultConfig(st),
	}
	if st.paySent {
		p := &types.UpdateMembershipPaymentConfiguration{}
		if v, ok := st.pay[costQuery]; ok {
			p.QueryCompute = &types.MembershipQueryComputePaymentConfig{IsResponsible: aws.Bool(v)}
		}
		if v, ok := st.pay[costJob]; ok {
			p.JobCompute = &types.MembershipJobComputePaymentConfig{IsResponsible: aws.Bool(v)}
		}
		in.MembershipPaymentConfiguration = p
	}
	h.begin("%s UpdateMembership %s %s", caller, short(id), st)
	want, commit := h.m.updateMembership(caller, id, st)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].UpdateMembership(ctx, in)
	cancel()
	agree := h.outcome("UpdateMembership", want, err)
	if err != nil {
		return
	}
	commit()
	if agree {
		h.same("UpdateMembership result", h.m.membershipView(h.m.memberships[id], false), viewOfMembership(out.Membership))
	}
}

func (h *harness) opDeleteMembership() {
	id, caller := h.pickMembership()
	h.begin("%s DeleteMembership %s", caller, short(id))
	want, commit := h.m.deleteMembership(caller, id)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: aws.String(id)})
	cancel()
	h.outcome("DeleteMembership", want, err)
	if err == nil {
		commit()
	}
}

// ---- tags ---------------------------------------------------------------

// pickARN returns a resource ARN and a caller: mostly a collaboration or
// membership with its owner, sometimes another account, a deleted, foreign,
// unknown, child or malformed ARN.
func (h *harness) pickARN() (arn, caller string) {
	caller = h.anyAccount()
	if h.chance(0.25) {
		if arn, owner := h.dataARN(); arn != "" {
			if h.chance(0.7) {
				caller = owner
			}
			return arn, caller
		}
	}
	x := h.r.Float64()
	switch {
	case x < 0.40 && len(h.m.collabIDs) > 0:
		c := h.m.collabs[pick(h, h.m.collabIDs)]
		if h.chance(0.6) {
			caller = c.creator
		}
		return collabARN(c.creator, c.id), caller
	case x < 0.80 && len(h.m.shipIDs) > 0:
		id := pick(h, h.m.shipIDs)
		acct := h.anyAccount()
		if ms := h.m.memberships[id]; ms != nil {
			acct = ms.account
			if h.chance(0.6) {
				caller = acct
			}
		}
		return membershipARN(acct, id), caller
	case x < 0.85 && len(h.m.collabIDs) > 0:
		// a collaboration under the caller's account although someone
		// else may have created it
		return collabARN(caller, pick(h, h.m.collabIDs)), caller
	case x < 0.88 && len(h.m.collabIDs) > 0:
		c := h.m.collabs[pick(h, h.m.collabIDs)]
		return strings.Replace(collabARN(c.creator, c.id), region, "us-west-2", 1), c.creator
	case x < 0.91:
		return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:configuredtable/%s", region, caller, h.randomUUID()), caller
	case x < 0.94 && len(h.m.shipIDs) > 0:
		id := pick(h, h.m.shipIDs)
		if ms := h.m.memberships[id]; ms != nil {
			caller = ms.account
		}
		return membershipARN(caller, id) + "/analysistemplate/" + h.randomUUID(), caller
	case x < 0.97:
		return "arn:aws:s3:::some-bucket", caller
	}
	return collabARN(caller, h.randomUUID()), caller
}

func (h *harness) opTagResource() {
	arn, caller := h.pickARN()
	tags := h.randomTags(3)
	h.begin("%s TagResource %s %s", caller, arn, fmtTags(tags))
	want, commit := h.m.tagResource(caller, arn, tags)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].TagResource(ctx, &cleanrooms.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags})
	cancel()
	h.outcome("TagResource", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opUntagResource() {
	arn, caller := h.pickARN()
	keys := []string{pick(h, tagKeyPool)}
	if h.chance(0.5) {
		keys = append(keys, pick(h, tagKeyPool))
	}
	if h.chance(0.05) {
		keys = append(keys, "aws:reserved")
	}
	h.begin("%s UntagResource %s %v", caller, arn, keys)
	want, commit := h.m.untagResource(caller, arn, keys)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].UntagResource(ctx, &cleanrooms.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
	cancel()
	h.outcome("UntagResource", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opListTagsForResource() {
	arn, caller := h.pickARN()
	h.begin("%s ListTagsForResource %s", caller, arn)
	h.listTags(caller, arn)
}

func (h *harness) listTags(caller, arn string) {
	want := h.m.taggable(caller, arn)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	cancel()
	if h.outcome("ListTagsForResource", want, err) {
		h.same("ListTagsForResource "+arn, h.m.tags[arn], out.Tags)
	}
}
