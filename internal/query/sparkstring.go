package query

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Spark SQL string literals: '...' with backslash escapes (Spark's
// SparkParserUtils.unescapeSQLString), and a doubled quote as a quote (as
// in standard SQL and Clean Rooms SQL). DuckDB reads backslashes as
// themselves, so the text pass decodes each literal and writes its value
// back as a standard literal.

// sparkLiteral reads the Spark literal whose opening quote is at text[i]
// and returns its standard SQL literal and the offset just past its
// closing quote. A literal without backslashes is already standard.
func sparkLiteral(text string, i int) (string, int, error) {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			v, end, err := sparkString(text, i)
			if err != nil {
				return "", 0, err
			}
			lit, err := standardLiteral(v)
			return lit, end, err
		case '\'':
			if j+1 < len(text) && text[j+1] == '\'' {
				j++
				continue
			}
			if strings.IndexByte(text[i:j], 0) >= 0 {
				return "", 0, errNUL
			}
			return text[i : j+1], j + 1, nil
		}
	}
	return "", 0, refusef("the query has an unterminated quote at offset %d", i)
}

// sparkString reads the literal whose opening quote is at text[i] and
// returns its value and the offset just past its closing quote.
func sparkString(text string, i int) (string, int, error) {
	var b strings.Builder
	var units []uint16 // a run of \uXXXX escapes, decoded together (surrogate pairs)
	endUnits := func() error {
		if len(units) == 0 {
			return nil
		}
		for _, r := range utf16.Decode(units) {
			if r == utf8.RuneError {
				return refusef("a string literal has a \\u escape that is half of a surrogate pair")
			}
			b.WriteRune(r)
		}
		units = units[:0]
		return nil
	}
	for j := i + 1; j < len(text); {
		c := text[j]
		if c == '\'' {
			if j+1 < len(text) && text[j+1] == '\'' {
				if err := endUnits(); err != nil {
					return "", 0, err
				}
				b.WriteByte('\'')
				j += 2
				continue
			}
			if err := endUnits(); err != nil {
				return "", 0, err
			}
			return b.String(), j + 1, nil
		}
		if c != '\\' || j+1 >= len(text) {
			if err := endUnits(); err != nil {
				return "", 0, err
			}
			b.WriteByte(c)
			j++
			continue
		}
		e := text[j+1]
		if e == 'u' && j+6 <= len(text) && isHex(text[j+2:j+6]) {
			u, _ := strconv.ParseUint(text[j+2:j+6], 16, 16)
			units = append(units, uint16(u))
			j += 6
			continue
		}
		if err := endUnits(); err != nil {
			return "", 0, err
		}
		switch {
		case e == 'U' && j+10 <= len(text) && isHex(text[j+2:j+10]):
			u, _ := strconv.ParseUint(text[j+2:j+10], 16, 32)
			if u > utf8.MaxRune || 0xD800 <= u && u < 0xE000 {
				return "", 0, refusef("a string literal has a \\U escape that is not a Unicode character")
			}
			b.WriteRune(rune(u))
			j += 10
		case j+4 <= len(text) && (e == '0' || e == '1') && isOctal(text[j+2]) && isOctal(text[j+3]):
			u, _ := strconv.ParseUint(text[j+1:j+4], 8, 8)
			b.WriteByte(byte(u)) // at most 0177: ASCII
			j += 4
		default:
			switch e {
			case '0':
				b.WriteByte(0)
			case 'b':
				b.WriteByte('\b')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'Z':
				b.WriteByte(0x1A)
			case '%', '_':
				// Spark keeps these escaped, for LIKE patterns.
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				// \' \" \\ and any other character: the character itself.
				_, size := utf8.DecodeRuneInString(text[j+1:])
				b.WriteString(text[j+1 : j+1+size])
				j += 1 + size
				continue
			}
			j += 2
		}
	}
	return "", 0, refusef("the query has an unterminated quote at offset %d", i)
}

// standardLiteral is the standard SQL literal of a string value (quotes
// doubled, backslashes as themselves). DuckDB cannot hold a NUL in a
// literal of the query text, so one is refused.
func standardLiteral(v string) (string, error) {
	if strings.IndexByte(v, 0) >= 0 {
		return "", errNUL
	}
	return quote(v), nil
}

var errNUL = refusef("a string literal holds a NUL character, which is not supported")

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }
