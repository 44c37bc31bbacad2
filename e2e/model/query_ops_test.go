package model

// The random protected-query operations (Start, Get, List, cancel) and
// their leak audit: results are readable by their receiver alone, and a
// query is visible only through the querier's and the receivers'
// memberships.

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func init() {
	operations = append(operations,
		weightedOp{"SetUpQueryWorld", func(h *harness) int {
			switch n := h.queryWorlds(); {
			case n < 2:
				return 12
			case n < 5:
				return 2
			default:
				return 0
			}
		}, (*harness).opSetUpQueryWorld},
		weightedOp{"StartProtectedQuery", func(h *harness) int {
			if h.queryWorlds() > 0 {
				return 20
			}
			return 1
		}, (*harness).opStartQuery},
		weightedOp{"GetProtectedQuery", fixed(4), (*harness).opGetQuery},
		weightedOp{"ListProtectedQueries", fixed(3), (*harness).opListQueries},
		weightedOp{"UpdateProtectedQuery", fixed(2), (*harness).opCancelQuery},
	)
}

// queryWorlds counts the live collaborations set up for queries.
func (h *harness) queryWorlds() int {
	n := 0
	for _, id := range h.aliveCollabs() {
		if strings.HasPrefix(h.m.collabs[id].name, "query-world-") {
			n++
		}
	}
	return n
}

// queryShip picks a membership to start a query on: mostly an ACTIVE one
// of a collaboration with tables, with its owner calling.
func (h *harness) queryShip() (msID, caller string) {
	msID, caller = h.pickMembership()
	var good []string
	for _, id := range h.m.shipIDs {
		ms := h.m.memberships[id]
		if ms == nil || ms.status != msActive {
			continue
		}
		if r := h.m.collabs[ms.collabID].row(ms.account); r.has(abilityQuery) && len(h.m.data.ctasOfCollab(h.m, ms.collabID)) > 0 {
			good = append(good, id)
		}
	}
	var worlds []string
	for _, id := range good {
		if strings.HasPrefix(h.m.collabs[h.m.memberships[id].collabID].name, "query-world-") {
			worlds = append(worlds, id)
		}
	}
	switch x := h.r.Float64(); {
	case len(worlds) > 0 && x < 0.6:
		msID = pick(h, worlds)
	case len(good) > 0 && x < 0.85:
		msID = pick(h, good)
	default:
		return msID, caller
	}
	return msID, h.m.memberships[msID].account
}

