package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/app"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
)

// The data plane of issue 7, measured as the binary serves it: app.New on
// a SQLite file (synchronous=FULL), so the embedded Glue catalog is the
// one GetSchema reads columns from and the embedded S3 keeps its objects
// on disk, every request going through the same handler, endpoint dispatch
// and SigV4 parsing as GetMembership.
const (
	planeN          = 1_000 // memberships, configured tables, associations, templates
	planeListTables = 100   // Glue tables in the member's database; associations in collaboration 0
	smallObject     = 4 << 10
)

type planeEnv struct {
	h      http.Handler
	object []byte
}

var (
	planeOnce sync.Once
	plane     *planeEnv
	planeErr  error
)

func scopedHeader(account, service string) string {
	return "AWS4-HMAC-SHA256 Credential=" + account + "/20261121/" + region + "/" + service + "/aws4_request, SignedHeaders=host, Signature=00"
}

func glueRequest(op, account string, body []byte) *http.Request {
	r, err := http.NewRequest("POST", "http://cleanroomsd/", bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.Header.Set("Authorization", scopedHeader(account, "glue"))
	r.Header.Set("X-Amz-Date", amzDate)
	r.Header.Set("X-Amz-Target", "AWSGlue."+op)
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	return r
}

// s3Request carries the body's real SHA-256, as a client signing over
// plain HTTP does (the server checks the streamed body against it in
// strict mode only; the benchmarks run permissive).
func s3Request(method, target, account string, body []byte) *http.Request {
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	} else {
		rd = bytes.NewReader(nil)
	}
	r, err := http.NewRequest(method, "http://cleanroomsd"+target, rd)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(body)
	r.Header.Set("Authorization", scopedHeader(account, "s3"))
	r.Header.Set("X-Amz-Date", amzDate)
	r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	return r
}

