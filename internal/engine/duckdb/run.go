//go:build cgo

package duckdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// Run implements engine.Engine: job.SQL runs in a fresh sandbox whose
// only tables are the job's views and which can read only the job's files
// and write only into its output directory.
func (e *Engine) Run(ctx context.Context, job engine.Job) (*engine.Result, error) {
	if job.DP != nil {
		return e.runDP(ctx, job)
	}
	start := time.Now()
	sb, text, ordered, out, err := e.prepare(ctx, job)
	if err != nil {
		return nil, err
	}
	defer e.release(sb)
	split := int64(0)
	if !job.Output.SingleFile && !ordered {
		// DuckDB writes split files in parallel: an ORDER BY would be
		// scattered across them, so an ordered result is one file.
		split = e.fileSize()
	}
	res, err := write(ctx, sb, text, job.Output.Format, out, split)
	if err != nil {
		return nil, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// prepare checks job and returns a sandbox set up and locked for it, the
// SQL to run, whether it has an ORDER BY, and the absolute output
// directory. The caller releases the
// sandbox.
func (e *Engine) prepare(ctx context.Context, job engine.Job) (sb *sandbox, text string, ordered bool, out string, err error) {
	if err := ctx.Err(); err != nil {
		return nil, "", false, "", err
	}
	out, err = checkOutput(job.Output)
	if err != nil {
		return nil, "", false, "", err
	}
	p, err := e.getParser()
	if err != nil {
		return nil, "", false, "", err
	}
	text, ordered, err = checkSQL(ctx, p, job.SQL)
	if err != nil {
		return nil, "", false, "", err
	}
	setup, err := setupSQL(job.Inputs, out)
	if err != nil {
		return nil, "", false, "", err
	}
	sb, err = e.take()
	if err != nil {
		return nil, "", false, "", err
	}
	for _, stmt := range setup {
		if _, err := sb.conn.ExecContext(ctx, stmt); err != nil {
			e.release(sb)
			return nil, "", false, "", failure(ctx, err)
		}
	}
	return sb, text, ordered, out, nil
}

// defaultFileSize is where a result that may be several files is split
// (Spark writes part files of this order).
const defaultFileSize = 128 << 20

func (e *Engine) fileSize() int64 {
	if e.splitAt > 0 {
		return e.splitAt
	}
	return defaultFileSize
}

// checkOutput returns the absolute output directory, which must exist
// and be empty, after checking the format.
func checkOutput(o engine.Output) (string, error) {
	if o.Format != engine.CSV && o.Format != engine.Parquet {
		return "", fmt.Errorf("engine: unsupported output format %q", o.Format)
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return "", fmt.Errorf("engine: output dir: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("engine: output dir: %w", err)
	}
	if len(entries) > 0 {
		return "", fmt.Errorf("engine: output dir %s is not empty", dir)
	}
	return dir, nil
}

// setupSQL is what prepares a sandbox for inputs: the files it may read
// and the directory it may write, one view per input, then external
// access off and the configuration locked. DuckDB checks every file a
// query opens against allowed_paths and allowed_directories once external
// access is off, and the views read their files at query time, so the
// inputs' files must be allowed; nothing else is.
func setupSQL(inputs []engine.Input, out string) ([]string, error) {
	var files []string
	var views []string
	seen := map[string]bool{}
	for _, in := range inputs {
		k := strings.ToLower(in.Name)
		if seen[k] {
			return nil, fmt.Errorf("engine: two inputs are named %q", in.Name)
		}
		seen[k] = true
		abs := make([]string, len(in.Files))
		for i, f := range in.Files {
			var err error
			if abs[i], err = filepath.Abs(f); err != nil {
				return nil, fmt.Errorf("engine: input %q: %w", in.Name, err)
			}
		}
		in.Files = abs // a copy: the caller's job is left as it was
		files = append(files, in.Files...)
		v, err := viewSQL(in)
		if err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	// The output directory itself: a split COPY opens it.
	s := []string{"SET allowed_paths = " + stringList(append(files, out))}
	s = append(s, "SET allowed_directories = "+stringList([]string{out + string(filepath.Separator)}))
	s = append(s, views...)
	return append(s, "SET enable_external_access = false", "SET lock_configuration = true"), nil
}

// write runs text into files in out: one file, or when split > 0 a new
// file after about each split bytes (FILE_SIZE_BYTES: a small result is
// still one file, unlike PER_THREAD_OUTPUT's one per thread).
func write(ctx context.Context, sb *sandbox, text string, f engine.Format, out string, split int64) (*engine.Result, error) {
	ext, format := ".csv", "FORMAT csv, HEADER true"
	if f == engine.Parquet {
		ext, format = ".parquet", "FORMAT parquet"
	}
	target, opts := filepath.Join(out, "part-00000"+ext), format
	if split > 0 {
		target, opts = out, fmt.Sprintf("%s, FILE_SIZE_BYTES %d, OVERWRITE_OR_IGNORE true", format, split)
	}
	// The text stands on its own lines so that a trailing comment cannot
	// swallow the closing parenthesis.
	r, err := sb.conn.ExecContext(ctx, "COPY (\n"+text+"\n) TO "+quoteString(target)+" ("+opts+")")
	if err != nil {
		return nil, failure(ctx, err)
	}
	rows, err := r.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("engine: result count: %w", err)
	}
	files, err := resultFiles(out, ext)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		// A split COPY writes nothing for no rows; a reader of the result
		// still wants a file (with the header, or the schema).
		q := "COPY (SELECT * FROM (\n" + text + "\n) LIMIT 0) TO " + quoteString(filepath.Join(out, "part-00000"+ext)) + " (" + format + ")"
		if _, err := sb.conn.ExecContext(ctx, q); err != nil {
			return nil, failure(ctx, err)
		}
		files = []string{"part-00000" + ext}
	}
	return &engine.Result{Files: files, Rows: rows}, nil
}

// resultFiles renames what DuckDB wrote (data_0.csv, data_1.csv …) to
// part-00000.csv, part-00001.csv … in DuckDB's order, and lists them.
func resultFiles(out, ext string) ([]string, error) {
	entries, err := os.ReadDir(out)
	if err != nil {
		return nil, fmt.Errorf("engine: result: %w", err)
	}
	var names []string
	for _, en := range entries {
		if en.Type().IsRegular() && strings.HasSuffix(en.Name(), ext) {
			names = append(names, en.Name())
		}
	}
	// data_10 sorts after data_9.
	slices.SortFunc(names, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = fmt.Sprintf("part-%05d%s", i, ext)
		if n != files[i] {
			if err := os.Rename(filepath.Join(out, n), filepath.Join(out, files[i])); err != nil {
				return nil, fmt.Errorf("engine: result: %w", err)
			}
		}
	}
	return files, nil
}

// failure turns an error of DuckDB into what Run returns: ctx.Err() when
// the query was cancelled, else a *engine.QueryError whose message names
// no data.
func failure(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var de *duck.Error
	if !errors.As(err, &de) {
		return &engine.QueryError{Code: "INTERNAL_ERROR", Message: scrub(err.Error())}
	}
	return &engine.QueryError{Code: errorCode(de), Message: scrub(de.Msg)}
}

var errorCodes = map[duck.ErrorType]string{
	duck.ErrorTypeConversion:     "CONVERSION_ERROR",
	duck.ErrorTypeOutOfRange:     "OUT_OF_RANGE",
	duck.ErrorTypeDivideByZero:   "DIVISION_BY_ZERO",
	duck.ErrorTypeOutOfMemory:    "OUT_OF_MEMORY",
	duck.ErrorTypeInvalidInput:   "INVALID_INPUT",
	duck.ErrorTypeInternal:       "INTERNAL_ERROR",
	duck.ErrorTypeFatal:          "INTERNAL_ERROR",
	duck.ErrorTypeIO:             "IO_ERROR",
	duck.ErrorTypePermission:     "PERMISSION_DENIED",
	duck.ErrorTypeInterrupt:      "INTERRUPTED",
	duck.ErrorTypeBinder:         "BINDER_ERROR",
	duck.ErrorTypeCatalog:        "CATALOG_ERROR",
	duck.ErrorTypeParser:         "PARSER_ERROR",
	duck.ErrorTypeSyntax:         "PARSER_ERROR",
	duck.ErrorTypeNotImplemented: "NOT_IMPLEMENTED",
}

// errorCode is the QueryError code of a DuckDB error: a known type's
// name, else its message's prefix ("Mismatch Type Error" →
// MISMATCH_TYPE_ERROR).
func errorCode(de *duck.Error) string {
	if c, ok := errorCodes[de.Type]; ok {
		return c
	}
	if prefix, _, ok := strings.Cut(de.Msg, ": "); ok && len(prefix) < 40 && !strings.ContainsAny(prefix, "'\"\n") {
		return strings.ToUpper(strings.ReplaceAll(prefix, " ", "_"))
	}
	return "EXECUTION_ERROR"
}
