package model

// The set-up of a collaboration whose queries the model can predict: a
// querier with its own result bucket, table owners whose Glue tables (in
// queryDB) hold CSV data the model knows, configured tables under CUSTOM
// rules (ANY_QUERY, allowedAnalysisProviders, disallowedOutputColumns),
// their associations, sometimes a receiver. Every call goes through the
// model like any other operation, so the random operations that follow
// may change any of it (drop a rule, delete an association, update a
// membership's result configuration) and the query model follows.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var worldCities = []string{"LA", "NYC", "SEA"}

// newTableData draws the rows of a Glue table of queryDB.
func (h *harness) newTableData(table string) tableData {
	td := tableData{}
	for _, c := range glueTableDefs[table] {
		td.cols = append(td.cols, c[0])
	}
	n := 1 + h.r.IntN(7)
	for i := 1; i <= n; i++ {
		city := pick(h, worldCities)
		if table == "users" {
			td.rows = append(td.rows, []string{fmt.Sprint(i), city, fmt.Sprintf("u%d@example.com", i)})
		} else {
			td.rows = append(td.rows, []string{fmt.Sprint(1 + h.r.IntN(6)), fmt.Sprint(h.r.IntN(100)), city})
		}
	}
	return td
}

// setupCall checks one call of the set-up: it reports whether the server
// succeeded as the model predicted (the set-up stops otherwise).
func (h *harness) setupCall(op string, want outcome, err error) bool {
	return h.outcome(op, want, err) && err == nil
}

// ensureBucket creates account's bucket unless the model has it.
func (h *harness) ensureBucket(account, b string) bool {
	if h.m.data.buckets[b] == account {
		return true
	}
	h.begin("%s CreateBucket %s (query world)", account, b)
	want, commit := h.m.data.createBucket(account, b)
	ctx, cancel := h.ctx()
	_, err := h.s3c[account].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
	cancel()
	if !h.setupCall("CreateBucket", want, err) {
		return false
	}
	commit()
	return true
}

// ensureTable gives owner the Glue table queryDB.table over CSV data the
// model knows, in owner's data bucket.
func (h *harness) ensureTable(owner, table string) bool {
	d := h.m.data
	if _, ok := d.tables[owner][queryDB+"."+table]; ok {
		// the world's, or one the random CreateTable made (over data-a)
		_, world := h.m.queries.located[owner+"/"+queryDB+"."+table]
		return world
	}
	if !h.ensureBucket(owner, dataBucket(owner)) {
		return false
	}
	td, known := h.m.queries.data[owner][table]
	if !known {
		td = h.newTableData(table)
	}
	key := table + "/part-0.csv"
	h.begin("%s PutObject %s/%s (query world, %d rows)", owner, dataBucket(owner), key, len(td.rows))
	want, commit := d.putObject(owner, dataBucket(owner), key, td.csv())
	ctx, cancel := h.ctx()
	_, err := h.s3c[owner].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(dataBucket(owner)), Key: aws.String(key), Body: strings.NewReader(td.csv())})
	cancel()
	if !h.setupCall("PutObject", want, err) {
		return false
	}
	commit()
	if h.m.queries.data[owner] == nil {
		h.m.queries.data[owner] = map[string]tableData{}
	}
	h.m.queries.data[owner][table] = td
	if !d.dbs[owner][queryDB] {
		h.begin("%s glue CreateDatabase %s (query world)", owner, queryDB)
		want, commit := d.createDatabase(owner, queryDB)
		ctx, cancel := h.ctx()
		_, err := h.gluec[owner].CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(queryDB)}})
		cancel()
		if !h.setupCall("glue CreateDatabase", want, err) {
			return false
		}
		commit()
	}
	var cols []gluetypes.Column
	for _, c := range glueTableDefs[table] {
		cols = append(cols, gluetypes.Column{Name: aws.String(c[0]), Type: aws.String(c[1])})
	}
	h.begin("%s glue CreateTable %s.%s (query world, s3://%s/%s/)", owner, queryDB, table, dataBucket(owner), table)
	want, commitT := d.createTable(owner, queryDB, table)
	ctx, cancel = h.ctx()
	_, err = h.gluec[owner].CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(queryDB), TableInput: &gluetypes.TableInput{
		Name: aws.String(table), TableType: aws.String("EXTERNAL_TABLE"),
		Parameters: map[string]string{"classification": "csv", "skip.header.line.count": "1"},
		StorageDescriptor: &gluetypes.StorageDescriptor{Columns: cols, Location: aws.String("s3://" + dataBucket(owner) + "/" + table + "/"),
			InputFormat:  aws.String("org.apache.hadoop.mapred.TextInputFormat"),
			OutputFormat: aws.String("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"),
			SerdeInfo: &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
				Parameters: map[string]string{"field.delim": ","}}},
	}})
	cancel()
	if !h.setupCall("glue CreateTable", want, err) {
		return false
	}
	commitT()
	h.m.queries.located[owner+"/"+queryDB+"."+table] = dataBucket(owner)
	return true
}

