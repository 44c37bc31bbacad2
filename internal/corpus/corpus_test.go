//go:build cgo

package corpus

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/engine/duckdb"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// TestCorpus runs every case: Prepare and Check through package query,
// then the plan through the DuckDB engine over the CSV files, and compares
// with expected.json (computed by expect.py, not by DuckDB). A case of
// known_failures.json is a finding against package query or the engine not
// fixed yet: its failure is logged, and the test fails once it passes, so
// that the entry is removed (CORPUS_STRICT=1 fails them as usual).
func TestCorpus(t *testing.T) {
	c, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	known, err := loadKnownFailures(filepath.Join("testdata", "known_failures.json"), c)
	if err != nil {
		t.Fatal(err)
	}
	strict := os.Getenv("CORPUS_STRICT") == "1"
	eng := duckdb.New(duckdb.Config{Threads: 1})
	t.Cleanup(func() {
		if err := eng.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	for _, k := range c.Cases {
		t.Run(k.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			err := runCase(ctx, t, c, eng, k)
			reason, isKnown := known[k.Name]
			switch {
			case err != nil && (!isKnown || strict):
				t.Error(err)
			case err != nil:
				t.Logf("known failure (%s):\n%v", reason, err)
			case isKnown:
				t.Errorf("passes now: remove it from testdata/known_failures.json (%s)", reason)
			}
		})
	}
}

// loadKnownFailures reads {"<case>": "<why it fails>"}; every name must be
// a case.
func loadKnownFailures(path string, c *Corpus) (map[string]string, error) {
	var known map[string]string
	if err := readJSON(path, &known); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, k := range c.Cases {
		names[k.Name] = true
	}
	for name := range known {
		if !names[name] {
			return nil, fmt.Errorf("known_failures.json: %s is not a case", name)
		}
	}
	return known, nil
}

// runCase runs k and returns what differs from its expectation.
func runCase(ctx context.Context, t *testing.T, c *Corpus, eng engine.Engine, k Case) error {
	sc := c.Scenarios[k.Scenario]
	plan, err := prepareAndCheck(ctx, eng, sc, k)
	if k.Refuse != nil {
		var r *query.Refusal
		if !errors.As(err, &r) {
			if err == nil {
				return fmt.Errorf("accepted, want a refusal with %q\nsql: %s\nplan: %+v", k.Refuse, k.SQL, plan)
			}
			return fmt.Errorf("error %T %v, want a *query.Refusal with %q\nsql: %s", err, err, k.Refuse, k.SQL)
		}
		t.Logf("refused: %s", r.Message)
		var errs []error
		if missing := MissingWords(r.Message, k.Refuse); missing != nil {
			errs = append(errs, fmt.Errorf("refusal %q lacks %q\nsql: %s", r.Message, missing, k.SQL))
		}
		// A refusal names the rule, never table data (spec 2.7).
		vals, err := dataValues(c, sc)
		if err != nil {
			return err
		}
		for _, v := range vals {
			if strings.Contains(r.Message, v) && !strings.Contains(k.SQL, v) {
				errs = append(errs, fmt.Errorf("refusal %q shows the table value %q", r.Message, v))
			}
		}
		return errors.Join(errs...)
	}
	if err != nil {
		return fmt.Errorf("refused: %v\nsql: %s", err, k.SQL)
	}
	if plan == nil {
		return errors.New("Check returned neither a plan nor an error")
	}
	return runPlan(ctx, t.TempDir(), c, eng, k, plan)
}

// runPlan runs an accepted case's plan, writing into the empty directory
// out, and compares its result.
func runPlan(ctx context.Context, out string, c *Corpus, eng engine.Engine, k Case, plan *query.Plan) error {
	sc := c.Scenarios[k.Scenario]
	var inputs []engine.Input
	for _, name := range plan.Tables {
		spec, ok := sc.Lookup(name)
		if !ok {
			return fmt.Errorf("plan reads %q, not a table of scenario %s", name, k.Scenario)
		}
		inputs = append(inputs, input(c.Dir, spec))
	}
	res, err := eng.Run(ctx, engine.Job{SQL: plan.SQL, Inputs: inputs,
		Output: engine.Output{Dir: out, Format: engine.CSV, SingleFile: true}})
	if err != nil {
		return fmt.Errorf("Run: %v\nsql: %s\nplan: %s", err, k.SQL, plan.SQL)
	}
	header, rows, err := readResult(out, res.Files)
	if err != nil {
		return fmt.Errorf("result: %v", err)
	}
	var errs []error
	want := c.Expected[k.Name]
	if diff := cmp.Diff(want.Columns, header); diff != "" {
		errs = append(errs, fmt.Errorf("columns (-want +got):\n%s", diff))
	}
	if res.Rows != int64(len(rows)) {
		errs = append(errs, fmt.Errorf("Result.Rows = %d, the files hold %d rows", res.Rows, len(rows)))
	}
	kinds := columnKinds(want)
	wantRows := make([][]string, len(want.Rows))
	for i, r := range want.Rows {
		wantRows[i] = make([]string, len(r))
		for j, v := range r {
			wantRows[i][j] = canonWant(v)
		}
	}
	gotRows := make([][]string, len(rows))
	for i, r := range rows {
		gotRows[i] = make([]string, len(r))
		for j, v := range r {
			kind := ""
			if j < len(kinds) {
				kind = kinds[j]
			}
			gotRows[i][j] = canonGot(v, kind)
		}
	}
	if !want.Ordered {
		sortRows(wantRows)
		sortRows(gotRows)
	}
	if diff := cmp.Diff(wantRows, gotRows); diff != "" {
		errs = append(errs, fmt.Errorf("rows (-want +got):\n%s", diff))
	}
	if len(errs) > 0 {
		errs = append(errs, fmt.Errorf("sql: %s\nplan: %s", k.SQL, plan.SQL))
	}
	return errors.Join(errs...)
}

func prepareAndCheck(ctx context.Context, p query.Parser, sc Scenario, k Case) (*query.Plan, error) {
	var params map[string]string
	if k.TemplateARN != "" {
		params = k.Params
	}
	st, err := query.Prepare(ctx, p, k.SQL, params, k.Parameters)
	if err != nil {
		return nil, err
	}
	tables := map[string]*query.Table{}
	for _, name := range st.Tables() {
		// A name the scenario lacks stays out of the map: an unknown table.
		if spec, ok := sc.Lookup(name); ok {
			tables[strings.ToLower(name)] = spec.Table()
		}
	}
	return query.Check(ctx, p, st, query.Context{QuerierAccountID: k.Querier, TemplateARN: k.TemplateARN, Tables: tables})
}

func input(dir string, spec TableSpec) engine.Input {
	in := engine.Input{Name: spec.Name, Format: engine.CSV, CSV: engine.CSVOptions{HeaderLines: 1},
		Files: []string{filepath.Join(dir, "tables", spec.File)}}
	for _, col := range spec.Columns {
		in.FileColumns = append(in.FileColumns, query.Column{Name: col.Name, Type: col.Type})
		in.Expose = append(in.Expose, col.Name)
	}
	return in
}

// dataValues are the cells of the scenario's files that are long enough
// (5 characters) not to occur in a message by chance.
func dataValues(c *Corpus, sc Scenario) ([]string, error) {
	var vals []string
	for _, spec := range sc.Tables {
		_, rows, err := readResult(filepath.Join(c.Dir, "tables"), []string{spec.File})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			for _, v := range r {
				if len(v) >= 5 {
					vals = append(vals, v)
				}
			}
		}
	}
	return vals, nil
}

