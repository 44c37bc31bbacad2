package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/parquet-go/parquet-go"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

// The data path with the three aws-sdk-go-v2 clients against one
// in-process server and its embedded S3 and Glue catalog (no fake
// catalog): A and B upload CSV, Parquet and JSON lines, describe them in
// Glue, configure tables under each rule type, associate them, and read
// each other's schemas.

// member is one account's three clients.
type member struct {
	account string
	s3      *s3.Client
	glue    *glue.Client
	cr      *cleanrooms.Client
}

func newMember(srv *cleanroomstest.Server, account string) member {
	return member{account: account, s3: srv.S3Client(account), glue: srv.GlueClient(account), cr: srv.Client(account)}
}

type purchase struct {
	UserID string  `parquet:"user_id"`
	Amount float64 `parquet:"amount"`
	Qty    int64   `parquet:"qty"`
}

func col(name, typ string) gluetypes.Column {
	return gluetypes.Column{Name: aws.String(name), Type: aws.String(typ)}
}

// glueTable describes data under location in one of three formats.
func glueTable(name, format, location string, cols []gluetypes.Column, partitions ...gluetypes.Column) *gluetypes.TableInput {
	sd := &gluetypes.StorageDescriptor{Columns: cols, Location: aws.String(location)}
	params := map[string]string{"classification": format}
	switch format {
	case "csv":
		sd.InputFormat = aws.String("org.apache.hadoop.mapred.TextInputFormat")
		sd.OutputFormat = aws.String("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
		sd.SerdeInfo = &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
			Parameters: map[string]string{"field.delim": ","}}
		params["skip.header.line.count"] = "1"
	case "parquet":
		sd.InputFormat = aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
		sd.OutputFormat = aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
		sd.SerdeInfo = &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")}
	case "json":
		sd.InputFormat = aws.String("org.apache.hadoop.mapred.TextInputFormat")
		sd.OutputFormat = aws.String("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
		sd.SerdeInfo = &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.openx.data.jsonserde.JsonSerDe")}
	}
	return &gluetypes.TableInput{Name: aws.String(name), TableType: aws.String("EXTERNAL_TABLE"), Parameters: params,
		StorageDescriptor: sd, PartitionKeys: partitions}
}

func (m member) put(t *testing.T, bucket, key string, body []byte) {
	t.Helper()
	if _, err := m.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject(%s/%s) as %s: %v", bucket, key, m.account, err)
	}
}

func (m member) get(t *testing.T, bucket, key string, rng string) []byte {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if rng != "" {
		in.Range = aws.String(rng)
	}
	out, err := m.s3.GetObject(t.Context(), in)
	if err != nil {
		t.Fatalf("GetObject(%s/%s) as %s: %v", bucket, key, m.account, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (m member) createTable(t *testing.T, db string, in *gluetypes.TableInput) {
	t.Helper()
	if _, err := m.glue.CreateTable(t.Context(), &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: in}); err != nil {
		t.Fatalf("glue CreateTable(%s.%s) as %s: %v", db, aws.ToString(in.Name), m.account, err)
	}
}

func (m member) configure(t *testing.T, name, db, table string, cols []string, rule types.ConfiguredTableAnalysisRuleType, policy types.ConfiguredTableAnalysisRulePolicy) types.ConfiguredTable {
	t.Helper()
	ct := mustTable(t, m.cr, &cleanrooms.CreateConfiguredTableInput{Name: aws.String(name), AllowedColumns: cols,
		AnalysisMethod: types.AnalysisMethodDirectQuery, TableReference: glueRef(db, table)})
	if policy != nil {
		if _, err := m.cr.CreateConfiguredTableAnalysisRule(t.Context(), &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
			ConfiguredTableIdentifier: ct.Id, AnalysisRuleType: rule, AnalysisRulePolicy: policy}); err != nil {
			t.Fatalf("CreateConfiguredTableAnalysisRule(%s, %s): %v", name, rule, err)
		}
	}
	return ct
}

func (m member) associate(t *testing.T, membershipID, tableID, name string) types.ConfiguredTableAssociation {
	t.Helper()
	out, err := m.cr.CreateConfiguredTableAssociation(t.Context(), &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(membershipID), ConfiguredTableIdentifier: aws.String(tableID), Name: aws.String(name), RoleArn: roleARN(m.account)})
	if err != nil {
		t.Fatalf("CreateConfiguredTableAssociation(%s): %v", name, err)
	}
	return *out.ConfiguredTableAssociation
}

func (m member) ctaRule(t *testing.T, membershipID string, cta types.ConfiguredTableAssociation, typ types.ConfiguredTableAssociationAnalysisRuleType, receivers ...string) {
	t.Helper()
	var v1 types.ConfiguredTableAssociationAnalysisRulePolicyV1
	switch typ {
	case types.ConfiguredTableAssociationAnalysisRuleTypeAggregation:
		v1 = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation{Value: types.ConfiguredTableAssociationAnalysisRuleAggregation{AllowedResultReceivers: receivers}}
	case types.ConfiguredTableAssociationAnalysisRuleTypeList:
		v1 = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList{Value: types.ConfiguredTableAssociationAnalysisRuleList{AllowedResultReceivers: receivers}}
	case types.ConfiguredTableAssociationAnalysisRuleTypeCustom:
		v1 = &types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom{Value: types.ConfiguredTableAssociationAnalysisRuleCustom{AllowedResultReceivers: receivers}}
	}
	if _, err := m.cr.CreateConfiguredTableAssociationAnalysisRule(t.Context(), &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: aws.String(membershipID), ConfiguredTableAssociationIdentifier: cta.Id, AnalysisRuleType: typ,
		AnalysisRulePolicy: &types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{Value: v1}}); err != nil {
		t.Fatalf("CreateConfiguredTableAssociationAnalysisRule(%s, %s): %v", aws.ToString(cta.Name), typ, err)
	}
}