// opSetUpQueryWorld builds one query world (see the file comment).
func (h *harness) opSetUpQueryWorld() {
	querier := h.anyAccount()
	var others []string
	for _, a := range accounts {
		if a != querier {
			others = append(others, a)
		}
	}
	h.r.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
	owner := others[0] // owns users
	owner2 := querier  // owns orders: often the querier itself
	if h.chance(0.5) {
		owner2 = others[1]
	}
	receiver := ""
	if h.chance(0.6) {
		receiver = others[2]
	}
	qAbilities := []types.MemberAbility{types.MemberAbilityCanQuery}
	if h.chance(0.85) {
		qAbilities = append(qAbilities, types.MemberAbilityCanReceiveResults)
	}
	in := &cleanrooms.CreateCollaborationInput{
		Name: aws.String(fmt.Sprintf("query-world-%d", h.op)), Description: aws.String("randomized model test: queries"),
		CreatorDisplayName: aws.String("querier"), CreatorMemberAbilities: qAbilities,
		QueryLogStatus: types.CollaborationQueryLogStatusDisabled, Members: []types.MemberSpecification{},
	}
	members := []string{owner}
	if owner2 != querier && owner2 != owner {
		members = append(members, owner2)
	}
	if receiver != "" {
		members = append(members, receiver)
	}
	for _, a := range members {
		ab := []types.MemberAbility{}
		if a == receiver {
			ab = append(ab, types.MemberAbilityCanReceiveResults)
		}
		in.Members = append(in.Members, types.MemberSpecification{AccountId: aws.String(a), DisplayName: aws.String("member-" + a[:1]), MemberAbilities: ab})
	}
	h.begin("%s CreateCollaboration (query world) creator=%v members=%s", querier, qAbilities, fmtMembers(in.Members))
	want, commit := h.m.createCollaboration(querier, in)
	ctx, cancel := h.ctx()
	out, err := h.clients[querier].CreateCollaboration(ctx, in)
	cancel()
	if !h.setupCall("CreateCollaboration", want, err) {
		return
	}
	collabID := aws.ToString(out.Collaboration.Id)
	h.note(" " + short(collabID))
	commit(collabID)
	c := h.m.collabs[collabID]

	ships := map[string]string{}
	for _, a := range append([]string{querier}, members...) {
		r := c.row(a)
		st := settings{queryLog: "DISABLED"}
		var rc *types.MembershipProtectedQueryResultConfiguration
		prefix := pick(h, []string{"", "q/", "results/x"})
		if r.has(abilityReceive) {
			if !h.ensureBucket(a, resultBucket(a)) {
				return
			}
			st.result, st.resultRole = true, !r.has(abilityQuery)
			s3c := types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String(resultBucket(a)), ResultFormat: types.ResultFormatCsv}
			if prefix != "" {
				s3c.KeyPrefix = aws.String(prefix)
			}
			rc = &types.MembershipProtectedQueryResultConfiguration{OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{Value: s3c}}
			if st.resultRole {
				rc.RoleArn = aws.String("arn:aws:iam::" + a + ":role/cleanrooms-results")
			}
		}
		h.begin("%s CreateMembership %s (query world) %s", a, short(collabID), st)
		want, commit := h.m.createMembership(a, collabID, st, nil)
		ctx, cancel := h.ctx()
		out, err := h.clients[a].CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: aws.String(collabID),
			QueryLogStatus: types.MembershipQueryLogStatusDisabled, DefaultResultConfiguration: rc})
		cancel()
		if !h.setupCall("CreateMembership", want, err) {
			return
		}
		id := aws.ToString(out.Membership.Id)
		h.note(" " + short(id))
		commit(id)
		if st.result {
			h.m.memberships[id].resultBucket, h.m.memberships[id].resultPrefix = resultBucket(a), prefix
		}
		ships[a] = id
	}

	for _, t := range []struct{ owner, table string }{{owner, "users"}, {owner2, "orders"}} {
		if !h.ensureTable(t.owner, t.table) {
			return
		}
		if !h.worldTable(t.owner, t.table, ships[t.owner], querier, receiver) {
			return
		}
	}
	if h.chance(0.5) {
		// A template over the world's tables, so that template queries
		// meet CUSTOM and AGGREGATION tables of their own collaboration.
		var refs []string
		for _, a := range h.m.data.ctasOfCollab(h.m, collabID) {
			refs = append(refs, a.name)
		}
		text := "SELECT COUNT(*) AS n FROM " + refs[0]
		if len(refs) > 1 && h.chance(0.5) {
			text = fmt.Sprintf("SELECT COUNT(*) AS n FROM %s a JOIN %s b ON a.id = b.id", refs[0], refs[1])
		} else {
			refs = refs[:1]
		}
		h.begin("%s CreateAnalysisTemplate %s %q (query world)", querier, short(ships[querier]), text)
		want, commit := h.m.createTemplate(querier, ships[querier], refs)
		ctx, cancel := h.ctx()
		out, err := h.clients[querier].CreateAnalysisTemplate(ctx, &cleanrooms.CreateAnalysisTemplateInput{
			MembershipIdentifier: aws.String(ships[querier]), Name: aws.String(fmt.Sprintf("qtpl-%d", h.op)), Format: types.AnalysisFormatSql,
			Source: &types.AnalysisSourceMemberText{Value: text},
		})
		cancel()
		if h.setupCall("CreateAnalysisTemplate", want, err) {
			id := aws.ToString(out.AnalysisTemplate.Id)
			h.note(" " + short(id))
			commit(id, fmt.Sprintf("qtpl-%d", h.op))
		}
	}
}

