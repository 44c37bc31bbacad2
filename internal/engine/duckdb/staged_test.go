//go:build cgo

package duckdb

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/objects"
	"github.com/cleanroomsd/cleanroomsd/internal/stage"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
)

// The whole path a protected query's inputs take: objects in the
// embedded S3 (on disk), a Glue table over their location, staged by
// hard links, described by InputFromCatalog, run.
func TestStagedCatalogTable(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, "", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := objects.New(objects.Config{Store: st, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Transact(ctx, func(tx cleanrooms.Tx) error {
		return tx.CreateBucket(ctx, cleanrooms.Bucket{Name: "data", AccountID: "111122223333", Region: "us-east-1", CreateTime: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"sales/part-0.csv":  "id,region,amount\n1,eu,10\n2,us,5\n",
		"sales/part-1.csv":  "id,region,amount\n3,eu,7\n",
		"sales/_SUCCESS":    "",
		"sales/.part-0.crc": "xx",
	} {
		if _, err := srv.Put(ctx, "data", k, strings.NewReader(v), int64(len(v)), "text/csv"); err != nil {
			t.Fatal(err)
		}
	}
	glue := &cleanrooms.CatalogTable{DatabaseName: "db", Name: "sales",
		Columns:              []cleanrooms.CatalogColumn{{Name: "id", Type: "int"}, {Name: "region", Type: "string"}, {Name: "amount", Type: "decimal(10,2)"}},
		Location:             "s3://data/sales/",
		InputFormat:          "org.apache.hadoop.mapred.TextInputFormat",
		SerializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
		SerdeParameters:      map[string]string{"field.delim": ","},
		Parameters:           map[string]string{"classification": "csv", "skip.header.line.count": "1"},
	}
	s := stage.New(srv, t.TempDir())
	files, err := s.Stage(ctx, "data", "sales/")
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Linked != 2 || st.Copied != 0 {
		t.Errorf("staging %+v, want two hard links", st)
	}
	in, err := engine.InputFromCatalog("sales_assoc", glue, []string{"region", "amount"}, files)
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, Config{})
	got := run(t, e, "SELECT region, sum(amount) AS total FROM sales_assoc GROUP BY region ORDER BY region", in)
	if d := cmp.Diff([][]string{{"region", "total"}, {"eu", "17.00"}, {"us", "5.00"}}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
