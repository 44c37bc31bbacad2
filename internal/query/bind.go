package query

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The text pass before parsing. DuckDB's grammar does not know three things
// that Clean Rooms SQL does: :name template parameters, `backquoted`
// identifiers (Spark) and SELECT TOP n (Clean Rooms SQL, list rule). A small
// scanner that knows quotes and comments rewrites them into what DuckDB
// parses: parameters become typed literals, backquotes double quotes, and a
// leading TOP n a trailing LIMIT n. Everything else is copied byte for byte.

// segment is a piece of the text: code outside quotes and comments, or a
// quoted/comment piece copied as is (or a backquoted identifier, rewritten).
type segKind int

const (
	segCode segKind = iota
	segString
	segQuoted   // "identifier"
	segBackquot // `identifier`
	segComment
)

type segment struct {
	kind segKind
	text string
}

// split cuts text into segments; an unterminated quote or comment is a
// Refusal (DuckDB would reject it too, but the parameter pass must not
// guess where it ends). With spark, text is the author's Spark SQL: its
// string literals take backslash escapes (and r'raw' ones none), and each
// comes back as the standard SQL literal of its value (a quote doubled,
// a backslash as itself), so that DuckDB reads exactly that value.
// Without spark, text is what that pass wrote: standard literals only. Comments are read
// as DuckDB reads them (a line comment ends at \n or \r, block comments
// nest), and dollar-quoted strings, which DuckDB has and Spark does not,
// are refused: the parameter pass must see the same strings and comments
// as the parser, or a bound value could end one.
func split(text string, spark bool) ([]segment, error) {
	segs := make([]segment, 0, 8) // most queries have a few literals: one allocation
	start := 0
	flush := func(i int) {
		if i > start {
			segs = append(segs, segment{segCode, text[start:i]})
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case spark && (c == '\'' || c == '"') && i > 0 && (text[i-1] == 'r' || text[i-1] == 'R') && (i < 2 || !isIdentPart(text[i-2])):
			// r'...' / R"...": a raw string, no escapes; the prefix goes.
			end := strings.IndexByte(text[i+1:], c)
			if end < 0 {
				return nil, refusef("the query has an unterminated quote at offset %d", i)
			}
			end += i + 2
			flush(i - 1)
			lit, err := standardLiteral(text[i+1 : end-1])
			if err != nil {
				return nil, err
			}
			segs = append(segs, segment{segString, lit})
			i, start = end, end
		case c == '\'' && spark:
			if prefixed(text, i) {
				return nil, refusef("the query has a prefixed string literal (E'...' or U&'...') at offset %d, which Spark SQL does not have", i-1)
			}
			lit, end, err := sparkLiteral(text, i)
			if err != nil {
				return nil, err
			}
			flush(i)
			segs = append(segs, segment{segString, lit})
			i, start = end, end
		case c == '\'' || c == '"' || c == '`':
			end := closeQuote(text, i+1, c)
			if end < 0 {
				return nil, refusef("the query has an unterminated quote at offset %d", i)
			}
			flush(i)
			kind := map[byte]segKind{'\'': segString, '"': segQuoted, '`': segBackquot}[c]
			segs = append(segs, segment{kind, text[i:end]})
			i, start = end, end
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			end := strings.IndexAny(text[i:], "\n\r")
			if end < 0 {
				end = len(text)
			} else {
				end += i
			}
			flush(i)
			segs = append(segs, segment{segComment, text[i:end]})
			i, start = end, end
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			end := closeComment(text, i)
			if end < 0 {
				return nil, refusef("the query has an unterminated comment at offset %d", i)
			}
			flush(i)
			segs = append(segs, segment{segComment, text[i:end]})
			i, start = end, end
		case c == '$' && dollarQuote(text, i):
			return nil, refusef("the query has a dollar-quoted string at offset %d, which Spark SQL does not have", i)
		default:
			i++
		}
	}
	flush(len(text))
	return segs, nil
}

