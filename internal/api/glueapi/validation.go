package glueapi

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Validate checks in against every constraint of the model (required,
// lengths, ranges, patterns, enums) and returns a *ValidationException, or
// nil.
//
// Glue, a Coral service, answers a constraint failure with
// ValidationException (400) and a message such as
//
//	1 validation error detected: Value 'x' at 'tableInput.storageDescriptor.columns.1.member.name'
//	failed to satisfy constraint: Member must have length less than or equal to 255
//
// Member names in the path are lower camel case, list elements are counted
// from 1 and followed by ".member", map entries are named by their key.
// Semantic failures the model cannot express (a catalog of another account,
// a bad token) are InvalidInputException, raised by the service.
func Validate(in Input) error {
	var c Validator
	in.validate(&c, nil)
	return c.err()
}

// Validator collects constraint failures.
type Validator struct {
	texts []string
	n     int
}

// maxReported bounds the size of an error body for hostile inputs.
const maxReported = 20

func (c *Validator) fail(p *path, value, constraint string) {
	c.n++
	if len(c.texts) >= maxReported {
		return
	}
	c.texts = append(c.texts, "Value "+value+" at '"+p.String()+"' failed to satisfy constraint: Member "+constraint)
}

func (c *Validator) err() error {
	if c.n == 0 {
		return nil
	}
	noun := "error"
	if c.n > 1 {
		noun = "errors"
	}
	msg := fmt.Sprintf("%d validation %s detected: %s", c.n, noun, strings.Join(c.texts, "; "))
	return &ValidationException{Message: &msg}
}

// shown quotes a value for a message, cut short if long.
func shown(s string) string {
	if len(s) > 64 {
		n := 64
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "..."
	}
	return "'" + s + "'"
}

func (c *Validator) missing(p *path) { c.fail(p, "null", "must not be null") }
func (c *Validator) minLength(p *path, v string, n int) {
	c.fail(p, shown(v), "must have length greater than or equal to "+strconv.Itoa(n))
}
func (c *Validator) maxLength(p *path, v string, n int) {
	c.fail(p, shown(v), "must have length less than or equal to "+strconv.Itoa(n))
}
func (c *Validator) minItems(p *path, have, n int) {
	c.fail(p, "of size "+strconv.Itoa(have), "must have length greater than or equal to "+strconv.Itoa(n))
}
func (c *Validator) maxItems(p *path, have, n int) {
	c.fail(p, "of size "+strconv.Itoa(have), "must have length less than or equal to "+strconv.Itoa(n))
}
func (c *Validator) minValue(p *path, v, n float64) {
	c.fail(p, "'"+strconv.FormatFloat(v, 'g', -1, 64)+"'", "must have value greater than or equal to "+strconv.FormatFloat(n, 'g', -1, 64))
}
func (c *Validator) maxValue(p *path, v, n float64) {
	c.fail(p, "'"+strconv.FormatFloat(v, 'g', -1, 64)+"'", "must have value less than or equal to "+strconv.FormatFloat(n, 'g', -1, 64))
}
func (c *Validator) pattern(p *path, v string, pat *pattern) {
	c.fail(p, shown(v), "must satisfy regular expression pattern: "+pat.java)
}
func (c *Validator) union(p *path, n int, members []string) {
	c.fail(p, "with "+strconv.Itoa(n)+" members set", "must have exactly one of ["+strings.Join(members, ", ")+"] set")
}
func (c *Validator) enum(p *path, v string, values any) {
	c.fail(p, shown(v), "must satisfy enum value set: "+strings.ReplaceAll(fmt.Sprint(values), " ", ", "))
}

// path is the location of a value in the input, kept as a chain on the
// stack and turned into a string only on failure.
type path struct {
	parent *path
	name   string
	idx    int
	kind   byte // 'm' member, 'i' list index, 'k' map key
}

func (p *path) child(name string) path { return path{parent: p, name: name, kind: 'm'} }
func (p *path) index(i int) path       { return path{parent: p, idx: i, kind: 'i'} }
func (p *path) key(k string) path      { return path{parent: p, name: k, kind: 'k'} }

func (p *path) String() string {
	if p == nil {
		return ""
	}
	var seg string
	switch p.kind {
	case 'i':
		seg = strconv.Itoa(p.idx+1) + ".member"
	case 'k':
		seg = p.name
	default:
		seg = lowerCamel(p.name)
	}
	if parent := p.parent.String(); parent != "" {
		return parent + "." + seg
	}
	return seg
}

// lowerCamel is Coral's name of a member in messages: "TableInput" →
// "tableInput".
func lowerCamel(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// pattern is a model pattern, compiled on first use.
type pattern struct {
	java           string
	matchSrc       string
	rejectSrc      string
	once           sync.Once
	matchRE, rejRE *regexp.Regexp
}

func newPattern(java, match, reject string) *pattern {
	return &pattern{java: java, matchSrc: match, rejectSrc: reject}
}

func (p *pattern) compile() {
	p.matchRE = regexp.MustCompile(p.matchSrc)
	if p.rejectSrc != "" {
		p.rejRE = regexp.MustCompile(p.rejectSrc)
	}
}

func (p *pattern) match(s string) bool {
	p.once.Do(p.compile)
	return p.matchRE.MatchString(s) && (p.rejRE == nil || !p.rejRE.MatchString(s))
}
