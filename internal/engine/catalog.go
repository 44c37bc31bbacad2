package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// InputFromCatalog describes a Glue table's staged files as an Input
// named name that exposes the expose columns. The format comes from the
// table's SerDe, input format and "classification" parameter; an unknown
// format is an error naming it.
//
// Partition keys are not in the files (Hive keeps them in the object
// keys, …/dt=2024-01-01/…): they are not FileColumns, and exposing one is
// an error. A Clean Rooms configured table over a partitioned table may
// still allow the other columns.
func InputFromCatalog(name string, t *cleanrooms.CatalogTable, expose []string, files []string) (Input, error) {
	if t == nil {
		return Input{}, fmt.Errorf("engine: input %q has no catalog table", name)
	}
	in := Input{Name: name, Expose: expose, Files: files}
	known := map[string]bool{}
	for _, c := range t.Columns {
		in.FileColumns = append(in.FileColumns, query.Column{Name: c.Name, Type: c.Type})
		known[strings.ToLower(c.Name)] = true
	}
	partition := map[string]bool{}
	for _, c := range t.PartitionKeys {
		partition[strings.ToLower(c.Name)] = true
	}
	for _, e := range expose {
		switch k := strings.ToLower(e); {
		case partition[k]:
			return Input{}, fmt.Errorf("engine: table %s.%s: column %q is a partition key, which cleanroomsd does not read", t.DatabaseName, t.Name, e)
		case !known[k]:
			return Input{}, fmt.Errorf("engine: table %s.%s has no column %q", t.DatabaseName, t.Name, e)
		}
	}
	f, opts, err := format(t)
	if err != nil {
		return Input{}, err
	}
	in.Format, in.CSV = f, opts
	if v, ok := param(t, "skip.header.line.count"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return Input{}, fmt.Errorf("engine: table %s.%s: skip.header.line.count %q is not a count", t.DatabaseName, t.Name, v)
		}
		if in.Format == CSV {
			in.CSV.HeaderLines = n
		}
	}
	return in, nil
}

// param is a table parameter, case-insensitively by key (Glue keeps keys
// as given; crawlers and people write them differently).
func param(t *cleanrooms.CatalogTable, key string) (string, bool) {
	for k, v := range t.Parameters {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

func serde(t *cleanrooms.CatalogTable, key string) (string, bool) {
	for k, v := range t.SerdeParameters {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// format reads the file format of t, SerDe first (what Athena reads),
// then the input format, then the classification a crawler wrote.
func format(t *cleanrooms.CatalogTable) (Format, CSVOptions, error) {
	lib := strings.ToLower(t.SerializationLibrary)
	input := strings.ToLower(t.InputFormat)
	class, _ := param(t, "classification")
	class = strings.ToLower(strings.TrimSpace(class))
	switch {
	case strings.Contains(lib, "parquet") || strings.Contains(input, "parquet"):
		return Parquet, CSVOptions{}, nil
	case strings.HasSuffix(lib, ".opencsvserde"):
		return CSV, openCSV(t), nil
	case strings.HasSuffix(lib, ".lazysimpleserde"):
		return CSV, lazySimple(t), nil
	case strings.HasSuffix(lib, ".jsonserde"): // org.openx.data.jsonserde / org.apache.hive.hcatalog.data
		return JSON, CSVOptions{}, nil
	case lib != "":
		return "", CSVOptions{}, fmt.Errorf("engine: table %s.%s: unsupported SerDe %s", t.DatabaseName, t.Name, t.SerializationLibrary)
	case strings.Contains(input, "textinputformat") || class == "csv":
		// No SerDe: Hive's default for text is LazySimpleSerDe.
		if class == "json" {
			return JSON, CSVOptions{}, nil
		}
		return CSV, lazySimple(t), nil
	case class == "parquet":
		return Parquet, CSVOptions{}, nil
	case class == "json":
		return JSON, CSVOptions{}, nil
	}
	what := t.InputFormat
	if what == "" {
		what = class
	}
	if what == "" {
		return "", CSVOptions{}, fmt.Errorf("engine: table %s.%s has no SerDe, input format or classification", t.DatabaseName, t.Name)
	}
	return "", CSVOptions{}, fmt.Errorf("engine: table %s.%s: unsupported format %s", t.DatabaseName, t.Name, what)
}

// lazySimple is LazySimpleSerDe: field.delim (Hive's default \x01; Glue
// crawlers write ","), no quoting, escape.delim if set, NULL as
// serialization.null.format (default \N).
func lazySimple(t *cleanrooms.CatalogTable) CSVOptions {
	o := CSVOptions{Delimiter: "\x01", Quote: "none", Null: `\N`}
	if v, ok := serde(t, "field.delim"); ok && v != "" {
		o.Delimiter = v
	} else if v, ok := serde(t, "serialization.format"); ok && v != "" && !isDigits(v) {
		// serialization.format is the delimiter when it is not a digit
		// code (Hive writes "1" for \x01).
		o.Delimiter = v
	}
	if v, ok := serde(t, "escape.delim"); ok {
		o.Escape = v
	}
	if v, ok := serde(t, "serialization.null.format"); ok {
		o.Null = v
	}
	return o
}

// openCSV is OpenCSVSerde: separatorChar (default ","), quoteChar
// (default "), escapeChar (default \). It has no NULL text: an empty
// field is read as NULL (CSVOptions.Null "").
func openCSV(t *cleanrooms.CatalogTable) CSVOptions {
	o := CSVOptions{Delimiter: ",", Quote: `"`, Escape: `\`}
	if v, ok := serde(t, "separatorChar"); ok && v != "" {
		o.Delimiter = v
	}
	if v, ok := serde(t, "quoteChar"); ok && v != "" {
		o.Quote = v
	}
	if v, ok := serde(t, "escapeChar"); ok && v != "" {
		o.Escape = v
	}
	return o
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
