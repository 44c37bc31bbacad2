package catalog_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Table definitions as `aws glue create-table --table-input file://...`
// takes them (the JSON a user writes), for each format the data plane reads.
var formatTables = []struct {
	name  string
	input string
	want  cleanrooms.CatalogTable
}{
	{
		name: "csv_lazysimple",
		input: `{
  "Name": "Users_CSV",
  "TableType": "EXTERNAL_TABLE",
  "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
  "PartitionKeys": [{"Name": "DT", "Type": "string"}],
  "StorageDescriptor": {
    "Columns": [{"Name": "User_ID", "Type": "BIGINT"}, {"Name": "email", "Type": "string"}],
    "Location": "s3://acme-data/users/",
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "SerdeInfo": {
      "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
      "Parameters": {"field.delim": ",", "serialization.format": ","}
    }
  }
}`,
		want: cleanrooms.CatalogTable{
			Name:                 "users_csv",
			Columns:              []cleanrooms.CatalogColumn{{Name: "user_id", Type: "bigint"}, {Name: "email", Type: "string"}},
			PartitionKeys:        []cleanrooms.CatalogColumn{{Name: "dt", Type: "string"}},
			Location:             "s3://acme-data/users/",
			InputFormat:          "org.apache.hadoop.mapred.TextInputFormat",
			SerializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
			SerdeParameters:      map[string]string{"field.delim": ",", "serialization.format": ","},
			Parameters:           map[string]string{"classification": "csv", "skip.header.line.count": "1"},
		},
	},
	{
		name: "csv_opencsv",
		input: `{
  "Name": "orders",
  "StorageDescriptor": {
    "Columns": [{"Name": "id", "Type": "string"}, {"Name": "amount", "Type": "decimal(10,2)"}],
    "Location": "s3://acme-data/orders/",
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "SerdeInfo": {
      "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
      "Parameters": {"separatorChar": ";", "quoteChar": "\"", "escapeChar": "\\"}
    },
    "Parameters": {"skip.header.line.count": "1"}
  }
}`,
		want: cleanrooms.CatalogTable{
			Name:                 "orders",
			Columns:              []cleanrooms.CatalogColumn{{Name: "id", Type: "string"}, {Name: "amount", Type: "decimal(10,2)"}},
			PartitionKeys:        []cleanrooms.CatalogColumn{},
			Location:             "s3://acme-data/orders/",
			InputFormat:          "org.apache.hadoop.mapred.TextInputFormat",
			SerializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
			SerdeParameters:      map[string]string{"separatorChar": ";", "quoteChar": "\"", "escapeChar": "\\"},
			// The storage descriptor's skip.header.line.count is seen too.
			Parameters: map[string]string{"skip.header.line.count": "1"},
		},
	},
	{
		name: "parquet",
		input: `{
  "Name": "events",
  "Parameters": {"classification": "parquet"},
  "StorageDescriptor": {
    "Columns": [{"Name": "ts", "Type": "timestamp"}, {"Name": "n", "Type": "int"}],
    "Location": "s3://acme-data/events/",
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}
  }
}`,
		want: cleanrooms.CatalogTable{
			Name:                 "events",
			Columns:              []cleanrooms.CatalogColumn{{Name: "ts", Type: "timestamp"}, {Name: "n", Type: "int"}},
			PartitionKeys:        []cleanrooms.CatalogColumn{},
			Location:             "s3://acme-data/events/",
			InputFormat:          "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
			SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
			SerdeParameters:      map[string]string{},
			Parameters:           map[string]string{"classification": "parquet"},
		},
	},
	{
		name: "json_openx",
		input: `{
  "Name": "clicks",
  "PartitionKeys": [{"Name": "year", "Type": "int"}, {"Name": "month", "Type": "int"}],
  "StorageDescriptor": {
    "Columns": [{"Name": "url", "Type": "string"}, {"Name": "tags", "Type": "array<string>"}],
    "Location": "s3://acme-data/clicks/",
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "SerdeInfo": {
      "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
      "Parameters": {"ignore.malformed.json": "true"}
    }
  }
}`,
		want: cleanrooms.CatalogTable{
			Name:                 "clicks",
			Columns:              []cleanrooms.CatalogColumn{{Name: "url", Type: "string"}, {Name: "tags", Type: "array<string>"}},
			PartitionKeys:        []cleanrooms.CatalogColumn{{Name: "year", Type: "int"}, {Name: "month", Type: "int"}},
			Location:             "s3://acme-data/clicks/",
			InputFormat:          "org.apache.hadoop.mapred.TextInputFormat",
			SerializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
			SerdeParameters:      map[string]string{"ignore.malformed.json": "true"},
			Parameters:           map[string]string{},
		},
	},
}