// randomQuery draws a query from the grammar over the collaboration's
// tables (and, sometimes, a table of another collaboration).
func (h *harness) randomQuery(collabID string) querySpec {
	var names, foreign []string
	for _, a := range h.m.data.ctasOfCollab(h.m, collabID) {
		names = append(names, a.name)
	}
	for _, a := range h.m.data.ctaIDs {
		if cta := h.m.data.ctas[a]; cta != nil && !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, cta.name) }) {
			foreign = append(foreign, cta.name)
		}
	}
	table := func() string {
		switch {
		case len(names) > 0 && h.chance(0.9):
			n := pick(h, names)
			if h.chance(0.15) {
				n = strings.ToUpper(n) // names compare without regard to case
			}
			return n
		case len(foreign) > 0 && h.chance(0.7):
			return pick(h, foreign) // another collaboration's table
		}
		return "no_such_table"
	}
	x := h.r.Float64()
	switch {
	case x < 0.25:
		t := table()
		return querySpec{kind: qkCount, sql: "SELECT COUNT(*) AS n FROM " + t, tables: []string{t}}
	case x < 0.5:
		t := table()
		col := pick(h, []string{"id", "city", "email", "amount"})
		return querySpec{kind: qkColumn, sql: fmt.Sprintf("SELECT %s FROM %s", col, t), tables: []string{t}, col: col}
	case x < 0.62:
		t := table()
		return querySpec{kind: qkGroup, sql: "SELECT city, COUNT(*) AS n FROM " + t + " GROUP BY city", tables: []string{t}}
	case x < 0.8:
		a, b := table(), table()
		if strings.EqualFold(a, b) {
			return querySpec{kind: qkCount, sql: "SELECT COUNT(*) AS n FROM " + a, tables: []string{a}}
		}
		return querySpec{kind: qkJoin, sql: fmt.Sprintf("SELECT COUNT(*) AS n FROM %s x JOIN %s y ON x.id = y.id", a, b), tables: []string{a, b}}
	case x < 0.9:
		t := table()
		return querySpec{kind: qkRefused, sql: pick(h, []string{
			"SELECT * FROM read_csv('/etc/passwd')",
			"SELECT COUNT(*) AS n FROM read_csv_auto('s3://" + dataBucket(pick(h, accounts)) + "/users/part-0.csv')",
			"SELECT * FROM range(10)",
			"SELECT COUNT(*) AS n FROM main." + t,
			"SELECT COUNT(*) AS n FROM " + t + "; SELECT 1",
			"DROP TABLE " + t,
			"SELECT getenv('HOME') AS h FROM " + t,
			"SELECT * FROM duckdb_tables()",
		})}
	}
	// A template: one of the model's, or an ARN under this membership
	// that names none.
	arn := ""
	if ids := h.m.data.tplIDs; len(ids) > 0 && h.chance(0.8) {
		if t := h.m.data.tpls[pick(h, ids)]; t != nil {
			arn = membershipARN(t.account, t.membershipID) + "/analysistemplate/" + t.id
		}
	}
	if arn == "" {
		arn = membershipARN(pick(h, accounts), h.randomUUID()) + "/analysistemplate/" + h.randomUUID()
	}
	return querySpec{kind: qkTemplate, templateARN: arn}
}

func (h *harness) randomOut(caller, collabID string) outChoice {
	x := h.r.Float64()
	switch {
	case x < 0.55:
		return outChoice{kind: "default"}
	case x < 0.7:
		return outChoice{kind: "s3", bucket: resultBucket(caller), prefix: pick(h, []string{"", "adhoc/"})}
	case x < 0.74:
		// another account's bucket, or one nobody has: accepted, then
		// FAILED at run time (decisions, Isolation at run time)
		return outChoice{kind: "s3", bucket: pick(h, []string{resultBucket(pick(h, accounts)), "results-bucket"})}
	}
	member := func() outChoice {
		o := outChoice{kind: "member", member: pick(h, accounts)}
		if c := h.m.collabs[collabID]; c != nil && h.chance(0.8) {
			o.member = pick(h, c.rows).account
		}
		return o
	}
	if x < 0.88 {
		return member()
	}
	// distribute: the querier's s3 location and/or members
	o := outChoice{kind: "distribute"}
	if h.chance(0.7) {
		o.locs = append(o.locs, outChoice{kind: "s3", bucket: resultBucket(caller), prefix: "dist/"})
	}
	for n := 1 + h.r.IntN(2); n > 0; n-- {
		o.locs = append(o.locs, member())
	}
	if h.chance(0.1) {
		o.locs = append(o.locs, outChoice{kind: "s3", bucket: resultBucket(caller)}) // a second s3 location: invalid
	}
	h.r.Shuffle(len(o.locs), func(i, j int) { o.locs[i], o.locs[j] = o.locs[j], o.locs[i] })
	return o
}

