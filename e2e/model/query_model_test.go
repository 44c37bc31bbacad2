package model

// The protected queries of the reference model: the tables whose data it
// knows, the synchronous checks of StartProtectedQuery, the status and
// the result rows a query ends with, who sees it and who reads its
// result. Written from shared/spec/dataplane.md §1.8, §2.1, §2.4, §3 and
// docs/behavior-decisions.md (Protected queries) and query-rules.md
// (Custom rule), not from internal/service.

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

const (
	// queryDB is the Glue database of the tables whose data the model
	// knows; outside dbPool, so the random Glue operations leave it alone.
	queryDB = "qdb"
	// The default result configuration of the random memberships names a
	// bucket nobody can create (not in bucketPool): their queries fail.
	defaultResultBucket = "results-bucket"
	defaultResultPrefix = "out/"

	reasonInvalidQuery  = "INVALID_QUERY"
	reasonInvalidConfig = "INVALID_CONFIGURATION"

	qSubmitted  = "SUBMITTED"
	qSuccess    = "SUCCESS"
	qFailed     = "FAILED"
	qCancelled  = "CANCELLED"
	qCancelling = "CANCELLING"
	qTimedOut   = "TIMED_OUT"

	quotaNameQueries = "Concurrent protected queries per membership"
	ruleAggregation  = "AGGREGATION"
)

func dataBucket(account string) string   { return "qdata-" + account }
func resultBucket(account string) string { return "qres-" + account }

// tableData is what the model knows of a Glue table of queryDB: its rows
// as the CSV holds them.
type tableData struct {
	cols []string
	rows [][]string
}

// csv is the object the table reads (the Glue table skips its header).
func (t tableData) csv() string {
	var b strings.Builder
	b.WriteString(strings.Join(t.cols, ",") + "\n")
	for _, r := range t.rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	return b.String()
}

func (t tableData) col(name string) int { return slices.Index(t.cols, name) }

// outValue is a value as the result CSV writes it: the Glue type of
// orders.amount is double, so 7 comes back as 7.0.
func outValue(table, col, v string) string {
	if table == "orders" && col == "amount" {
		return v + ".0"
	}
	return v
}

// mReceiver is where one receiver's results go.
type mReceiver struct {
	account, msID, bucket, prefix string
	direct                        bool // the querier's own s3 output
}

func (r mReceiver) resultPrefix(queryID string) string {
	p := r.prefix
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p + queryID + "/result/"
}

// mQuery is a query the server accepted.
type mQuery struct {
	id, msID, account, collabID string
	sql, templateARN            string
	receivers                   []mReceiver
	distribute                  bool       // a distribute output configuration
	status                      string     // as the server last reported it, once the model agreed
	want, errCode               string     // the predicted final status ("" when unknown) and error code
	rows                        [][]string // the predicted result, header first; nil when unknown
	spends                      []string   // the access-budgeted association ARNs it spends on (budget_model_test.go)
}

func (q *mQuery) receiverAccounts() []string {
	var out []string
	for _, r := range q.receivers {
		if !slices.Contains(out, r.account) {
			out = append(out, r.account)
		}
	}
	return out
}

func (q *mQuery) receivedBy(msID string) bool {
	return slices.ContainsFunc(q.receivers, func(r mReceiver) bool { return r.msID == msID })
}

type queryModel struct {
	data    map[string]map[string]tableData // account -> Glue table of queryDB -> data
	located map[string]string               // account/db.table -> bucket, for the world's Glue tables
	queries map[string]*mQuery
	ids     []string // in creation order
}

func newQueryModel() *queryModel {
	return &queryModel{data: map[string]map[string]tableData{}, located: map[string]string{}, queries: map[string]*mQuery{}}
}

// ---- the query grammar -------------------------------------------------

type queryKind int

const (
	qkCount    queryKind = iota // SELECT COUNT(*) AS n FROM t
	qkColumn                    // SELECT col FROM t
	qkGroup                     // SELECT city, COUNT(*) AS n FROM t GROUP BY city
	qkJoin                      // SELECT COUNT(*) AS n FROM a x JOIN b y ON x.id = y.id
	qkRefused                   // refused whatever the tables: read_csv, range(), DROP, main.t, two statements
	qkTemplate                  // analysisTemplateArn
)