func aggregationRule() types.ConfiguredTableAnalysisRulePolicy {
	return &types.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{Value: types.AnalysisRuleAggregation{
		AggregateColumns:  []types.AggregateColumn{{ColumnNames: []string{"spend"}, Function: types.AggregateFunctionNameSum}},
		DimensionColumns:  []string{"city"},
		JoinColumns:       []string{"user_id"},
		OutputConstraints: []types.AggregationConstraint{{ColumnName: aws.String("user_id"), Minimum: aws.Int32(2), Type: types.AggregationTypeCountDistinct}},
		ScalarFunctions:   []types.ScalarFunctions{types.ScalarFunctionsAbs},
	}}}
}

// schemaView is what a schema says, without times and ARNs.
type schemaView struct {
	Creator    string
	Columns    []string // name:type
	Partitions []string
	RuleTypes  []types.AnalysisRuleType
	Status     types.SchemaStatus
	Reasons    []types.SchemaStatusReasonCode
}

func viewOf(s types.Schema) schemaView {
	v := schemaView{Creator: aws.ToString(s.CreatorAccountId), RuleTypes: s.AnalysisRuleTypes, Status: types.SchemaStatusReady}
	for _, c := range s.Columns {
		v.Columns = append(v.Columns, aws.ToString(c.Name)+":"+aws.ToString(c.Type))
	}
	for _, c := range s.PartitionKeys {
		v.Partitions = append(v.Partitions, aws.ToString(c.Name)+":"+aws.ToString(c.Type))
	}
	for _, d := range s.SchemaStatusDetails {
		if d.AnalysisType != types.AnalysisTypeDirectAnalysis {
			continue
		}
		v.Status = d.Status
		for _, r := range d.Reasons {
			v.Reasons = append(v.Reasons, r.Code)
		}
	}
	return v
}

func getSchema(t *testing.T, c *cleanrooms.Client, collabID, name string) types.Schema {
	t.Helper()
	out, err := c.GetSchema(t.Context(), &cleanrooms.GetSchemaInput{CollaborationIdentifier: aws.String(collabID), Name: aws.String(name)})
	if err != nil {
		t.Fatalf("GetSchema(%s): %v", name, err)
	}
	return *out.Schema
}

// s3Error checks an S3 error's code and HTTP status (HEAD answers carry
// no body, so only the status is checked when code is "").
func s3Error(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Errorf("%s succeeded, want %s (%d)", what, code, status)
		return
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Errorf("%s: %v, want HTTP %d", what, err, status)
	}
	var ae smithy.APIError
	if code != "" && (!errors.As(err, &ae) || ae.ErrorCode() != code) {
		t.Errorf("%s: %v, want code %s", what, err, code)
	}
}

func glueNotFound(t *testing.T, what string, err error) {
	t.Helper()
	var nf *gluetypes.EntityNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("%s: %v, want EntityNotFoundException", what, err)
		return
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 400 {
		t.Errorf("%s: HTTP %d, want 400", what, re.HTTPStatusCode())
	}
}

// dataWorld: A owns bucket a-data (users CSV incl. a multipart object,
// visits CSV partitioned by day) and Glue database acme; B owns b-data
// (purchases Parquet, events JSON lines) and database shop. A creates the
// collaboration (A queries and receives), B joins, D is an outsider.
type dataWorld struct {
	srv      *cleanroomstest.Server
	A, B, D  member
	collabID string
	mA, mB   string
	usersCT  types.ConfiguredTable
	visitsCT types.ConfiguredTable
	usersCTA types.ConfiguredTableAssociation
	usersCSV []byte
	bigCSV   []byte
	rows     []purchase
}

