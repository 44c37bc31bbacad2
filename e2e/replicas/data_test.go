package replicas

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/crashload"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

func s3Client(p *testbin.Proc, account string, tr http.RoundTripper) *s3.Client {
	return s3.New(s3.Options{Region: crashload.Region, BaseEndpoint: aws.String(p.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(account, "secret", ""),
		HTTPClient:  &http.Client{Transport: tr, Timeout: 60 * time.Second}, Retryer: aws.NopRetryer{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired})
}

func glueClient(p *testbin.Proc, account string, tr http.RoundTripper) *glue.Client {
	return glue.New(glue.Options{Region: crashload.Region, BaseEndpoint: aws.String(p.URL),
		Credentials: credentials.NewStaticCredentialsProvider(account, "secret", ""),
		HTTPClient:  &http.Client{Transport: tr, Timeout: 60 * time.Second}, Retryer: aws.NopRetryer{}})
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func usersTable(name, location string) *gluetypes.TableInput {
	return &gluetypes.TableInput{Name: aws.String(name), TableType: aws.String("EXTERNAL_TABLE"),
		Parameters: map[string]string{"classification": "csv"},
		StorageDescriptor: &gluetypes.StorageDescriptor{
			Columns: []gluetypes.Column{{Name: aws.String("user_id"), Type: aws.String("string")},
				{Name: aws.String("city"), Type: aws.String("string")}, {Name: aws.String("spend"), Type: aws.String("double")}},
			Location: aws.String(location),
			SerdeInfo: &gluetypes.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
				Parameters: map[string]string{"field.delim": ","}},
		}}
}

func ctInput(name, db, table string, cols ...string) *cleanrooms.CreateConfiguredTableInput {
	return &cleanrooms.CreateConfiguredTableInput{Name: aws.String(name), AllowedColumns: cols, AnalysisMethod: types.AnalysisMethodDirectQuery,
		TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String(db), TableName: aws.String(table)}}}
}