// querySpec is a generated query: its text and what the model needs to
// predict it.
type querySpec struct {
	kind        queryKind
	sql         string
	templateARN string
	tables      []string // the tables it names, as written, in text order
	col         string   // qkColumn: the column
}

// refs: the columns each table of the query reads, and those in its
// final projection.
func (s querySpec) refs() (read, out map[int][]string) {
	read, out = map[int][]string{}, map[int][]string{}
	switch s.kind {
	case qkColumn:
		read[0], out[0] = []string{s.col}, []string{s.col}
	case qkGroup:
		read[0], out[0] = []string{"city"}, []string{"city"}
	case qkJoin:
		read[0], read[1] = []string{"id"}, []string{"id"}
	}
	return read, out
}

// ---- StartProtectedQuery -----------------------------------------------

// outChoice is the resultConfiguration of a start: none (the membership's
// default), an s3 location of the querier, or a member.
type outChoice struct {
	kind   string // "default", "s3", "member", "distribute"
	bucket string // s3
	prefix string
	member string      // member
	locs   []outChoice // distribute: s3 and member locations
}

func (o outChoice) String() string {
	switch o.kind {
	case "s3":
		return "s3://" + o.bucket + "/" + o.prefix
	case "member":
		return "member " + o.member
	case "distribute":
		var l []string
		for _, x := range o.locs {
			l = append(l, x.String())
		}
		return "distribute[" + strings.Join(l, ", ") + "]"
	}
	return "default"
}

func invalidQuery(why string) outcome {
	return outcome{code: codeValidation, reason: reasonInvalidQuery, why: why}
}

func invalidConfig(why string) outcome {
	return outcome{code: codeValidation, reason: reasonInvalidConfig, why: why}
}

// receiversOf resolves the result configuration (dataplane 3.1;
// decisions, Receivers).
func (m *refModel) receiversOf(ms *mMembership, c *mCollab, me *mMember, o outChoice) ([]mReceiver, outcome) {
	switch o.kind {
	case "default", "s3":
		if o.kind == "default" && !ms.hasResult {
			return nil, invalidConfig("no resultConfiguration and no default result configuration")
		}
		if !me.has(abilityReceive) {
			return nil, invalidConfig("an s3 output is the querier's, who lacks CAN_RECEIVE_RESULTS (dataplane 1.8 step 2)")
		}
		r := mReceiver{account: ms.account, msID: ms.id, bucket: o.bucket, prefix: o.prefix, direct: true}
		if o.kind == "default" {
			r.bucket, r.prefix = ms.resultBucket, ms.resultPrefix
		}
		return []mReceiver{r}, ok()
	}
	if o.kind == "distribute" {
		// The model's collaborations set no analyticsEngine: SPARK, where
		// distribute is available (dataplane 1.8, 2.8). At most one s3
		// location; a member named once.
		var out []mReceiver
		s3s := 0
		for _, l := range o.locs {
			if l.kind == "s3" {
				if s3s++; s3s > 1 {
					return nil, invalidConfig("distribute names two s3 locations (dataplane 1.8)")
				}
			}
			r, want := m.receiversOf(ms, c, me, l)
			if want.code != codeOK {
				return nil, want
			}
			if l.kind == "member" && slices.ContainsFunc(out, func(x mReceiver) bool { return !x.direct && x.account == l.member }) {
				return nil, invalidConfig("distribute names member " + l.member + " twice")
			}
			out = append(out, r...)
		}
		return out, ok()
	}
	if o.member == ms.account {
		return nil, invalidConfig("the querier names itself as a member output (decisions)")
	}
	r := c.row(o.member)
	if r == nil {
		return nil, invalidConfig("the member output is not a member")
	}
	if r.status != stActive || r.membershipID == "" {
		return nil, invalidConfig("the member output is not ACTIVE")
	}
	if !r.has(abilityReceive) {
		return nil, invalidConfig("the member output lacks CAN_RECEIVE_RESULTS")
	}
	rms := m.memberships[r.membershipID]
	if rms == nil || !rms.hasResult {
		return nil, invalidConfig("the member output has no default result configuration")
	}
	return []mReceiver{{account: o.member, msID: rms.id, bucket: rms.resultBucket, prefix: rms.resultPrefix}}, ok()
}