// newDataWorld builds it; the 5 MiB multipart object is uploaded only when
// multipart is set (it is what makes a world slow under -race).
func newDataWorld(t *testing.T, multipart ...bool) *dataWorld {
	t.Helper()
	srv := cleanroomstest.NewServer(t)
	w := &dataWorld{srv: srv, A: newMember(srv, acctA), B: newMember(srv, acctB), D: newMember(srv, acctD)}
	ctx := t.Context()
	for _, b := range []struct {
		m      member
		bucket string
	}{{w.A, "a-data"}, {w.B, "b-data"}} {
		if _, err := b.m.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b.bucket)}); err != nil {
			t.Fatalf("CreateBucket(%s): %v", b.bucket, err)
		}
	}

	// A: a small CSV object under users/ (and a multipart one when asked).
	w.usersCSV = []byte("user_id,city,spend\nu1,Paris,10.5\nu2,Lyon,3\nu3,Paris,7.25\n")
	w.A.put(t, "a-data", "users/part-0.csv", w.usersCSV)
	if len(multipart) > 0 && multipart[0] {
		w.uploadMultipart(t)
	}
	w.A.put(t, "a-data", "visits/day=2024-01-01/part-0.csv", []byte("user_id,page\nu1,/home\n"))
	w.A.put(t, "a-data", "visits/day=2024-01-02/part-0.csv", []byte("user_id,page\nu2,/cart\nu3,/home\n"))

	// B: Parquet written by parquet-go, and JSON lines.
	w.rows = []purchase{{"u1", 19.99, 1}, {"u2", 5, 3}, {"u9", 120.5, 2}}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, w.rows); err != nil {
		t.Fatal(err)
	}
	w.B.put(t, "b-data", "purchases/part-0.parquet", pq.Bytes())
	w.B.put(t, "b-data", "events/2024/part-0.json", []byte(`{"user_id":"u1","kind":"click","ts":"2024-01-01 10:00:00"}`+"\n"+`{"user_id":"u2","kind":"view","ts":"2024-01-02 11:00:00"}`+"\n"))

	// Glue.
	for _, d := range []struct {
		m  member
		db string
	}{{w.A, "acme"}, {w.B, "shop"}} {
		if _, err := d.m.glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(d.db)}}); err != nil {
			t.Fatalf("glue CreateDatabase(%s): %v", d.db, err)
		}
	}
	w.A.createTable(t, "acme", glueTable("users", "csv", "s3://a-data/users/",
		[]gluetypes.Column{col("user_id", "string"), col("city", "string"), col("spend", "double")}))
	w.A.createTable(t, "acme", glueTable("visits", "csv", "s3://a-data/visits/",
		[]gluetypes.Column{col("user_id", "string"), col("page", "string")}, col("day", "date")))
	w.B.createTable(t, "shop", glueTable("purchases", "parquet", "s3://b-data/purchases/",
		[]gluetypes.Column{col("user_id", "string"), col("amount", "double"), col("qty", "bigint")}))
	w.B.createTable(t, "shop", glueTable("events", "json", "s3://b-data/events/",
		[]gluetypes.Column{col("user_id", "string"), col("kind", "string"), col("ts", "timestamp")}))

	// The collaboration.
	c := mustCreate(t, w.A.cr, collabInput("dataplane", abilities(types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults), spec(acctB, "B")))
	w.collabID = aws.ToString(c.Id)
	w.mA = aws.ToString(mustJoin(t, w.A.cr, joinInput(w.collabID)).Id)
	w.mB = aws.ToString(mustJoin(t, w.B.cr, joinInput(w.collabID)).Id)

	w.usersCT = w.A.configure(t, "users", "acme", "users", []string{"user_id", "city", "spend"}, types.ConfiguredTableAnalysisRuleTypeAggregation, aggregationRule())
	w.visitsCT = w.A.configure(t, "visits", "acme", "visits", []string{"user_id", "page", "day"}, types.ConfiguredTableAnalysisRuleTypeList,
		listRule([]string{"user_id"}, []string{"page", "day"}))
	w.usersCTA = w.A.associate(t, w.mA, *w.usersCT.Id, "users")
	w.A.ctaRule(t, w.mA, w.usersCTA, types.ConfiguredTableAssociationAnalysisRuleTypeAggregation, acctA)
	w.A.ctaRule(t, w.mA, w.A.associate(t, w.mA, *w.visitsCT.Id, "visits"), types.ConfiguredTableAssociationAnalysisRuleTypeList, acctA)
	return w
}

// uploadMultipart writes users/part-1.csv in two parts (5 MiB and a tail).
func (w *dataWorld) uploadMultipart(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	var part1 bytes.Buffer
	part1.WriteString("user_id,city,spend\n")
	for i := 0; part1.Len() < 5<<20; i++ {
		fmt.Fprintf(&part1, "m%07d,city%d,%d.5\n", i, i%17, i%1000)
	}
	part2 := []byte("z1,Nice,1\nz2,Nice,2\n")
	w.bigCSV = append(slices.Clip(part1.Bytes()), part2...)
	up, err := w.A.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("a-data"), Key: aws.String("users/part-1.csv")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []s3types.CompletedPart
	for i, body := range [][]byte{part1.Bytes(), part2} {
		n := aws.Int32(int32(i + 1))
		out, err := w.A.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("a-data"), Key: aws.String("users/part-1.csv"),
			UploadId: up.UploadId, PartNumber: n, Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatalf("UploadPart(%d): %v", i+1, err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: out.ETag, PartNumber: n})
	}
	if _, err := w.A.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("a-data"), Key: aws.String("users/part-1.csv"),
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
}