func TestLookupTableFormats(t *testing.T) {
	e := newEnv(t, "")
	c := e.client(acctA)
	mustCreateDatabase(t, c, "Acme")
	for _, tc := range formatTables {
		t.Run(tc.name, func(t *testing.T) {
			var in types.TableInput
			if err := json.Unmarshal([]byte(tc.input), &in); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("acme"), TableInput: &in}); err != nil {
				t.Fatal(err)
			}
			got, err := e.svc.LookupTable(ctx(t), acctA, region, "ACME", tc.want.Name)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.AccountID, want.Region, want.DatabaseName = acctA, region, "acme"
			if d := cmp.Diff(&want, got); d != "" {
				t.Errorf("LookupTable (-want +got):\n%s", d)
			}
		})
	}
	for _, miss := range []struct{ acct, region, db, table string }{
		{acctB, region, "acme", "orders"},        // another account
		{acctA, "eu-west-1", "acme", "orders"},   // another region
		{acctA, region, "nodb", "orders"},        // no such database
		{acctA, region, "acme", "no_such_table"}, // no such table
	} {
		if _, err := e.svc.LookupTable(ctx(t), miss.acct, miss.region, miss.db, miss.table); !errors.Is(err, cleanrooms.ErrNotFound) {
			t.Errorf("LookupTable%v: %v, want ErrNotFound", miss, err)
		}
	}
}

// TestLookupTableSeesUpdates: the second and later lookups of a table
// (served from the memo of decoded definitions) follow UpdateTable and
// DeleteTable at once, and a caller changing what it got does not change
// what the next lookup returns.
// On SQLite (newEnv) the service caches lookups until its next write:
// every write below must be seen at once, and a miss must not stick.
func TestLookupTableSeesUpdates(t *testing.T) {
	e := newEnv(t, "")
	c := e.client(acctA)
	mustCreateDatabase(t, c, "acme")
	if _, err := e.svc.LookupTable(ctx(t), acctA, region, "acme", "users"); !errors.Is(err, cleanrooms.ErrNotFound) {
		t.Fatalf("before CreateTable: %v, want ErrNotFound", err)
	}
	input := func(cols ...string) *types.TableInput {
		var cs []types.Column
		for _, n := range cols {
			cs = append(cs, types.Column{Name: aws.String(n), Type: aws.String("string")})
		}
		return &types.TableInput{Name: aws.String("users"), Parameters: map[string]string{"classification": "csv"},
			StorageDescriptor: &types.StorageDescriptor{Columns: cs, Location: aws.String("s3://acme-data/users/")}}
	}
	names := func(ct *cleanrooms.CatalogTable) []string {
		var out []string
		for _, c := range ct.Columns {
			out = append(out, c.Name)
		}
		return out
	}
	lookup := func() *cleanrooms.CatalogTable {
		t.Helper()
		got, err := e.svc.LookupTable(ctx(t), acctA, region, "acme", "users")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if _, err := c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("acme"), TableInput: input("a", "b")}); err != nil {
		t.Fatal(err)
	}
	first := lookup()
	first.Columns[0].Name = "changed"
	first.Parameters["classification"] = "changed"
	second := lookup()
	if d := cmp.Diff([]string{"a", "b"}, names(second)); d != "" {
		t.Errorf("second lookup columns (-want +got):\n%s", d)
	}
	if got := second.Parameters["classification"]; got != "csv" {
		t.Errorf("second lookup classification = %q, want csv", got)
	}
	if _, err := c.UpdateTable(ctx(t), &glue.UpdateTableInput{DatabaseName: aws.String("acme"), TableInput: input("a", "b", "c")}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"a", "b", "c"}, names(lookup())); d != "" {
		t.Errorf("after UpdateTable (-want +got):\n%s", d)
	}
	if _, err := c.DeleteTable(ctx(t), &glue.DeleteTableInput{DatabaseName: aws.String("acme"), Name: aws.String("users")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.LookupTable(ctx(t), acctA, region, "acme", "users"); !errors.Is(err, cleanrooms.ErrNotFound) {
		t.Errorf("after DeleteTable: %v, want ErrNotFound", err)
	}
	// Deleting the database deletes its tables.
	if _, err := c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("acme"), TableInput: input("x")}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"x"}, names(lookup())); d != "" {
		t.Errorf("recreated (-want +got):\n%s", d)
	}
	if _, err := c.DeleteDatabase(ctx(t), &glue.DeleteDatabaseInput{Name: aws.String("acme")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.LookupTable(ctx(t), acctA, region, "acme", "users"); !errors.Is(err, cleanrooms.ErrNotFound) {
		t.Errorf("after DeleteDatabase: %v, want ErrNotFound", err)
	}
}
