//go:build cgo

// Package duckdb is the embedded query engine: DuckDB through
// github.com/duckdb/duckdb-go/v2, opened lazily.
package duckdb

import (
	_ "github.com/duckdb/duckdb-go/v2"
)