func TestDataPathObjects(t *testing.T) {
	w := newDataWorld(t, true)
	ctx := t.Context()

	// The bytes uploaded are the bytes read back, whole and by range.
	if got := w.A.get(t, "a-data", "users/part-0.csv", ""); !bytes.Equal(got, w.usersCSV) {
		t.Errorf("users/part-0.csv = %q, want %q", got, w.usersCSV)
	}
	big := w.A.get(t, "a-data", "users/part-1.csv", "")
	if !bytes.Equal(big, w.bigCSV) {
		t.Errorf("multipart object: %d bytes, want %d (equal: false)", len(big), len(w.bigCSV))
	}
	if got, want := w.A.get(t, "a-data", "users/part-1.csv", "bytes=5242870-5242900"), w.bigCSV[5242870:5242901]; !bytes.Equal(got, want) {
		t.Errorf("range across the part boundary = %q, want %q", got, want)
	}
	head, err := w.A.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("a-data"), Key: aws.String("users/part-1.csv")})
	if err != nil || aws.ToInt64(head.ContentLength) != int64(len(w.bigCSV)) || !strings.HasSuffix(strings.Trim(aws.ToString(head.ETag), `"`), "-2") {
		t.Errorf("HeadObject(multipart) = %v, %v; want length %d and a 2-part ETag", head, err, len(w.bigCSV))
	}
	pq := w.B.get(t, "b-data", "purchases/part-0.parquet", "")
	rows, err := parquet.Read[purchase](bytes.NewReader(pq), int64(len(pq)))
	if err != nil {
		t.Fatalf("reading the Parquet object back: %v", err)
	}
	if d := diff(w.rows, rows); d != "" {
		t.Errorf("Parquet rows (-uploaded +read): %s", d)
	}

	// Every object of a table's location, with prefixes per partition.
	list, err := w.A.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("a-data"), Prefix: aws.String("users/")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key)+fmt.Sprintf("=%d", aws.ToInt64(o.Size)))
	}
	if d := diff([]string{fmt.Sprintf("users/part-0.csv=%d", len(w.usersCSV)), fmt.Sprintf("users/part-1.csv=%d", len(w.bigCSV))}, keys); d != "" {
		t.Errorf("ListObjectsV2(users/): %s", d)
	}
	parts, err := w.A.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("a-data"), Prefix: aws.String("visits/"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	for _, p := range parts.CommonPrefixes {
		prefixes = append(prefixes, aws.ToString(p.Prefix))
	}
	if d := diff([]string{"visits/day=2024-01-01/", "visits/day=2024-01-02/"}, prefixes); d != "" {
		t.Errorf("partition prefixes: %s", d)
	}

	// Glue describes them as created.
	tbl, err := w.B.glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("shop"), Name: aws.String("purchases")})
	if err != nil {
		t.Fatal(err)
	}
	if lib := aws.ToString(tbl.Table.StorageDescriptor.SerdeInfo.SerializationLibrary); lib != "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" ||
		aws.ToString(tbl.Table.StorageDescriptor.Location) != "s3://b-data/purchases/" {
		t.Errorf("purchases: serde %s, location %s", lib, aws.ToString(tbl.Table.StorageDescriptor.Location))
	}
	tables, err := w.A.glue.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range tables.TableList {
		names = append(names, aws.ToString(tb.Name)+fmt.Sprintf("/%d", len(tb.PartitionKeys)))
	}
	if d := diff([]string{"users/0", "visits/1"}, names); d != "" {
		t.Errorf("GetTables(acme): %s", d)
	}
}

