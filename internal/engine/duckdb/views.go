package duckdb

import (
	"fmt"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// viewSQL is the CREATE VIEW statement that exposes in: a view named
// in.Name with only the in.Expose columns, over its files.
func viewSQL(in engine.Input) (string, error) {
	if in.Name == "" {
		return "", fmt.Errorf("engine: an input has no name")
	}
	types := make(map[string]string, len(in.FileColumns)) // lower-case name → Hive type
	for _, c := range in.FileColumns {
		k := strings.ToLower(c.Name)
		if c.Name == "" {
			return "", fmt.Errorf("engine: input %q has a column without a name", in.Name)
		}
		if _, dup := types[k]; dup {
			return "", fmt.Errorf("engine: input %q has column %q twice", in.Name, c.Name)
		}
		types[k] = c.Type
	}
	if len(in.Expose) == 0 {
		return "", fmt.Errorf("engine: input %q exposes no column", in.Name)
	}
	for _, f := range in.Files {
		if f == "" || strings.ContainsRune(f, 0) {
			return "", fmt.Errorf("engine: input %q has an invalid file name", in.Name)
		}
	}
	sel := make([]string, len(in.Expose))
	for i, name := range in.Expose {
		hive, ok := types[strings.ToLower(name)]
		if !ok {
			return "", fmt.Errorf("engine: input %q exposes %q, which is not a column of its files", in.Name, name)
		}
		t, err := columnType(in.Format, hive)
		if err != nil {
			return "", err
		}
		col := quoteIdent(name)
		switch {
		case len(in.Files) == 0:
			sel[i] = "CAST(NULL AS " + t + ") AS " + col
		case in.Format == engine.Parquet && !isComplex(hive):
			// A Parquet file carries its own types; the view shows the
			// catalog's, as Athena does (a matching type is a no-op).
			sel[i] = "CAST(" + col + " AS " + t + ") AS " + col
		default:
			sel[i] = col
		}
	}
	src, err := source(in)
	if err != nil {
		return "", err
	}
	return "CREATE VIEW " + quoteIdent(in.Name) + " AS SELECT " + strings.Join(sel, ", ") + " FROM " + src, nil
}

// columnType is the DuckDB type a column of format is read as. A CSV file
// has no nested values DuckDB could parse, so a complex column of a CSV
// table is its raw text (VARCHAR).
func columnType(f engine.Format, hive string) (string, error) {
	if f == engine.CSV && isComplex(hive) {
		return "VARCHAR", nil
	}
	return duckType(hive)
}

// source is the FROM item reading in's files.
func source(in engine.Input) (string, error) {
	if len(in.Files) == 0 {
		// No files: an empty table (the select list casts NULLs).
		switch in.Format {
		case engine.CSV, engine.Parquet, engine.JSON:
			return "(SELECT 1) AS empty WHERE false", nil
		}
	}
	files := stringList(in.Files)
	switch in.Format {
	case engine.Parquet:
		opts := ""
		if len(in.Files) > 1 {
			// Files written at different times may order or add columns
			// differently; Hive reads Parquet by column name.
			opts = ", union_by_name = true"
		}
		return "read_parquet(" + files + opts + ")", nil
	case engine.CSV:
		cols, err := columnStruct(in)
		if err != nil {
			return "", err
		}
		o := in.CSV
		delim := o.Delimiter
		if delim == "" {
			delim = ","
		}
		quote, escape := o.Quote, o.Escape
		switch quote {
		case "":
			quote = `"`
		case "none":
			quote, escape = "", ""
		}
		if escape == "" {
			// RFC 4180: a doubled quote inside quotes is one quote.
			escape = quote
		}
		if o.HeaderLines < 0 {
			return "", fmt.Errorf("engine: input %q skips %d header lines", in.Name, o.HeaderLines)
		}
		return fmt.Sprintf("read_csv(%s, columns = %s, header = false, skip = %d, delim = %s, quote = %s, escape = %s, nullstr = %s, auto_detect = false, null_padding = true)",
			files, cols, o.HeaderLines, quoteString(delim), quoteString(quote), quoteString(escape), quoteString(o.Null)), nil
	case engine.JSON:
		cols, err := columnStruct(in)
		if err != nil {
			return "", err
		}
		return "read_json(" + files + ", format = 'newline_delimited', columns = " + cols + ", auto_detect = false)", nil
	}
	return "", fmt.Errorf("engine: input %q has unknown format %q", in.Name, in.Format)
}

// columnStruct is the columns={...} argument of read_csv and read_json:
// every column of the files, in file order, typed.
func columnStruct(in engine.Input) (string, error) {
	parts := make([]string, len(in.FileColumns))
	for i, c := range in.FileColumns {
		t, err := columnType(in.Format, c.Type)
		if err != nil {
			return "", err
		}
		parts[i] = quoteString(c.Name) + ": " + quoteString(t)
	}
	return "{" + strings.Join(parts, ", ") + "}", nil
}