// startQuery predicts StartProtectedQuery: the checks in the order of
// decisions (Protected queries): membership (404), ACTIVE (403), CAN_QUERY
// (403), receivers (400 INVALID_CONFIGURATION), then the SQL, the tables
// and the rules (400 INVALID_QUERY), then the quota (402). It returns the
// query the server must record, with its predicted final status.
func (m *refModel) startQuery(caller, msID string, o outChoice, s querySpec) (outcome, *mQuery) {
	ms, want := m.ownMembership(caller, msID)
	if want.code != codeOK {
		return want, nil
	}
	c := m.collabs[ms.collabID]
	if ms.status != msActive || c.deleted {
		return fail(codeAccessDenied, "membership is "+ms.status+": StartProtectedQuery declares no ConflictException (decisions)"), nil
	}
	me := c.row(caller)
	if !me.has(abilityQuery) {
		return fail(codeAccessDenied, "the querier lacks CAN_QUERY (dataplane 1.8 step 1)"), nil
	}
	recv, want := m.receiversOf(ms, c, me, o)
	if want.code != codeOK {
		return want, nil
	}
	q := &mQuery{msID: msID, account: caller, collabID: c.id, sql: s.sql, templateARN: s.templateARN,
		receivers: recv, distribute: o.kind == "distribute"}
	if why := m.refusal(caller, c, recv, s); why != "" {
		return invalidQuery(why), nil
	}
	n := 0
	for _, other := range m.queries.queries {
		if other.msID == msID && !queryTerminal(other.status) {
			n++
		}
	}
	if n >= 5 {
		return quotaOf(quotaNameQueries, fmt.Sprintf("%d unfinished queries (dataplane 1.8 step 6)", n)), nil
	}
	why, spends := m.accessCheck(c.id, s, time.Now())
	if why != "" {
		return invalidQuery(why + " (decisions, Privacy budgets)"), nil
	}
	q.spends = spends
	q.want, q.errCode, q.rows = m.run(q, s)
	return ok(), q
}

func queryTerminal(status string) bool {
	return status == qSuccess || status == qFailed || status == qCancelled || status == qTimedOut
}

// refusal is why the query is refused (INVALID_QUERY), "" when the rules
// admit it.
func (m *refModel) refusal(caller string, c *mCollab, recv []mReceiver, s querySpec) string {
	switch s.kind {
	case qkRefused:
		return "not a single SELECT over collaboration tables (table function, file, DDL, schema-qualified: dataplane 2.1)"
	case qkTemplate:
		// The model's templates are all in collaborations whose tables
		// allow ANY_QUERY only (CUSTOM), list (no aggregates), aggregation
		// (templates need a custom rule, dataplane 1.8 step 3) or
		// nothing: a template is admitted by none of them (dataplane 2.4).
		return "template: not of this collaboration, or not in allowedAnalyses of its tables"
	}
	var ctas []*mCTA
	for _, name := range s.tables {
		a := m.schemaByName(c.id, name)
		if a == nil {
			return "table " + name + " is not in the collaboration (dataplane 2.1)"
		}
		if v := m.schemaOf(a); v.Status != statusReady {
			return "table " + name + " is not READY " + fmt.Sprint(v.Reasons)
		}
		ctas = append(ctas, a)
	}
	for _, a := range ctas {
		ct := m.data.cts[a.ctID]
		if allowed, has := a.rules[ct.rule]; has && allowed != nil {
			for _, r := range recv {
				if !slices.Contains(allowed, r.account) {
					return "receiver " + r.account + " not in allowedResultReceivers of " + a.name + " (dataplane 3.1)"
				}
			}
		}
	}
	read, out := s.refs()
	for i, a := range ctas {
		ct := m.data.cts[a.ctID]
		if ct.rule != m.data.cts[ctas[0].ctID].rule {
			return "tables of different rule types (dataplane 2.1)"
		}
		if ct.rule == ruleAggregation {
			if why := aggregationRefusal(caller, s, i, ct, m.data.cts, ctas); why != "" {
				return why
			}
			continue
		}
		if ct.rule != ruleCustom {
			return "a " + ct.rule + " rule admits none of the grammar's queries (dataplane 2.3: DISTINCT, no aggregates)"
		}
		if !slices.Contains(ct.providerAccts, caller) {
			return "querier not in allowedAnalysisProviders of " + a.name + " (dataplane 2.4)"
		}
		for _, col := range read[i] {
			if !slices.Contains(ct.cols, col) {
				return "column " + col + " is not an allowed column of " + a.name + " (dataplane 2.1)"
			}
		}
		for _, col := range out[i] {
			if slices.Contains(ct.disallowed, col) {
				return "column " + col + " of " + a.name + " is a disallowed output column (dataplane 2.4)"
			}
		}
	}
	return ""
}

