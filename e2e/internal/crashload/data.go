package crashload

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// The data half of a round: the provider (the invitee without abilities)
// puts an object in its bucket (sometimes by multipart upload, sometimes
// overwriting an earlier one), describes it as a Glue table, configures
// it with a LIST analysis rule (sometimes updating an earlier rule) and
// associates it with the round's collaboration. Its S3 and Glue clients
// are derived from its Clean Rooms client (same endpoint, credentials and
// HTTP client; no retries).

var derived sync.Map // *cleanrooms.Client -> *dataClients

type dataClients struct {
	s3   *s3.Client
	glue *glue.Client
}

func clientsOf(c *cleanrooms.Client) *dataClients {
	if d, ok := derived.Load(c); ok {
		return d.(*dataClients)
	}
	o := c.Options()
	d := &dataClients{
		s3: s3.New(s3.Options{Region: o.Region, Credentials: o.Credentials, BaseEndpoint: o.BaseEndpoint,
			HTTPClient: o.HTTPClient, UsePathStyle: true, Retryer: aws.NopRetryer{}}),
		glue: glue.New(glue.Options{Region: o.Region, Credentials: o.Credentials, BaseEndpoint: o.BaseEndpoint,
			HTTPClient: o.HTTPClient, Retryer: aws.NopRetryer{}}),
	}
	v, _ := derived.LoadOrStore(c, d)
	return v.(*dataClients)
}

// objState is what an object is: its size, the SHA-256 of its bytes and
// its ETag. The zero value is "absent".
type objState struct {
	size int64
	sha  string
	etag string
}

type objRec struct {
	key   string
	state versioned[objState]
}

// created is the state of a resource created once: acknowledged, sent
// and unanswered, or neither.
type created int

const (
	notCreated created = iota
	createPending
	createAcked
)

type ctRec struct {
	name, id, arn, glueTable string
	// rule is the LIST rule's list columns, "" without a rule.
	rule versioned[string]
	// association, in the round's collaboration, through the provider's
	// membership of it.
	assoc                            created
	assocName, assocID, membershipID string
	collabID                         string
}

type glueRec struct {
	name  string
	def   string // canonical definition
	state created
}

type dataLedger struct {
	bucket, database created
	objects          []*objRec
	glueTables       []*glueRec
	tables           []*ctRec
	pendingTable     string // name of an unanswered CreateConfiguredTable
}

// Columns of every Glue table of the load.
var glueColumns = []gluetypes.Column{
	{Name: aws.String("user_id"), Type: aws.String("string")},
	{Name: aws.String("city"), Type: aws.String("string")},
	{Name: aws.String("spend"), Type: aws.String("double")},
}

func (w *worker) provider() string   { return w.invitees[1] }
func (w *worker) bucketName() string { return "crashload-" + w.provider() }

const glueDatabase = "crashload"

func (w *worker) s3To() *s3.Client     { return clientsOf(w.to(w.provider())).s3 }
func (w *worker) glueTo() *glue.Client { return clientsOf(w.to(w.provider())).glue }