func TestDataPathCatalogChecks(t *testing.T) {
	w := newDataWorld(t)
	ctx := t.Context()
	create := func(m member, db, table string, cols ...string) error {
		_, err := m.cr.CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{Name: aws.String("x"), AllowedColumns: cols,
			AnalysisMethod: types.AnalysisMethodDirectQuery, TableReference: glueRef(db, table)})
		return err
	}
	for _, c := range []struct {
		name      string
		m         member
		db, table string
		cols      []string
		field     string
		message   string
	}{
		{"unknown table", w.A, "acme", "nope", []string{"user_id"}, "tableReference.glue", "Glue table acme.nope does not exist in the catalog of account " + acctA + " in " + region + "."},
		{"unknown database", w.A, "nodb", "users", []string{"user_id"}, "tableReference.glue", "Glue table nodb.users does not exist in the catalog of account " + acctA + " in " + region + "."},
		{"unknown column", w.A, "acme", "users", []string{"user_id", "email"}, "allowedColumns", `Column "email" does not exist in Glue table acme.users.`},
		{"partition key is a column", w.A, "acme", "visits", []string{"day", "nope"}, "allowedColumns", `Column "nope" does not exist in Glue table acme.visits.`},
		{"another account's table", w.B, "acme", "users", []string{"user_id"}, "tableReference.glue", "Glue table acme.users does not exist in the catalog of account " + acctB + " in " + region + "."},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := wantValidation(t, create(c.m, c.db, c.table, c.cols...))
			if aws.ToString(v.Message) != c.message {
				t.Errorf("message = %q, want %q", aws.ToString(v.Message), c.message)
			}
			if len(v.FieldList) != 1 || aws.ToString(v.FieldList[0].Name) != c.field {
				t.Errorf("fieldList = %+v, want %s", v.FieldList, c.field)
			}
		})
	}
	// An update that names an unknown column is checked too.
	_, err := w.A.cr.UpdateConfiguredTable(ctx, &cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: w.visitsCT.Id, AllowedColumns: []string{"user_id", "page", "day", "referrer"}})
	if v := wantValidation(t, err); !strings.Contains(aws.ToString(v.Message), `"referrer"`) {
		t.Errorf("update message = %q", aws.ToString(v.Message))
	}
	// glue.region names the catalog of another region of the caller's.
	eu := glue.NewFromConfig(w.srv.AWSConfig(acctA), func(o *glue.Options) { o.Region = "eu-west-1" })
	if _, err := eu.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("eu")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eu.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("eu"),
		TableInput: glueTable("t", "csv", "s3://a-data/eu/", []gluetypes.Column{col("a", "bigint")})}); err != nil {
		t.Fatal(err)
	}
	euRef := func(db, table string, r types.CommercialRegion) *cleanrooms.CreateConfiguredTableInput {
		return &cleanrooms.CreateConfiguredTableInput{Name: aws.String("eu"), AllowedColumns: []string{"a"}, AnalysisMethod: types.AnalysisMethodDirectQuery,
			TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String(db), TableName: aws.String(table), Region: r}}}
	}
	euCT := mustTable(t, w.A.cr, euRef("eu", "t", "eu-west-1"))
	_, err = w.A.cr.CreateConfiguredTable(ctx, euRef("eu", "t", ""))
	if v := wantValidation(t, err); !strings.Contains(aws.ToString(v.Message), "eu.t does not exist in the catalog of account "+acctA+" in "+region) {
		t.Errorf("eu table without its region: %q", aws.ToString(v.Message))
	}
	_, err = w.A.cr.CreateConfiguredTable(ctx, euRef("acme", "users", "eu-west-1"))
	if v := wantValidation(t, err); !strings.Contains(aws.ToString(v.Message), "in eu-west-1.") {
		t.Errorf("us table named in eu-west-1: %q", aws.ToString(v.Message))
	}
	euCTA := w.A.associate(t, w.mA, *euCT.Id, "eu")
	if got := viewOf(getSchema(t, w.B.cr, w.collabID, *euCTA.Name)); !slices.Equal(got.Columns, []string{"a:bigint"}) {
		t.Errorf("schema of the eu-west-1 table: %v", got.Columns)
	}

	// Lenient mode accepts what the catalog does not know.
	lenient := cleanroomstest.NewServer(t, cleanroomstest.WithLenientCatalog())
	if _, err := lenient.Client(acctA).CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{Name: aws.String("x"), AllowedColumns: []string{"email"},
		AnalysisMethod: types.AnalysisMethodDirectQuery, TableReference: glueRef("acme", "nope")}); err != nil {
		t.Errorf("lenient: %v", err)
	}
}