// location is the bucket a Glue table's objects are in: the world's
// tables are in their owner's data bucket, the random CreateTable's (in
// any database of the caller, queryDB too) in data-a.
func (qm *queryModel) location(account, db, table string) string {
	if b, ok := qm.located[account+"/"+db+"."+table]; ok {
		return b
	}
	return "data-a"
}

// run predicts how an accepted query ends (decisions, Isolation at run
// time): every receiver's bucket must be that receiver's, every table's
// data must be in a bucket its owner owns; then the result is computed
// from the data the model knows. The status is "" and the rows nil when
// the model does not know the data (a random Glue table).
func (m *refModel) run(q *mQuery, s querySpec) (status, errCode string, rows [][]string) {
	d := m.data
	for _, r := range q.receivers {
		if d.buckets[r.bucket] != r.account {
			return qFailed, "RESULT_LOCATION_ACCESS_DENIED", nil
		}
	}
	var data []tableData
	var names []string
	for _, name := range s.tables {
		ct := d.cts[m.schemaByName(q.collabID, name).ctID]
		if _, ok := d.tables[ct.account][ct.db+"."+ct.table]; !ok {
			return qFailed, "TABLE_NOT_FOUND", nil
		}
		if d.buckets[m.queries.location(ct.account, ct.db, ct.table)] != ct.account {
			return qFailed, "TABLE_LOCATION_ACCESS_DENIED", nil
		}
		td, known := m.queries.data[ct.account][ct.table]
		if _, world := m.queries.located[ct.account+"/"+ct.db+"."+ct.table]; !world || !known {
			return "", "", nil
		}
		data, names = append(data, td), append(names, ct.table)
	}
	// Under AGGREGATION a row aggregating fewer than minimum distinct ids
	// (of each table) disappears silently (dataplane 2.2).
	minimum := m.aggregationMinimum(q.collabID, s)
	enough := func(rows [][]string, col int) bool { return distinct(rows, col) >= minimum }
	switch s.kind {
	case qkCount:
		rows = [][]string{{"n"}}
		if enough(data[0].rows, data[0].col("id")) {
			rows = append(rows, []string{fmt.Sprint(len(data[0].rows))})
		}
	case qkColumn:
		rows = [][]string{{s.col}}
		i := data[0].col(s.col)
		for _, r := range data[0].rows {
			rows = append(rows, []string{outValue(names[0], s.col, r[i])})
		}
	case qkGroup:
		rows = [][]string{{"city", "n"}}
		groups := map[string][][]string{}
		i := data[0].col("city")
		for _, r := range data[0].rows {
			groups[r[i]] = append(groups[r[i]], r)
		}
		for city, g := range groups {
			if enough(g, data[0].col("id")) {
				rows = append(rows, []string{city, fmt.Sprint(len(g))})
			}
		}
	case qkJoin:
		var pairs [][]string // the joined ids
		a, b := data[0].col("id"), data[1].col("id")
		for _, x := range data[0].rows {
			for _, y := range data[1].rows {
				if x[a] == y[b] {
					pairs = append(pairs, []string{x[a]})
				}
			}
		}
		rows = [][]string{{"n"}}
		if enough(pairs, 0) {
			rows = append(rows, []string{fmt.Sprint(len(pairs))})
		}
	}
	sortRows(rows)
	return qSuccess, "", rows
}