// dataStep writes the data half of the round for collaboration c, whose
// provider has joined as ms.
func (w *worker) dataStep(ctx context.Context, c *collabRec, ms *membershipRec) bool {
	d := &w.data
	if d.bucket != createAcked {
		d.bucket = createPending
		_, err := w.s3To().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(w.bucketName())})
		if !w.outcome("CreateBucket "+w.bucketName(), err) {
			return false
		}
		d.bucket = createAcked
	}
	if d.database != createAcked {
		d.database = createPending
		_, err := w.glueTo().CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(glueDatabase)}})
		if !w.outcome("Glue CreateDatabase", err) {
			return false
		}
		d.database = createAcked
	}
	prefix := fmt.Sprintf("r%d/", w.round)
	if w.rng.IntN(4) == 0 {
		if !w.multipart(ctx, prefix+"big.csv") {
			return false
		}
	} else if !w.putObject(ctx, &objRec{key: prefix + "part-0.csv"}, true) {
		return false
	}
	if len(d.objects) > 1 && w.rng.IntN(3) == 0 { // overwrite an earlier small object
		if o := d.objects[w.rng.IntN(len(d.objects))]; o.state.acked.size < 1<<20 && o.state.acked.size > 0 {
			if !w.putObject(ctx, o, false) {
				return false
			}
		}
	}
	// The Glue table of the prefix.
	g := &glueRec{name: fmt.Sprintf("t_r%d", w.round), state: createPending}
	in := glueTableInput(g.name, "s3://"+w.bucketName()+"/"+prefix, w.round)
	g.def = canonicalGlue(g.name, in.StorageDescriptor, in.Parameters)
	d.glueTables = append(d.glueTables, g)
	_, err := w.glueTo().CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(glueDatabase), TableInput: in})
	if !w.outcome("Glue CreateTable "+g.name, err) {
		return false
	}
	g.state = createAcked
	// The configured table, its rule and its association.
	name := fmt.Sprintf("w%d-ct%d", w.n, w.round)
	d.pendingTable = name
	out, err := w.to(w.provider()).CreateConfiguredTable(ctx, configuredTableInput(name, g.name))
	if !w.outcome("CreateConfiguredTable "+name, err) {
		return false
	}
	d.pendingTable = ""
	t := &ctRec{name: name, id: *out.ConfiguredTable.Id, arn: *out.ConfiguredTable.Arn, glueTable: g.name}
	d.tables = append(d.tables, t)
	if !w.putRule(ctx, t, "city") {
		return false
	}
	if len(d.tables) > 1 && w.rng.IntN(3) == 0 {
		if u := d.tables[w.rng.IntN(len(d.tables))]; u.rule.acked != "" {
			next := "city,spend"
			if u.rule.acked == next {
				next = "city"
			}
			if !w.putRule(ctx, u, next) {
				return false
			}
		}
	}
	t.assocName, t.membershipID, t.collabID, t.assoc = fmt.Sprintf("a_r%d", w.round), ms.id, c.id, createPending
	as, err := w.to(w.provider()).CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(ms.id), ConfiguredTableIdentifier: aws.String(t.id), Name: aws.String(t.assocName),
		RoleArn: aws.String("arn:aws:iam::" + w.provider() + ":role/crashload")})
	if !w.outcome("CreateConfiguredTableAssociation "+t.assocName, err) {
		return false
	}
	t.assoc, t.assocID = createAcked, aws.ToString(as.ConfiguredTableAssociation.Id)
	return true
}

func glueTableInput(name, location string, round int) *gluetypes.TableInput {
	return &gluetypes.TableInput{
		Name:      aws.String(name),
		TableType: aws.String("EXTERNAL_TABLE"),
		Parameters: map[string]string{"classification": "csv", "round": strconv.Itoa(round),
			"skip.header.line.count": "1"},
		StorageDescriptor: &gluetypes.StorageDescriptor{
			Columns:      glueColumns,
			Location:     aws.String(location),
			InputFormat:  aws.String("org.apache.hadoop.mapred.TextInputFormat"),
			OutputFormat: aws.String("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"),
			SerdeInfo: &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
				Parameters: map[string]string{"field.delim": ","}},
		},
	}
}

// canonicalGlue is the part of a Glue table definition the load checks.
func canonicalGlue(name string, sd *gluetypes.StorageDescriptor, params map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|", strings.ToLower(name), canonicalTags(params))
	if sd == nil {
		return b.String() + "no storage descriptor"
	}
	for _, c := range sd.Columns {
		fmt.Fprintf(&b, "%s:%s,", aws.ToString(c.Name), aws.ToString(c.Type))
	}
	fmt.Fprintf(&b, "|%s|%s|%s", aws.ToString(sd.Location), aws.ToString(sd.InputFormat), aws.ToString(sd.OutputFormat))
	if s := sd.SerdeInfo; s != nil {
		fmt.Fprintf(&b, "|%s|%s", aws.ToString(s.SerializationLibrary), canonicalTags(s.Parameters))
	}
	return b.String()
}

