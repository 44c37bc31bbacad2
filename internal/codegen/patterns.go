package codegen

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// rePattern is a model pattern translated for RE2.
type rePattern struct {
	Java   string // as written in the model (used in messages)
	Match  string // the whole value must match
	Reject string // the whole value must not match ("" = no such rule)
}

var uEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// translatePattern turns a Java pattern into RE2 form. Overlay fixes win;
// otherwise \uXXXX escapes become \x{XXXX}, and the result must compile.
// The patterns carry no anchors; the whole value must match (see
// model/PROVENANCE.md).
func translatePattern(java string, fixes map[string]PatternFix) (rePattern, error) {
	p := rePattern{Java: java}
	if fix, ok := fixes[java]; ok {
		p.Match, p.Reject = fix.Match, fix.Reject
	} else {
		if strings.Contains(java, "(?!") || strings.Contains(java, "(?=") || strings.Contains(java, "(?<") {
			return p, fmt.Errorf("pattern %q uses a lookaround: add a translation to model/overlay.json", java)
		}
		p.Match = uEscape.ReplaceAllStringFunc(java, func(s string) string {
			hex := strings.ToUpper(s[2:])
			if hex >= "D800" && hex <= "DFFF" {
				return s // left as is so that compilation below fails loudly
			}
			return `\x{` + hex + `}`
		})
	}
	for _, re := range []string{p.Match, p.Reject} {
		if re == "" {
			continue
		}
		if _, err := regexp.Compile(anchored(re)); err != nil {
			return p, fmt.Errorf("pattern %q does not compile for RE2 (%v): add a translation to model/overlay.json", java, err)
		}
	}
	return p, nil
}

func anchored(re string) string { return `^(?:` + re + `)$` }

// collectPatterns translates every pattern of the model, in a stable order,
// and checks that every overlay fix is used.
func collectPatterns(m *Model, fixes map[string]PatternFix) ([]rePattern, map[string]int, error) {
	seen := map[string]bool{}
	for _, s := range m.Shapes {
		if s.Pattern != "" {
			seen[s.Pattern] = true
		}
	}
	var javas []string
	for j := range seen {
		javas = append(javas, j)
	}
	sort.Strings(javas)
	for j := range fixes {
		if !seen[j] {
			return nil, nil, fmt.Errorf("overlay pattern %q is not in the model: drop it", j)
		}
	}
	var out []rePattern
	index := map[string]int{}
	for _, j := range javas {
		p, err := translatePattern(j, fixes)
		if err != nil {
			return nil, nil, err
		}
		index[j] = len(out)
		out = append(out, p)
	}
	return out, index, nil
}
