package model

// The random data-plane operations (S3, Glue, configured tables, rules,
// associations, schemas, analysis templates) and their leak audit.

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func init() {
	operations = append(operations,
		weightedOp{"CreateBucket", fixed(3), (*harness).opCreateBucket},
		weightedOp{"DeleteBucket", fixed(1), (*harness).opDeleteBucket},
		weightedOp{"PutObject", fixed(4), (*harness).opPutObject},
		weightedOp{"GetObject", fixed(4), (*harness).opGetObject},
		weightedOp{"DeleteObject", fixed(2), (*harness).opDeleteObject},
		weightedOp{"CopyObject", fixed(3), (*harness).opCopyObject},
		weightedOp{"HeadBucket", fixed(1), (*harness).opHeadBucket},
		weightedOp{"DeleteObjects", fixed(1), (*harness).opDeleteObjects},
		weightedOp{"CreateMultipartUpload", fixed(1), (*harness).opCreateMultipartUpload},
		weightedOp{"DeleteDatabase", fixed(1), (*harness).opDeleteDatabase},
		weightedOp{"CreateDatabase", fixed(4), (*harness).opCreateDatabase},
		weightedOp{"CreateTable", fixed(6), (*harness).opCreateTable},
		weightedOp{"DeleteTable", fixed(1), (*harness).opDeleteTable},
		weightedOp{"GetTable", fixed(3), (*harness).opGetTable},
		weightedOp{"CreateConfiguredTable", fixed(8), (*harness).opCreateConfiguredTable},
		weightedOp{"GetConfiguredTable", fixed(4), (*harness).opGetConfiguredTable},
		weightedOp{"UpdateConfiguredTable", fixed(2), (*harness).opUpdateConfiguredTable},
		weightedOp{"DeleteConfiguredTable", fixed(2), (*harness).opDeleteConfiguredTable},
		weightedOp{"CreateConfiguredTableAnalysisRule", fixed(6), (*harness).opCreateRule},
		weightedOp{"GetConfiguredTableAnalysisRule", fixed(3), (*harness).opGetRule},
		weightedOp{"DeleteConfiguredTableAnalysisRule", fixed(2), (*harness).opDeleteRule},
		weightedOp{"CreateConfiguredTableAssociation", fixed(10), (*harness).opCreateAssociation},
		weightedOp{"GetConfiguredTableAssociation", fixed(3), (*harness).opGetAssociation},
		weightedOp{"DeleteConfiguredTableAssociation", fixed(2), (*harness).opDeleteAssociation},
		weightedOp{"CreateConfiguredTableAssociationAnalysisRule", fixed(5), (*harness).opCreateAssociationRule},
		weightedOp{"DeleteConfiguredTableAssociationAnalysisRule", fixed(2), (*harness).opDeleteAssociationRule},
		weightedOp{"GetSchema", fixed(5), (*harness).opGetSchema},
		weightedOp{"ListSchemas", fixed(4), (*harness).opListSchemas},
		weightedOp{"BatchGetSchema", fixed(3), (*harness).opBatchGetSchema},
		weightedOp{"GetSchemaAnalysisRule", fixed(3), (*harness).opGetSchemaAnalysisRule},
		weightedOp{"GetCollaborationAnalysisTemplate", fixed(3), (*harness).opGetCollabTemplate},
		weightedOp{"CreateAnalysisTemplate", fixed(5), (*harness).opCreateTemplate},
		weightedOp{"DeleteAnalysisTemplate", fixed(2), (*harness).opDeleteTemplate},
		weightedOp{"ListCollaborationAnalysisTemplates", fixed(3), (*harness).opListCollabTemplates},
	)
}

var (
	bucketPool = []string{"data-a", "data-b", "data-c", "data-d", "data-e", "data-f"}
	keyPool    = []string{"users/part-0.csv", "users/part-1.csv", "orders/p.csv"}
	dbPool     = []string{"sales", "crm", "ads"}
	tablePool  = []string{"users", "orders"}
	ctaNames   = []string{"users", "orders", "Users", "t_1", "sales", "ORDERS"}
)

// ---- S3 -------------------------------------------------------------------

func (h *harness) opCreateBucket() {
	caller, b := h.anyAccount(), pick(h, bucketPool)
	h.begin("%s CreateBucket %s", caller, b)
	want, commit := h.m.data.createBucket(caller, b)
	ctx, cancel := h.ctx()
	_, err := h.s3c[caller].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
	cancel()
	h.outcome("CreateBucket", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opDeleteBucket() {
	caller, b := h.bucketCaller()
	h.begin("%s DeleteBucket %s", caller, b)
	want, commit := h.m.data.deleteBucket(caller, b)
	ctx, cancel := h.ctx()
	_, err := h.s3c[caller].DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)})
	cancel()
	h.outcome("DeleteBucket", want, err)
	if err == nil {
		commit()
	}
}

// bucketCaller picks a bucket and mostly its owner.
func (h *harness) bucketCaller() (string, string) {
	b := pick(h, bucketPool)
	if owner, ok := h.m.data.buckets[b]; ok && h.chance(0.7) {
		return owner, b
	}
	return h.anyAccount(), b
}

func (h *harness) opPutObject() {
	caller, b := h.bucketCaller()
	key, body := pick(h, keyPool), fmt.Sprintf("id,city\n%d,c%d\n", h.op, h.r.IntN(9))
	h.begin("%s PutObject %s/%s", caller, b, key)
	want, commit := h.m.data.putObject(caller, b, key, body)
	ctx, cancel := h.ctx()
	_, err := h.s3c[caller].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: strings.NewReader(body)})
	cancel()
	h.outcome("PutObject", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) getObject(op, caller, b, key string) {
	want := h.m.data.getObject(caller, b, key)
	ctx, cancel := h.ctx()
	defer cancel()
	out, err := h.s3c[caller].GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
	if h.outcome(op, want, err) {
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			h.diverge("GetObject body: %v", err)
		}
		h.same("GetObject "+b+"/"+key, h.m.data.objects[b][key], string(body))
	}
}

func (h *harness) opGetObject() {
	caller, b := h.bucketCaller()
	key := pick(h, keyPool)
	h.begin("%s GetObject %s/%s", caller, b, key)
	h.getObject("GetObject", caller, b, key)
}

