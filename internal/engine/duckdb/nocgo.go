//go:build !cgo

// Package duckdb is the embedded query engine. This build has no cgo, so
// it has no DuckDB: every method of its engine returns
// engine.ErrUnavailable (docs/engine.md).
package duckdb

import (
	"context"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// New returns an engine that can neither parse nor run queries.
func New(cfg Config) engine.Engine { return unavailable{} }

type unavailable struct{}

func (unavailable) Parse(context.Context, string) ([]byte, error) { return nil, engine.ErrUnavailable }
func (unavailable) Deparse(context.Context, []byte) (string, error) {
	return "", engine.ErrUnavailable
}
func (unavailable) Run(context.Context, engine.Job) (*engine.Result, error) {
	return nil, engine.ErrUnavailable
}
func (unavailable) Close() error { return nil }
