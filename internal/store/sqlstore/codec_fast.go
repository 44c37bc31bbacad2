package sqlstore

import (
	"database/sql"
	"strconv"
	"unicode/utf8"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Fast paths for the JSON columns every membership and member read
// decodes (string lists: abilities, regions, change types; payment
// configurations; result configurations) and, below, for the ones every
// write of them encodes. encoding/json spends ≈ 6 allocations and a
// reflective walk on each, and a GetMembership decodes four or more
// (issue 10). The values are written by json.Marshal, so what is stored
// has one shape: no whitespace and, for these values, no escapes. The
// decoders accept exactly that shape and report false on anything else
// (an escape, a null, an unknown or repeated key, whitespace an operator's
// SQL put there), which is then decoded by encoding/json: the result is
// always what json.Unmarshal gives, which FuzzFastJSON checks.

// stringsFast decodes ["a","b",…] whose strings hold no '\\'. The strings
// share s's memory.
func stringsFast(s string) ([]string, bool) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' || !utf8.ValidString(s) {
		// json.Unmarshal turns invalid UTF-8 into U+FFFD.
		return nil, false
	}
	if len(s) == 2 {
		return []string{}, true
	}
	// First pass: validate and count, so the slice is allocated once.
	p := jscan{s: s, i: 1}
	n := 0
	for {
		if _, ok := p.str(); !ok {
			return nil, false
		}
		n++
		if p.lit(',') {
			continue
		}
		if !p.lit(']') || p.i != len(s) {
			return nil, false
		}
		break
	}
	out := make([]string, 0, n)
	p.i = 1
	for range n {
		v, _ := p.str()
		out = append(out, v)
		p.i++ // ',' or ']'
	}
	return out, true
}

func stringsValue(v sql.NullString) ([]string, error) {
	if !v.Valid {
		return nil, nil
	}
	if s, ok := stringsFast(v.String); ok {
		return s, nil
	}
	s := []string{} // "[]" must come back non-nil
	err := jsonValue(v.String, &s)
	return s, err
}

// jscan reads the JSON that json.Marshal writes for these values: objects,
// arrays of strings, strings without escapes, true and false.
type jscan struct {
	s string
	i int
}

func (p *jscan) lit(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jscan) str() (string, bool) {
	if !p.lit('"') {
		return "", false
	}
	j := p.i
	for j < len(p.s) && p.s[j] != '"' {
		if c := p.s[j]; c == '\\' || c < 0x20 {
			return "", false
		}
		j++
	}
	if j == len(p.s) {
		return "", false
	}
	v := p.s[p.i:j]
	p.i = j + 1
	return v, true
}

func (p *jscan) boolean() (bool, bool) {
	rest := p.s[p.i:]
	switch {
	case len(rest) >= 4 && rest[:4] == "true":
		p.i += 4
		return true, true
	case len(rest) >= 5 && rest[:5] == "false":
		p.i += 5
		return false, true
	}
	return false, false
}

// object reads {"key":value,…}, field reading each value. A key seen twice
// is refused (encoding/json merges a repeated object into the first), and
// so is an object of more keys than any stored value has.
func (p *jscan) object(field func(key string) bool) bool {
	if !p.lit('{') {
		return false
	}
	if p.lit('}') {
		return true
	}
	var seen [8]string
	n := 0
	for {
		k, ok := p.str()
		if !ok || n == len(seen) || !p.lit(':') {
			return false
		}
		for _, s := range seen[:n] {
			if s == k {
				return false
			}
		}
		seen[n] = k
		n++
		if !field(k) {
			return false
		}
		if p.lit('}') {
			return true
		}
		if !p.lit(',') {
			return false
		}
	}
}

// fullObject reads all of p.s as one object, field reading each value (see
// object); p.s must be valid UTF-8, since json.Unmarshal turns invalid UTF-8
// into U+FFFD. (A method taking the field function, not a helper taking a
// reader of p, so that p stays on the stack.)
func (p *jscan) fullObject(field func(key string) bool) bool {
	return utf8.ValidString(p.s) && p.object(field) && p.i == len(p.s)
}