// worldTable configures owner's queryDB.table under a CUSTOM rule and
// associates it under the owner's membership.
func (h *harness) worldTable(owner, table, msID, querier, receiver string) bool {
	d := h.m.data
	var cols []string
	for _, c := range glueTableDefs[table] {
		if c[0] != "email" || h.chance(0.7) {
			cols = append(cols, c[0])
		}
	}
	name := fmt.Sprintf("qct-%d-%s", h.op, table)
	h.begin("%s CreateConfiguredTable %s glue=%s.%s cols=%v (query world)", owner, name, queryDB, table, cols)
	want, commit := d.createConfiguredTable(owner, queryDB, table, cols)
	ctx, cancel := h.ctx()
	out, err := h.clients[owner].CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{
		Name: aws.String(name), AllowedColumns: cols, AnalysisMethod: types.AnalysisMethodDirectQuery,
		TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String(queryDB), TableName: aws.String(table)}},
	})
	cancel()
	if !h.setupCall("CreateConfiguredTable", want, err) {
		return false
	}
	ctID := aws.ToString(out.ConfiguredTable.Id)
	h.note(" " + short(ctID))
	commit(ctID, name)

	if !h.worldRule(owner, ctID, querier, cols) {
		return false
	}

	ms := h.m.memberships[msID]
	assoc := table
	if h.m.schemaByName(ms.collabID, assoc) != nil {
		assoc = table + "_2"
	}
	if h.chance(0.2) {
		assoc = strings.ToUpper(assoc[:1]) + assoc[1:]
	}
	h.begin("%s CreateConfiguredTableAssociation %s table=%s name=%s (query world)", owner, short(msID), short(ctID), assoc)
	wantA, commitA := h.m.createAssociation(owner, msID, ctID, assoc)
	ctx, cancel = h.ctx()
	outA, err := h.clients[owner].CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(msID), ConfiguredTableIdentifier: aws.String(ctID), Name: aws.String(assoc),
		RoleArn: aws.String("arn:aws:iam::" + owner + ":role/cleanrooms-read"),
	})
	cancel()
	if !h.setupCall("CreateConfiguredTableAssociation", wantA, err) {
		return false
	}
	ctaID := aws.ToString(outA.ConfiguredTableAssociation.Id)
	h.note(" " + short(ctaID))
	commitA(ctaID)
	if !h.chance(0.4) {
		return true
	}
	// A collaboration analysis rule limiting the receivers.
	rt := d.cts[ctID].rule
	recv := []string{querier}
	if receiver != "" && h.chance(0.5) {
		recv = []string{receiver}
		if h.chance(0.5) {
			recv = append(recv, querier)
		}
	}
	slices.Sort(recv)
	h.begin("%s CreateConfiguredTableAssociationAnalysisRule %s/%s %s receivers=%v (query world)", owner, short(msID), short(ctaID), rt, recv)
	want = h.m.createAssociationRule(owner, msID, ctaID, rt)
	var pol types.ConfiguredTableAssociationAnalysisRulePolicyV1 = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom{
		Value: types.ConfiguredTableAssociationAnalysisRuleCustom{AllowedResultReceivers: recv}}
	if rt == ruleAggregation {
		pol = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation{
			Value: types.ConfiguredTableAssociationAnalysisRuleAggregation{AllowedResultReceivers: recv}}
	}
	ctx, cancel = h.ctx()
	_, err = h.clients[owner].CreateConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: aws.String(msID), ConfiguredTableAssociationIdentifier: aws.String(ctaID),
		AnalysisRuleType:   types.ConfiguredTableAssociationAnalysisRuleType(rt),
		AnalysisRulePolicy: &types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{Value: pol},
	})
	cancel()
	if !h.setupCall("CreateConfiguredTableAssociationAnalysisRule", want, err) {
		return false
	}
	d.ctas[ctaID].rules[rt] = recv
	return true
}

