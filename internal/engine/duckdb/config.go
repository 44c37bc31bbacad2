package duckdb

import "github.com/cleanroomsd/cleanroomsd/internal/dp"

// Config tunes the sandboxes the engine runs queries in. Every query gets
// its own in-memory DuckDB database with these limits (docs/engine.md).
type Config struct {
	// MemoryLimit is DuckDB's memory_limit for one query, e.g. "1GiB";
	// "" keeps DuckDB's default (80 % of the machine's memory).
	MemoryLimit string
	// Threads is the number of threads of one query; 0 is one per core.
	Threads int
	// TempDir is where a query spills what does not fit in MemoryLimit;
	// each query gets a subdirectory, removed when it ends. "" is a
	// directory under os.TempDir().
	TempDir string
	// Spares is how many sandboxes are kept opened ahead of time, so that
	// a query does not wait the ~11 ms DuckDB takes to open a database;
	// 0 is 1, negative is none. Spares are opened only after the first
	// query.
	Spares int
	// DPSource is where differentially private jobs draw their noise;
	// nil is dp.SecureSource() (production). Tests pass dp.SeededSource.
	DPSource dp.Source
}