func (h *harness) opDeleteObject() {
	caller, b := h.bucketCaller()
	key := pick(h, keyPool)
	h.begin("%s DeleteObject %s/%s", caller, b, key)
	want, commit := h.m.data.deleteObject(caller, b, key)
	ctx, cancel := h.ctx()
	_, err := h.s3c[caller].DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
	cancel()
	h.outcome("DeleteObject", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opCopyObject() {
	caller, dst := h.bucketCaller()
	src := pick(h, bucketPool)
	if h.chance(0.5) { // often a bucket of another account: the copy must not read it
		for b, owner := range h.m.data.buckets {
			if owner != caller && h.chance(0.5) {
				src = b
			}
		}
	}
	sk, dk := pick(h, keyPool), pick(h, keyPool)
	h.begin("%s CopyObject %s/%s -> %s/%s", caller, src, sk, dst, dk)
	want, commit := h.m.data.copyObject(caller, src, sk, dst, dk)
	ctx, cancel := h.ctx()
	_, err := h.s3c[caller].CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(dst), Key: aws.String(dk), CopySource: aws.String(src + "/" + sk)})
	cancel()
	h.outcome("CopyObject", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opHeadBucket() {
	caller, b := h.bucketCaller()
	h.begin("%s HeadBucket %s", caller, b)
	want := h.m.data.bucketAccess(caller, b)
	// HEAD answers carry no body: the SDK names the status instead.
	switch want.code {
	case codeS3AccessDenied:
		want.code = "Forbidden"
	case codeNoSuchBucket:
		want.code = "NotFound"
	}
	ctx, cancel := h.ctx()
	_, err := h.s3c[caller].HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b)})
	cancel()
	h.outcome("HeadBucket", want, err)
}

func (h *harness) opDeleteObjects() {
	caller, b := h.bucketCaller()
	keys := []string{pick(h, keyPool), pick(h, keyPool)}
	h.begin("%s DeleteObjects %s %v", caller, b, keys)
	want := h.m.data.bucketAccess(caller, b)
	var ids []s3types.ObjectIdentifier
	for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
		ids = append(ids, s3types.ObjectIdentifier{Key: aws.String(k)})
	}
	ctx, cancel := h.ctx()
	out, err := h.s3c[caller].DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &s3types.Delete{Objects: ids}})
	cancel()
	if h.outcome("DeleteObjects", want, err) {
		if len(out.Errors) > 0 {
			h.diverge("DeleteObjects errors %v; model expected none", aws.ToString(out.Errors[0].Code))
		}
		for _, k := range keys {
			delete(h.m.data.objects[b], k)
		}
	}
}

// opCreateMultipartUpload starts and aborts an upload (uploads would make
// DeleteBucket a 409, which the model does not track).
func (h *harness) opCreateMultipartUpload() {
	caller, b := h.bucketCaller()
	h.begin("%s CreateMultipartUpload %s/big.bin", caller, b)
	want := h.m.data.bucketAccess(caller, b)
	ctx, cancel := h.ctx()
	defer cancel()
	out, err := h.s3c[caller].CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("big.bin")})
	if h.outcome("CreateMultipartUpload", want, err) {
		if _, err := h.s3c[caller].AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("big.bin"), UploadId: out.UploadId}); err != nil {
			h.diverge("AbortMultipartUpload: %v", err)
		}
	}
}

// ---- Glue -----------------------------------------------------------------

func (h *harness) opCreateDatabase() {
	caller, db := h.anyAccount(), pick(h, dbPool)
	h.begin("%s glue CreateDatabase %s", caller, db)
	want, commit := h.m.data.createDatabase(caller, db)
	ctx, cancel := h.ctx()
	_, err := h.gluec[caller].CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(db)}})
	cancel()
	h.outcome("glue CreateDatabase", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opCreateTable() {
	caller, db, table := h.anyAccount(), pick(h, dbPool), pick(h, tablePool)
	if own := slices.Sorted(mapKeys(h.m.data.dbs[caller])); len(own) > 0 && h.chance(0.8) {
		db = pick(h, own)
	}
	var cols []gluetypes.Column
	for _, c := range glueTableDefs[table] {
		cols = append(cols, gluetypes.Column{Name: aws.String(c[0]), Type: aws.String(c[1])})
	}
	h.begin("%s glue CreateTable %s.%s", caller, db, table)
	want, commit := h.m.data.createTable(caller, db, table)
	ctx, cancel := h.ctx()
	_, err := h.gluec[caller].CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: &gluetypes.TableInput{
		Name: aws.String(table), TableType: aws.String("EXTERNAL_TABLE"),
		StorageDescriptor: &gluetypes.StorageDescriptor{Columns: cols, Location: aws.String("s3://data-a/" + table + "/")},
	}})
	cancel()
	h.outcome("glue CreateTable", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opDeleteDatabase() {
	caller, db := h.anyAccount(), pick(h, dbPool)
	h.begin("%s glue DeleteDatabase %s", caller, db)
	want, commit := h.m.data.deleteDatabase(caller, db)
	ctx, cancel := h.ctx()
	_, err := h.gluec[caller].DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String(db)})
	cancel()
	h.outcome("glue DeleteDatabase", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opDeleteTable() {
	caller, db, table := h.anyAccount(), pick(h, dbPool), pick(h, tablePool)
	h.begin("%s glue DeleteTable %s.%s", caller, db, table)
	want, commit := h.m.data.deleteTable(caller, db, table)
	ctx, cancel := h.ctx()
	_, err := h.gluec[caller].DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String(db), Name: aws.String(table)})
	cancel()
	h.outcome("glue DeleteTable", want, err)
	if err == nil {
		commit()
	}
}

func (h *harness) opGetTable() {
	caller, db, table := h.anyAccount(), pick(h, dbPool), pick(h, tablePool)
	h.begin("%s glue GetTable %s.%s", caller, db, table)
	h.glueGetTable("glue GetTable", caller, db, table)
}

func (h *harness) glueGetTable(op, caller, db, table string) {
	want := h.m.data.getTable(caller, db, table)
	ctx, cancel := h.ctx()
	out, err := h.gluec[caller].GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(db), Name: aws.String(table)})
	cancel()
	if h.outcome(op, want, err) {
		var got []string
		if sd := out.Table.StorageDescriptor; sd != nil {
			for _, c := range sd.Columns {
				got = append(got, aws.ToString(c.Name)+":"+aws.ToString(c.Type))
			}
		}
		h.same("GetTable "+db+"."+table+" columns", h.m.data.tables[caller][db+"."+table], got)
	}
}

// ---- configured tables ----------------------------------------------------

// pickCT returns a configured table id and a caller: mostly a live table
// and its owner, sometimes another account, a deleted or an unknown id.
func (h *harness) pickCT() (id, caller string) {
	d := h.m.data
	caller = h.anyAccount()
	if len(d.ctIDs) == 0 || h.chance(0.05) {
		return h.randomUUID(), caller
	}
	id = pick(h, d.ctIDs)
	var live []string
	for _, c := range d.ctIDs {
		if d.cts[c] != nil {
			live = append(live, c)
		}
	}
	if len(live) > 0 && h.chance(0.85) {
		id = pick(h, live)
	}
	if ct := d.cts[id]; ct != nil && h.chance(0.75) {
		caller = ct.account
	}
	return id, caller
}

