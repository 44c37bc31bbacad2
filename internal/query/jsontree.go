package query

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader and writer for parse trees. encoding/json's
// reflection-driven decoding into interfaces was a fifth of the time of a
// Prepare+Check of a 10-table query; this one does the same in a single
// pass. Values are what encoding/json gives with UseNumber: obj, []any,
// string, json.Number, bool and nil.

var errJSON = errors.New("query: malformed JSON in the parse tree")

type jsonReader struct {
	s   string
	i   int
	err error
}

func readJSON(b []byte) (obj, error) {
	r := &jsonReader{s: string(b)}
	v := r.value(0)
	r.space()
	if r.err == nil && r.i != len(r.s) {
		r.err = errJSON
	}
	if r.err != nil {
		return nil, r.err
	}
	o, ok := v.(obj)
	if !ok {
		return nil, errJSON
	}
	return o, nil
}

func (r *jsonReader) space() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// maxDepth bounds the nesting a tree may have: deeper input is refused
// rather than risking the stack.
const maxDepth = 2000

func (r *jsonReader) value(depth int) any {
	if depth > maxDepth {
		r.err = errJSON
	}
	r.space()
	if r.err != nil || r.i >= len(r.s) {
		r.err = errJSON
		return nil
	}
	switch c := r.s[r.i]; {
	case c == '{':
		r.i++
		o := make(obj, 8)
		r.space()
		if r.i < len(r.s) && r.s[r.i] == '}' {
			r.i++
			return o
		}
		for r.err == nil {
			r.space()
			if r.i >= len(r.s) || r.s[r.i] != '"' {
				r.err = errJSON
				return nil
			}
			k := r.str()
			r.space()
			if r.i >= len(r.s) || r.s[r.i] != ':' {
				r.err = errJSON
				return nil
			}
			r.i++
			o[k] = r.value(depth + 1)
			r.space()
			if r.i < len(r.s) && r.s[r.i] == ',' {
				r.i++
				continue
			}
			if r.i < len(r.s) && r.s[r.i] == '}' {
				r.i++
				return o
			}
			r.err = errJSON
		}
		return nil
	case c == '[':
		r.i++
		var l []any
		r.space()
		if r.i < len(r.s) && r.s[r.i] == ']' {
			r.i++
			return []any{}
		}
		for r.err == nil {
			l = append(l, r.value(depth+1))
			r.space()
			if r.i < len(r.s) && r.s[r.i] == ',' {
				r.i++
				continue
			}
			if r.i < len(r.s) && r.s[r.i] == ']' {
				r.i++
				return l
			}
			r.err = errJSON
		}
		return nil
	case c == '"':
		return r.str()
	case c == 't' && strings.HasPrefix(r.s[r.i:], "true"):
		r.i += 4
		return true
	case c == 'f' && strings.HasPrefix(r.s[r.i:], "false"):
		r.i += 5
		return false
	case c == 'n' && strings.HasPrefix(r.s[r.i:], "null"):
		r.i += 4
		return nil
	case c == '-' || '0' <= c && c <= '9':
		start := r.i
		for r.i < len(r.s) && strings.IndexByte("+-0123456789.eE", r.s[r.i]) >= 0 {
			r.i++
		}
		n := r.s[start:r.i]
		if _, err := strconv.ParseFloat(n, 64); err != nil && !isIntText(n) {
			r.err = errJSON
		}
		return json.Number(n)
	}
	r.err = errJSON
	return nil
}

func isIntText(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// str reads a string at r.i (on its opening quote).
func (r *jsonReader) str() string {
	r.i++
	start := r.i
	for r.i < len(r.s) {
		c := r.s[r.i]
		if c == '"' {
			s := r.s[start:r.i]
			r.i++
			return s
		}
		if c == '\\' {
			break
		}
		r.i++
	}
	// Escapes: decode the rest into a builder.
	var b strings.Builder
	b.WriteString(r.s[start:r.i])
	for r.i < len(r.s) {
		c := r.s[r.i]
		switch {
		case c == '"':
			r.i++
			return b.String()
		case c != '\\':
			b.WriteByte(c)
			r.i++
			continue
		}
		if r.i+1 >= len(r.s) {
			break
		}
		e := r.s[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			ru := r.hex4()
			if utf16.IsSurrogate(ru) && strings.HasPrefix(r.s[r.i:], `\u`) {
				r.i += 2
				ru = utf16.DecodeRune(ru, r.hex4())
			}
			b.WriteRune(ru)
		default:
			r.err = errJSON
			return ""
		}
	}
	r.err = errJSON
	return ""
}

func (r *jsonReader) hex4() rune {
	if r.i+4 > len(r.s) {
		r.err = errJSON
		return utf8.RuneError
	}
	n, err := strconv.ParseUint(r.s[r.i:r.i+4], 16, 32)
	if err != nil {
		r.err = errJSON
		return utf8.RuneError
	}
	r.i += 4
	return rune(n)
}

// writeJSON encodes a tree. It leaves out what json_deserialize_sql reads
// as a default when absent (query locations, empty aliases, nulls): the
// deparser's time grows with the size of its input.
func writeJSON(v any) ([]byte, error) {
	b := make([]byte, 0, 16<<10)
	var err error
	var w func(v any)
	w = func(v any) {
		switch v := v.(type) {
		case nil:
			b = append(b, "null"...)
		case bool:
			b = strconv.AppendBool(b, v)
		case string:
			b = appendString(b, v)
		case json.Number:
			b = append(b, v...)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case obj:
			b = append(b, '{')
			first := true
			for k, e := range v {
				if e == nil || k == "query_location" || k == "alias" && e == "" {
					continue
				}
				if !first {
					b = append(b, ',')
				}
				first = false
				b = appendString(b, k)
				b = append(b, ':')
				w(e)
			}
			b = append(b, '}')
		case []any:
			b = append(b, '[')
			for i, e := range v {
				if i > 0 {
					b = append(b, ',')
				}
				w(e)
			}
			b = append(b, ']')
		default:
			err = errors.New("query: unexpected value in a parse tree")
		}
	}
	w(v)
	return b, err
}

func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