// paymentFast decodes {"queryCompute":true,"jobCompute":false,…} whose
// keys are PaymentConfig's.
func paymentFast(s string, p *cleanrooms.PaymentConfig) bool {
	var out cleanrooms.PaymentConfig
	var opt *[4]bool // the optional fields' values, in one allocation
	set := func(i int, v bool) *bool {
		if opt == nil {
			opt = new([4]bool)
		}
		opt[i] = v
		return &opt[i]
	}
	sc := jscan{s: s}
	ok := sc.fullObject(func(k string) bool {
		v, ok := sc.boolean()
		switch k {
		case "queryCompute":
			out.QueryCompute = v
		case "jobCompute":
			out.JobCompute = set(0, v)
		case "modelTraining":
			out.ModelTraining = set(1, v)
		case "modelInference":
			out.ModelInference = set(2, v)
		case "syntheticDataGeneration":
			out.SyntheticDataGeneration = set(3, v)
		default: // json.Unmarshal matches keys case-insensitively
			return false
		}
		return ok
	})
	if ok {
		*p = out
	}
	return ok
}

// paymentValue decodes a stored payment configuration.
func paymentValue(s string, p *cleanrooms.PaymentConfig) error {
	if paymentFast(s, p) {
		return nil
	}
	*p = cleanrooms.PaymentConfig{}
	return jsonValue(s, p)
}

// resultConfigFast decodes {"s3":{…},"roleArn":"…"}, the shape of both
// ResultConfig and JobResultConfig.
func resultConfigFast(s string) (cleanrooms.ResultConfig, bool) {
	var out cleanrooms.ResultConfig
	p := jscan{s: s}
	ok := p.fullObject(func(k string) bool {
		var ok bool
		switch k {
		case "roleArn":
			out.RoleArn, ok = p.str()
			return ok
		case "s3":
			// The destination and its optional values in one allocation.
			box := new(struct {
				o      cleanrooms.S3Output
				prefix string
				single bool
			})
			out.S3 = &box.o
			return p.object(func(k string) bool {
				switch k {
				case "bucket":
					box.o.Bucket, ok = p.str()
				case "keyPrefix":
					box.prefix, ok = p.str()
					box.o.KeyPrefix = &box.prefix
				case "resultFormat":
					box.o.ResultFormat, ok = p.str()
				case "singleFileOutput":
					box.single, ok = p.boolean()
					box.o.SingleFileOutput = &box.single
				default:
					return false
				}
				return ok
			})
		}
		return false
	})
	return out, ok
}

// resultConfigValue decodes a stored ResultConfig or JobResultConfig (the
// same struct, and so the same JSON).
func resultConfigValue[T cleanrooms.ResultConfig | cleanrooms.JobResultConfig](v sql.NullString) (*T, error) {
	if v.Valid {
		if c, ok := resultConfigFast(v.String); ok {
			t := T(c)
			return &t, nil
		}
	}
	return jsonPtrValue[T](v)
}

// The encoders write what json.Marshal writes, without its reflection,
// for the values every CreateCollaboration and CreateMembership stores
// several of (abilities and payments per member), inside the write lock.

// jsonPlain reports whether json.Marshal writes s as is between quotes:
// printable ASCII other than '"', '\\' and the HTML characters it escapes.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// stringsParamFast encodes s when every string is jsonPlain.
func stringsParamFast(s []string) (string, bool) {
	n := 2
	for _, v := range s {
		if !jsonPlain(v) {
			return "", false
		}
		n += len(v) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, v...)
		b = append(b, '"')
	}
	b = append(b, ']')
	return string(b), true
}

// paymentParam encodes a payment configuration: its fields in declaration
// order, the optional ones omitted when nil, as json.Marshal does.
func paymentParam(p cleanrooms.PaymentConfig) string {
	b := make([]byte, 0, 128)
	b = append(b, `{"queryCompute":`...)
	b = strconv.AppendBool(b, p.QueryCompute)
	for _, f := range [...]struct {
		key string
		v   *bool
	}{
		{`,"jobCompute":`, p.JobCompute},
		{`,"modelTraining":`, p.ModelTraining},
		{`,"modelInference":`, p.ModelInference},
		{`,"syntheticDataGeneration":`, p.SyntheticDataGeneration},
	} {
		if f.v != nil {
			b = append(b, f.key...)
			b = strconv.AppendBool(b, *f.v)
		}
	}
	return string(append(b, '}'))
}
