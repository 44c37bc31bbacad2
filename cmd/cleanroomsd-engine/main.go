// Command cleanroomsd-engine is cleanroomsd's query engine (DuckDB) in a
// process of its own. cleanroomsd starts it on the first protected query
// and talks to it over stdin and stdout (package internal/engine/proc);
// it exits when its stdin closes. It is not meant to be run by hand.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/cleanroomsd/cleanroomsd/internal/engine/duckdb"
	"github.com/cleanroomsd/cleanroomsd/internal/engine/proc"
)

func main() {
	fs := flag.NewFlagSet("cleanroomsd-engine", flag.ExitOnError)
	memory := fs.String("memory-limit", "", "DuckDB memory_limit of each query, e.g. 2GiB (\"\": DuckDB's default)")
	threads := fs.Int("threads", 0, "threads of each query (0: one per core)")
	temp := fs.String("temp-dir", "", "where queries spill (\"\": under the system's temporary directory)")
	_ = fs.Parse(os.Args[1:])
	eng := duckdb.New(duckdb.Config{MemoryLimit: *memory, Threads: *threads, TempDir: *temp})
	err := proc.Serve(context.Background(), eng, os.Stdin, os.Stdout)
	if cerr := eng.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cleanroomsd-engine:", err)
		os.Exit(1)
	}
}