// closeComment returns the offset just past the end of the block comment
// starting at from, counting nested ones as DuckDB does; -1 if none.
func closeComment(text string, from int) int {
	depth := 0
	for i := from; i+1 < len(text); i++ {
		switch {
		case text[i] == '/' && text[i+1] == '*':
			depth++
			i++
		case text[i] == '*' && text[i+1] == '/':
			depth--
			i++
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// dollarQuote reports whether the $ at i may open a dollar-quoted string
// ($$ or $tag$) for DuckDB: followed by an optional tag and a $. Inside
// an identifier a $ is a letter for DuckDB, but after a number (1$$x$$)
// it is not, and telling them apart is the lexer's business: Spark
// identifiers have no $, so any $tag$ is refused. $1 is a parameter.
func dollarQuote(text string, i int) bool {
	j := i + 1
	if j < len(text) && isIdentStart(text[j]) {
		for j < len(text) && isIdentPart(text[j]) {
			j++
		}
	}
	return j < len(text) && text[j] == '$'
}

// prefixed reports whether the quote at i has a prefix that changes how
// DuckDB reads the string: E (backslash escapes) or U& (Unicode escapes).
func prefixed(text string, i int) bool {
	standalone := func(k int) bool { return k < 0 || !isIdentPart(text[k]) && text[k] != '$' }
	if i > 0 && (text[i-1] == 'e' || text[i-1] == 'E') && standalone(i-2) {
		return true
	}
	return i > 1 && text[i-1] == '&' && (text[i-2] == 'u' || text[i-2] == 'U') && standalone(i-3)
}

// closeQuote returns the offset just past the quote q closing a quoted
// piece that starts at from; a doubled quote is an escaped quote.
func closeQuote(text string, from int, q byte) int {
	for i := from; i < len(text); i++ {
		if text[i] == q {
			if i+1 < len(text) && text[i+1] == q {
				i++
				continue
			}
			return i + 1
		}
	}
	return -1
}

func isIdentStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' }

// bindText rewrites text for DuckDB: parameters bound, backquotes turned
// into double quotes, TOP n into LIMIT n.
func bindText(text string, params map[string]string, declared []cleanrooms.TemplateParameter) (string, error) {
	segs, err := split(text, true)
	if err != nil {
		return "", err
	}
	if declared == nil && len(params) > 0 {
		return "", refusef("a query without an analysis template takes no parameters")
	}
	for name := range params {
		if !slices.ContainsFunc(declared, func(p cleanrooms.TemplateParameter) bool { return p.Name == name }) {
			return "", refusef("parameter %s is not declared by the analysis template", name)
		}
	}
	var b strings.Builder
	b.Grow(len(text) + 16)
	for _, s := range segs {
		switch s.kind {
		case segCode:
			if err := bindCode(&b, s.text, params, declared); err != nil {
				return "", err
			}
		case segBackquot:
			// `a``b` is the identifier a`b; as "a`b" it needs no escape,
			// but a double quote inside must be doubled.
			inner := strings.ReplaceAll(s.text[1:len(s.text)-1], "``", "`")
			b.WriteString(`"` + strings.ReplaceAll(inner, `"`, `""`) + `"`)
		case segString:
			// A literal always stands apart from a word before it: E'..',
			// U&'..', X'..', B'..' (also after a number: 1E'..') would make
			// DuckDB read it, or find its end, otherwise than this pass.
			spaceAfterWord(&b)
			b.WriteString(s.text)
		default:
			b.WriteString(s.text)
		}
	}
	return translateTop(b.String())
}

// bindCode copies code, replacing :name (not ::type casts) with the bound
// literal of the parameter.
func bindCode(b *strings.Builder, code string, params map[string]string, declared []cleanrooms.TemplateParameter) error {
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c == ':' && i+1 < len(code) && code[i+1] == ':' {
			b.WriteString("::")
			i++
			continue
		}
		if c != ':' || i+1 >= len(code) || !isIdentStart(code[i+1]) {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(code) && isIdentPart(code[j]) {
			j++
		}
		name := code[i+1 : j]
		lit, err := bindParam(name, params, declared)
		if err != nil {
			return err
		}
		spaceAfterWord(b) // E:p must not become an E'..' string
		b.WriteString(lit)
		i = j - 1
	}
	return nil
}

// spaceAfterWord writes a space if b ends in a character that could be
// a string prefix (a letter, digit, _, $ or the & of U&).
func spaceAfterWord(b *strings.Builder) {
	if out := b.String(); out != "" {
		if c := out[len(out)-1]; isIdentPart(c) || c == '$' || c == '&' {
			b.WriteByte(' ')
		}
	}
}

func bindParam(name string, params map[string]string, declared []cleanrooms.TemplateParameter) (string, error) {
	i := slices.IndexFunc(declared, func(p cleanrooms.TemplateParameter) bool { return p.Name == name })
	if i < 0 {
		if declared == nil {
			return "", refusef("the query uses parameter %s, but only an analysis template declares parameters", name)
		}
		return "", refusef("the query uses parameter %s, which the analysis template does not declare", name)
	}
	p := declared[i]
	v, ok := params[name]
	if !ok {
		if p.DefaultValue == nil {
			return "", refusef("parameter %s has no value and no default value", name)
		}
		v = *p.DefaultValue
	}
	lit, err := literal(p.Type, v)
	if err != nil {
		return "", refusef("parameter %s: %v", name, err)
	}
	return lit, nil
}

// translateTop turns "SELECT [DISTINCT] TOP n" at the start of the query
// (the list rule's syntax; DuckDB has no TOP) into a LIMIT n at its end.
// Only the outermost SELECT is translated: TOP is not allowed elsewhere.
func translateTop(text string) (string, error) {
	segs, err := split(text, false)
	if err != nil {
		return "", err
	}
	for k, s := range segs {
		if s.kind == segComment {
			continue
		}
		if s.kind != segCode {
			return text, nil
		}
		words := strings.Fields(s.text)
		if len(words) == 0 {
			continue
		}
		if !strings.EqualFold(words[0], "SELECT") {
			return text, nil
		}
		w := 1
		if w < len(words) && strings.EqualFold(words[w], "DISTINCT") {
			w++
		}
		if w+1 >= len(words) || !strings.EqualFold(words[w], "TOP") {
			return text, nil
		}
		n := words[w+1]
		if strings.Trim(n, "0123456789") != "" {
			if isIdentStart(n[0]) {
				return text, nil // a column named top
			}
			return "", refusef("TOP takes a positive integer")
		}
		// Rebuild this segment without "TOP n", keep the rest, append LIMIT.
		rest := s.text
		idx := indexWordFold(rest, "TOP")
		after := strings.TrimLeft(rest[idx+3:], " \t\r\n")
		after = strings.TrimLeft(after[len(n):], " \t\r\n")
		segs[k].text = rest[:idx] + after
		var b strings.Builder
		for _, s := range segs {
			b.WriteString(s.text)
		}
		// A newline ends a trailing line comment before the LIMIT.
		out := strings.TrimRight(b.String(), " \t\r\n;")
		return fmt.Sprintf("%s\nLIMIT %s", out, n), nil
	}
	return text, nil
}

// indexWordFold returns the offset of the first whole word w in s
// (case-insensitive), -1 if none.
func indexWordFold(s, w string) int {
	low, lw := strings.ToLower(s), strings.ToLower(w)
	for from := 0; ; {
		i := strings.Index(low[from:], lw)
		if i < 0 {
			return -1
		}
		i += from
		before := i == 0 || !isIdentPart(low[i-1])
		afterOK := i+len(lw) >= len(low) || !isIdentPart(low[i+len(lw)])
		if before && afterOK {
			return i
		}
		from = i + 1
	}
}