// seedSchemas gives collaboration 0 a full page of associations (tables
// 1..99 again, under other names), for the association and schema lists.
func seedSchemas(tb testing.TB, st cleanrooms.Store) {
	tb.Helper()
	ctx := context.Background()
	err := st.Transact(ctx, func(tx cleanrooms.Tx) error {
		for j := 1; j < planeListTables; j++ {
			a := &cleanrooms.Association{ID: id(kindAssociation, planeN+j), AccountID: member, Region: region,
				MembershipID: id(kindMembership, 0), CollaborationID: id(kindCollab, 0), ConfiguredTableID: id(kindTable, j),
				Name: fmt.Sprintf("users%d", j), RoleArn: "arn:aws:iam::" + member + ":role/r", CreateTime: seedTime, UpdateTime: seedTime}
			if err := tx.InsertAssociation(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func newPlaneEnv(b *testing.B) (*planeEnv, error) {
	ctx := context.Background()
	dir := dataDirWith(b, planeN, uniqueName("plane"))
	side, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "cleanroomsd.db"), sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	seedTables(b, side, planeN)
	seedSchemas(b, side)
	seedTemplates(b, side)
	if err := side.Close(); err != nil {
		return nil, err
	}
	a, err := app.New(ctx, app.Config{DataDir: dir, Quotas: quotas})
	if err != nil {
		return nil, err
	}
	e := &planeEnv{h: a.Handler(), object: bytes.Repeat([]byte("0123456789abcdef"), smallObject/16)}
	// The Glue tables the configured tables reference (sales.users) and
	// more, so that GetTables fills a page.
	serve(b, e.h, glueRequest("CreateDatabase", member, []byte(`{"DatabaseInput":{"Name":"sales"}}`)))
	for i := range planeListTables {
		name := "users"
		if i > 0 {
			name = fmt.Sprintf("users%03d", i)
		}
		body := fmt.Sprintf(`{"DatabaseName":"sales","TableInput":{"Name":%q,"TableType":"EXTERNAL_TABLE",`+
			`"PartitionKeys":[{"Name":"day","Type":"string"}],"StorageDescriptor":{"Location":"s3://bench-data/users/",`+
			`"Columns":[{"Name":"user_id","Type":"string"},{"Name":"city","Type":"string"},{"Name":"spend","Type":"double"}],`+
			`"InputFormat":"org.apache.hadoop.mapred.TextInputFormat","OutputFormat":"org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",`+
			`"SerdeInfo":{"SerializationLibrary":"org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe","Parameters":{"field.delim":","}}},`+
			`"Parameters":{"classification":"csv"}}}`, name)
		serve(b, e.h, glueRequest("CreateTable", member, []byte(body)))
	}
	serve(b, e.h, s3Request("PUT", "/bench-data", member, nil))
	for i := range planeN {
		serve(b, e.h, s3Request("PUT", fmt.Sprintf("/bench-data/seed/%04d.csv", i), member, e.object))
	}
	return e, nil
}

func planeEnvFor(b *testing.B) *planeEnv {
	planeOnce.Do(func() { plane, planeErr = newPlaneEnv(b) })
	if planeErr != nil {
		b.Fatal(planeErr)
	}
	return plane
}

// BenchmarkDataPlane measures, in one run and on one store, the reads of
// issue 7's resources next to GetMembership and ListMemberships (the
// reference the targets name). Lists ask for a page of 100.
func BenchmarkDataPlane(b *testing.B) {
	e := planeEnvFor(b)
	n := planeN
	cr := func(target string) func(i int) {
		return func(int) { serve(b, e.h, newRequest("GET", target, member, nil)) }
	}
	cases := []struct {
		name string
		op   func(i int)
	}{
		{"GetMembership", func(i int) {
			serve(b, e.h, newRequest("GET", "/memberships/"+id(kindMembership, spread(i, n)), member, nil))
		}},
		{"ListMemberships/page=100", cr("/memberships?maxResults=100")},
		{"GetConfiguredTable", func(i int) {
			serve(b, e.h, newRequest("GET", "/configuredTables/"+id(kindTable, spread(i, n)), member, nil))
		}},
		{"ListConfiguredTables/page=100", cr("/configuredTables?maxResults=100")},
		{"GetConfiguredTableAssociation", func(i int) {
			j := spread(i, n)
			serve(b, e.h, newRequest("GET", "/memberships/"+id(kindMembership, j)+"/configuredTableAssociations/"+id(kindAssociation, j), member, nil))
		}},
		{"ListConfiguredTableAssociations/page=100", cr("/memberships/" + id(kindMembership, 0) + "/configuredTableAssociations?maxResults=100")},
		{"GetSchema", func(i int) {
			serve(b, e.h, newRequest("GET", "/collaborations/"+id(kindCollab, spread(i, n))+"/schemas/users", member, nil))
		}},
		{"ListSchemas/page=100", cr("/collaborations/" + id(kindCollab, 0) + "/schemas?maxResults=100")},
		{"GetAnalysisTemplate", func(i int) {
			j := spread(i, templateMemberships*templatesPerMembership)
			serve(b, e.h, newRequest("GET", "/memberships/"+id(kindMembership, j/templatesPerMembership)+"/analysistemplates/"+id(kindTemplate, j), member, nil))
		}},
		{"ListAnalysisTemplates/page=100", func(i int) {
			serve(b, e.h, newRequest("GET", "/memberships/"+id(kindMembership, i%templateMemberships)+"/analysistemplates?maxResults=100", member, nil))
		}},
		{"GlueGetTable", func(int) {
			serve(b, e.h, glueRequest("GetTable", member, []byte(`{"DatabaseName":"sales","Name":"users"}`)))
		}},
		{"GlueGetTables/page=100", func(int) {
			serve(b, e.h, glueRequest("GetTables", member, []byte(`{"DatabaseName":"sales","MaxResults":100}`)))
		}},
		{"S3GetObject/4KiB", func(i int) {
			w := serve(b, e.h, s3Request("GET", fmt.Sprintf("/bench-data/seed/%04d.csv", spread(i, n)), member, nil))
			if w.Body.Len() != smallObject {
				b.Fatalf("GetObject: %d bytes", w.Body.Len())
			}
		}},
		{"S3PutObject/4KiB", func(i int) {
			serve(b, e.h, s3Request("PUT", fmt.Sprintf("/bench-data/put/%08d.csv", i), member, e.object))
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { measure(b, c.op) })
	}
}

// BenchmarkSchemaRatio measures GetSchema against GetConfiguredTable (the
// issue 7 target: within 2×) alternately in one process, five rounds of
// each on the store of BenchmarkDataPlane, after one round of warm-up
// (GetMembership) that takes the first-request costs; read the medians.
func BenchmarkSchemaRatio(b *testing.B) {
	e := planeEnvFor(b)
	n := planeN
	getTable := func(i int) {
		serve(b, e.h, newRequest("GET", "/configuredTables/"+id(kindTable, spread(i, n)), member, nil))
	}
	getSchema := func(i int) {
		serve(b, e.h, newRequest("GET", "/collaborations/"+id(kindCollab, spread(i, n))+"/schemas/users", member, nil))
	}
	b.Run("warmup", func(b *testing.B) {
		measure(b, func(i int) {
			serve(b, e.h, newRequest("GET", "/memberships/"+id(kindMembership, spread(i, n)), member, nil))
		})
	})
	for range 5 {
		b.Run("GetConfiguredTable", func(b *testing.B) { measure(b, getTable) })
		b.Run("GetSchema", func(b *testing.B) { measure(b, getSchema) })
	}
}
