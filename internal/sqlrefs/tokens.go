package sqlrefs

import (
	"fmt"
	"strings"
)

type tokenKind int

const (
	tEOF    tokenKind = iota
	tIdent            // an unquoted word: keyword or identifier
	tQuoted           // a "double-quoted" or `backquoted` identifier; text is unquoted
	tString           // a '..' literal (its text is not kept)
	tNumber
	tParam // :name; text is the name
	tPunct // one character, or "::"
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

func (t token) is(p string) bool { return t.kind == tPunct && t.text == p }

// keyword reports whether t is one of the unquoted words kws (upper case).
func (t token) keyword(kws ...string) bool {
	if t.kind != tIdent {
		return false
	}
	for _, k := range kws {
		if strings.EqualFold(t.text, k) {
			return true
		}
	}
	return false
}

func (t token) isName() bool { return t.kind == tIdent || t.kind == tQuoted }

func (t token) name() string { return t.text }

func isIdentStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' || c == '$' }

func isParamPart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// tokenize splits text into tokens, dropping whitespace and comments.
func tokenize(text string) ([]token, error) {
	var toks []token
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return nil, &Error{i, "unterminated /* comment"}
			}
			i += 2 + end + 2
		case c == '\'' || c == '"' || c == '`':
			body, next, ok := quoted(text, i)
			if !ok {
				return nil, &Error{i, fmt.Sprintf("unterminated %c quote", c)}
			}
			kind := tQuoted
			if c == '\'' {
				kind = tString
			}
			toks = append(toks, token{kind, body, i})
			i = next
		case c == ':' && i+1 < len(text) && text[i+1] == ':':
			toks = append(toks, token{tPunct, "::", i})
			i += 2
		case c == ':' && i+1 < len(text) && isParamPart(text[i+1]):
			j := i + 1
			for j < len(text) && isParamPart(text[j]) {
				j++
			}
			toks = append(toks, token{tParam, text[i+1 : j], i})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(text) && isIdentPart(text[j]) {
				j++
			}
			toks = append(toks, token{tIdent, text[i:j], i})
			i = j
		case '0' <= c && c <= '9':
			j := i
			for j < len(text) && (isIdentPart(text[j]) || text[j] == '.') {
				j++
			}
			toks = append(toks, token{tNumber, text[i:j], i})
			i = j
		default:
			toks = append(toks, token{tPunct, string(c), i})
			i++
		}
	}
	return toks, nil
}

// quoted reads the quoted text starting at text[i] (the quote), where a
// doubled quote stands for one; it returns the unquoted body and the
// index after the closing quote.
func quoted(text string, i int) (body string, next int, ok bool) {
	q := text[i]
	var b strings.Builder
	for j := i + 1; j < len(text); j++ {
		if text[j] != q {
			b.WriteByte(text[j])
			continue
		}
		if j+1 < len(text) && text[j+1] == q {
			b.WriteByte(q)
			j++
			continue
		}
		return b.String(), j + 1, true
	}
	return "", 0, false
}
