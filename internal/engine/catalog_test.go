package engine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

func table(lib, input string, serde, params map[string]string) *cleanrooms.CatalogTable {
	return &cleanrooms.CatalogTable{DatabaseName: "db", Name: "t",
		Columns:       []cleanrooms.CatalogColumn{{Name: "id", Type: "int"}, {Name: "name", Type: "string"}},
		PartitionKeys: []cleanrooms.CatalogColumn{{Name: "dt", Type: "string"}},
		InputFormat:   input, SerializationLibrary: lib, SerdeParameters: serde, Parameters: params}
}

func TestInputFromCatalog(t *testing.T) {
	const (
		parquetIn = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
		textIn    = "org.apache.hadoop.mapred.TextInputFormat"
	)
	cases := []struct {
		name   string
		t      *cleanrooms.CatalogTable
		format Format
		csv    CSVOptions
	}{
		{"parquet serde", table("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", parquetIn, nil, nil), Parquet, CSVOptions{}},
		{"parquet input format only", table("", parquetIn, nil, nil), Parquet, CSVOptions{}},
		{"parquet classification only", table("", "", nil, map[string]string{"classification": "Parquet"}), Parquet, CSVOptions{}},
		{"crawler csv", table("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", textIn,
			map[string]string{"field.delim": ","}, map[string]string{"classification": "csv", "skip.header.line.count": "1"}),
			CSV, CSVOptions{Delimiter: ",", Quote: "none", Null: `\N`, HeaderLines: 1}},
		{"hive default text", table("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", textIn,
			map[string]string{"serialization.format": "1", "serialization.null.format": ""}, nil),
			CSV, CSVOptions{Delimiter: "\x01", Quote: "none", Null: ""}},
		{"tsv via serialization.format", table("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", textIn,
			map[string]string{"serialization.format": "\t", "escape.delim": `\`}, nil),
			CSV, CSVOptions{Delimiter: "\t", Quote: "none", Escape: `\`, Null: `\N`}},
		{"opencsv", table("org.apache.hadoop.hive.serde2.OpenCSVSerde", textIn,
			map[string]string{"separatorChar": ";", "quoteChar": "'"}, map[string]string{"Skip.Header.Line.Count": "2"}),
			CSV, CSVOptions{Delimiter: ";", Quote: "'", Escape: `\`, HeaderLines: 2}},
		{"openx json", table("org.openx.data.jsonserde.JsonSerDe", textIn, nil, nil), JSON, CSVOptions{}},
		{"hive json", table("org.apache.hive.hcatalog.data.JsonSerDe", textIn, nil, nil), JSON, CSVOptions{}},
		{"json classification", table("", textIn, nil, map[string]string{"classification": "json"}), JSON, CSVOptions{}},
	}
	for _, c := range cases {
		in, err := InputFromCatalog("assoc", c.t, []string{"name"}, []string{"/f"})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := Input{Name: "assoc", FileColumns: []query.Column{{Name: "id", Type: "int"}, {Name: "name", Type: "string"}},
			Expose: []string{"name"}, Format: c.format, CSV: c.csv, Files: []string{"/f"}}
		if d := cmp.Diff(want, in); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
}

func TestInputFromCatalogErrors(t *testing.T) {
	parquet := table("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", "", nil, nil)
	cases := []struct {
		name   string
		t      *cleanrooms.CatalogTable
		expose []string
		want   string
	}{
		{"unknown serde", table("org.apache.hadoop.hive.ql.io.orc.OrcSerde", "", nil, nil), []string{"id"}, "OrcSerde"},
		{"unknown input format", table("", "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat", nil, nil), []string{"id"}, "AvroContainerInputFormat"},
		{"unknown classification", table("", "", nil, map[string]string{"classification": "avro"}), []string{"id"}, "avro"},
		{"no format", table("", "", nil, nil), []string{"id"}, "no SerDe"},
		{"partition key", parquet, []string{"dt"}, "partition key"},
		{"unknown column", parquet, []string{"nope"}, "no column"},
		{"bad header count", table("org.apache.hadoop.hive.serde2.OpenCSVSerde", "", nil, map[string]string{"skip.header.line.count": "x"}), []string{"id"}, "skip.header.line.count"},
		{"nil table", nil, nil, "no catalog table"},
	}
	for _, c := range cases {
		_, err := InputFromCatalog("assoc", c.t, c.expose, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