func configuredTableInput(name, glueTable string) *cleanrooms.CreateConfiguredTableInput {
	return &cleanrooms.CreateConfiguredTableInput{
		Name: aws.String(name), AllowedColumns: []string{"user_id", "city", "spend"}, AnalysisMethod: types.AnalysisMethodDirectQuery,
		TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{
			DatabaseName: aws.String(glueDatabase), TableName: aws.String(glueTable)}},
	}
}

func listPolicy(listColumns string) types.ConfiguredTableAnalysisRulePolicy {
	return &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberList{
		Value: types.AnalysisRuleList{JoinColumns: []string{"user_id"}, ListColumns: strings.Split(listColumns, ",")}}}
}

// putRule creates t's rule (when it has none) or replaces its policy.
func (w *worker) putRule(ctx context.Context, t *ctRec, listColumns string) bool {
	t.rule.pending = &listColumns
	var err error
	if t.rule.acked == "" {
		_, err = w.to(w.provider()).CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
			ConfiguredTableIdentifier: aws.String(t.id), AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList,
			AnalysisRulePolicy: listPolicy(listColumns)})
	} else {
		_, err = w.to(w.provider()).UpdateConfiguredTableAnalysisRule(ctx, &cleanrooms.UpdateConfiguredTableAnalysisRuleInput{
			ConfiguredTableIdentifier: aws.String(t.id), AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList,
			AnalysisRulePolicy: listPolicy(listColumns)})
	}
	if !w.outcome("AnalysisRule "+t.name, err) {
		return false
	}
	t.rule.settle(listColumns)
	return true
}

// content is a CSV object of about n bytes, distinct for every write.
// Above 64 KiB, 64 KiB of rows repeat (generating rows one by one would
// make a 5 MiB part cost seconds under the race detector).
func (w *worker) content(n int) []byte {
	if n > 64<<10 {
		chunk := w.content(64 << 10)
		return append(chunk, bytes.Repeat(chunk[len("user_id,city,spend\n"):], n/len(chunk)+1)...)
	}
	var b bytes.Buffer
	b.WriteString("user_id,city,spend\n")
	for b.Len() < n {
		fmt.Fprintf(&b, "u%d,c%d,%d.%02d\n", w.rng.Uint64(), w.rng.IntN(50), w.rng.IntN(1000), w.rng.IntN(100))
	}
	return b.Bytes()
}

func stateOf(data []byte, etag string) objState {
	sum := sha256.Sum256(data)
	return objState{size: int64(len(data)), sha: hex.EncodeToString(sum[:]), etag: etag}
}

// putObject writes new content to o (a new object when fresh).
func (w *worker) putObject(ctx context.Context, o *objRec, fresh bool) bool {
	data := w.content(1<<10 + w.rng.IntN(64<<10))
	sum := md5.Sum(data)
	next := stateOf(data, hex.EncodeToString(sum[:]))
	o.state.pending = &next
	if fresh {
		w.data.objects = append(w.data.objects, o)
	}
	out, err := w.s3To().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(w.bucketName()), Key: aws.String(o.key),
		Body: bytes.NewReader(data), ContentType: aws.String("text/csv")})
	if !w.outcome("PutObject "+o.key, err) {
		return false
	}
	if got := strings.Trim(aws.ToString(out.ETag), `"`); got != next.etag {
		w.unexpected = append(w.unexpected, fmt.Errorf("worker %d: PutObject %s: ETag %s, want %s", w.n, o.key, got, next.etag))
	}
	o.state.settle(next)
	return true
}

