package duckdb

import (
	"strings"
	"testing"
)

func TestDuckType(t *testing.T) {
	for hive, want := range map[string]string{
		"string": "VARCHAR", "VARCHAR(20)": "VARCHAR", "char(3)": "VARCHAR",
		"int": "INTEGER", "integer": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT", "tinyint": "TINYINT",
		"double": "DOUBLE", "double precision": "DOUBLE", "float": "FLOAT", "real": "FLOAT",
		"decimal": "DECIMAL(10,0)", "decimal(12)": "DECIMAL(12,0)", "decimal(10, 2)": "DECIMAL(10,2)", "numeric(38,38)": "DECIMAL(38,38)",
		"boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP", "binary": "BLOB",
		"array<int>":                         "INTEGER[]",
		"array<array<string>>":               "VARCHAR[][]",
		"map<string,bigint>":                 "MAP(VARCHAR, BIGINT)",
		"struct<a:int, b:array<string>>":     `STRUCT("a" INTEGER, "b" VARCHAR[])`,
		"map<string,struct<x:decimal(5,1)>>": `MAP(VARCHAR, STRUCT("x" DECIMAL(5,1)))`,
		"Struct<Weird_Name:String,n:DOUBLE>": `STRUCT("weird_name" VARCHAR, "n" DOUBLE)`,
	} {
		got, err := duckType(hive)
		if err != nil || got != want {
			t.Errorf("duckType(%q) = %q, %v; want %q", hive, got, err, want)
		}
	}
	for _, bad := range []string{"", "uuid", "int(", "decimal(39,0)", "decimal(5,6)", "decimal(x)", "array<int", "array<>",
		"map<string>", "struct<a int>", "struct<>", "int extra", "varchar(-1)", "uniontype<int,string>",
		strings.Repeat("array<", 100) + "int" + strings.Repeat(">", 100)} {
		if got, err := duckType(bad); err == nil {
			t.Errorf("duckType(%q) = %q, want an error", bad, got)
		}
	}
}

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		"Conversion Error: Could not convert string 'alice' to INT32":                                      "Could not convert string '?' to INT32",
		"Conversion Error: Could not convert string 'bob's' to INT32 when casting from source column name": "Could not convert string '?' to INT32 when casting from source column name",
		"Out of Range Error: Overflow in multiplication of INT32 (2147483647 * 2)!":                        "Overflow in multiplication of INT32 (? * ?)!",
		"Invalid Input Error: Could not parse string \"abc\" according to format specifier \"%Y\"":         "Could not parse string \"?\" according to format specifier \"?\"",
		"Invalid Input Error: CSV Error on Line: 3\nOriginal Line: alice,1\n":                              "CSV Error on Line: ?",
		"Divide by Zero Error: Integer division by zero":                                                   "Integer division by zero",
		"Conversion Error: Could not convert '1.5e3x' to DECIMAL(18,3)":                                    "Could not convert '?' to DECIMAL(?,?)",
		"Error: 'x' went wrong": "'?' went wrong",
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