func (h *harness) opCreateConfiguredTable() {
	caller := h.anyAccount()
	d := h.m.data
	if withTables := slices.Sorted(mapKeys(d.tables)); len(withTables) > 0 && h.chance(0.7) {
		caller = pick(h, withTables)
	}
	db, table := pick(h, dbPool), pick(h, tablePool)
	// Mostly a table of the caller's own catalog, sometimes one only
	// another account has (the catalog check must not see it).
	var own []string
	for k := range d.tables[caller] {
		own = append(own, k)
	}
	sort.Strings(own)
	if len(own) > 0 && h.chance(0.75) {
		db, table, _ = strings.Cut(pick(h, own), ".")
	}
	var cols []string
	for _, c := range glueTableDefs[table] {
		if len(cols) < 2 || h.chance(0.5) {
			cols = append(cols, c[0])
		}
	}
	if h.chance(0.05) {
		cols = append(cols, "no_such_column")
	}
	name := fmt.Sprintf("ct-%d", h.op)
	h.begin("%s CreateConfiguredTable %s glue=%s.%s cols=%v", caller, name, db, table, cols)
	want, commit := d.createConfiguredTable(caller, db, table, cols)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{
		Name: aws.String(name), AllowedColumns: cols, AnalysisMethod: types.AnalysisMethodDirectQuery,
		TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String(db), TableName: aws.String(table)}},
	})
	cancel()
	agree := h.outcome("CreateConfiguredTable", want, err)
	if err != nil {
		return
	}
	id := aws.ToString(out.ConfiguredTable.Id)
	h.note(" " + short(id))
	commit(id, name)
	if agree {
		h.same("CreateConfiguredTable result", h.m.ctView(d.cts[id]), viewOfCT(out.ConfiguredTable))
	}
}

type ctView struct {
	ID, Arn, Name, DB, Table string
	Cols, RuleTypes          []string
}

func (m *refModel) ctView(ct *mCT) ctView {
	v := ctView{ID: ct.id, Arn: fmt.Sprintf("arn:aws:cleanrooms:%s:%s:configuredtable/%s", region, ct.account, ct.id),
		Name: ct.name, DB: ct.db, Table: ct.table, Cols: ct.cols, RuleTypes: []string{}}
	if ct.rule != "" {
		v.RuleTypes = []string{ct.rule}
	}
	return v
}

func viewOfCT(ct *types.ConfiguredTable) ctView {
	v := ctView{ID: aws.ToString(ct.Id), Arn: aws.ToString(ct.Arn), Name: aws.ToString(ct.Name), Cols: ct.AllowedColumns}
	if g, ok := ct.TableReference.(*types.TableReferenceMemberGlue); ok {
		v.DB, v.Table = aws.ToString(g.Value.DatabaseName), aws.ToString(g.Value.TableName)
	}
	for _, t := range ct.AnalysisRuleTypes {
		v.RuleTypes = append(v.RuleTypes, string(t))
	}
	return v
}

func (h *harness) getConfiguredTable(op, caller, id string) {
	_, want := h.m.data.ownCT(caller, id)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: aws.String(id)})
	cancel()
	if h.outcome(op, want, err) {
		h.same("GetConfiguredTable", h.m.ctView(h.m.data.cts[id]), viewOfCT(out.ConfiguredTable))
	}
}

func (h *harness) opGetConfiguredTable() {
	id, caller := h.pickCT()
	h.begin("%s GetConfiguredTable %s", caller, short(id))
	h.getConfiguredTable("GetConfiguredTable", caller, id)
}

func (h *harness) opUpdateConfiguredTable() {
	id, caller := h.pickCT()
	name := fmt.Sprintf("renamed-ct-%d", h.op)
	in := &cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: aws.String(id), Name: aws.String(name)}
	_, want := h.m.data.ownCT(caller, id)
	var cols []string
	if ct := h.m.data.cts[id]; ct != nil && h.chance(0.5) {
		for _, c := range glueTableDefs[ct.table] {
			if len(cols) < 1 || h.chance(0.6) {
				cols = append(cols, c[0])
			}
		}
		if h.chance(0.05) {
			cols = append(cols, "no_such_column")
		}
		in.AllowedColumns = cols
		want = h.m.data.updateColumns(caller, id, cols)
	}
	h.begin("%s UpdateConfiguredTable %s name=%s cols=%v", caller, short(id), name, cols)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].UpdateConfiguredTable(ctx, in)
	cancel()
	agree := h.outcome("UpdateConfiguredTable", want, err)
	if err != nil {
		return
	}
	if ct := h.m.data.cts[id]; ct != nil {
		ct.name = name
		if cols != nil {
			ct.cols = cols
		}
		if agree {
			h.same("UpdateConfiguredTable result", h.m.ctView(ct), viewOfCT(out.ConfiguredTable))
		}
	}
}

func (h *harness) opDeleteConfiguredTable() {
	id, caller := h.pickCT()
	h.begin("%s DeleteConfiguredTable %s", caller, short(id))
	want, commit := h.m.data.deleteConfiguredTable(caller, id)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].DeleteConfiguredTable(ctx, &cleanrooms.DeleteConfiguredTableInput{ConfiguredTableIdentifier: aws.String(id)})
	cancel()
	h.outcome("DeleteConfiguredTable", want, err)
	if err == nil {
		if ct := h.m.data.cts[id]; ct != nil {
			delete(h.m.tags, ctARN(ct)) // tags go with the table (decisions)
		}
		commit()
	}
}

// ---- analysis rules -------------------------------------------------------

func (h *harness) opCreateRule() {
	id, caller := h.pickCT()
	typ := pick(h, []string{ruleList, ruleCustom})
	providers := h.chance(0.6)
	cols := []string{"id", "city"}
	if ct := h.m.data.cts[id]; ct != nil {
		cols = ct.cols
	}
	var pol types.ConfiguredTableAnalysisRulePolicyV1
	var ruleCols, provAccts []string
	if typ == ruleList {
		ruleCols = cols
		pol = &types.ConfiguredTableAnalysisRulePolicyV1MemberList{Value: types.AnalysisRuleList{JoinColumns: cols[:1], ListColumns: cols[1:]}}
	} else {
		c := types.AnalysisRuleCustom{AllowedAnalyses: []string{"ANY_QUERY"}}
		if providers {
			c.AllowedAnalysisProviders = []string{pick(h, accounts)}
		}
		provAccts = c.AllowedAnalysisProviders
		pol = &types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{Value: c}
	}
	h.begin("%s CreateConfiguredTableAnalysisRule %s %s providers=%v", caller, short(id), typ, providers && typ == ruleCustom)
	want, commit := h.m.data.createRule(caller, id, typ, providers && typ == ruleCustom, ruleCols)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: aws.String(id), AnalysisRuleType: types.ConfiguredTableAnalysisRuleType(typ),
		AnalysisRulePolicy: &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: pol},
	})
	cancel()
	agree := h.outcome("CreateConfiguredTableAnalysisRule", want, err)
	if err != nil {
		return
	}
	commit()
	if ct := h.m.data.cts[id]; ct != nil {
		ct.providerAccts, ct.disallowed = provAccts, nil
	}
	if agree {
		h.same("CreateConfiguredTableAnalysisRule result", id+"/"+typ, aws.ToString(out.AnalysisRule.ConfiguredTableId)+"/"+string(out.AnalysisRule.Type))
	}
}

func (h *harness) ruleType(id string) string {
	if ct := h.m.data.cts[id]; ct != nil && ct.rule != "" && h.chance(0.8) {
		return ct.rule
	}
	return pick(h, []string{ruleList, ruleCustom, "AGGREGATION"})
}

