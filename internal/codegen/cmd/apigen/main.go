// Command apigen generates package internal/api from the service model.
// It is run by `go generate ./internal/api` (see internal/api/generate.go).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cleanroomsd/cleanroomsd/internal/codegen"
)

func main() {
	model := flag.String("model", "", "botocore-format service model (service-2.json)")
	overlay := flag.String("overlay", "", "overlay.json with SDK additions and pattern translations")
	out := flag.String("out", ".", "directory to write the *_gen.go files to")
	flag.Parse()
	if err := run(*model, *overlay, *out); err != nil {
		fmt.Fprintln(os.Stderr, "apigen:", err)
		os.Exit(1)
	}
}

func run(modelPath, overlayPath, out string) error {
	m, o, err := codegen.Load(modelPath, overlayPath)
	if err != nil {
		return err
	}
	files, err := codegen.Generate(m, o)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(out, f.Name), f.Src, 0o644); err != nil {
			return err
		}
	}
	return nil
}
