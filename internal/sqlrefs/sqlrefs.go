// Package sqlrefs finds what an analysis template's SQL refers to: the
// tables it reads (after FROM, JOIN and commas of a FROM list) and the
// :name parameters it uses. The Clean Rooms service needs both when a
// template is created: schema.referencedTables is computed by the server,
// and every table must be one of the collaboration's.
//
// It is an interim, deliberately small: a tokenizer that knows quotes
// ('..', "..", `..`), comments (-- and /* */) and :param placeholders, and
// a linear scan over the tokens that tracks parentheses, SELECT scopes and
// WITH names. It does not validate SQL; the query engine does that when a
// query runs. Issue 8 replaces it with the parse tree of the engine
// (DuckDB's json_serialize_sql), which knows the grammar exactly.
//
// Approximations, on purpose:
//   - A CTE name shadows a table of the same name after its definition has
//     been read, up to the end of the parenthesis that holds its WITH (for
//     WITH RECURSIVE, from the name on), not inside its own body.
//   - A name followed by "(" after FROM is a table function (UNNEST,
//     range(...)), not a table; LATERAL and VALUES introduce no table.
//   - String literals follow ANSI SQL: a quote is escaped by doubling it,
//     backslashes are plain characters. Block comments do not nest.
package sqlrefs

import (
	"fmt"
	"slices"
	"strings"
)

// Refs is what a statement refers to.
type Refs struct {
	// Tables are the table names read, each once, in the order of their
	// first reference; a qualified name keeps its parts joined by ".".
	// Quoted names lose their quotes; the case is kept as written.
	Tables []string
	// Parameters are the :name placeholders, each once, in order of first
	// use.
	Parameters []string
}

// Error is a statement the scanner cannot read.
type Error struct {
	Offset int // byte offset in the text
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("at offset %d: %s", e.Offset, e.Msg) }

// Analyze returns the references of one SELECT statement (a WITH query or
// a parenthesized query included); a trailing semicolon is allowed, a
// second statement is not.
func Analyze(text string) (Refs, error) {
	toks, err := tokenize(text)
	if err != nil {
		return Refs{}, err
	}
	var refs Refs
	for _, t := range toks {
		if t.kind == tParam && !slices.Contains(refs.Parameters, t.text) {
			refs.Parameters = append(refs.Parameters, t.text)
		}
	}
	toks = slices.DeleteFunc(toks, func(t token) bool { return t.kind == tParam })
	for len(toks) > 0 && toks[len(toks)-1].is(";") {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return Refs{}, &Error{0, "the text holds no statement"}
	}
	if first := toks[0]; !first.keyword("SELECT") && !first.keyword("WITH") && !first.is("(") {
		return Refs{}, &Error{first.pos, fmt.Sprintf("only a SELECT statement is allowed, not one starting with %q", first.text)}
	}
	for _, t := range toks {
		if t.is(";") {
			return Refs{}, &Error{t.pos, "only one statement is allowed"}
		}
	}
	s := scanner{toks: toks}
	if err := s.run(); err != nil {
		return Refs{}, err
	}
	refs.Tables = s.tables
	return refs, nil
}

// level is the state of one parenthesis depth (0 is the statement).
type level struct {
	selectSeen bool     // a SELECT started at this depth: FROM here lists tables
	fromList   bool     // inside the FROM clause of that SELECT
	withList   bool     // inside a WITH list (before its main SELECT)
	recursive  bool     // WITH RECURSIVE
	wantCTE    bool     // the next identifier names a CTE
	pending    string   // a CTE whose body is open one level down
	ctes       []string // CTE names visible from this depth down
	open       int      // offset of the "(" that opened it
}

type scanner struct {
	toks   []token
	i      int
	levels []level
	tables []string
}

func (s *scanner) top() *level { return &s.levels[len(s.levels)-1] }

func (s *scanner) peek(k int) token {
	if s.i+k < len(s.toks) {
		return s.toks[s.i+k]
	}
	return token{kind: tEOF, pos: -1}
}

func (s *scanner) isCTE(name string) bool {
	for _, l := range s.levels {
		for _, c := range l.ctes {
			if strings.EqualFold(c, name) {
				return true
			}
		}
	}
	return false
}

func (s *scanner) run() error {
	s.levels = []level{{}}
	expectTable := false
	for s.i = 0; s.i < len(s.toks); s.i++ {
		t := s.toks[s.i]
		l := s.top()
		switch {
		case t.is("("):
			s.levels = append(s.levels, level{open: t.pos})
			expectTable = false
		case t.is(")"):
			if len(s.levels) == 1 {
				return &Error{t.pos, "unbalanced )"}
			}
			s.levels = s.levels[:len(s.levels)-1]
			if l := s.top(); l.pending != "" {
				l.ctes = append(l.ctes, l.pending) // the body is read: the name is now visible
				l.pending = ""
			}
			expectTable = false
		case t.keyword("WITH"):
			l.withList, l.wantCTE = true, true
			if s.peek(1).keyword("RECURSIVE") {
				l.recursive = true
				s.i++
			}
		case l.wantCTE && t.isName():
			l.wantCTE = false
			if s.peek(1).is("(") { // a column list
				s.skipParens(s.i + 1)
			}
			if l.recursive {
				l.ctes = append(l.ctes, t.name())
			} else {
				l.pending = t.name()
			}
		case l.withList && !l.selectSeen && t.is(","):
			l.wantCTE = true
		case t.keyword("SELECT"):
			l.selectSeen, l.fromList, l.withList, l.wantCTE = true, false, false, false
		case t.keyword("FROM") && l.selectSeen:
			l.fromList, expectTable = true, true
		case t.keyword("JOIN") && l.fromList:
			expectTable = true
		case t.is(",") && l.fromList:
			expectTable = true
		case t.keyword(clauseEnders...):
			l.fromList, expectTable = false, false
		case expectTable && t.isName():
			expectTable = false
			if t.keyword("LATERAL", "VALUES") {
				continue
			}
			s.tableRef()
		default:
			expectTable = false
		}
	}
	if len(s.levels) != 1 {
		return &Error{s.top().open, "unbalanced ("}
	}
	return nil
}

// tableRef reads a possibly qualified name at s.i and records it unless it
// is a CTE or a table function; s.i is left on its last token.
func (s *scanner) tableRef() {
	parts := []string{s.toks[s.i].name()}
	for s.peek(1).is(".") && s.peek(2).isName() {
		parts = append(parts, s.peek(2).name())
		s.i += 2
	}
	if s.peek(1).is("(") { // a table function: its arguments are scanned as usual
		return
	}
	name := strings.Join(parts, ".")
	if len(parts) == 1 && s.isCTE(name) {
		return
	}
	if !slices.Contains(s.tables, name) {
		s.tables = append(s.tables, name)
	}
}

// skipParens moves s.i to the ")" that closes the "(" at index at.
func (s *scanner) skipParens(at int) {
	depth := 0
	for s.i = at; s.i < len(s.toks); s.i++ {
		switch {
		case s.toks[s.i].is("("):
			depth++
		case s.toks[s.i].is(")"):
			if depth--; depth == 0 {
				return
			}
		}
	}
}

// clauseEnders end a FROM list at their depth.
var clauseEnders = []string{"WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "UNION", "INTERSECT",
	"EXCEPT", "MINUS", "WINDOW", "QUALIFY", "FETCH"}