// multipart uploads a new object of two parts (5 MiB and a few KiB): the
// object exists only once CompleteMultipartUpload is acknowledged.
func (w *worker) multipart(ctx context.Context, key string) bool {
	parts := [][]byte{w.content(5 << 20), w.content(4 << 10)}
	etags := md5.New()
	var all []byte
	for _, p := range parts {
		s := md5.Sum(p)
		etags.Write(s[:])
		all = append(all, p...)
	}
	next := stateOf(all, hex.EncodeToString(etags.Sum(nil))+"-2")
	o := &objRec{key: key}
	o.state.pending = &next
	w.data.objects = append(w.data.objects, o)
	bucket := aws.String(w.bucketName())
	up, err := w.s3To().CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String(key)})
	if !w.outcome("CreateMultipartUpload "+key, err) {
		return false
	}
	var done []s3types.CompletedPart
	for i, p := range parts {
		out, err := w.s3To().UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if !w.outcome("UploadPart "+key, err) {
			return false
		}
		done = append(done, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	out, err := w.s3To().CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String(key),
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}})
	if !w.outcome("CompleteMultipartUpload "+key, err) {
		return false
	}
	if got := strings.Trim(aws.ToString(out.ETag), `"`); got != next.etag {
		w.unexpected = append(w.unexpected, fmt.Errorf("worker %d: CompleteMultipartUpload %s: ETag %s, want %s", w.n, key, got, next.etag))
	}
	o.state.settle(next)
	return true
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// verifyData reads back the worker's data through cl and resolves what
// was pending.
func (w *worker) verifyData(ctx context.Context, tb testing.TB, cl Clients) {
	d := &w.data
	dc := clientsOf(cl[w.provider()])
	bucket := aws.String(w.bucketName())
	if d.bucket == createPending {
		_, err := dc.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: bucket})
		switch code := apiCode(err); {
		case err == nil:
			d.bucket = createAcked
		case code == "NotFound" || code == "NoSuchBucket":
			d.bucket = notCreated
		default:
			tb.Errorf("HeadBucket %s: %v", *bucket, err)
		}
	}
	if d.database == createPending {
		_, err := dc.glue.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(glueDatabase)})
		switch {
		case err == nil:
			d.database = createAcked
		case apiCode(err) == "EntityNotFoundException":
			d.database = notCreated
		default:
			tb.Errorf("GetDatabase: %v", err)
		}
	}
	if d.bucket == createAcked {
		w.verifyObjects(ctx, tb, dc.s3)
	} else if len(d.objects) > 0 {
		tb.Errorf("worker %d: objects in the ledger but bucket %s does not exist", w.n, *bucket)
	}
	for _, g := range d.glueTables {
		out, err := dc.glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(glueDatabase), Name: aws.String(g.name)})
		switch {
		case err == nil:
			if got := canonicalGlue(aws.ToString(out.Table.Name), out.Table.StorageDescriptor, out.Table.Parameters); got != g.def {
				tb.Errorf("Glue table %s/%s of %s:\n got %s\nwant %s", glueDatabase, g.name, w.provider(), got, g.def)
			}
			g.state = createAcked
		case apiCode(err) == "EntityNotFoundException" && g.state != createAcked:
			g.state = notCreated
		default:
			tb.Errorf("acknowledged Glue table %s of %s: %v", g.name, w.provider(), err)
		}
	}
	w.verifyTables(ctx, tb, cl)
}

func (w *worker) verifyObjects(ctx context.Context, tb testing.TB, c *s3.Client) {
	bucket := aws.String(w.bucketName())
	listed := map[string]objState{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: bucket, MaxKeys: aws.Int32(50)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			tb.Errorf("ListObjectsV2 %s: %v", *bucket, err)
			return
		}
		for _, o := range page.Contents {
			listed[aws.ToString(o.Key)] = objState{size: aws.ToInt64(o.Size), etag: strings.Trim(aws.ToString(o.ETag), `"`)}
		}
	}
	known := map[string]bool{}
	for _, o := range w.data.objects {
		known[o.key] = true
		var got objState
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(o.key)})
		switch {
		case err == nil:
			data, rerr := io.ReadAll(out.Body)
			out.Body.Close()
			if rerr != nil {
				tb.Errorf("GetObject %s/%s: reading the body: %v", *bucket, o.key, rerr)
				continue
			}
			got = stateOf(data, strings.Trim(aws.ToString(out.ETag), `"`))
			if l, ok := listed[o.key]; !ok || l.size != got.size || l.etag != got.etag {
				tb.Errorf("object %s/%s reads as %d bytes ETag %s but is listed as %+v (listed: %v)", *bucket, o.key, got.size, got.etag, l, ok)
			}
		case apiCode(err) == "NoSuchKey":
			if _, ok := listed[o.key]; ok {
				tb.Errorf("object %s/%s is listed but GetObject says NoSuchKey", *bucket, o.key)
			}
		default:
			tb.Errorf("GetObject %s/%s: %v", *bucket, o.key, err)
			continue
		}
		if !o.state.ok(got) {
			pending := "none"
			if o.state.pending != nil {
				pending = fmt.Sprintf("%+v", *o.state.pending)
			}
			tb.Errorf("object %s/%s is %+v, want %+v (or unanswered %s)", *bucket, o.key, got, o.state.acked, pending)
			continue
		}
		o.state.settle(got)
	}
	for k := range listed {
		if !known[k] {
			tb.Errorf("object %s/%s is listed but was never written", *bucket, k)
		}
	}
}