func (o outChoice) wire() *types.ProtectedQueryResultConfiguration {
	switch o.kind {
	case "s3":
		s := types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String(o.bucket), ResultFormat: types.ResultFormatCsv}
		if o.prefix != "" {
			s.KeyPrefix = aws.String(o.prefix)
		}
		return &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{Value: s}}
	case "member":
		return &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberMember{
			Value: types.ProtectedQueryMemberOutputConfiguration{AccountId: aws.String(o.member)}}}
	case "distribute":
		var locs []types.ProtectedQueryDistributeOutputConfigurationLocation
		for _, l := range o.locs {
			switch w := l.wire().OutputConfiguration.(type) {
			case *types.ProtectedQueryOutputConfigurationMemberS3:
				locs = append(locs, &types.ProtectedQueryDistributeOutputConfigurationLocationMemberS3{Value: w.Value})
			case *types.ProtectedQueryOutputConfigurationMemberMember:
				locs = append(locs, &types.ProtectedQueryDistributeOutputConfigurationLocationMemberMember{Value: w.Value})
			}
		}
		return &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberDistribute{
			Value: types.ProtectedQueryDistributeOutputConfiguration{Locations: locs}}}
	}
	return nil
}

// validationReason checks the reason of a ValidationException the model
// predicted with one.
func (h *harness) validationReason(want outcome, err error) {
	var ve *types.ValidationException
	if want.reason != "" && want.code == codeValidation && errors.As(err, &ve) && string(ve.Reason) != want.reason {
		h.diverge("ValidationException reason %q (%s); model expected %s", ve.Reason, aws.ToString(ve.Message), want)
	}
}

func (h *harness) opStartQuery() {
	msID, caller := h.queryShip()
	collabID := ""
	if ms := h.m.memberships[msID]; ms != nil {
		collabID = ms.collabID
	}
	s := h.randomQuery(collabID)
	o := h.randomOut(caller, collabID)
	params := &types.ProtectedQuerySQLParameters{}
	what := s.sql
	if s.kind == qkTemplate {
		params.AnalysisTemplateArn, what = aws.String(s.templateARN), "template "+s.templateARN
	} else {
		params.QueryString = aws.String(s.sql)
	}
	h.begin("%s StartProtectedQuery %s %q out=%s", caller, short(msID), what, o)
	want, q := h.m.startQuery(caller, msID, o, s)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(msID),
		Type: types.ProtectedQueryTypeSql, SqlParameters: params, ResultConfiguration: o.wire()})
	cancel()
	h.stats["StartProtectedQuery model: "+whyClass(want)]++
	if t := h.templateOf(s.templateARN); t != nil && h.m.memberships[t.membershipID].collabID == collabID {
		rules := ""
		for _, r := range t.refs {
			if a := h.m.schemaByName(collabID, r); a != nil {
				rules += " " + h.m.data.cts[a.ctID].rule
			}
		}
		h.stats["StartProtectedQuery template of this collaboration ("+rules+") -> "+whyClass(want)]++
	}
	if q != nil {
		h.stats[fmt.Sprintf("StartProtectedQuery accepted: kind %d, minimum %d, out %s, predicted %s", s.kind, h.m.aggregationMinimum(collabID, s), o.kind, q.want)]++
	}
	agree := h.outcome("StartProtectedQuery", want, err)
	h.validationReason(want, err)
	h.accessRefusalMessage(want, err)
	if err != nil {
		return
	}
	id := aws.ToString(out.ProtectedQuery.Id)
	h.note(" " + short(id))
	if !agree || q == nil {
		return // diverged: the model cannot follow this query
	}
	q.id, q.status = id, string(out.ProtectedQuery.Status)
	h.m.queries.queries[id] = q
	h.m.queries.ids = append(h.m.queries.ids, id)
	h.m.budgets.spend(q.spends, time.Now())
	if len(q.spends) > 0 {
		h.stats["StartProtectedQuery spends an access budget"]++
	}
	if q.status != qSubmitted {
		h.diverge("StartProtectedQuery answered status %s; model expected SUBMITTED (dataplane 1.8)", q.status)
	}
	// Sometimes cancel at once: the query may be finished already (409)
	// or not (CANCELLING, then CANCELLED, or what it would have ended
	// with if it finished first).
	cancelled := false
	if h.chance(0.08) {
		h.begin("%s UpdateProtectedQuery %s/%s CANCELLED (at once)", caller, short(msID), short(id))
		ctx, cancel := h.ctx()
		up, err := h.clients[caller].UpdateProtectedQuery(ctx, &cleanrooms.UpdateProtectedQueryInput{MembershipIdentifier: aws.String(msID),
			ProtectedQueryIdentifier: aws.String(id), TargetStatus: types.TargetProtectedQueryStatusCancelled})
		cancel()
		var ce *types.ConflictException
		switch {
		case err == nil:
			h.stats["UpdateProtectedQuery(at once) -> ok"]++
			cancelled = true
			if st := string(up.ProtectedQuery.Status); st != qCancelling && !queryTerminal(st) {
				h.diverge("cancel answered %s; model expected CANCELLING", st)
			}
		case errors.As(err, &ce) && ce.Reason == types.ConflictExceptionReasonInvalidState:
			h.stats["UpdateProtectedQuery(at once) -> Conflict"]++ // it finished first
		default:
			h.diverge("cancel at once: %v; model expected success or 409 INVALID_STATE", err)
		}
	}
	h.begin("%s poll GetProtectedQuery %s/%s", caller, short(msID), short(id))
	done, err := h.pollQuery(caller, msID, id)
	if err != nil {
		h.diverge("polling query %s: %v", short(id), err)
		return
	}
	q.status = string(done.Status)
	h.note(" => " + q.status)
	h.stats["query finished -> "+q.status]++
	switch {
	case cancelled && q.status == qCancelled:
		q.rows = nil
		return
	case q.want == "":
		if !queryTerminal(q.status) {
			h.diverge("query %s ended %s", short(id), q.status)
		}
		return
	case q.status != q.want:
		code := ""
		if done.Error != nil {
			code = aws.ToString(done.Error.Code) + ": " + aws.ToString(done.Error.Message)
		}
		h.diverge("query %s %q ended %s (%s); model expected %s %s", short(id), what, q.status, code, q.want, q.errCode)
		return
	case q.status == qFailed:
		if done.Error == nil || aws.ToString(done.Error.Code) != q.errCode {
			h.diverge("query %s failed with %+v; model expected code %s", short(id), done.Error, q.errCode)
		}
		h.noForeignResult(q)
		return
	}
	h.checkQueryView(q, done, true)
	for _, r := range q.receivers {
		h.begin("%s read result of %s", r.account, short(id))
		h.readResult(q, r)
	}
}