// sortRows sorts the rows after the header (result files have no order).
func sortRows(rows [][]string) {
	if len(rows) > 1 {
		slices.SortFunc(rows[1:], func(a, b []string) int { return slices.Compare(a, b) })
	}
}

// ---- Get, List, Update ---------------------------------------------------

// viewQuery: through one of the caller's memberships, the querier's or a
// receiver's; anything else is 404 (dataplane 3.3; decisions, Visibility).
func (m *refModel) viewQuery(caller, msID, id string) (outcome, *mQuery, bool) {
	if _, o := m.ownMembership(caller, msID); o.code != codeOK {
		return o, nil, false
	}
	q := m.queries.queries[id]
	switch {
	case q == nil:
		return fail(codeNotFound, "no such query"), nil, false
	case q.msID == msID:
		return ok(), q, true
	case q.receivedBy(msID):
		return ok(), q, false
	}
	return fail(codeNotFound, "neither the querier's nor a receiver's membership (dataplane 3.3)"), nil, false
}

func (m *refModel) cancelQuery(caller, msID, id string) outcome {
	o, q, querier := m.viewQuery(caller, msID, id)
	switch {
	case o.code != codeOK:
		return o
	case !querier:
		return fail(codeAccessDenied, "only the querier cancels (decisions)")
	case queryTerminal(q.status):
		return conflictOf(reasonState, "the query is "+q.status+" (dataplane 1.8)")
	}
	return ok()
}

// listQueries: the queries a membership started or receives, newest
// first.
func (m *refModel) listQueries(caller, msID, status string) (outcome, []string) {
	if _, o := m.ownMembership(caller, msID); o.code != codeOK {
		return o, nil
	}
	var out []string
	for i := len(m.queries.ids) - 1; i >= 0; i-- {
		q := m.queries.queries[m.queries.ids[i]]
		if (q.msID == msID || q.receivedBy(msID)) && (status == "" || q.status == status) {
			out = append(out, q.id)
		}
	}
	return ok(), out
}

// aggregationRefusal applies dataplane 2.2 to table i of the query (an
// AGGREGATION table of a query world: COUNT DISTINCT id, dimension city,
// join column id).
func aggregationRefusal(caller string, s querySpec, i int, ct *mCT, cts map[string]*mCT, ctas []*mCTA) string {
	switch s.kind {
	case qkColumn:
		return "aggregation: the select list needs an aggregate (dataplane 2.2)"
	case qkGroup:
		if !slices.Contains(ct.cols, "city") || !slices.Contains(ct.dims, "city") {
			return "aggregation: city is not a dimension column (dataplane 2.2)"
		}
	}
	if ct.joinRequired && ct.account != caller {
		// QUERY_RUNNER: joined (here: directly) to a table of the querier.
		joined := false
		if s.kind == qkJoin {
			other := cts[ctas[1-i].ctID]
			joined = other.account == caller
		}
		if !joined {
			return "Inner join to query runner table required (dataplane 2.2)"
		}
	}
	return ""
}

// aggregationMinimum is the output minimum of a query over AGGREGATION
// tables: the largest of all its tables' (query-rules.md, Aggregation
// rule); 0 for other queries.
func (m *refModel) aggregationMinimum(collabID string, s querySpec) int {
	most := 0
	for _, name := range s.tables {
		if ct := m.data.cts[m.schemaByName(collabID, name).ctID]; ct.rule == ruleAggregation {
			most = max(most, ct.aggMin)
		}
	}
	return most
}

// distinct counts the distinct values of column i in rows.
func distinct(rows [][]string, i int) int {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r[i]] = true
	}
	return len(seen)
}
