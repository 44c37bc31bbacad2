package duckdb

import (
	"fmt"
	"strconv"
	"strings"
)

// duckType returns the DuckDB type of a Glue (Hive) type string such as
// "int", "decimal(10,2)", "array<struct<a:string,b:int>>". Hive type names
// are case-insensitive; unknown names are an error naming them.
func duckType(hive string) (string, error) {
	p := &typeParser{s: strings.ToLower(strings.TrimSpace(hive))}
	t, err := p.parse()
	if err != nil {
		return "", fmt.Errorf("engine: column type %q: %w", hive, err)
	}
	if p.skipSpace(); p.i != len(p.s) {
		return "", fmt.Errorf("engine: column type %q: unexpected %q", hive, p.s[p.i:])
	}
	return t, nil
}

// isComplex reports whether a Hive type is an array, map or struct.
func isComplex(hive string) bool {
	h := strings.ToLower(strings.TrimSpace(hive))
	return strings.HasPrefix(h, "array") || strings.HasPrefix(h, "map") || strings.HasPrefix(h, "struct") || strings.HasPrefix(h, "uniontype")
}

var primitives = map[string]string{
	"string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR",
	"tinyint": "TINYINT", "smallint": "SMALLINT", "int": "INTEGER", "integer": "INTEGER", "bigint": "BIGINT",
	"float": "FLOAT", "real": "FLOAT", "double": "DOUBLE",
	"boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP", "binary": "BLOB",
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) skipSpace() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

// word reads an identifier ([a-z0-9_]).
func (p *typeParser) word() string {
	p.skipSpace()
	j := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			p.i++
			continue
		}
		break
	}
	return p.s[j:p.i]
}

func (p *typeParser) accept(c byte) bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) expect(c byte) error {
	if !p.accept(c) {
		return fmt.Errorf("expected %q at offset %d", c, p.i)
	}
	return nil
}

// depth bounds nesting so that a hostile type string cannot exhaust the
// stack.
const maxTypeDepth = 32

func (p *typeParser) parse() (string, error) { return p.parseDepth(0) }

func (p *typeParser) parseDepth(depth int) (string, error) {
	if depth > maxTypeDepth {
		return "", fmt.Errorf("nested too deeply")
	}
	name := p.word()
	switch name {
	case "":
		return "", fmt.Errorf("expected a type name at offset %d", p.i)
	case "double":
		// "double precision" is Hive's synonym of double.
		save := p.i
		if p.word() != "precision" {
			p.i = save
		}
		return "DOUBLE", nil
	case "varchar", "char":
		// The length does not constrain DuckDB's VARCHAR.
		if p.accept('(') {
			if _, err := p.number(); err != nil {
				return "", err
			}
			if err := p.expect(')'); err != nil {
				return "", err
			}
		}
		return "VARCHAR", nil
	case "decimal", "numeric":
		prec, scale := 10, 0 // Hive's default precision and scale
		if p.accept('(') {
			var err error
			if prec, err = p.number(); err != nil {
				return "", err
			}
			if p.accept(',') {
				if scale, err = p.number(); err != nil {
					return "", err
				}
			}
			if err := p.expect(')'); err != nil {
				return "", err
			}
		}
		if prec < 1 || prec > 38 || scale < 0 || scale > prec {
			return "", fmt.Errorf("decimal(%d,%d) out of range", prec, scale)
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", prec, scale), nil
	case "array":
		if err := p.expect('<'); err != nil {
			return "", err
		}
		elem, err := p.parseDepth(depth + 1)
		if err != nil {
			return "", err
		}
		return elem + "[]", p.expect('>')
	case "map":
		if err := p.expect('<'); err != nil {
			return "", err
		}
		k, err := p.parseDepth(depth + 1)
		if err != nil {
			return "", err
		}
		if err := p.expect(','); err != nil {
			return "", err
		}
		v, err := p.parseDepth(depth + 1)
		if err != nil {
			return "", err
		}
		return "MAP(" + k + ", " + v + ")", p.expect('>')
	case "struct":
		if err := p.expect('<'); err != nil {
			return "", err
		}
		var fields []string
		for {
			f := p.word()
			if f == "" {
				return "", fmt.Errorf("expected a field name at offset %d", p.i)
			}
			if err := p.expect(':'); err != nil {
				return "", err
			}
			t, err := p.parseDepth(depth + 1)
			if err != nil {
				return "", err
			}
			fields = append(fields, quoteIdent(f)+" "+t)
			if !p.accept(',') {
				break
			}
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")", p.expect('>')
	}
	if t, ok := primitives[name]; ok {
		return t, nil
	}
	return "", fmt.Errorf("unknown type %q", name)
}

func (p *typeParser) number() (int, error) {
	w := p.word()
	n, err := strconv.Atoi(w)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("expected a number at offset %d", p.i)
	}
	return n, nil
}

// quoteIdent quotes a SQL identifier for DuckDB.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString quotes a SQL string literal for DuckDB (standard SQL: no
// backslash escapes).
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// stringList is a DuckDB list literal of strings: ['a', 'b'].
func stringList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quoteString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