// pollQuery waits (as the aws-sdk-pandas flow does) until the query is
// finished; the embedded engine takes tens of milliseconds.
func (h *harness) pollQuery(caller, msID, id string) (*types.ProtectedQuery, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := h.ctx()
		out, err := h.clients[caller].GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(msID), ProtectedQueryIdentifier: aws.String(id)})
		cancel()
		if err != nil {
			return nil, err
		}
		if queryTerminal(string(out.ProtectedQuery.Status)) {
			return out.ProtectedQuery, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("still %s after 60 s", out.ProtectedQuery.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkQueryView compares a finished query as the querier or a receiver
// sees it with the model.
func (h *harness) checkQueryView(q *mQuery, got *types.ProtectedQuery, querier bool) {
	h.t.Helper()
	if aws.ToString(got.Id) != q.id || aws.ToString(got.MembershipId) != q.msID || string(got.Status) != q.status {
		h.diverge("query %s shows id %s membership %s status %s; model: membership %s status %s",
			short(q.id), aws.ToString(got.Id), aws.ToString(got.MembershipId), got.Status, q.msID, q.status)
	}
	if querier != (got.SqlParameters != nil) {
		h.diverge("query %s: sqlParameters %+v shown to querier=%v (dataplane 1.8: the querier only)", short(q.id), got.SqlParameters, querier)
	}
	if querier && got.SqlParameters != nil && aws.ToString(got.SqlParameters.QueryString) != q.sql {
		h.diverge("query %s: queryString %q; model %q", short(q.id), aws.ToString(got.SqlParameters.QueryString), q.sql)
	}
	if q.status != qSuccess {
		return
	}
	var gotOut []string
	if got.Result != nil {
		switch o := got.Result.Output.(type) {
		case *types.ProtectedQueryOutputMemberS3:
			gotOut = []string{aws.ToString(o.Value.Location)}
		case *types.ProtectedQueryOutputMemberMemberList:
			for _, m := range o.Value {
				gotOut = append(gotOut, "member "+aws.ToString(m.AccountId))
			}
		case *types.ProtectedQueryOutputMemberDistribute:
			gotOut = []string{"distribute"}
			if o.Value.S3 != nil {
				gotOut = append(gotOut, aws.ToString(o.Value.S3.Location))
			}
			for _, m := range o.Value.MemberList {
				gotOut = append(gotOut, "member "+aws.ToString(m.AccountId))
			}
		}
	}
	// The s3 location first, then the members in request order (the
	// model's ProtectedQueryOutput shapes).
	var wantOut, members []string
	if q.distribute {
		wantOut = []string{"distribute"}
	}
	for _, r := range q.receivers {
		if r.direct {
			wantOut = append(wantOut, "s3://"+r.bucket+"/"+r.resultPrefix(q.id))
		} else {
			members = append(members, "member "+r.account)
		}
	}
	wantOut = append(wantOut, members...)
	h.same("result.output of "+short(q.id), wantOut, gotOut)
}

// resultObjects lists a receiver's result files of q, as account.
func (h *harness) resultObjects(account string, q *mQuery, r mReceiver) ([]string, error) {
	ctx, cancel := h.ctx()
	defer cancel()
	out, err := h.s3c[account].ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(r.bucket), Prefix: aws.String(r.resultPrefix(q.id))})
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys, nil
}