// worldRule gives a world table its rule: mostly CUSTOM (ANY_QUERY, the
// querier as provider, some disallowed output columns), sometimes
// AGGREGATION (COUNT DISTINCT id, dimension city, join column id, an
// output minimum on id, perhaps joinRequired).
func (h *harness) worldRule(owner, ctID, querier string, cols []string) bool {
	d := h.m.data
	var pol types.ConfiguredTableAnalysisRulePolicyV1
	var providers, disallowed []string
	typ, aggMin, joinRequired := ruleCustom, 0, false
	if h.chance(0.3) {
		typ, aggMin, joinRequired = ruleAggregation, 2+h.r.IntN(2), h.chance(0.5)
		a := types.AnalysisRuleAggregation{
			AggregateColumns: []types.AggregateColumn{{ColumnNames: []string{"id"}, Function: types.AggregateFunctionNameCountDistinct}},
			DimensionColumns: []string{"city"}, JoinColumns: []string{"id"}, ScalarFunctions: []types.ScalarFunctions{},
			OutputConstraints: []types.AggregationConstraint{{ColumnName: aws.String("id"), Minimum: aws.Int32(int32(aggMin)), Type: types.AggregationTypeCountDistinct}},
		}
		if joinRequired {
			a.JoinRequired = types.JoinRequiredOptionQueryRunner
		}
		pol = &types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{Value: a}
	} else {
		providers = []string{querier}
		if h.chance(0.1) {
			providers = []string{owner} // the querier may not run free-form queries
		}
		for _, c := range cols {
			if c != "id" && h.chance(0.3) {
				disallowed = append(disallowed, c)
			}
		}
		pol = &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{Value: types.AnalysisRuleCustom{
			AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: providers, DisallowedOutputColumns: disallowed}}
	}
	ruleCols := disallowed // a column the rule names may not be dropped
	if typ == ruleAggregation {
		ruleCols = []string{"id", "city"}
	}
	h.begin("%s CreateConfiguredTableAnalysisRule %s %s providers=%v disallowed=%v min=%d joinRequired=%v (query world)",
		owner, short(ctID), typ, providers, disallowed, aggMin, joinRequired)
	want, commit := d.createRule(owner, ctID, typ, typ == ruleCustom, ruleCols)
	ctx, cancel := h.ctx()
	_, err := h.clients[owner].CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: aws.String(ctID), AnalysisRuleType: types.ConfiguredTableAnalysisRuleType(typ),
		AnalysisRulePolicy: &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: pol},
	})
	cancel()
	if !h.setupCall("CreateConfiguredTableAnalysisRule", want, err) {
		return false
	}
	commit()
	ct := d.cts[ctID]
	ct.providerAccts, ct.disallowed = providers, disallowed
	if typ == ruleAggregation {
		ct.aggMin, ct.joinRequired, ct.dims = aggMin, joinRequired, []string{"city"}
	}
	return true
}
