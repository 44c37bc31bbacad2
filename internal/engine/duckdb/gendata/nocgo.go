//go:build !cgo

// Command gendata needs DuckDB, hence cgo.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "gendata: built without cgo; DuckDB needs CGO_ENABLED=1")
	os.Exit(1)
}