// readResult reads q's result as the receiver r and compares it with the
// rows the model computed.
func (h *harness) readResult(q *mQuery, r mReceiver) {
	keys, err := h.resultObjects(r.account, q, r)
	if !h.outcome("receiver ListObjectsV2(result)", ok(), err) {
		return
	}
	if want := r.resultPrefix(q.id) + "part-00000.csv"; !slices.Contains(keys, want) {
		h.diverge("result files of %s: %v; model expected %s (decisions, Result layout)", short(q.id), keys, want)
		return
	}
	var rows [][]string
	for _, k := range keys {
		ctx, cancel := h.ctx()
		out, err := h.s3c[r.account].GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(k)})
		if !h.outcome("receiver GetObject(result)", ok(), err) {
			cancel()
			return
		}
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		cancel()
		if err != nil {
			h.diverge("reading %s: %v", k, err)
			return
		}
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil || len(recs) == 0 {
			h.diverge("result %s is not CSV with a header (%v): %q", k, err, body)
			return
		}
		if rows == nil {
			rows = recs[:1]
		}
		rows = append(rows, recs[1:]...)
	}
	sortRows(rows)
	if q.rows != nil {
		h.same(fmt.Sprintf("result of %s %q read by %s", short(q.id), q.sql, r.account), q.rows, rows)
	}
}

// ---- Get, List, cancel ---------------------------------------------------

// pickQuery: mostly a known query, seen through a membership of the
// querier, a receiver or anybody; sometimes an unknown id.
func (h *harness) pickQuery() (msID, id, caller string) {
	qm := h.m.queries
	if len(qm.ids) == 0 || h.chance(0.05) {
		msID, caller = h.pickMembership()
		return msID, h.randomUUID(), caller
	}
	q := qm.queries[pick(h, qm.ids)]
	switch x := h.r.Float64(); {
	case x < 0.45:
		msID, caller = q.msID, q.account
	case x < 0.75:
		r := pick(h, q.receivers)
		msID, caller = r.msID, r.account
	default:
		msID, caller = h.pickMembership()
		if h.chance(0.3) {
			caller = h.anyAccount() // someone else with the querier's membership id
			msID = q.msID
		}
	}
	return msID, q.id, caller
}

