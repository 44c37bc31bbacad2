package api

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// The runtime of the generated JSON encoders (encode_gen.go): each output
// structure has an AppendJSON that writes exactly what encoding/json.Marshal
// writes for it (same member order, omitempty, HTML escaping, float
// format), without reflection. internal/protocol/restjson proves the
// identity for every output shape.

// JSONAppender is a value with a generated encoder.
type JSONAppender interface {
	// AppendJSON appends the value's JSON to b. On error (a value
	// encoding/json refuses: a non-finite float, an invalid document) the
	// caller falls back to encoding/json.Marshal for its error.
	AppendJSON(b []byte) ([]byte, error)
}

const hexDigits = "0123456789abcdef"

// htmlSafe reports whether an ASCII byte is written as is inside a JSON
// string by encoding/json with HTML escaping (its htmlSafeSet).
func htmlSafe(c byte) bool {
	return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// appendJSONString is encoding/json's appendString with escapeHTML set.
func appendJSONString(dst []byte, src string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(src); {
		if c := src[i]; c < utf8.RuneSelf {
			if htmlSafe(c) {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, src[start:]...)
	return append(dst, '"')
}

// appendJSONFloat is encoding/json's float encoding (ES6 number format);
// bits is 32 or 64.
func appendJSONFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, bits))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-09 → e-9, as encoding/json writes it.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendJSONDocument writes a document as encoding/json does (validated,
// compacted, HTML-escaped; nil is null): documents are rare and free-form,
// so encoding/json itself does it.
func appendJSONDocument(b []byte, d Document) ([]byte, error) {
	out, err := json.Marshal(d)
	if err != nil {
		return b, err
	}
	return append(b, out...), nil
}

// AppendJSON appends t as MarshalJSON writes it.
func (t Timestamp) AppendJSON(buf []byte) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		buf = append(buf, '-')
		ms = -ms
	}
	buf = strconv.AppendInt(buf, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		buf = append(buf, '.')
		buf = append(buf, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
		for buf[len(buf)-1] == '0' {
			buf = buf[:len(buf)-1]
		}
	}
	return buf
}