func (h *harness) getRule(op, caller, id, typ string) {
	want := h.m.data.ruleOf(caller, id, typ)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].GetConfiguredTableAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: aws.String(id), AnalysisRuleType: types.ConfiguredTableAnalysisRuleType(typ)})
	cancel()
	if h.outcome(op, want, err) {
		h.same("GetConfiguredTableAnalysisRule", id+"/"+typ, aws.ToString(out.AnalysisRule.ConfiguredTableId)+"/"+string(out.AnalysisRule.Type))
	}
}

func (h *harness) opGetRule() {
	id, caller := h.pickCT()
	typ := h.ruleType(id)
	h.begin("%s GetConfiguredTableAnalysisRule %s %s", caller, short(id), typ)
	h.getRule("GetConfiguredTableAnalysisRule", caller, id, typ)
}

func (h *harness) opDeleteRule() {
	id, caller := h.pickCT()
	typ := h.ruleType(id)
	h.begin("%s DeleteConfiguredTableAnalysisRule %s %s", caller, short(id), typ)
	want := h.m.data.ruleOf(caller, id, typ)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].DeleteConfiguredTableAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: aws.String(id), AnalysisRuleType: types.ConfiguredTableAnalysisRuleType(typ)})
	cancel()
	h.outcome("DeleteConfiguredTableAnalysisRule", want, err)
	if err == nil {
		if ct := h.m.data.cts[id]; ct != nil {
			ct.rule, ct.providers, ct.ruleCols = "", false, nil
			ct.providerAccts, ct.disallowed = nil, nil
			ct.aggMin, ct.joinRequired, ct.dims = 0, false, nil
		}
	}
}

// ---- associations ---------------------------------------------------------

func (h *harness) opCreateAssociation() {
	msID, caller := h.pickMembership()
	d := h.m.data
	if good := h.activeShipsWithTables(); len(good) > 0 && h.chance(0.75) {
		msID = pick(h, good)
		caller = h.m.memberships[msID].account
	}
	ctID := h.randomUUID()
	var own, foreign []string
	for _, id := range d.ctIDs {
		if ct := d.cts[id]; ct != nil {
			if ct.account == caller {
				own = append(own, id)
			} else {
				foreign = append(foreign, id)
			}
		}
	}
	switch x := h.r.Float64(); {
	case x < 0.85 && len(own) > 0:
		ctID = pick(h, own)
	case x < 0.95 && len(foreign) > 0:
		ctID = pick(h, foreign) // another account's table: 404
	}
	name := pick(h, ctaNames)
	h.begin("%s CreateConfiguredTableAssociation %s table=%s name=%s", caller, short(msID), short(ctID), name)
	want, commit := h.m.createAssociation(caller, msID, ctID, name)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(msID), ConfiguredTableIdentifier: aws.String(ctID), Name: aws.String(name),
		RoleArn: aws.String("arn:aws:iam::" + caller + ":role/cleanrooms-read"),
	})
	cancel()
	agree := h.outcome("CreateConfiguredTableAssociation", want, err)
	if err != nil {
		return
	}
	id := aws.ToString(out.ConfiguredTableAssociation.Id)
	h.note(" " + short(id))
	commit(id)
	if agree {
		h.same("CreateConfiguredTableAssociation result", ctaView(d.ctas[id]), viewOfCTA(out.ConfiguredTableAssociation))
	}
}

// activeShipsWithTables: ACTIVE memberships whose account has configured
// tables.
func (h *harness) activeShipsWithTables() []string {
	has := map[string]bool{}
	for _, ct := range h.m.data.cts {
		has[ct.account] = true
	}
	var out []string
	for _, id := range h.m.shipIDs {
		if ms := h.m.memberships[id]; ms != nil && ms.status == msActive && has[ms.account] {
			out = append(out, id)
		}
	}
	return out
}

type ctaViewT struct {
	ID, Arn, Name, Table, Membership string
	RuleTypes                        []string
}

func ctaView(a *mCTA) ctaViewT {
	return ctaViewT{ID: a.id, Arn: membershipARN(a.account, a.membershipID) + "/configuredtableassociation/" + a.id,
		Name: a.name, Table: a.ctID, Membership: a.membershipID, RuleTypes: a.ruleTypes()}
}

func viewOfCTA(a *types.ConfiguredTableAssociation) ctaViewT {
	v := ctaViewT{ID: aws.ToString(a.Id), Arn: aws.ToString(a.Arn), Name: aws.ToString(a.Name),
		Table: aws.ToString(a.ConfiguredTableId), Membership: aws.ToString(a.MembershipId), RuleTypes: []string{}}
	for _, t := range a.AnalysisRuleTypes {
		v.RuleTypes = append(v.RuleTypes, string(t))
	}
	return v
}

// ---- association rules ----------------------------------------------------

func (h *harness) ctaRuleType(id string) string {
	if a := h.m.data.ctas[id]; a != nil && h.chance(0.7) {
		if ct := h.m.data.cts[a.ctID]; ct != nil && ct.rule != "" {
			return ct.rule
		}
	}
	return pick(h, []string{ruleList, ruleCustom, "AGGREGATION"})
}

func (h *harness) opCreateAssociationRule() {
	msID, id, caller := h.pickCTA()
	typ := h.ctaRuleType(id)
	var recv []string
	if h.chance(0.85) {
		recv = []string{pick(h, accounts)}
		if ms := h.m.memberships[msID]; ms != nil && h.chance(0.7) {
			// mostly a member of the collaboration
			c := h.m.collabs[ms.collabID]
			recv = []string{pick(h, c.rows).account}
		}
	}
	var pol types.ConfiguredTableAssociationAnalysisRulePolicyV1
	switch typ {
	case ruleList:
		pol = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList{Value: types.ConfiguredTableAssociationAnalysisRuleList{AllowedResultReceivers: recv}}
	case ruleCustom:
		pol = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom{Value: types.ConfiguredTableAssociationAnalysisRuleCustom{AllowedResultReceivers: recv}}
	default:
		pol = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation{Value: types.ConfiguredTableAssociationAnalysisRuleAggregation{AllowedResultReceivers: recv}}
	}
	h.begin("%s CreateConfiguredTableAssociationAnalysisRule %s/%s %s receivers=%v", caller, short(msID), short(id), typ, recv)
	want := h.m.createAssociationRule(caller, msID, id, typ)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].CreateConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: aws.String(msID), ConfiguredTableAssociationIdentifier: aws.String(id),
		AnalysisRuleType:   types.ConfiguredTableAssociationAnalysisRuleType(typ),
		AnalysisRulePolicy: &types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{Value: pol},
	})
	cancel()
	h.outcome("CreateConfiguredTableAssociationAnalysisRule", want, err)
	if err == nil {
		if a := h.m.data.ctas[id]; a != nil {
			a.rules[typ] = recv
		}
	}
}