func (w *worker) verifyTables(ctx context.Context, tb testing.TB, cl Clients) {
	d := &w.data
	client := cl[w.provider()]
	if d.pendingTable != "" {
		var found []types.ConfiguredTableSummary
		p := cleanrooms.NewListConfiguredTablesPaginator(client, &cleanrooms.ListConfiguredTablesInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				tb.Errorf("ListConfiguredTables: %v", err)
				return
			}
			for _, s := range page.ConfiguredTableSummaries {
				if aws.ToString(s.Name) == d.pendingTable {
					found = append(found, s)
				}
			}
		}
		switch len(found) {
		case 0:
		case 1:
			d.tables = append(d.tables, &ctRec{name: d.pendingTable, id: *found[0].Id, arn: *found[0].Arn,
				glueTable: d.glueTables[len(d.glueTables)-1].name})
		default:
			tb.Errorf("an unanswered CreateConfiguredTable %s created %d tables", d.pendingTable, len(found))
		}
		d.pendingTable = ""
	}
	for _, t := range d.tables {
		got, err := client.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: aws.String(t.id)})
		if err != nil {
			tb.Errorf("acknowledged configured table %s (%s) lost: %v", t.id, t.name, err)
			continue
		}
		ct := got.ConfiguredTable
		ref, _ := ct.TableReference.(*types.TableReferenceMemberGlue)
		if aws.ToString(ct.Name) != t.name || ref == nil || aws.ToString(ref.Value.TableName) != t.glueTable ||
			!slices.Equal(ct.AllowedColumns, []string{"user_id", "city", "spend"}) {
			tb.Errorf("configured table %s: %+v, want %s on %s", t.id, ct, t.name, t.glueTable)
		}
		rule := ""
		r, err := client.GetConfiguredTableAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAnalysisRuleInput{
			ConfiguredTableIdentifier: aws.String(t.id), AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList})
		switch {
		case err == nil:
			if v1, ok := r.AnalysisRule.Policy.(*types.ConfiguredTableAnalysisRulePolicyMemberV1); ok {
				if l, ok := v1.Value.(*types.ConfiguredTableAnalysisRulePolicyV1MemberList); ok {
					rule = strings.Join(l.Value.ListColumns, ",")
				}
			}
			if rule == "" {
				tb.Errorf("rule of %s: %+v", t.name, r.AnalysisRule.Policy)
			}
		case apiCode(err) != "ResourceNotFoundException":
			tb.Errorf("GetConfiguredTableAnalysisRule %s: %v", t.name, err)
			continue
		}
		if !t.rule.ok(rule) {
			tb.Errorf("rule of configured table %s: %q, want %q (or unanswered %v)", t.name, rule, t.rule.acked, t.rule.pending)
		} else {
			t.rule.settle(rule)
		}
		// analysisRuleTypes agrees with the rule, in the same read or not.
		wantTypes := []types.ConfiguredTableAnalysisRuleType{}
		if rule != "" {
			wantTypes = append(wantTypes, types.ConfiguredTableAnalysisRuleTypeList)
		}
		if !slices.Equal(ct.AnalysisRuleTypes, wantTypes) && len(ct.AnalysisRuleTypes)+len(wantTypes) > 0 {
			tb.Errorf("configured table %s: analysisRuleTypes %v with rule %q", t.name, ct.AnalysisRuleTypes, rule)
		}
		w.verifyAssociation(ctx, tb, cl, t)
	}
}