// The data path across two replicas on one database and one objects
// directory: what is written through one is read, and validated against,
// through the other, and concurrent creates of one name have one winner.
func TestDataAcrossReplicas(t *testing.T) {
	c := newCluster(t, 2)
	ctx := t.Context()
	r1, r2 := c.replicas[0], c.replicas[1]
	s3B := []*s3.Client{s3Client(r1, acctB, c.tr), s3Client(r2, acctB, c.tr)}
	glueB := []*glue.Client{glueClient(r1, acctB, c.tr), glueClient(r2, acctB, c.tr)}
	a, b := c.clients(acctA), c.clients(acctB)

	// S3: a PUT through replica 1 reads byte-equal through replica 2,
	// and a multipart upload whose parts go to both replicas too.
	bucket := aws.String("replicas-b")
	if _, err := s3B[0].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	small := randomBytes(300<<10, 1)
	put, err := s3B[0].PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("users/part-0.csv"), Body: bytes.NewReader(small)})
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{randomBytes(5<<20, 2), randomBytes(7<<10, 3)}
	up, err := s3B[1].CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String("users/part-1.csv")})
	if err != nil {
		t.Fatal(err)
	}
	var done []s3types.CompletedPart
	sums := md5.New()
	for i, p := range parts {
		out, err := s3B[i%2].UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: aws.String("users/part-1.csv"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
		s := md5.Sum(p)
		sums.Write(s[:])
	}
	mp, err := s3B[0].CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String("users/part-1.csv"),
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `"` + hex.EncodeToString(sums.Sum(nil)) + `-2"`; aws.ToString(mp.ETag) != want {
		t.Errorf("multipart ETag %s, want %s", aws.ToString(mp.ETag), want)
	}
	for i, want := range []struct {
		key  string
		data []byte
		etag string
	}{{"users/part-0.csv", small, aws.ToString(put.ETag)}, {"users/part-1.csv", bytes.Join(parts, nil), aws.ToString(mp.ETag)}} {
		for r, cl := range s3B {
			out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(want.key)})
			if err != nil {
				t.Errorf("replica%d: GetObject %s: %v", r+1, want.key, err)
				continue
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, want.data) || aws.ToString(out.ETag) != want.etag {
				t.Errorf("replica%d: object %d reads %d bytes (%v) ETag %s, want %d bytes ETag %s", r+1, i, len(got), err, aws.ToString(out.ETag), len(want.data), want.etag)
			}
		}
	}
	if want := `"` + md5hex(small) + `"`; aws.ToString(put.ETag) != want {
		t.Errorf("PutObject ETag %s, want %s", aws.ToString(put.ETag), want)
	}

	// Glue: a table created through replica 1 is visible through replica
	// 2, and a configured table created there validates against it.
	if _, err := glueB[0].CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("sales")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := glueB[0].CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: usersTable("users", "s3://replicas-b/users/")}); err != nil {
		t.Fatal(err)
	}
	gt, err := glueB[1].GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("sales"), Name: aws.String("users")})
	if err != nil {
		t.Fatal(err)
	}
	if got := gt.Table.StorageDescriptor; got == nil || len(got.Columns) != 3 || aws.ToString(got.Location) != "s3://replicas-b/users/" ||
		aws.ToString(got.Columns[2].Type) != "double" {
		t.Errorf("replica2: GetTable: %+v", gt.Table)
	}
	if _, err := b[1].CreateConfiguredTable(ctx, ctInput("bad", "sales", "users", "user_id", "no_such_column")); errorCode(err) != "ValidationException" ||
		!strings.Contains(err.Error(), "no_such_column") {
		t.Errorf("replica2: configured table with a column the Glue table lacks: %v, want ValidationException naming it", err)
	}
	ctOut, err := b[1].CreateConfiguredTable(ctx, ctInput("users", "sales", "users", "user_id", "city", "spend"))
	if err != nil {
		t.Fatalf("replica2: CreateConfiguredTable on the Glue table of replica1: %v", err)
	}
	ct := ctOut.ConfiguredTable
	if _, err := b[1].CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: ct.Id,
		AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList, AnalysisRulePolicy: &types.ConfiguredTableAnalysisRulePolicyMemberV1{
			Value: &types.ConfiguredTableAnalysisRulePolicyV1MemberList{Value: types.AnalysisRuleList{JoinColumns: []string{"user_id"}, ListColumns: []string{"city"}}}}}); err != nil {
		t.Fatal(err)
	}

	// An association created through replica 1 is a READY schema through
	// replica 2.
	collab := mustCreate(t, a[0], "data", acctB)
	mustJoin(t, a[1], *collab.Id)
	msB := mustJoin(t, b[0], *collab.Id)
	role := aws.String("arn:aws:iam::" + acctB + ":role/cr")
	if _, err := b[0].CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{MembershipIdentifier: msB.Id,
		ConfiguredTableIdentifier: ct.Id, Name: aws.String("b_users"), RoleArn: role}); err != nil {
		t.Fatal(err)
	}
	sc, err := a[1].GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: collab.Id, Name: aws.String("b_users")})
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, col := range sc.Schema.Columns {
		cols = append(cols, aws.ToString(col.Name)+":"+aws.ToString(col.Type))
	}
	if st := sc.Schema.SchemaStatusDetails; len(st) != 1 || st[0].Status != types.SchemaStatusReady ||
		!cmp.Equal(cols, []string{"user_id:string", "city:string", "spend:double"}) {
		t.Errorf("replica2: schema of replica1's association: columns %v status %+v, want READY", cols, st)
	}

	// Concurrent Glue CreateTable of one name through both replicas: one
	// winner.
	const n = 8
	errs := make([]error, n)
	race(n, func(i int) {
		_, errs[i] = glueB[i%2].CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"),
			TableInput: usersTable("race", fmt.Sprintf("s3://replicas-b/race%d/", i))})
	})
	if got, want := tally(errs), map[string]int{"": 1, "AlreadyExistsException": n - 1}; !cmp.Equal(got, want) {
		t.Errorf("concurrent Glue CreateTable: %v, want %v", got, want)
	}
	tables, err := glueB[1].GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("sales"), Expression: aws.String("race")})
	if err != nil || len(tables.TableList) != 1 {
		t.Errorf("GetTables after the race: %d tables, %v", len(tables.TableList), err)
	}

	// Concurrent CreateConfiguredTableAssociation of one name (each of
	// another configured table) through both replicas: one winner.
	ids := make([]*string, n)
	for i := range ids {
		out, err := b[i%2].CreateConfiguredTable(ctx, ctInput(fmt.Sprint("race ", i), "sales", "users", "user_id"))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = out.ConfiguredTable.Id
	}
	race(n, func(i int) {
		_, errs[i] = b[i%2].CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{MembershipIdentifier: msB.Id,
			ConfiguredTableIdentifier: ids[i], Name: aws.String("raced"), RoleArn: role})
	})
	if got, want := tally(errs), map[string]int{"": 1, "ConflictException": n - 1}; !cmp.Equal(got, want) {
		t.Errorf("concurrent CreateConfiguredTableAssociation: %v, want %v", got, want)
	}
	schemas, err := a[0].ListSchemas(ctx, &cleanrooms.ListSchemasInput{CollaborationIdentifier: collab.Id})
	if err != nil || len(schemas.SchemaSummaries) != 2 {
		t.Errorf("ListSchemas after the race: %d, %v; want b_users and raced", len(schemas.SchemaSummaries), err)
	}
	checkNoErrors(t, c.replicas...)
}