func (h *harness) opDeleteAssociationRule() {
	msID, id, caller := h.pickCTA()
	typ := pick(h, []string{ruleList, ruleCustom, "AGGREGATION"})
	if a := h.m.data.ctas[id]; a != nil && len(a.rules) > 0 && h.chance(0.8) {
		typ = pick(h, a.ruleTypes())
	}
	h.begin("%s DeleteConfiguredTableAssociationAnalysisRule %s/%s %s", caller, short(msID), short(id), typ)
	want := h.m.associationRule(caller, msID, id, typ)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].DeleteConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: aws.String(msID), ConfiguredTableAssociationIdentifier: aws.String(id),
		AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleType(typ)})
	cancel()
	h.outcome("DeleteConfiguredTableAssociationAnalysisRule", want, err)
	if err == nil {
		if a := h.m.data.ctas[id]; a != nil {
			delete(a.rules, typ)
		}
	}
}

// pickCTA returns (membership, association, caller): mostly an existing
// association and its owner.
func (h *harness) pickCTA() (msID, id, caller string) {
	d := h.m.data
	var live []string
	for _, c := range d.ctaIDs {
		if d.ctas[c] != nil {
			live = append(live, c)
		}
	}
	if len(live) == 0 || h.chance(0.1) {
		msID, caller = h.pickMembership()
		return msID, h.randomUUID(), caller
	}
	a := d.ctas[pick(h, live)]
	msID, id, caller = a.membershipID, a.id, a.account
	if h.chance(0.2) {
		caller = h.anyAccount()
	}
	return msID, id, caller
}

func (h *harness) opGetAssociation() {
	msID, id, caller := h.pickCTA()
	h.begin("%s GetConfiguredTableAssociation %s/%s", caller, short(msID), short(id))
	want := h.m.ownAssociation(caller, msID, id)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].GetConfiguredTableAssociation(ctx, &cleanrooms.GetConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(msID), ConfiguredTableAssociationIdentifier: aws.String(id)})
	cancel()
	if h.outcome("GetConfiguredTableAssociation", want, err) {
		h.same("GetConfiguredTableAssociation", ctaView(h.m.data.ctas[id]), viewOfCTA(out.ConfiguredTableAssociation))
	}
}

func (h *harness) opDeleteAssociation() {
	msID, id, caller := h.pickCTA()
	h.begin("%s DeleteConfiguredTableAssociation %s/%s", caller, short(msID), short(id))
	want := h.m.ownAssociation(caller, msID, id)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(msID), ConfiguredTableAssociationIdentifier: aws.String(id)})
	cancel()
	h.outcome("DeleteConfiguredTableAssociation", want, err)
	if err == nil {
		if a := h.m.data.ctas[id]; a != nil {
			delete(h.m.tags, ctaARN(a))
		}
		delete(h.m.data.ctas, id)
	}
}

// ---- schemas ----------------------------------------------------------------

func viewOfSchema(s *types.Schema) schemaView {
	v := schemaView{Name: aws.ToString(s.Name), Creator: aws.ToString(s.CreatorAccountId)}
	for _, t := range s.AnalysisRuleTypes {
		v.RuleTypes = append(v.RuleTypes, string(t))
	}
	for _, c := range s.Columns {
		v.Columns = append(v.Columns, aws.ToString(c.Name)+":"+aws.ToString(c.Type))
	}
	for _, c := range s.PartitionKeys {
		v.Columns = append(v.Columns, "partition "+aws.ToString(c.Name)+":"+aws.ToString(c.Type))
	}
	var st []string
	for _, d := range s.SchemaStatusDetails {
		st = append(st, string(d.AnalysisType)+"="+string(d.Status))
		for _, r := range d.Reasons {
			v.Reasons = append(v.Reasons, string(r.Code))
		}
	}
	v.Status = strings.Join(st, ",")
	slices.Sort(v.Reasons)
	return v
}

// modelSchemaWire is the model's schema with the status in the form
// viewOfSchema gives: one DIRECT_ANALYSIS entry (decisions, Schema status).
func modelSchemaWire(v schemaView) schemaView {
	v.Status = directAnalysis + "=" + v.Status
	return v
}

// schemaCollab picks a collaboration with associations, mostly, and a
// caller.
func (h *harness) schemaCollab() (string, string) {
	var with []string
	for _, id := range h.m.data.ctaIDs {
		if a := h.m.data.ctas[id]; a != nil {
			if ms := h.m.memberships[a.membershipID]; ms != nil {
				with = append(with, ms.collabID)
			}
		}
	}
	id := h.pickCollab()
	if len(with) > 0 && h.chance(0.7) {
		id = pick(h, with)
	}
	return id, h.callerFor(id)
}

func (h *harness) getSchema(op, caller, collabID, name string) {
	want := h.m.activeMember(caller, collabID)
	var a *mCTA
	if want.code == codeOK {
		if a = h.m.schemaByName(collabID, name); a == nil {
			want = fail(codeNotFound, "no association named "+name+" (decisions)")
		}
	}
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: aws.String(collabID), Name: aws.String(name)})
	cancel()
	if h.outcome(op, want, err) {
		v := viewOfSchema(out.Schema)
		h.stats[fmt.Sprintf("schema seen: %s %v", v.Status, v.Reasons)]++
		h.same("GetSchema "+name, modelSchemaWire(h.m.schemaOf(a)), v)
	}
}

func (h *harness) opGetSchema() {
	collabID, caller := h.schemaCollab()
	name := pick(h, ctaNames)
	if names := slices.Sorted(mapKeys(h.m.schemas(collabID))); len(names) > 0 && h.chance(0.6) {
		name = pick(h, names)
		if h.chance(0.3) {
			name = strings.ToUpper(name) // schema names are case-insensitive (decisions)
		}
	}
	h.begin("%s GetSchema %s/%s", caller, short(collabID), name)
	h.getSchema("GetSchema", caller, collabID, name)
}

