// Package engine runs checked protected queries. An Engine executes one
// SELECT (already validated and rewritten by package query) over tables
// staged as local files and writes its result as files; it also parses
// SQL for package query. The embedded engine is DuckDB (engine/duckdb,
// cgo); a distributed engine (Spark Connect) can implement the same
// interface.
package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// Engine executes queries. Implementations are safe for concurrent use.
type Engine interface {
	query.Parser
	// Run executes job. It honours ctx: cancelling it interrupts the
	// query and Run returns ctx.Err(). A query that fails at run time
	// (bad cast, division by zero, memory limit) returns *QueryError.
	Run(ctx context.Context, job Job) (*Result, error)
	Close() error
}

// Job is one query to run.
type Job struct {
	// SQL is one SELECT over views named by Inputs[i].Name.
	SQL    string
	Inputs []Input
	Output Output
	// DP, when set, makes this a differentially private query: the engine
	// runs the plan (bounding each user's contribution and noising every
	// released aggregate) instead of SQL.
	DP *query.DPPlan `json:",omitempty"`
}

// Input is a table staged for a query: the engine exposes it as a view
// named Name with only the Expose columns.
type Input struct {
	Name string
	// FileColumns are all the columns of the files, in file order, with
	// Glue (Hive) types (a CSV file is read positionally with them).
	FileColumns []query.Column
	// Expose are the names of the columns the view shows, in order.
	Expose []string
	Format Format
	CSV    CSVOptions
	// Files are local paths; an empty list is an empty table.
	Files []string
}

// Format is a file format of inputs and outputs.
type Format string

const (
	CSV     Format = "CSV"
	Parquet Format = "PARQUET"
	JSON    Format = "JSON" // inputs only: newline-delimited JSON
)

// CSVOptions describe a delimited text input.
type CSVOptions struct {
	Delimiter   string // "," when empty
	Quote       string // "\"" when empty; "none" for no quoting (LazySimpleSerDe)
	Escape      string
	HeaderLines int    // lines to skip at the top of each file
	Null        string // the text of a NULL ("" is the empty field)
}

// Output is where and how a job writes its result.
type Output struct {
	// Dir is an existing empty local directory.
	Dir    string
	Format Format // CSV (with a header row) or PARQUET
	// SingleFile asks for exactly one file.
	SingleFile bool
}

// Result is what a finished job produced.
type Result struct {
	// Files are the result files, relative to Output.Dir, in order.
	Files []string
	// Rows is the number of result rows.
	Rows int64
	// Duration is the execution time.
	Duration time.Duration
	// Sensitivity describes, for a DP job, how each released aggregate
	// was bounded (in output order).
	Sensitivity []cleanrooms.SensitivityParameter `json:",omitempty"`
}

// QueryError is a failure of a query at run time. Code is a short
// upper-case identifier, Message a text safe to show the querier: it
// names no table data.
type QueryError struct {
	Code    string
	Message string
}

func (e *QueryError) Error() string { return e.Code + ": " + e.Message }

// ErrUnavailable is returned (wrapped, with the reason) by every method
// of an engine that cannot run: the engine binary was built without cgo,
// or was not found. Queries can then be neither parsed nor run.
var ErrUnavailable = errors.New("engine: no query engine is available")

// Unavailable returns an engine whose every method fails with
// ErrUnavailable wrapped in reason.
func Unavailable(reason string) Engine { return missing{fmt.Errorf("%w: %s", ErrUnavailable, reason)} }

type missing struct{ err error }

func (m missing) Parse(context.Context, string) ([]byte, error)   { return nil, m.err }
func (m missing) Deparse(context.Context, []byte) (string, error) { return "", m.err }
func (m missing) Run(context.Context, Job) (*Result, error)       { return nil, m.err }
func (m missing) Close() error                                    { return nil }