// readResult reads the CSV files of a result; each starts with the same
// header row.
func readResult(dir string, files []string) ([]string, [][]string, error) {
	if len(files) == 0 {
		return nil, nil, errors.New("no result files")
	}
	var header []string
	var rows [][]string
	for i, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, err
		}
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(recs) == 0 {
			return nil, nil, fmt.Errorf("%s: no header row", name)
		}
		if i == 0 {
			header = recs[0]
		} else if !cmp.Equal(header, recs[0]) {
			return nil, nil, fmt.Errorf("%s: header %q, first file's %q", name, recs[0], header)
		}
		rows = append(rows, recs[1:]...)
	}
	return header, rows, nil
}

// columnKinds is, per column, the kind of its first non-NULL expected cell:
// "number", "bool" or "string" ("" when the column is all NULL).
func columnKinds(e Expected) []string {
	kinds := make([]string, len(e.Columns))
	for _, r := range e.Rows {
		for j, v := range r {
			if j >= len(kinds) || kinds[j] != "" {
				continue
			}
			switch v.(type) {
			case json.Number:
				kinds[j] = "number"
			case bool:
				kinds[j] = "bool"
			case string:
				kinds[j] = "string"
			}
		}
	}
	return kinds
}

const null = "NULL"

func canonWant(v any) string {
	switch v := v.(type) {
	case nil:
		return null
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return v.String()
		}
		return canonNumber(f)
	case string:
		return v
	}
	return fmt.Sprintf("%T %v", v, v)
}

// canonGot normalises a CSV cell for comparison with a cell of kind: an
// empty field is NULL (the corpus outputs no empty strings), numbers are
// rounded to 6 decimals, booleans lower-cased. A cell that does not parse
// as its kind is kept as it is, so that the diff shows it.
func canonGot(cell, kind string) string {
	if cell == "" {
		return null
	}
	switch kind {
	case "number":
		if f, err := strconv.ParseFloat(cell, 64); err == nil {
			return canonNumber(f)
		}
	case "bool":
		if l := strings.ToLower(cell); l == "true" || l == "false" {
			return l
		}
	}
	return cell
}

func canonNumber(f float64) string {
	r := math.Round(f*1e6) / 1e6
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func sortRows(rows [][]string) {
	sort.Slice(rows, func(i, j int) bool {
		return strings.Join(rows[i], "\x00") < strings.Join(rows[j], "\x00")
	})
}