func TestDataPathSchemas(t *testing.T) {
	w := newDataWorld(t)
	ctx := t.Context()
	any := func(providers ...string) types.ConfiguredTableAnalysisRulePolicy {
		return customRule([]string{"ANY_QUERY"}, providers...)
	}
	purchases := w.B.configure(t, "purchases", "shop", "purchases", []string{"user_id", "amount", "qty"}, types.ConfiguredTableAnalysisRuleTypeCustom, any(acctA))
	events := w.B.configure(t, "events", "shop", "events", []string{"user_id", "kind", "ts"}, types.ConfiguredTableAnalysisRuleTypeList, listRule([]string{"user_id"}, []string{"kind"}))
	norule := w.B.configure(t, "events_norule", "shop", "events", []string{"user_id", "kind"}, "", nil)
	noprov := w.B.configure(t, "purchases_noprov", "shop", "purchases", []string{"user_id", "amount"}, types.ConfiguredTableAnalysisRuleTypeCustom, any())

	pCTA := w.B.associate(t, w.mB, *purchases.Id, "purchases")
	w.B.ctaRule(t, w.mB, pCTA, types.ConfiguredTableAssociationAnalysisRuleTypeCustom, acctA)
	eCTA := w.B.associate(t, w.mB, *events.Id, "events")
	w.B.ctaRule(t, w.mB, eCTA, types.ConfiguredTableAssociationAnalysisRuleTypeAggregation, acctA) // the table's rule is LIST
	w.B.associate(t, w.mB, *norule.Id, "events_norule")
	w.B.associate(t, w.mB, *noprov.Id, "purchases_noprov")

	custom, list, agg := types.AnalysisRuleTypeCustom, types.AnalysisRuleTypeList, types.AnalysisRuleTypeAggregation
	ready, notReady := types.SchemaStatusReady, types.SchemaStatusNotReady
	want := map[string]schemaView{
		"users":  {Creator: acctA, Columns: []string{"user_id:string", "city:string", "spend:double"}, RuleTypes: []types.AnalysisRuleType{agg}, Status: ready},
		"visits": {Creator: acctA, Columns: []string{"user_id:string", "page:string"}, Partitions: []string{"day:date"}, RuleTypes: []types.AnalysisRuleType{list}, Status: ready},
		"purchases": {Creator: acctB, Columns: []string{"user_id:string", "amount:double", "qty:bigint"},
			RuleTypes: []types.AnalysisRuleType{custom}, Status: ready},
		"events": {Creator: acctB, Columns: []string{"user_id:string", "kind:string", "ts:timestamp"}, RuleTypes: []types.AnalysisRuleType{list},
			Status: notReady, Reasons: []types.SchemaStatusReasonCode{types.SchemaStatusReasonCodeAnalysisRuleTypesNotCompatible}},
		"events_norule": {Creator: acctB, Columns: []string{"user_id:string", "kind:string"}, RuleTypes: []types.AnalysisRuleType{},
			Status: notReady, Reasons: []types.SchemaStatusReasonCode{types.SchemaStatusReasonCodeAnalysisRuleMissing}},
		"purchases_noprov": {Creator: acctB, Columns: []string{"user_id:string", "amount:double"}, RuleTypes: []types.AnalysisRuleType{custom},
			Status: notReady, Reasons: []types.SchemaStatusReasonCode{types.SchemaStatusReasonCodeAnalysisProvidersNotConfigured}},
	}
	// Each member sees every schema, the other's included, the same way.
	for _, m := range []member{w.A, w.B} {
		for name, v := range want {
			if v.RuleTypes == nil {
				v.RuleTypes = []types.AnalysisRuleType{}
			}
			got := viewOf(getSchema(t, m.cr, w.collabID, name))
			if got.RuleTypes == nil {
				got.RuleTypes = []types.AnalysisRuleType{}
			}
			if d := diff(v, got); d != "" {
				t.Errorf("%s's view of schema %s (-want +got): %s", m.account, name, d)
			}
		}
		var listed []string
		for p := cleanrooms.NewListSchemasPaginator(m.cr, &cleanrooms.ListSchemasInput{CollaborationIdentifier: aws.String(w.collabID), MaxResults: aws.Int32(2)}); p.HasMorePages(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page.SchemaSummaries {
				listed = append(listed, aws.ToString(s.Name)+"@"+aws.ToString(s.CreatorAccountId))
			}
		}
		if d := diff([]string{"users@" + acctA, "visits@" + acctA, "purchases@" + acctB, "events@" + acctB, "events_norule@" + acctB, "purchases_noprov@" + acctB}, listed); d != "" {
			t.Errorf("%s: ListSchemas: %s", m.account, d)
		}
	}
	batch, err := w.A.cr.BatchGetSchema(ctx, &cleanrooms.BatchGetSchemaInput{CollaborationIdentifier: aws.String(w.collabID), Names: []string{"visits", "purchases", "nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Schemas) != 2 || len(batch.Errors) != 1 || aws.ToString(batch.Errors[0].Name) != "nope" {
		t.Errorf("BatchGetSchema: %d schemas, errors %+v", len(batch.Schemas), batch.Errors)
	}

	// Status is computed on read: fixing each cause makes it READY.
	if _, err := w.B.cr.DeleteConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: aws.String(w.mB), ConfiguredTableAssociationIdentifier: eCTA.Id, AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeAggregation}); err != nil {
		t.Fatal(err)
	}
	w.B.ctaRule(t, w.mB, eCTA, types.ConfiguredTableAssociationAnalysisRuleTypeList, acctA)
	if _, err := w.B.cr.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: norule.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList, AnalysisRulePolicy: listRule([]string{"user_id"}, []string{"kind"})}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.B.cr.UpdateConfiguredTableAnalysisRule(ctx, &cleanrooms.UpdateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: noprov.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeCustom, AnalysisRulePolicy: any(acctA)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"events", "events_norule", "purchases_noprov"} {
		if got := viewOf(getSchema(t, w.A.cr, w.collabID, name)); got.Status != ready || len(got.Reasons) != 0 {
			t.Errorf("%s after the fix: %s %v", name, got.Status, got.Reasons)
		}
	}
	// And removing the table rule of a READY table makes it NOT_READY.
	if _, err := w.A.cr.DeleteConfiguredTableAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: w.usersCT.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeAggregation}); err != nil {
		t.Fatal(err)
	}
	if got := viewOf(getSchema(t, w.B.cr, w.collabID, "users")); got.Status != notReady || !slices.Contains(got.Reasons, types.SchemaStatusReasonCodeAnalysisRuleMissing) {
		t.Errorf("users without its rule: %s %v", got.Status, got.Reasons)
	}

	// The schema analysis rule the other member sees is the owner's policy
	// with the association rule's receivers.
	sr, err := w.A.cr.GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{CollaborationIdentifier: aws.String(w.collabID), Name: aws.String("purchases"), Type: custom})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(sr.AnalysisRule.Name) != "purchases" || sr.AnalysisRule.Type != custom || sr.AnalysisRule.CollaborationPolicy == nil {
		t.Errorf("GetSchemaAnalysisRule(purchases) = %+v", sr.AnalysisRule)
	}
}

