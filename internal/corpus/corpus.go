// Package corpus is the protected-query corpus of issue 8: queries in the
// Spark SQL people write in clean rooms, over small CSV tables under
// aggregation, list and custom analysis rules, each either refused (with
// the words its message must contain) or run, with rows computed
// independently of any SQL engine by testdata/expect.py. This file loads
// the corpus; corpus_test.go runs it through package query and the DuckDB
// engine. Nothing outside tests uses it.
package corpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// TableSpec is a table of a scenario as tables.json gives it.
type TableSpec struct {
	Name     string                 `json:"name"`
	Owner    string                 `json:"owner"`
	File     string                 `json:"file"` // under testdata/tables
	Columns  []ColumnSpec           `json:"columns"`
	RuleType string                 `json:"ruleType"`
	Policy   cleanrooms.TablePolicy `json:"policy"`
}

// ColumnSpec is a column with its Glue type.
type ColumnSpec struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Scenario is one collaboration's set of tables.
type Scenario struct {
	About  string      `json:"about"`
	Tables []TableSpec `json:"tables"`
}

// Case is one query of cases.json.
type Case struct {
	Name     string `json:"name"`
	Scenario string `json:"scenario"`
	Querier  string `json:"querier"`
	Why      string `json:"why"`
	SQL      string `json:"sql"`
	// TemplateARN, Parameters (declared) and Params (given) are set for
	// a query that comes from an analysis template.
	TemplateARN string                         `json:"templateArn"`
	Parameters  []cleanrooms.TemplateParameter `json:"parameters"`
	Params      map[string]string              `json:"params"`
	Ordered     bool                           `json:"ordered"`
	// Refuse, when set, are the substrings the refusal must contain.
	Refuse []string `json:"refuse"`
}

// Expected is the result expect.py computed for an accepted case. Cells
// are nil (NULL), bool, json.Number or string (dates as YYYY-MM-DD).
type Expected struct {
	Columns []string `json:"columns"`
	Ordered bool     `json:"ordered"`
	Rows    [][]any  `json:"rows"`
}

// Corpus is everything under testdata.
type Corpus struct {
	Dir       string
	Templates map[string]string
	Scenarios map[string]Scenario
	Cases     []Case
	Expected  map[string]Expected
}

// Load reads the corpus in dir, strictly: an unknown field in any file
// is an error, so that a typo in a policy cannot silently loosen a rule.
func Load(dir string) (*Corpus, error) {
	c := &Corpus{Dir: dir}
	var tables struct {
		Templates map[string]string   `json:"templates"`
		Scenarios map[string]Scenario `json:"scenarios"`
	}
	if err := readJSON(filepath.Join(dir, "tables.json"), &tables); err != nil {
		return nil, err
	}
	c.Templates, c.Scenarios = tables.Templates, tables.Scenarios
	var cases struct {
		About string `json:"about"`
		Cases []Case `json:"cases"`
	}
	if err := readJSON(filepath.Join(dir, "cases.json"), &cases); err != nil {
		return nil, err
	}
	c.Cases = cases.Cases
	if err := readJSON(filepath.Join(dir, "expected.json"), &c.Expected); err != nil {
		return nil, err
	}
	return c, c.validate()
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// validate checks what the JSON decoder cannot: references between the
// files, and that each table's policy is the member of its rule type.
func (c *Corpus) validate() error {
	for name, sc := range c.Scenarios {
		for _, t := range sc.Tables {
			p := t.Policy
			ok := map[string]bool{
				cleanrooms.RuleAggregation: p.Aggregation != nil && p.List == nil && p.Custom == nil,
				cleanrooms.RuleList:        p.List != nil && p.Aggregation == nil && p.Custom == nil,
				cleanrooms.RuleCustom:      p.Custom != nil && p.Aggregation == nil && p.List == nil,
			}[t.RuleType]
			if !ok {
				return fmt.Errorf("scenario %s, table %s: policy does not match rule type %q", name, t.Name, t.RuleType)
			}
		}
	}
	seen := map[string]bool{}
	for _, k := range c.Cases {
		if seen[k.Name] {
			return fmt.Errorf("case %s: duplicate name", k.Name)
		}
		seen[k.Name] = true
		if _, ok := c.Scenarios[k.Scenario]; !ok {
			return fmt.Errorf("case %s: unknown scenario %q", k.Name, k.Scenario)
		}
		_, has := c.Expected[k.Name]
		if has == (k.Refuse != nil) {
			return fmt.Errorf("case %s: needs exactly one of refuse and an entry in expected.json", k.Name)
		}
	}
	for name := range c.Expected {
		if !seen[name] {
			return fmt.Errorf("expected.json: %s is not a case", name)
		}
	}
	return nil
}

// Table is spec as package query sees it: every column allowed.
func (s TableSpec) Table() *query.Table {
	cols := make([]query.Column, len(s.Columns))
	for i, c := range s.Columns {
		cols[i] = query.Column{Name: c.Name, Type: c.Type}
	}
	return &query.Table{Name: s.Name, OwnerAccountID: s.Owner, Columns: cols, RuleType: s.RuleType, Policy: s.Policy}
}

// Lookup returns the table of the scenario named name (case-insensitive).
func (s Scenario) Lookup(name string) (TableSpec, bool) {
	for _, t := range s.Tables {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return TableSpec{}, false
}

// MissingWords returns the wanted substrings that msg lacks. A phrase (a
// substring with a space, such as the joinRequired text) must appear
// exactly; a single word in any case, because the rules helper words the
// messages and may write AGGREGATION or aggregation.
func MissingWords(msg string, want []string) []string {
	var missing []string
	for _, w := range want {
		found := strings.Contains(msg, w)
		if !strings.Contains(w, " ") {
			found = strings.Contains(strings.ToLower(msg), strings.ToLower(w))
		}
		if !found {
			missing = append(missing, w)
		}
	}
	return missing
}
