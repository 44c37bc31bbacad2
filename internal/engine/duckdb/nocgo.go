//go:build !cgo

// Package duckdb is the embedded query engine. This build has no cgo, so
// it has no DuckDB: every method of its engine returns
// engine.ErrUnavailable (docs/engine.md).
package duckdb

import "github.com/cleanroomsd/cleanroomsd/internal/engine"

// New returns an engine that can neither parse nor run queries.
func New(cfg Config) engine.Engine {
	return engine.Unavailable("the query engine was built with CGO_ENABLED=0 and has no DuckDB")
}