// No account reaches another's bucket, Glue database or configured table
// through any of the three services; outsiders see no schema.
func TestDataPathIsolation(t *testing.T) {
	w := newDataWorld(t)
	ctx := t.Context()
	b, key := aws.String("a-data"), aws.String("users/part-0.csv")

	for _, intruder := range []member{w.B, w.D} {
		s := intruder.s3
		t.Run("s3/"+intruder.account, func(t *testing.T) {
			_, err := s.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b})
			s3Error(t, "HeadBucket", err, "", 403)
			_, err = s.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
			s3Error(t, "ListObjectsV2", err, "AccessDenied", 403)
			_, err = s.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: key})
			s3Error(t, "GetObject", err, "AccessDenied", 403)
			_, err = s.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: key, Range: aws.String("bytes=0-3")})
			s3Error(t, "GetObject(range)", err, "AccessDenied", 403)
			_, err = s.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("no/such/key")})
			s3Error(t, "GetObject(missing key)", err, "AccessDenied", 403)
			_, err = s.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: key})
			s3Error(t, "HeadObject", err, "", 403)
			_, err = s.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: key, Body: strings.NewReader("overwritten")})
			s3Error(t, "PutObject", err, "AccessDenied", 403)
			_, err = s.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: key})
			s3Error(t, "DeleteObject", err, "AccessDenied", 403)
			_, err = s.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: key}}}})
			s3Error(t, "DeleteObjects", err, "AccessDenied", 403)
			_, err = s.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String("a-data/users/part-0.csv")})
			s3Error(t, "CopyObject (into A's bucket)", err, "AccessDenied", 403)
			_, err = s.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp")})
			s3Error(t, "CreateMultipartUpload", err, "AccessDenied", 403)
			_, err = s.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b})
			s3Error(t, "ListMultipartUploads", err, "AccessDenied", 403)
			_, err = s.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b})
			s3Error(t, "DeleteBucket", err, "AccessDenied", 403)
			_, err = s.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b})
			s3Error(t, "CreateBucket(A's name)", err, "BucketAlreadyExists", 409)
			buckets, err := s.ListBuckets(ctx, &s3.ListBucketsInput{})
			if err != nil {
				t.Fatal(err)
			}
			for _, bk := range buckets.Buckets {
				if aws.ToString(bk.Name) == "a-data" {
					t.Errorf("ListBuckets as %s lists a-data", intruder.account)
				}
			}
		})
	}
	// B writes into A's bucket from its own, or into A's pending upload.
	_, err := w.B.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("planted"), CopySource: aws.String("b-data/purchases/part-0.parquet")})
	s3Error(t, "CopyObject (from B's bucket into A's)", err, "AccessDenied", 403)
	up, err := w.A.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("pending")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.B.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("pending"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	s3Error(t, "UploadPart (A's upload)", err, "AccessDenied", 403)
	_, err = w.B.s3.ListParts(ctx, &s3.ListPartsInput{Bucket: b, Key: aws.String("pending"), UploadId: up.UploadId})
	s3Error(t, "ListParts (A's upload)", err, "AccessDenied", 403)
	_, err = w.B.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("pending"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: aws.String(`"x"`), PartNumber: aws.Int32(1)}}}})
	s3Error(t, "CompleteMultipartUpload (A's upload)", err, "AccessDenied", 403)
	_, err = w.B.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: aws.String("pending"), UploadId: up.UploadId})
	s3Error(t, "AbortMultipartUpload (A's upload)", err, "AccessDenied", 403)
	if parts, err := w.A.s3.ListParts(ctx, &s3.ListPartsInput{Bucket: b, Key: aws.String("pending"), UploadId: up.UploadId}); err != nil || len(parts.Parts) != 0 {
		t.Errorf("A's pending upload after B's attempts: %v, %v", parts, err)
	}
	// B copying A's object into its own bucket is refused on the source.
	_, err = w.B.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("b-data"), Key: aws.String("stolen"), CopySource: aws.String("a-data/users/part-0.csv")})
	s3Error(t, "CopyObject (from A's bucket)", err, "AccessDenied", 403)
	_, err = w.B.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b-data"), Key: aws.String("stolen")})
	s3Error(t, "HeadObject(stolen)", err, "", 404)
	// A's data is intact.
	if got := w.A.get(t, "a-data", "users/part-0.csv", ""); !bytes.Equal(got, w.usersCSV) {
		t.Errorf("A's object changed: %q", got)
	}

	// Glue: another account's database does not exist for you.
	acme := aws.String("acme")
	for _, intruder := range []member{w.B, w.D} {
		g := intruder.glue
		t.Run("glue/"+intruder.account, func(t *testing.T) {
			_, err := g.GetDatabase(ctx, &glue.GetDatabaseInput{Name: acme})
			glueNotFound(t, "GetDatabase", err)
			_, err = g.GetTable(ctx, &glue.GetTableInput{DatabaseName: acme, Name: aws.String("users")})
			glueNotFound(t, "GetTable", err)
			_, err = g.GetTables(ctx, &glue.GetTablesInput{DatabaseName: acme})
			glueNotFound(t, "GetTables", err)
			_, err = g.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: acme, TableInput: glueTable("evil", "csv", "s3://a-data/users/", []gluetypes.Column{col("a", "string")})})
			glueNotFound(t, "CreateTable", err)
			_, err = g.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: acme, TableInput: glueTable("users", "csv", "s3://a-data/users/", []gluetypes.Column{col("a", "string")})})
			glueNotFound(t, "UpdateTable", err)
			_, err = g.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: acme, Name: aws.String("users")})
			glueNotFound(t, "DeleteTable", err)
			_, err = g.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{Name: acme, DatabaseInput: &gluetypes.DatabaseInput{Name: acme, Description: aws.String("mine")}})
			glueNotFound(t, "UpdateDatabase", err)
			_, err = g.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: acme})
			glueNotFound(t, "DeleteDatabase", err)
			dbs, err := g.GetDatabases(ctx, &glue.GetDatabasesInput{})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range dbs.DatabaseList {
				if aws.ToString(d.Name) == "acme" {
					t.Errorf("GetDatabases as %s lists acme", intruder.account)
				}
			}
		})
	}
	// The name is free in B's own catalog, and A's table is untouched.
	if _, err := w.B.glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: acme}}); err != nil {
		t.Errorf("B's own acme database: %v", err)
	}
	if tb, err := w.A.glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: acme, Name: aws.String("users")}); err != nil || len(tb.Table.StorageDescriptor.Columns) != 3 {
		t.Errorf("A's users table after B's attempts: %v", err)
	}

	// Clean Rooms: configured tables and their rules are the owner's.
	ct := w.usersCT.Id
	_, err = w.B.cr.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: ct})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct)
	_, err = w.B.cr.GetConfiguredTableAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct, AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeAggregation})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct)
	_, err = w.B.cr.UpdateConfiguredTable(ctx, &cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: ct, Description: aws.String("mine")})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct)
	_, err = w.B.cr.DeleteConfiguredTableAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct, AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeAggregation})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct)
	_, err = w.B.cr.DeleteConfiguredTable(ctx, &cleanrooms.DeleteConfiguredTableInput{ConfiguredTableIdentifier: ct})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct)
	_, err = w.B.cr.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{MembershipIdentifier: aws.String(w.mB),
		ConfiguredTableIdentifier: ct, Name: aws.String("borrowed"), RoleArn: roleARN(acctB)})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct)
	_, err = w.B.cr.GetConfiguredTableAssociation(ctx, &cleanrooms.GetConfiguredTableAssociationInput{MembershipIdentifier: aws.String(w.mA), ConfiguredTableAssociationIdentifier: w.usersCTA.Id})
	wantNotFound(t, err, types.ResourceTypeMembership, w.mA)
	_, err = w.B.cr.GetConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAssociationAnalysisRuleInput{MembershipIdentifier: aws.String(w.mA),
		ConfiguredTableAssociationIdentifier: w.usersCTA.Id, AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeAggregation})
	wantNotFound(t, err, types.ResourceTypeMembership, w.mA)
	_, err = w.B.cr.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: w.usersCT.Arn})
	apiError[*types.ResourceNotFoundException](t, err, 404)
	if l, err := w.B.cr.ListConfiguredTables(ctx, &cleanrooms.ListConfiguredTablesInput{}); err != nil || len(l.ConfiguredTableSummaries) != 0 {
		t.Errorf("B's ListConfiguredTables = %v, %v; want none", l, err)
	}
	// The outsider sees no schema of the collaboration.
	coll := aws.String(w.collabID)
	_, err = w.D.cr.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: coll, Name: aws.String("users")})
	wantAccessDenied(t, err)
	_, err = w.D.cr.ListSchemas(ctx, &cleanrooms.ListSchemasInput{CollaborationIdentifier: coll})
	wantAccessDenied(t, err)
	_, err = w.D.cr.BatchGetSchema(ctx, &cleanrooms.BatchGetSchemaInput{CollaborationIdentifier: coll, Names: []string{"users"}})
	wantAccessDenied(t, err)
	_, err = w.D.cr.GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{CollaborationIdentifier: coll, Name: aws.String("users"), Type: types.AnalysisRuleTypeAggregation})
	wantAccessDenied(t, err)
	_, err = w.D.cr.BatchGetSchemaAnalysisRule(ctx, &cleanrooms.BatchGetSchemaAnalysisRuleInput{CollaborationIdentifier: coll,
		SchemaAnalysisRuleRequests: []types.SchemaAnalysisRuleRequest{{Name: aws.String("users"), Type: types.AnalysisRuleTypeAggregation}}})
	wantAccessDenied(t, err)
	_, err = w.D.cr.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: ct})
	wantNotFound(t, err, types.ResourceTypeConfiguredTable, *ct)
}