func (h *harness) opGetQuery() {
	msID, id, caller := h.pickQuery()
	h.begin("%s GetProtectedQuery %s/%s", caller, short(msID), short(id))
	h.getQuery("GetProtectedQuery", caller, msID, id)
}

func (h *harness) getQuery(op, caller, msID, id string) {
	want, q, querier := h.m.viewQuery(caller, msID, id)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(msID), ProtectedQueryIdentifier: aws.String(id)})
	cancel()
	if h.outcome(op, want, err) && queryTerminal(q.status) {
		h.checkQueryView(q, out.ProtectedQuery, querier)
	}
}

func (h *harness) opListQueries() {
	msID, _, caller := h.pickQuery()
	status := ""
	if h.chance(0.3) {
		status = pick(h, []string{qSuccess, qFailed, qCancelled, qSubmitted})
	}
	h.begin("%s ListProtectedQueries %s status=%s", caller, short(msID), status)
	h.listQueries("ListProtectedQueries", caller, msID, status)
}

func (h *harness) listQueries(op, caller, msID, status string) {
	want, ids := h.m.listQueries(caller, msID, status)
	got, err := collect(h, op, func(ctx context.Context, size *int32, token *string) ([]types.ProtectedQuerySummary, *string, error) {
		page, err := h.clients[caller].ListProtectedQueries(ctx, &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: aws.String(msID),
			Status: types.ProtectedQueryStatus(status), MaxResults: size, NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		return page.ProtectedQueries, page.NextToken, nil
	})
	if !h.outcome(op, want, err) {
		return
	}
	var gotIDs, gotRecv, wantRecv []string
	for _, s := range got {
		gotIDs = append(gotIDs, aws.ToString(s.Id))
		var accts []string
		for _, rc := range s.ReceiverConfigurations {
			if d, ok := rc.ConfigurationDetails.(*types.ConfigurationDetailsMemberDirectAnalysisConfigurationDetails); ok && rc.AnalysisType == types.AnalysisTypeDirectAnalysis {
				accts = append(accts, d.Value.ReceiverAccountIds...)
			}
		}
		gotRecv = append(gotRecv, aws.ToString(s.Id)+"->"+strings.Join(accts, ","))
	}
	for _, id := range ids {
		wantRecv = append(wantRecv, id+"->"+strings.Join(h.m.queries.queries[id].receiverAccounts(), ","))
	}
	h.same(fmt.Sprintf("%s(%s, %s, status %q), newest first", op, caller, short(msID), status), ids, gotIDs)
	if slices.Equal(ids, gotIDs) {
		h.same(op+" receiverConfigurations", wantRecv, gotRecv)
	}
}

func (h *harness) opCancelQuery() {
	msID, id, caller := h.pickQuery()
	h.begin("%s UpdateProtectedQuery %s/%s CANCELLED", caller, short(msID), short(id))
	want := h.m.cancelQuery(caller, msID, id)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].UpdateProtectedQuery(ctx, &cleanrooms.UpdateProtectedQueryInput{MembershipIdentifier: aws.String(msID),
		ProtectedQueryIdentifier: aws.String(id), TargetStatus: types.TargetProtectedQueryStatusCancelled})
	cancel()
	h.outcome("UpdateProtectedQuery", want, err)
}

// ---- the leak audit --------------------------------------------------------

