package restjson

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unsafe"
)

// AWS matches JSON keys to member names exactly, but encoding/json also
// binds a key that differs only in case ("NAME" to name) when no exact key
// is present. blankFoldedKeys finds such keys with one pass over the bytes
// along the Go type t and overwrites each in place with spaces of the same
// length ("NAME" → "    "), which no member is named, so encoding/json
// ignores it like any other unknown key. The length is kept, so offsets in
// later decode errors still point into the client's body.
//
// The scan allocates nothing for a body without escaped keys (every SDK
// request): it never builds the document, so its cost does not grow with
// nesting (issue 11: a generic decode of `{"zz":[[],[],...]}` cost ~40
// bytes of heap per body byte). It also refuses what encoding/json would
// silently rewrite to U+FFFD: an unpaired UTF-16 surrogate escape
// ("\ud800"). Syntax errors are left to encoding/json, which reports them.
func blankFoldedKeys(body []byte, t reflect.Type) error {
	s := &keyScanner{b: body}
	err := s.value(t, 0)
	if errors.Is(err, errSurrogate) {
		return err
	}
	return nil
}

// errSurrogate is the one failure the scan reports itself.
var errSurrogate = errors.New("unpaired UTF-16 surrogate escape")

// errSyntax stops the scan; encoding/json then names the problem.
var errSyntax = errors.New("syntax")

// maxScanDepth matches encoding/json's nesting limit.
const maxScanDepth = 10000

type keyScanner struct {
	b []byte
	i int
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func (s *keyScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value scans one JSON value that encoding/json would decode into t (nil:
// a value that is skipped, so only its strings are checked).
func (s *keyScanner) value(t reflect.Type, depth int) error {
	if depth > maxScanDepth {
		return errSyntax
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType)) {
		t = nil
	}
	s.ws()
	if s.i >= len(s.b) {
		return errSyntax
	}
	switch s.b[s.i] {
	case '{':
		var fields *fieldSet
		var elem reflect.Type
		if t != nil {
			switch t.Kind() {
			case reflect.Struct:
				fields = jsonFields(t)
			case reflect.Map:
				elem = t.Elem()
			}
		}
		return s.object(fields, elem, depth)
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		return s.array(elem, depth)
	case '"':
		_, _, err := s.str()
		return err
	default:
		// A number, true, false or null: runs to the next delimiter.
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', ']', '}', ' ', '\t', '\r', '\n':
				return nil
			}
			s.i++
		}
		return nil
	}
}

func (s *keyScanner) object(fields *fieldSet, elem reflect.Type, depth int) error {
	s.i++ // '{'
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return errSyntax
		}
		start := s.i
		key, escaped, err := s.str()
		if err != nil {
			return err
		}
		child := elem
		if fields != nil {
			child = nil
			name := key
			if escaped {
				// A variable of its own: &name would move name, and so
				// every key, to the heap.
				var unescaped string
				if err := json.Unmarshal(s.b[start:s.i], &unescaped); err != nil {
					return errSyntax
				}
				name = unescaped
			}
			if ft, ok := fields.exact[name]; ok {
				child = ft
			} else if fields.folds(name) {
				for j := start + 1; j < s.i-1; j++ {
					s.b[j] = ' '
				}
			}
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return errSyntax
		}
		s.i++
		if err := s.value(child, depth+1); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return errSyntax
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errSyntax
		}
	}
}

func (s *keyScanner) array(elem reflect.Type, depth int) error {
	s.i++ // '['
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		if err := s.value(elem, depth+1); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return errSyntax
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// str scans a string starting at its opening quote. It returns the raw
// contents (a string header over the body when unescaped, which the Go
// compiler does not copy for a map lookup) and whether it held escapes, and
// refuses unpaired surrogate escapes.
func (s *keyScanner) str() (string, bool, error) {
	s.i++ // '"'
	start := s.i
	escaped := false
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case '"':
			raw := s.b[start:s.i]
			s.i++
			if escaped {
				return "", true, nil
			}
			return unsafeString(raw), false, nil
		case '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return "", false, errSyntax
			}
			if s.b[s.i+1] != 'u' {
				s.i += 2
				continue
			}
			r, ok := s.hex4(s.i + 2)
			if !ok {
				return "", false, errSyntax
			}
			s.i += 6
			switch {
			case utf16.IsSurrogate(r) && r < 0xDC00:
				// A high surrogate must be followed by a low one.
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					if lo, ok := s.hex4(s.i + 2); ok && lo >= 0xDC00 && lo <= 0xDFFF {
						s.i += 6
						continue
					}
				}
				return "", false, errSurrogate
			case utf16.IsSurrogate(r):
				return "", false, errSurrogate
			}
		default:
			s.i++
		}
	}
	return "", false, errSyntax
}

func (s *keyScanner) hex4(at int) (rune, bool) {
	if at+4 > len(s.b) {
		return 0, false
	}
	n, err := strconv.ParseUint(unsafeString(s.b[at:at+4]), 16, 16)
	return rune(n), err == nil
}

// unsafeString views b as a string without copying; b must outlive it and
// not change while it is used (the scan only blanks keys it has finished
// comparing).
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

type fieldSet struct {
	exact map[string]reflect.Type
	names []string
}

// folds reports whether key matches a member name only case-insensitively
// (as encoding/json would bind it).
func (fs *fieldSet) folds(key string) bool {
	for _, n := range fs.names {
		if strings.EqualFold(n, key) {
			return true
		}
	}
	return false
}

var fieldCache sync.Map // reflect.Type → *fieldSet

func jsonFields(t reflect.Type) *fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{exact: map[string]reflect.Type{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fs.exact[name] = f.Type
		fs.names = append(fs.names, name)
	}
	fieldCache.Store(t, fs)
	return fs
}