// Schema column types are read from the catalog at every read: a Glue
// update shows at once, and a Glue table deleted since configuration
// leaves its columns typed string (docs/behavior-decisions.md).
func TestDataPathSchemaFollowsCatalog(t *testing.T) {
	w := newDataWorld(t)
	ctx := t.Context()
	in := glueTable("users", "csv", "s3://a-data/users/", []gluetypes.Column{col("user_id", "string"), col("city", "varchar(64)"), col("spend", "decimal(10,2)")})
	if _, err := w.A.glue.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("acme"), TableInput: in}); err != nil {
		t.Fatal(err)
	}
	if d := diff([]string{"user_id:string", "city:varchar(64)", "spend:decimal(10,2)"}, viewOf(getSchema(t, w.B.cr, w.collabID, "users")).Columns); d != "" {
		t.Errorf("users after the Glue update: %s", d)
	}
	if _, err := w.A.glue.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String("acme"), Name: aws.String("visits")}); err != nil {
		t.Fatal(err)
	}
	got := viewOf(getSchema(t, w.B.cr, w.collabID, "visits"))
	if d := diff([]string{"user_id:string", "page:string", "day:string"}, got.Columns); d != "" || len(got.Partitions) != 0 {
		t.Errorf("visits after its Glue table is deleted: columns %s, partitions %v", d, got.Partitions)
	}
}