func (h *harness) listSchemas(op, caller, collabID string) {
	want := h.m.activeMember(caller, collabID)
	got, err := collect(h, "ListSchemas", func(ctx context.Context, size *int32, token *string) ([]types.SchemaSummary, *string, error) {
		page, err := h.clients[caller].ListSchemas(ctx, &cleanrooms.ListSchemasInput{CollaborationIdentifier: aws.String(collabID), MaxResults: size, NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		return page.SchemaSummaries, page.NextToken, nil
	})
	if !h.outcome(op, want, err) {
		return
	}
	wantViews := map[string]string{}
	for n, s := range h.m.schemas(collabID) {
		wantViews[n] = s.Creator + " " + strings.Join(s.RuleTypes, ",")
	}
	have := map[string]string{}
	for _, s := range got {
		n := aws.ToString(s.Name)
		if _, dup := have[n]; dup {
			h.diverge("ListSchemas %s lists %s twice", short(collabID), n)
		}
		var rt []string
		for _, t := range s.AnalysisRuleTypes {
			rt = append(rt, string(t))
		}
		have[n] = aws.ToString(s.CreatorAccountId) + " " + strings.Join(rt, ",")
	}
	h.same("ListSchemas "+short(collabID), wantViews, have)
}

func (h *harness) opListSchemas() {
	collabID, caller := h.schemaCollab()
	h.begin("%s ListSchemas %s", caller, short(collabID))
	h.listSchemas("ListSchemas", caller, collabID)
}

func (h *harness) opBatchGetSchema() {
	collabID, caller := h.schemaCollab()
	var names []string
	seen := map[string]bool{}
	for _, n := range append(slices.Sorted(mapKeys(h.m.schemas(collabID))), pick(h, ctaNames)) {
		if !seen[strings.ToLower(n)] && h.chance(0.7) {
			seen[strings.ToLower(n)] = true
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		names = []string{"nothing_here"}
	}
	h.begin("%s BatchGetSchema %s %v", caller, short(collabID), names)
	want := h.m.activeMember(caller, collabID)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].BatchGetSchema(ctx, &cleanrooms.BatchGetSchemaInput{CollaborationIdentifier: aws.String(collabID), Names: names})
	cancel()
	if !h.outcome("BatchGetSchema", want, err) {
		return
	}
	wantS, gotS := map[string]schemaView{}, map[string]schemaView{}
	wantE, gotE := map[string]string{}, map[string]string{}
	for _, n := range names {
		if a := h.m.schemaByName(collabID, n); a != nil {
			wantS[a.name] = modelSchemaWire(h.m.schemaOf(a))
		} else {
			wantE[n] = codeNotFound
		}
	}
	for i := range out.Schemas {
		v := viewOfSchema(&out.Schemas[i])
		gotS[v.Name] = v
	}
	for _, e := range out.Errors {
		gotE[aws.ToString(e.Name)] = aws.ToString(e.Code)
	}
	h.same("BatchGetSchema schemas", wantS, gotS)
	h.same("BatchGetSchema errors", wantE, gotE)
}

func (h *harness) opGetSchemaAnalysisRule() {
	collabID, caller := h.schemaCollab()
	name := pick(h, ctaNames)
	if names := slices.Sorted(mapKeys(h.m.schemas(collabID))); len(names) > 0 && h.chance(0.7) {
		name = pick(h, names)
	}
	typ := pick(h, []string{ruleList, ruleCustom, "AGGREGATION"})
	a := h.m.schemaByName(collabID, name)
	if a != nil && h.chance(0.6) {
		if ct := h.m.data.cts[a.ctID]; ct != nil && ct.rule != "" {
			typ = ct.rule
		}
	}
	h.begin("%s GetSchemaAnalysisRule %s/%s %s", caller, short(collabID), name, typ)
	want := h.m.activeMember(caller, collabID)
	if want.code == codeOK {
		switch {
		case a == nil:
			want = fail(codeNotFound, "no schema "+name)
		case h.m.data.cts[a.ctID].rule != typ:
			want = fail(codeNotFound, "the table has no "+typ+" rule (decisions)")
		}
	}
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{
		CollaborationIdentifier: aws.String(collabID), Name: aws.String(name), Type: types.AnalysisRuleType(typ)})
	cancel()
	if h.outcome("GetSchemaAnalysisRule", want, err) {
		h.same("GetSchemaAnalysisRule", a.name+"/"+typ, aws.ToString(out.AnalysisRule.Name)+"/"+string(out.AnalysisRule.Type))
	}
}

func (h *harness) opGetCollabTemplate() {
	collabID, caller := h.schemaCollab()
	arn := tplARN(&mTemplate{account: caller, membershipID: h.randomUUID(), id: h.randomUUID()})
	var in, out []*mTemplate
	for _, id := range h.m.data.tplIDs {
		if t := h.m.data.tpls[id]; t != nil {
			if h.m.memberships[t.membershipID].collabID == collabID {
				in = append(in, t)
			} else {
				out = append(out, t)
			}
		}
	}
	var t *mTemplate
	switch x := h.r.Float64(); {
	case x < 0.7 && len(in) > 0:
		t = pick(h, in)
	case x < 0.9 && len(out) > 0:
		arn = tplARN(pick(h, out)) // a template of another collaboration: 404
	}
	if t != nil {
		arn = tplARN(t)
	}
	h.begin("%s GetCollaborationAnalysisTemplate %s %s", caller, short(collabID), arn)
	want := h.m.activeMember(caller, collabID)
	if want.code == codeOK && t == nil {
		want = fail(codeNotFound, "no such template in this collaboration")
	}
	ctx, cancel := h.ctx()
	res, err := h.clients[caller].GetCollaborationAnalysisTemplate(ctx, &cleanrooms.GetCollaborationAnalysisTemplateInput{
		CollaborationIdentifier: aws.String(collabID), AnalysisTemplateArn: aws.String(arn)})
	cancel()
	if h.outcome("GetCollaborationAnalysisTemplate", want, err) {
		got := res.CollaborationAnalysisTemplate
		var refs []string
		if got.Schema != nil {
			refs = got.Schema.ReferencedTables
		}
		h.same("GetCollaborationAnalysisTemplate", t.name+" by "+t.account+" "+strings.Join(t.refs, ","),
			aws.ToString(got.Name)+" by "+aws.ToString(got.CreatorAccountId)+" "+strings.Join(refs, ","))
	}
}

// ---- analysis templates -----------------------------------------------------

func (h *harness) opCreateTemplate() {
	msID, caller := h.pickMembership()
	if h.chance(0.7) {
		var good []string
		for _, id := range h.m.shipIDs {
			if ms := h.m.memberships[id]; ms != nil && ms.status == msActive && len(h.m.data.ctasOfCollab(h.m, ms.collabID)) > 0 {
				good = append(good, id)
			}
		}
		if len(good) > 0 {
			msID = pick(h, good)
			caller = h.m.memberships[msID].account
		}
	}
	var names []string
	if ms := h.m.memberships[msID]; ms != nil {
		for _, a := range h.m.data.ctasOfCollab(h.m, ms.collabID) {
			names = append(names, a.name)
		}
	}
	var refs []string
	switch {
	case len(names) == 0 || h.chance(0.1):
		refs = []string{"not_in_collab"}
	case len(names) > 1 && h.chance(0.4):
		refs = []string{names[0], names[1]}
	default:
		refs = []string{pick(h, names)}
	}
	if h.chance(0.2) {
		refs[0] = strings.ToUpper(refs[0]) // looked up without regard to case (decisions)
	}
	text := "SELECT COUNT(*) FROM " + refs[0]
	if len(refs) > 1 {
		text = fmt.Sprintf("SELECT COUNT(*) FROM %s a JOIN %s b ON a.id = b.id", refs[0], refs[1])
	}
	name := fmt.Sprintf("tpl-%d", h.op)
	h.begin("%s CreateAnalysisTemplate %s %q", caller, short(msID), text)
	want, commit := h.m.createTemplate(caller, msID, refs)
	ctx, cancel := h.ctx()
	out, err := h.clients[caller].CreateAnalysisTemplate(ctx, &cleanrooms.CreateAnalysisTemplateInput{
		MembershipIdentifier: aws.String(msID), Name: aws.String(name), Format: types.AnalysisFormatSql,
		Source: &types.AnalysisSourceMemberText{Value: text},
	})
	cancel()
	agree := h.outcome("CreateAnalysisTemplate", want, err)
	if err != nil {
		return
	}
	id := aws.ToString(out.AnalysisTemplate.Id)
	h.note(" " + short(id))
	commit(id, name)
	if agree {
		var got []string
		if s := out.AnalysisTemplate.Schema; s != nil {
			got = s.ReferencedTables
		}
		h.same("CreateAnalysisTemplate referencedTables", refs, got)
	}
}

func (h *harness) opDeleteTemplate() {
	d := h.m.data
	msID, caller := h.pickMembership()
	id := h.randomUUID()
	var live []string
	for _, t := range d.tplIDs {
		if d.tpls[t] != nil {
			live = append(live, t)
		}
	}
	if len(live) > 0 && h.chance(0.85) {
		t := d.tpls[pick(h, live)]
		msID, id, caller = t.membershipID, t.id, t.account
		if h.chance(0.2) {
			caller = h.anyAccount()
		}
	}
	h.begin("%s DeleteAnalysisTemplate %s/%s", caller, short(msID), short(id))
	want := h.m.ownTemplate(caller, msID, id)
	ctx, cancel := h.ctx()
	_, err := h.clients[caller].DeleteAnalysisTemplate(ctx, &cleanrooms.DeleteAnalysisTemplateInput{
		MembershipIdentifier: aws.String(msID), AnalysisTemplateIdentifier: aws.String(id)})
	cancel()
	h.outcome("DeleteAnalysisTemplate", want, err)
	if err == nil {
		if t := d.tpls[id]; t != nil {
			delete(h.m.tags, tplARN(t))
		}
		delete(d.tpls, id)
	}
}

func (h *harness) listCollabTemplates(op, caller, collabID string) {
	want := h.m.activeMember(caller, collabID)
	got, err := collect(h, "ListCollaborationAnalysisTemplates", func(ctx context.Context, size *int32, token *string) ([]types.CollaborationAnalysisTemplateSummary, *string, error) {
		page, err := h.clients[caller].ListCollaborationAnalysisTemplates(ctx, &cleanrooms.ListCollaborationAnalysisTemplatesInput{
			CollaborationIdentifier: aws.String(collabID), MaxResults: size, NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		return page.CollaborationAnalysisTemplateSummaries, page.NextToken, nil
	})
	if !h.outcome(op, want, err) {
		return
	}
	have := map[string]string{}
	for _, s := range got {
		have[aws.ToString(s.Id)] = aws.ToString(s.Name) + " by " + aws.ToString(s.CreatorAccountId)
	}
	h.same("ListCollaborationAnalysisTemplates "+short(collabID), h.m.collabTemplates(collabID), have)
}

func (h *harness) opListCollabTemplates() {
	collabID, caller := h.schemaCollab()
	h.begin("%s ListCollaborationAnalysisTemplates %s", caller, short(collabID))
	h.listCollabTemplates("ListCollaborationAnalysisTemplates", caller, collabID)
}

// ---- the leak audit -----------------------------------------------------------

// auditData checks, for every account, that what it can list and get is
// exactly what the model says it owns or may see, and that every other
// account's bucket, object, Glue table, configured table, rule,
// association and template is out of its reach. Periodic audits take a
// sample; the final one takes everything.
func (h *harness) auditData(final bool) {
	h.t.Helper()
	d := h.m.data
	// Periodic audits look at about one resource in 6n (n: how many there
	// are of its kind per account), the final one at all of them.
	sample := func(n int) bool { return final || h.r.IntN(6*n) == 0 }
	for _, a := range accounts {
		// S3: ListBuckets, then every bucket's objects.
		h.begin("audit: %s ListBuckets", a)
		ctx, cancel := h.ctx()
		lb, err := h.s3c[a].ListBuckets(ctx, &s3.ListBucketsInput{})
		cancel()
		if h.outcome("audit ListBuckets", ok(), err) {
			var got []string
			for _, b := range lb.Buckets {
				got = append(got, aws.ToString(b.Name))
			}
			h.same("ListBuckets("+a+")", d.ownBuckets(a), got)
		}
		for _, b := range bucketPool {
			if _, exists := d.buckets[b]; !exists || !sample(3) {
				continue
			}
			h.begin("audit: %s ListObjectsV2 %s (owner %s)", a, b, d.buckets[b])
			ctx, cancel := h.ctx()
			lo, err := h.s3c[a].ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
			cancel()
			if h.outcome("audit ListObjectsV2", d.bucketAccess(a, b), err) {
				var got, want []string
				for _, o := range lo.Contents {
					got = append(got, aws.ToString(o.Key))
				}
				for k := range d.objects[b] {
					want = append(want, k)
				}
				sort.Strings(want)
				h.same("ListObjectsV2 "+b, want, got)
			}
			for _, k := range keyPool {
				if _, has := d.objects[b][k]; has && (final || d.buckets[b] != a) {
					h.begin("audit: %s GetObject %s/%s (owner %s)", a, b, k, d.buckets[b])
					h.getObject("audit GetObject", a, b, k)
				}
			}
		}
		// Glue: own databases and tables; other accounts' tables do not
		// exist for a.
		h.begin("audit: %s glue GetDatabases", a)
		ctx, cancel = h.ctx()
		gd, err := h.gluec[a].GetDatabases(ctx, &glue.GetDatabasesInput{})
		cancel()
		if h.outcome("audit glue GetDatabases", ok(), err) {
			var got, want []string
			for _, db := range gd.DatabaseList {
				got = append(got, aws.ToString(db.Name))
			}
			for db := range d.dbs[a] {
				want = append(want, db)
			}
			sort.Strings(got)
			sort.Strings(want)
			h.same("GetDatabases("+a+")", want, got)
		}
		for db := range d.dbs[a] {
			h.begin("audit: %s glue GetTables %s", a, db)
			ctx, cancel := h.ctx()
			gt, err := h.gluec[a].GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String(db)})
			cancel()
			if h.outcome("audit glue GetTables", ok(), err) {
				var got, want []string
				for _, t := range gt.TableList {
					got = append(got, db+"."+aws.ToString(t.Name))
				}
				for k := range d.tables[a] {
					if strings.HasPrefix(k, db+".") {
						want = append(want, k)
					}
				}
				sort.Strings(got)
				sort.Strings(want)
				h.same("GetTables("+a+", "+db+")", want, got)
			}
		}
		for other, tables := range d.tables {
			for k := range tables {
				if _, mine := d.tables[a][k]; other == a || mine || !sample(4) {
					continue
				}
				db, t, _ := strings.Cut(k, ".")
				h.begin("audit: %s glue GetTable %s (only %s has it)", a, k, other)
				h.glueGetTable("audit glue GetTable(foreign)", a, db, t)
			}
		}
		// Configured tables: exactly the own ones; every other account's
		// table and rule are 404.
		h.begin("audit: %s ListConfiguredTables", a)
		cts, err := collect(h, "ListConfiguredTables", func(ctx context.Context, size *int32, token *string) ([]types.ConfiguredTableSummary, *string, error) {
			page, err := h.clients[a].ListConfiguredTables(ctx, &cleanrooms.ListConfiguredTablesInput{MaxResults: size, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			return page.ConfiguredTableSummaries, page.NextToken, nil
		})
		if h.outcome("audit ListConfiguredTables", ok(), err) {
			want, have := map[string]string{}, map[string]string{}
			for _, id := range d.ctIDs {
				if ct := d.cts[id]; ct != nil && ct.account == a {
					v := h.m.ctView(ct)
					want[id] = v.Name + " " + strings.Join(v.RuleTypes, ",")
				}
			}
			for _, s := range cts {
				var rt []string
				for _, t := range s.AnalysisRuleTypes {
					rt = append(rt, string(t))
				}
				have[aws.ToString(s.Id)] = aws.ToString(s.Name) + " " + strings.Join(rt, ",")
			}
			h.same("ListConfiguredTables("+a+")", want, have)
		}
		for _, id := range d.ctIDs {
			ct := d.cts[id]
			if ct == nil || (ct.account != a && !sample(3)) || (ct.account == a && !final) {
				continue
			}
			h.begin("audit: %s GetConfiguredTable %s (owner %s)", a, short(id), ct.account)
			h.getConfiguredTable("audit GetConfiguredTable", a, id)
			if ct.rule != "" {
				h.begin("audit: %s GetConfiguredTableAnalysisRule %s %s (owner %s)", a, short(id), ct.rule, ct.account)
				h.getRule("audit GetConfiguredTableAnalysisRule", a, id, ct.rule)
			}
		}
		// Associations and templates, through every membership: the
		// owner's lists are exact; anyone else's are 404.
		for _, msID := range h.m.shipIDs {
			ms := h.m.memberships[msID]
			if ms == nil || !sample(4) {
				continue
			}
			h.begin("audit: %s ListConfiguredTableAssociations %s (owner %s)", a, short(msID), ms.account)
			as, err := collect(h, "ListConfiguredTableAssociations", func(ctx context.Context, size *int32, token *string) ([]types.ConfiguredTableAssociationSummary, *string, error) {
				page, err := h.clients[a].ListConfiguredTableAssociations(ctx, &cleanrooms.ListConfiguredTableAssociationsInput{MembershipIdentifier: aws.String(msID), MaxResults: size, NextToken: token})
				if err != nil {
					return nil, nil, err
				}
				return page.ConfiguredTableAssociationSummaries, page.NextToken, nil
			})
			if h.outcome("audit ListConfiguredTableAssociations", h.m.getMembership(a, msID), err) {
				want, have := map[string]string{}, map[string]string{}
				for _, x := range d.ctas {
					if x.membershipID == msID {
						want[x.id] = x.name + " " + x.ctID
					}
				}
				for _, s := range as {
					have[aws.ToString(s.Id)] = aws.ToString(s.Name) + " " + aws.ToString(s.ConfiguredTableId)
				}
				h.same("ListConfiguredTableAssociations("+short(msID)+")", want, have)
			}
			h.begin("audit: %s ListAnalysisTemplates %s (owner %s)", a, short(msID), ms.account)
			ts, err := collect(h, "ListAnalysisTemplates", func(ctx context.Context, size *int32, token *string) ([]types.AnalysisTemplateSummary, *string, error) {
				page, err := h.clients[a].ListAnalysisTemplates(ctx, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: aws.String(msID), MaxResults: size, NextToken: token})
				if err != nil {
					return nil, nil, err
				}
				return page.AnalysisTemplateSummaries, page.NextToken, nil
			})
			if h.outcome("audit ListAnalysisTemplates", h.m.getMembership(a, msID), err) {
				want, have := map[string]string{}, map[string]string{}
				for _, t := range d.tpls {
					if t.membershipID == msID {
						want[t.id] = t.name
					}
				}
				for _, s := range ts {
					have[aws.ToString(s.Id)] = aws.ToString(s.Name)
				}
				h.same("ListAnalysisTemplates("+short(msID)+")", want, have)
			}
		}
		// Collaboration-level views: ACTIVE members see the schemas and
		// templates; everyone else gets 403 on every view.
		for _, cid := range h.m.collabIDs {
			if !sample(4) {
				continue
			}
			h.begin("audit: %s ListSchemas %s", a, short(cid))
			h.listSchemas("audit ListSchemas", a, cid)
			h.begin("audit: %s ListCollaborationAnalysisTemplates %s", a, short(cid))
			h.listCollabTemplates("audit ListCollaborationAnalysisTemplates", a, cid)
			names := slices.Sorted(mapKeys(h.m.schemas(cid)))
			if len(names) == 0 {
				continue
			}
			if !final {
				names = names[:1]
			}
			for _, n := range names {
				h.begin("audit: %s GetSchema %s/%s", a, short(cid), n)
				h.getSchema("audit GetSchema", a, cid, n)
			}
		}
	}
}

// auditDataTags lists, at the end, the tags of every configured table,
// association and template as its owner sees them.
func (h *harness) auditDataTags() {
	d := h.m.data
	for _, id := range d.ctIDs {
		if ct := d.cts[id]; ct != nil {
			h.begin("audit: %s ListTagsForResource %s", ct.account, ctARN(ct))
			h.listTags(ct.account, ctARN(ct))
		}
	}
	for _, id := range d.ctaIDs {
		if a := d.ctas[id]; a != nil {
			h.begin("audit: %s ListTagsForResource %s", a.account, ctaARN(a))
			h.listTags(a.account, ctaARN(a))
		}
	}
	for _, id := range d.tplIDs {
		if t := d.tpls[id]; t != nil {
			h.begin("audit: %s ListTagsForResource %s", t.account, tplARN(t))
			h.listTags(t.account, tplARN(t))
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func ctARN(ct *mCT) string {
	return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:configuredtable/%s", region, ct.account, ct.id)
}

func ctaARN(a *mCTA) string {
	return membershipARN(a.account, a.membershipID) + "/configuredtableassociation/" + a.id
}

func tplARN(t *mTemplate) string {
	return membershipARN(t.account, t.membershipID) + "/analysistemplate/" + t.id
}

// dataARN is the ARN of a configured table, association or template (a
// deleted one sometimes) and its owner, for the tag operations.
func (h *harness) dataARN() (string, string) {
	d := h.m.data
	switch h.r.IntN(4) {
	case 0:
		if len(d.ctIDs) > 0 {
			id := pick(h, d.ctIDs)
			if ct := d.cts[id]; ct != nil {
				return ctARN(ct), ct.account
			}
			return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:configuredtable/%s", region, h.anyAccount(), id), h.anyAccount()
		}
	case 1:
		if len(d.ctaIDs) > 0 {
			if a := d.ctas[pick(h, d.ctaIDs)]; a != nil {
				if h.chance(0.1) { // the right id under another membership
					msID, _ := h.pickMembership()
					return membershipARN(a.account, msID) + "/configuredtableassociation/" + a.id, a.account
				}
				return ctaARN(a), a.account
			}
		}
	case 2:
		if len(d.tplIDs) > 0 {
			if t := d.tpls[pick(h, d.tplIDs)]; t != nil {
				return tplARN(t), t.account
			}
		}
	case 3:
		return h.budgetTemplateARN()
	}
	return "", ""
}