// auditQueries: for a sample of finished queries (all at the end), every
// receiver reads its result; no other account can list or get it; every
// membership that is neither the querier's nor a receiver's gets 404 for
// the query, and every account's list through each of its memberships is
// exactly what the model says.
func (h *harness) auditQueries(final bool) {
	h.t.Helper()
	qm := h.m.queries
	for _, id := range qm.ids {
		q := qm.queries[id]
		if !final && !h.chance(0.2) {
			continue
		}
		for _, r := range q.receivers {
			if q.status != qSuccess {
				continue
			}
			if final {
				h.begin("audit: %s reads result of %s", r.account, short(id))
				h.readResult(q, r)
			}
			for _, a := range accounts {
				if a == r.account {
					continue
				}
				h.begin("audit: %s ListObjectsV2 result of %s (receiver %s)", a, short(id), r.account)
				_, err := h.resultObjects(a, q, r)
				h.outcome("audit ListObjectsV2(foreign result)", fail(codeS3AccessDenied, "the result bucket is the receiver's (decisions, Isolation)"), err)
				h.begin("audit: %s GetObject result of %s (receiver %s)", a, short(id), r.account)
				ctx, cancel := h.ctx()
				_, err = h.s3c[a].GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(r.resultPrefix(id) + "part-00000.csv")})
				cancel()
				h.outcome("audit GetObject(foreign result)", fail(codeS3AccessDenied, "the result bucket is the receiver's (decisions, Isolation)"), err)
			}
		}
		// Every membership of the collaboration (and the querier's id
		// used by other accounts): visible exactly to querier and
		// receivers.
		for _, msID := range h.m.shipIDs {
			ms := h.m.memberships[msID]
			if ms == nil || ms.collabID != q.collabID {
				continue
			}
			h.begin("audit: %s GetProtectedQuery %s/%s", ms.account, short(msID), short(id))
			h.getQuery("audit GetProtectedQuery", ms.account, msID, id)
		}
		for _, a := range accounts {
			if a != q.account && (final || h.chance(0.3)) {
				h.begin("audit: %s GetProtectedQuery %s/%s (the querier's membership)", a, short(q.msID), short(id))
				h.getQuery("audit GetProtectedQuery(foreign membership)", a, q.msID, id)
			}
		}
	}
	if len(qm.ids) == 0 {
		return
	}
	for _, msID := range h.m.shipIDs {
		if ms := h.m.memberships[msID]; ms != nil && (final || h.chance(0.1)) {
			h.begin("audit: %s ListProtectedQueries %s", ms.account, short(msID))
			h.listQueries("audit ListProtectedQueries", ms.account, msID, "")
		}
	}
}

// whyClass is the rule that decided a prediction, without the names in
// it, for -stats.
func whyClass(o outcome) string {
	if o.code == codeOK {
		return "accepted"
	}
	var words []string
	for _, w := range strings.Fields(o.why) {
		if strings.ContainsAny(w, "0123456789") || len(words) == 5 {
			break
		}
		words = append(words, w)
	}
	return strings.TrimSuffix(o.code, "Exception") + ": " + strings.Join(words, " ")
}

// templateOf is the model's template an ARN names, if any.
func (h *harness) templateOf(arn string) *mTemplate {
	_, id, found := strings.Cut(arn, "/analysistemplate/")
	if t := h.m.data.tpls[id]; found && t != nil && arn == membershipARN(t.account, t.membershipID)+"/analysistemplate/"+id {
		return t
	}
	return nil
}

// noForeignResult: a query refused its result location wrote nothing
// into a bucket of another account (decisions, Isolation at run time).
func (h *harness) noForeignResult(q *mQuery) {
	for _, r := range q.receivers {
		owner, exists := h.m.data.buckets[r.bucket]
		if !exists || owner == r.account {
			continue
		}
		h.begin("%s ListObjectsV2 %s/%s (a result refused its location)", owner, r.bucket, r.resultPrefix(q.id))
		keys, err := h.resultObjects(owner, q, r)
		if h.outcome("ListObjectsV2(refused result location)", ok(), err) && len(keys) > 0 {
			h.diverge("query %s of %s wrote %v into %s's bucket %s", short(q.id), r.account, keys, owner, r.bucket)
		}
	}
}
