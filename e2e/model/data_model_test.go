package model

// The data plane of the reference model: S3 buckets and objects, Glue
// databases and tables (per account), configured tables and their
// analysis rules (per account), associations and analysis templates
// (under a membership), schemas and collaboration templates (views of a
// collaboration). Written from shared/spec/dataplane.md (§1.2–1.7, 1.10)
// and docs/behavior-decisions.md (Embedded S3, Glue, Configured tables,
// Analysis templates), not from internal/service.

import (
	"fmt"
	"slices"
	"strings"
)

// S3 error codes (behavior-decisions, Embedded S3) and Glue's.
const (
	codeS3AccessDenied   = "AccessDenied"
	codeNoSuchBucket     = "NoSuchBucket"
	codeNoSuchKey        = "NoSuchKey"
	codeBucketExists     = "BucketAlreadyExists"
	codeBucketNotEmpty   = "BucketNotEmpty"
	codeGlueNotFound     = "EntityNotFoundException"
	codeGlueExists       = "AlreadyExistsException"
	reasonSubresources   = "SUBRESOURCES_EXIST"
	ruleList             = "LIST"
	ruleCustom           = "CUSTOM"
	reasonRuleMissing    = "ANALYSIS_RULE_MISSING"
	reasonNoProviders    = "ANALYSIS_PROVIDERS_NOT_CONFIGURED"
	templatesPerShip     = 25
	statusReady          = "READY"
	statusNotReady       = "NOT_READY"
	directAnalysis       = "DIRECT_ANALYSIS"
	glueTypeOfUnknownCol = "string"
)

// The Glue tables the generator creates: name -> columns with types.
var glueTableDefs = map[string][][2]string{
	"users":  {{"id", "int"}, {"city", "string"}, {"email", "string"}},
	"orders": {{"id", "int"}, {"amount", "double"}, {"city", "string"}},
}

type mCT struct {
	id, account, name string
	db, table         string
	cols              []string
	rule              string   // "", LIST, CUSTOM or (query worlds) AGGREGATION
	providers         bool     // CUSTOM: allowedAnalysisProviders non-empty
	ruleCols          []string // the columns the rule names
	// CUSTOM: the allowedAnalysisProviders and disallowedOutputColumns
	// (queries need them, query_model_test.go).
	providerAccts, disallowed []string
	// AGGREGATION (query worlds only): COUNT_DISTINCT of id, city as
	// the dimension, id as the join column, the output minimum on id.
	aggMin       int
	joinRequired bool
	dims         []string
}

type mCTA struct {
	id, account, membershipID, ctID, name string
	rules                                 map[string][]string // association rule type -> allowedResultReceivers
}

// ruleOrder is the order of analysisRuleTypes (decisions).
var ruleOrder = []string{"AGGREGATION", ruleList, ruleCustom}