// A replica killed in the middle of a PutObject and of an UploadPart
// leaves no object (nor part) row without its bytes; the other replica
// and the restarted one agree, and what was complete before is intact.
func TestKillReplicaMidUpload(t *testing.T) {
	c := newCluster(t, 2)
	ctx := t.Context()
	r1 := c.replicas[0]
	s3s := []*s3.Client{s3Client(r1, acctA, c.tr), s3Client(c.replicas[1], acctA, c.tr)}
	bucket := aws.String("midupload")
	if _, err := s3s[0].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	kept := randomBytes(1<<20, 4)
	if _, err := s3s[1].PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("kept"), Body: bytes.NewReader(kept)}); err != nil {
		t.Fatal(err)
	}
	up, err := s3s[0].CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	part1 := randomBytes(5<<20, 5)
	p1, err := s3s[0].UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(part1)})
	if err != nil {
		t.Fatal(err)
	}

	// Two uploads to replica 2 stream a body that stops half-way; the
	// replica is killed while they wait for the rest. The body is not
	// seekable, so the SDK sends it as UNSIGNED-PAYLOAD as it arrives.
	unsigned := s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	const total, sent = 32 << 20, 8 << 20
	type result struct{ err error }
	results := make(chan result, 2)
	writers := make([]*io.PipeWriter, 2)
	for i := range writers {
		pr, pw := io.Pipe()
		writers[i] = pw
		go func() {
			var err error
			if i == 0 {
				_, err = s3s[1].PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("cut"), Body: pr, ContentLength: aws.Int64(total)}, unsigned)
			} else {
				_, err = s3s[1].UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(2),
					Body: pr, ContentLength: aws.Int64(total)}, unsigned)
			}
			results <- result{err}
		}()
		// Write returns once the transport has taken the bytes.
		if _, err := pw.Write(randomBytes(sent, uint64(10+i))); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	c.replicas[1].Kill(t)
	for _, pw := range writers {
		pw.CloseWithError(io.ErrClosedPipe)
	}
	for range writers {
		if r := <-results; r.err == nil || errorCode(r.err) != "<no answer>" {
			t.Errorf("an upload to the killed replica: %v, want no answer", r.err)
		}
	}
	c.waitSessionsGone(t, c.replicas[1].Name())
	// Both were being written when the kill came: their temporary blobs
	// are there, never renamed into place.
	if tmp, err := os.ReadDir(filepath.Join(c.objectsDir, "tmp")); err != nil || len(tmp) != 2 {
		t.Errorf("objects dir tmp/ has %d files (%v), want the 2 uploads cut off", len(tmp), err)
	}
	check := func(who string, cl *s3.Client) {
		t.Helper()
		if _, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("cut")}); errorCode(err) != "NotFound" {
			t.Errorf("%s: HeadObject of the cut PutObject: %v, want NotFound", who, err)
		}
		list, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket})
		if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "kept" {
			t.Errorf("%s: ListObjectsV2: %+v, %v; want only kept", who, list, err)
		}
		out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("kept")})
		if err != nil {
			t.Errorf("%s: GetObject kept: %v", who, err)
		} else {
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, kept) {
				t.Errorf("%s: kept reads %d bytes (%v), want %d", who, len(got), err, len(kept))
			}
		}
		parts, err := cl.ListParts(ctx, &s3.ListPartsInput{Bucket: bucket, Key: aws.String("mp"), UploadId: up.UploadId})
		if err != nil || len(parts.Parts) != 1 || aws.ToString(parts.Parts[0].ETag) != aws.ToString(p1.ETag) {
			t.Errorf("%s: ListParts: %+v, %v; want part 1 only", who, parts, err)
		}
	}
	check("replica1", s3s[0])
	c.checkData(t)
	c.replicas[1] = c.replicas[1].Restart(t)
	check("restarted replica2", s3Client(c.replicas[1], acctA, c.tr))
	// The upload still completes with its one part, through either.
	done, err := s3Client(c.replicas[1], acctA, c.tr).CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String("mp"),
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p1.ETag}}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s3s[0].GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(got, part1) || aws.ToString(out.ETag) != aws.ToString(done.ETag) {
		t.Errorf("completed mp reads %d bytes ETag %s, want %d ETag %s", len(got), aws.ToString(out.ETag), len(part1), aws.ToString(done.ETag))
	}
	c.checkData(t)
	checkNoErrors(t, c.replicas...)
}

// checkData runs crashload.CheckData on the cluster's schema and objects
// directory.
func (c *cluster) checkData(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.Connect(t)
	defer conn.Close(ctx)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+pgx.Identifier{c.schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	orphans := crashload.CheckData(t, c.objectsDir, func(q string, each func(func(...any) error) error) {
		t.Helper()
		rows, err := tx.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows.Scan); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	})
	t.Logf("%d orphan blobs", orphans)
}