func (w *worker) verifyAssociation(ctx context.Context, tb testing.TB, cl Clients, t *ctRec) {
	if t.assoc == notCreated {
		return
	}
	client := cl[w.provider()]
	if t.assoc == createPending {
		out, err := client.ListConfiguredTableAssociations(ctx, &cleanrooms.ListConfiguredTableAssociationsInput{MembershipIdentifier: aws.String(t.membershipID)})
		if err != nil {
			tb.Errorf("ListConfiguredTableAssociations: %v", err)
			return
		}
		var n int
		for _, s := range out.ConfiguredTableAssociationSummaries {
			if aws.ToString(s.Name) == t.assocName {
				n++
				t.assocID = aws.ToString(s.Id)
			}
		}
		switch n {
		case 0:
			t.assoc = notCreated
			return
		case 1:
			t.assoc = createAcked
		default:
			tb.Errorf("an unanswered CreateConfiguredTableAssociation %s created %d", t.assocName, n)
			return
		}
	}
	got, err := client.GetConfiguredTableAssociation(ctx, &cleanrooms.GetConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(t.membershipID), ConfiguredTableAssociationIdentifier: aws.String(t.assocID)})
	if err != nil {
		tb.Errorf("acknowledged association %s (%s) lost: %v", t.assocName, t.assocID, err)
		return
	}
	if a := got.ConfiguredTableAssociation; aws.ToString(a.Name) != t.assocName || aws.ToString(a.ConfiguredTableId) != t.id ||
		aws.ToString(a.MembershipId) != t.membershipID ||
		aws.ToString(a.RoleArn) != "arn:aws:iam::"+w.provider()+":role/crashload" {
		tb.Errorf("association %s: %+v, want table %s membership %s", t.assocID, a, t.id, t.membershipID)
	}
	// The other ACTIVE member (the receiver, when it joined) sees it as
	// a schema, READY with the table's rule.
	reader := cl[w.provider()]
	for _, c := range w.collabs {
		if c.id == t.collabID && c.joins[1] != nil && c.joins[1].acked != nil {
			reader = cl[c.accounts[1]]
		}
	}
	sc, err := reader.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: aws.String(t.collabID), Name: aws.String(t.assocName)})
	if err != nil {
		tb.Errorf("acknowledged association %s of %s in %s: GetSchema: %v", t.assocName, t.name, t.collabID, err)
		return
	}
	s := sc.Schema
	var cols []string
	for _, c := range s.Columns {
		cols = append(cols, aws.ToString(c.Name)+":"+aws.ToString(c.Type))
	}
	if want := []string{"user_id:string", "city:string", "spend:double"}; !slices.Equal(cols, want) || aws.ToString(s.CreatorAccountId) != w.provider() {
		tb.Errorf("schema %s: columns %v creator %s, want %v %s", t.assocName, cols, aws.ToString(s.CreatorAccountId), want, w.provider())
	}
	ready := len(s.SchemaStatusDetails) > 0 && s.SchemaStatusDetails[0].Status == types.SchemaStatusReady
	if t.rule.acked != "" && (!ready || !slices.Equal(s.AnalysisRuleTypes, []types.AnalysisRuleType{types.AnalysisRuleTypeList})) {
		tb.Errorf("schema %s (rule %q): types %v status %+v, want LIST READY", t.assocName, t.rule.acked, s.AnalysisRuleTypes, s.SchemaStatusDetails)
	}
}

// DataSize counts the acknowledged (or adopted) objects, Glue tables,
// configured tables with a rule, and associations in the ledgers.
func (l *Load) DataSize() (objects, glueTables, rules, assocs int) {
	for _, w := range l.workers {
		for _, o := range w.data.objects {
			if o.state.acked.size > 0 {
				objects++
			}
		}
		for _, g := range w.data.glueTables {
			if g.state == createAcked {
				glueTables++
			}
		}
		for _, t := range w.data.tables {
			if t.rule.acked != "" {
				rules++
			}
			if t.assoc == createAcked {
				assocs++
			}
		}
	}
	return objects, glueTables, rules, assocs
}