func (a *mCTA) ruleTypes() []string {
	out := []string{}
	for _, t := range ruleOrder {
		if _, ok := a.rules[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

type mTemplate struct {
	id, account, membershipID, name string
	refs                            []string
}

type dataModel struct {
	buckets   map[string]string // name -> owner
	bucketIDs []string          // every bucket name ever created, in order
	objects   map[string]map[string]string
	dbs       map[string]map[string]bool     // account -> database
	tables    map[string]map[string][]string // account -> "db.table" -> column types as "name:type"
	cts       map[string]*mCT
	ctIDs     []string
	ctas      map[string]*mCTA
	ctaIDs    []string
	tpls      map[string]*mTemplate
	tplIDs    []string
}

func newDataModel() *dataModel {
	return &dataModel{
		buckets: map[string]string{}, objects: map[string]map[string]string{},
		dbs: map[string]map[string]bool{}, tables: map[string]map[string][]string{},
		cts: map[string]*mCT{}, ctas: map[string]*mCTA{}, tpls: map[string]*mTemplate{},
	}
}

// ---- S3 (decisions, Embedded S3: buckets belong to their creator; every
// other account gets 403 AccessDenied before the key is looked at) --------

func (d *dataModel) bucketAccess(caller, bucket string) outcome {
	owner, ok := d.buckets[bucket]
	if !ok {
		return fail(codeNoSuchBucket, "no such bucket")
	}
	if owner != caller {
		return fail(codeS3AccessDenied, "bucket of "+owner+" (decisions, Embedded S3)")
	}
	return outcome{}
}

func (d *dataModel) createBucket(caller, bucket string) (outcome, func()) {
	commit := func() {
		if _, ok := d.buckets[bucket]; !ok {
			d.buckets[bucket] = caller
			d.bucketIDs = append(d.bucketIDs, bucket)
			d.objects[bucket] = map[string]string{}
		}
	}
	if owner, ok := d.buckets[bucket]; ok && owner != caller {
		return fail(codeBucketExists, "bucket of "+owner), commit
	}
	return ok(), commit // us-east-1: the owner's repeat is 200 OK (decisions)
}

func (d *dataModel) deleteBucket(caller, bucket string) (outcome, func()) {
	commit := func() {
		delete(d.buckets, bucket)
		delete(d.objects, bucket)
	}
	if o := d.bucketAccess(caller, bucket); o.code != codeOK {
		return o, commit
	}
	if len(d.objects[bucket]) > 0 {
		return fail(codeBucketNotEmpty, "bucket has objects"), commit
	}
	return ok(), commit
}

func (d *dataModel) putObject(caller, bucket, key, body string) (outcome, func()) {
	commit := func() { d.objects[bucket][key] = body }
	return d.bucketAccess(caller, bucket), commit
}

func (d *dataModel) getObject(caller, bucket, key string) outcome {
	if o := d.bucketAccess(caller, bucket); o.code != codeOK {
		return o
	}
	if _, ok := d.objects[bucket][key]; !ok {
		return fail(codeNoSuchKey, "no such key")
	}
	return ok()
}

func (d *dataModel) deleteObject(caller, bucket, key string) (outcome, func()) {
	commit := func() { delete(d.objects[bucket], key) }
	return d.bucketAccess(caller, bucket), commit // a missing key is 204
}

// copyObject: the destination bucket is checked first (missing → 404,
// another account's → 403), then the source bucket the same way (so a
// foreign source is 403 and its keys are never looked at), then the key.
// A copy onto itself without new metadata is S3's 400 InvalidRequest.
func (d *dataModel) copyObject(caller, src, sk, dst, dk string) (outcome, func()) {
	commit := func() { d.objects[dst][dk] = d.objects[src][sk] }
	for _, b := range []string{dst, src} {
		if o := d.bucketAccess(caller, b); o.code != codeOK {
			return o, commit
		}
	}
	if _, ok := d.objects[src][sk]; !ok {
		return fail(codeNoSuchKey, "no source key"), commit
	}
	if src == dst && sk == dk {
		return fail("InvalidRequest", "copy onto itself without changes (S3)"), commit
	}
	return ok(), commit
}

func (d *dataModel) ownBuckets(caller string) []string {
	var out []string
	for _, b := range d.bucketIDs {
		if d.buckets[b] == caller {
			out = append(out, b)
		}
	}
	slices.Sort(out) // ListBuckets is in name order
	return slices.Compact(out)
}

// ---- Glue (catalogs are per account: another account's database does not
// exist for you) ----------------------------------------------------------

func (d *dataModel) createDatabase(caller, db string) (outcome, func()) {
	commit := func() {
		if d.dbs[caller] == nil {
			d.dbs[caller] = map[string]bool{}
		}
		d.dbs[caller][db] = true
	}
	if d.dbs[caller][db] {
		return fail(codeGlueExists, "database exists in the caller's catalog"), commit
	}
	return ok(), commit
}

func (d *dataModel) createTable(caller, db, table string) (outcome, func()) {
	commit := func() {
		if d.tables[caller] == nil {
			d.tables[caller] = map[string][]string{}
		}
		var cols []string
		for _, c := range glueTableDefs[table] {
			cols = append(cols, c[0]+":"+c[1])
		}
		d.tables[caller][db+"."+table] = cols
	}
	if !d.dbs[caller][db] {
		return fail(codeGlueNotFound, "no database "+db+" in the caller's catalog"), commit
	}
	if _, ok := d.tables[caller][db+"."+table]; ok {
		return fail(codeGlueExists, "table exists"), commit
	}
	return ok(), commit
}

// deleteDatabase deletes its tables too (decisions, Glue).
func (d *dataModel) deleteDatabase(caller, db string) (outcome, func()) {
	commit := func() {
		delete(d.dbs[caller], db)
		for k := range d.tables[caller] {
			if strings.HasPrefix(k, db+".") {
				delete(d.tables[caller], k)
			}
		}
	}
	if !d.dbs[caller][db] {
		return fail(codeGlueNotFound, "no database "+db+" in the caller's catalog"), commit
	}
	return ok(), commit
}

func (d *dataModel) deleteTable(caller, db, table string) (outcome, func()) {
	commit := func() { delete(d.tables[caller], db+"."+table) }
	if !d.dbs[caller][db] {
		return fail(codeGlueNotFound, "no database "+db+" in the caller's catalog"), commit
	}
	if _, ok := d.tables[caller][db+"."+table]; !ok {
		return fail(codeGlueNotFound, "no table"), commit
	}
	return ok(), commit
}

func (d *dataModel) getTable(caller, db, table string) outcome {
	if _, ok := d.tables[caller][db+"."+table]; !ok {
		return fail(codeGlueNotFound, "no table "+db+"."+table+" in the caller's catalog")
	}
	return ok()
}

// glueType is the type of a column in the caller's catalog, "string" when
// the catalog does not describe it (decisions, Schema column types).
func (d *dataModel) glueType(account, db, table, col string) string {
	for _, c := range d.tables[account][db+"."+table] {
		if n, t, _ := strings.Cut(c, ":"); n == col {
			return t
		}
	}
	return glueTypeOfUnknownCol
}

// ---- configured tables and their rule (owner only, 404 otherwise) ------

func (d *dataModel) createConfiguredTable(caller, db, table string, cols []string) (outcome, func(id, name string)) {
	commit := func(id, name string) {
		d.cts[id] = &mCT{id: id, account: caller, name: name, db: db, table: table, cols: slices.Clone(cols)}
		d.ctIDs = append(d.ctIDs, id)
	}
	def, found := d.tables[caller][db+"."+table]
	if !found {
		return fail(codeValidation, "Glue table "+db+"."+table+" is not in the caller's own catalog (issue 7; decisions)"), commit
	}
	for _, c := range cols {
		if !slices.ContainsFunc(def, func(s string) bool { return strings.HasPrefix(s, c+":") }) {
			return fail(codeValidation, "column "+c+" not in the Glue table (decisions)"), commit
		}
	}
	return outcome{}, commit
}

func (d *dataModel) ownCT(caller, id string) (*mCT, outcome) {
	if idInvalid(id) {
		return nil, fail(codeValidation, "configuredTableIdentifier is not a UUID")
	}
	ct := d.cts[id]
	if ct == nil || ct.account != caller {
		return nil, fail(codeNotFound, "configured table unknown or of another account (spec 1.10)")
	}
	return ct, ok()
}

func (d *dataModel) associated(ctID string) bool {
	for _, a := range d.ctas {
		if a.ctID == ctID {
			return true
		}
	}
	return false
}

func (d *dataModel) deleteConfiguredTable(caller, id string) (outcome, func()) {
	commit := func() { delete(d.cts, id) }
	if _, o := d.ownCT(caller, id); o.code != codeOK {
		return o, commit
	}
	if d.associated(id) {
		return conflictOf(reasonSubresources, "table is associated (decisions)"), commit
	}
	return ok(), commit
}

func (d *dataModel) createRule(caller, id, typ string, providers bool, ruleCols []string) (outcome, func()) {
	commit := func() {
		if ct := d.cts[id]; ct != nil {
			ct.rule, ct.providers, ct.ruleCols = typ, providers, ruleCols
		}
	}
	ct, o := d.ownCT(caller, id)
	if o.code != codeOK {
		return o, commit
	}
	if ct.rule != "" {
		return conflictOf(reasonExists, "one rule per table (spec 1.3)"), commit
	}
	return ok(), commit
}

// ruleOf: a rule of another type than the table's is 404.
func (d *dataModel) ruleOf(caller, id, typ string) outcome {
	ct, o := d.ownCT(caller, id)
	if o.code != codeOK {
		return o
	}
	if ct.rule != typ {
		return fail(codeNotFound, "the table has no "+typ+" rule (decisions)")
	}
	return ok()
}

// ---- associations (membership owner; ACTIVE to create) ------------------

func (d *dataModel) ctasOfCollab(m *refModel, collabID string) []*mCTA {
	var out []*mCTA
	for _, id := range d.ctaIDs {
		if a := d.ctas[id]; a != nil {
			if ms := m.memberships[a.membershipID]; ms != nil && ms.collabID == collabID {
				out = append(out, a)
			}
		}
	}
	return out
}

func (m *refModel) createAssociation(caller, msID, ctID, name string) (outcome, func(id string)) {
	d := m.data
	commit := func(id string) {
		d.ctas[id] = &mCTA{id: id, account: caller, membershipID: msID, ctID: ctID, name: name, rules: map[string][]string{}}
		d.ctaIDs = append(d.ctaIDs, id)
	}
	ms, o := m.ownMembership(caller, msID)
	if o.code != codeOK {
		return o, commit
	}
	if _, o := d.ownCT(caller, ctID); o.code != codeOK {
		return o, commit
	}
	if ms.status != msActive {
		return conflictOf(reasonState, "membership is "+ms.status+" (decisions)"), commit
	}
	for _, a := range d.ctasOfCollab(m, ms.collabID) {
		if strings.EqualFold(a.name, name) {
			return conflictOf(reasonExists, "name "+a.name+" taken in the collaboration, case-insensitively (decisions)"), commit
		}
		if a.ctID == ctID {
			return conflictOf(reasonExists, "table already associated in this collaboration (decisions)"), commit
		}
	}
	return ok(), commit
}

func (m *refModel) ownAssociation(caller, msID, id string) outcome {
	if _, o := m.ownMembership(caller, msID); o.code != codeOK {
		return o
	}
	if idInvalid(id) {
		return fail(codeValidation, "configuredTableAssociationIdentifier is not a UUID")
	}
	if a := m.data.ctas[id]; a == nil || a.membershipID != msID {
		return fail(codeNotFound, "association not under this membership (decisions)")
	}
	return ok()
}

// ---- schemas and collaboration templates (ACTIVE members, 403 else) -----

func (m *refModel) activeMember(caller, collabID string) outcome {
	if idInvalid(collabID) {
		return fail(codeValidation, "collaborationIdentifier is not a UUID")
	}
	c, r := m.visible(collabID, caller)
	if c == nil || r.status != stActive {
		return fail(codeAccessDenied, "not an ACTIVE member of a live collaboration (dataplane 1.10; decisions)")
	}
	return ok()
}

type schemaView struct {
	Name, Creator string
	RuleTypes     []string
	Columns       []string // name:type
	Status        string
	Reasons       []string
}

func (m *refModel) schemaOf(a *mCTA) schemaView {
	ct := m.data.cts[a.ctID]
	v := schemaView{Name: a.name, Creator: a.account, Status: statusReady}
	if ct == nil { // cannot happen: tables cannot be deleted while associated
		return v
	}
	for _, c := range ct.cols {
		v.Columns = append(v.Columns, c+":"+m.data.glueType(ct.account, ct.db, ct.table, c))
	}
	switch {
	case ct.rule == "":
		v.Reasons = []string{reasonRuleMissing}
	case ct.rule == ruleCustom && !ct.providers:
		v.Reasons = []string{reasonNoProviders}
	}
	if ct.rule != "" {
		// Decisions, Schema status: an association rule of another type
		// than the table's is ANALYSIS_RULE_TYPES_NOT_COMPATIBLE; one of
		// the table's type needs receivers, each an ACTIVE member with
		// CAN_RECEIVE_RESULTS. No association rule: no restriction.
		for t, recv := range a.rules {
			if t != ct.rule {
				v.Reasons = append(v.Reasons, "ANALYSIS_RULE_TYPES_NOT_COMPATIBLE")
				continue
			}
			if len(recv) == 0 {
				v.Reasons = append(v.Reasons, "RESULT_RECEIVERS_NOT_CONFIGURED")
				continue
			}
			c := m.collabs[m.memberships[a.membershipID].collabID]
			for _, acct := range recv {
				if r := c.row(acct); r == nil || r.status != stActive || !r.has(abilityReceive) {
					v.Reasons = append(v.Reasons, "RESULT_RECEIVERS_NOT_ALLOWED")
					break
				}
			}
		}
		slices.Sort(v.Reasons)
		v.Reasons = slices.Compact(v.Reasons)
	}
	if ct.rule != "" {
		v.RuleTypes = []string{ct.rule}
	}
	if len(v.Reasons) > 0 {
		v.Status = statusNotReady
	}
	return v
}

func (m *refModel) schemas(collabID string) map[string]schemaView {
	out := map[string]schemaView{}
	for _, a := range m.data.ctasOfCollab(m, collabID) {
		out[a.name] = m.schemaOf(a)
	}
	return out
}

func (m *refModel) schemaByName(collabID, name string) *mCTA {
	for _, a := range m.data.ctasOfCollab(m, collabID) {
		if strings.EqualFold(a.name, name) {
			return a
		}
	}
	return nil
}

// ---- analysis templates --------------------------------------------------

func (m *refModel) templatesOf(msID string) int {
	n := 0
	for _, t := range m.data.tpls {
		if t.membershipID == msID {
			n++
		}
	}
	return n
}

func (m *refModel) createTemplate(caller, msID string, refs []string) (outcome, func(id, name string)) {
	commit := func(id, name string) {
		m.data.tpls[id] = &mTemplate{id: id, account: caller, membershipID: msID, name: name, refs: refs}
		m.data.tplIDs = append(m.data.tplIDs, id)
	}
	ms, o := m.ownMembership(caller, msID)
	if o.code != codeOK {
		return o, commit
	}
	if ms.status != msActive {
		return conflictOf(reasonState, "membership is "+ms.status+" (decisions, Analysis templates)"), commit
	}
	for _, r := range refs {
		if m.schemaByName(ms.collabID, r) == nil {
			return fail(codeValidation, "table "+r+" is not in the collaboration (decisions)"), commit
		}
	}
	if n := m.templatesOf(msID); n >= templatesPerShip {
		return quotaOf("Analysis templates per membership", fmt.Sprintf("%d templates", n)), commit
	}
	return ok(), commit
}

func (m *refModel) ownTemplate(caller, msID, id string) outcome {
	if _, o := m.ownMembership(caller, msID); o.code != codeOK {
		return o
	}
	if idInvalid(id) {
		return fail(codeValidation, "analysisTemplateIdentifier is not a UUID")
	}
	if t := m.data.tpls[id]; t == nil || t.membershipID != msID {
		return fail(codeNotFound, "template not under this membership")
	}
	return ok()
}

func (m *refModel) collabTemplates(collabID string) map[string]string {
	out := map[string]string{}
	for _, id := range m.data.tplIDs {
		if t := m.data.tpls[id]; t != nil {
			if ms := m.memberships[t.membershipID]; ms != nil && ms.collabID == collabID {
				out[id] = t.name + " by " + t.account
			}
		}
	}
	return out
}

// hasSubresources: DeleteMembership is a 409 while the membership has
// associations or templates (issue 7; decisions).
func (m *refModel) hasSubresources(msID string) bool {
	for _, a := range m.data.ctas {
		if a.membershipID == msID {
			return true
		}
	}
	for _, t := range m.data.tpls {
		if t.membershipID == msID {
			return true
		}
	}
	return m.budgetTemplatesOf(msID)
}

func (m *refModel) createAssociationRule(caller, msID, id, typ string) outcome {
	if o := m.ownAssociation(caller, msID, id); o.code != codeOK {
		return o
	}
	if _, ok := m.data.ctas[id].rules[typ]; ok {
		return conflictOf(reasonExists, "one association rule per type (decisions)")
	}
	return ok()
}

func (m *refModel) associationRule(caller, msID, id, typ string) outcome {
	if o := m.ownAssociation(caller, msID, id); o.code != codeOK {
		return o
	}
	if _, ok := m.data.ctas[id].rules[typ]; !ok {
		return fail(codeNotFound, "the association has no "+typ+" rule")
	}
	return ok()
}

// updateColumns predicts UpdateConfiguredTable with allowedColumns: re-checked
// against the catalog, and a column the rule uses may not be dropped
// (decisions).
func (d *dataModel) updateColumns(caller, id string, cols []string) outcome {
	ct, o := d.ownCT(caller, id)
	if o.code != codeOK {
		return o
	}
	def, found := d.tables[caller][ct.db+"."+ct.table]
	if !found {
		return fail(codeValidation, "Glue table "+ct.db+"."+ct.table+" is gone from the caller's catalog (decisions: update re-checks)")
	}
	for _, c := range cols {
		if !slices.ContainsFunc(def, func(s string) bool { return strings.HasPrefix(s, c+":") }) {
			return fail(codeValidation, "column "+c+" not in the Glue table")
		}
	}
	if ct.rule != "" {
		for _, c := range ct.ruleCols {
			if !slices.Contains(cols, c) {
				return fail(codeValidation, "the rule (LIST columns, CUSTOM disallowedOutputColumns) names dropped column "+c+" (decisions)")
			}
		}
	}
	return ok()
}
