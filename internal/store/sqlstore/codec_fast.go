package sqlstore

import (
	"database/sql"
	"strconv"
	"unicode/utf8"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Fast paths for the two JSON columns every membership and member read
// decodes: string lists (abilities, regions, change types) and payment
// configurations. encoding/json spends ≈ 6 allocations and a reflective
// walk on each, and a GetMembership decodes four of them (issue 10). Both
// values are written by json.Marshal, so what is stored has one shape: no
// whitespace, and, for these values, no escapes. The fast paths accept
// exactly that shape and report false on anything else (an escape, a
// null, an unknown key, whitespace an operator's SQL put there), which is
// then decoded by encoding/json: the result is always what json.Unmarshal
// gives, which FuzzFastJSON checks.

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
	n := 0
	for i := 1; ; {
		if s[i] != '"' {
			return nil, false
		}
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if c := s[j]; c == '\\' || c < 0x20 {
				return nil, false
			}
			j++
		}
		if j >= len(s)-1 {
			return nil, false
		}
		n++
		switch s[j+1] {
		case ']':
			if j+2 != len(s) {
				return nil, false
			}
		case ',':
			i = j + 2
			continue
		default:
			return nil, false
		}
		break
	}
	out := make([]string, 0, n)
	for i := 1; len(out) < n; {
		j := i + 1
		for s[j] != '"' {
			j++
		}
		out = append(out, s[i+1:j])
		i = j + 2
	}
	return out, true
}

// paymentFast decodes {"queryCompute":true,"jobCompute":false,…} whose
// keys are PaymentConfig's and whose values are true or false.
func paymentFast(s string, p *cleanrooms.PaymentConfig) bool {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	var out cleanrooms.PaymentConfig
	var opt *[4]bool // the optional fields' values, in one allocation
	set := func(k int, v bool) *bool {
		if opt == nil {
			opt = new([4]bool)
		}
		opt[k] = v
		return &opt[k]
	}
	if len(s) > 2 {
		for i := 1; ; {
			if s[i] != '"' {
				return false
			}
			j := i + 1
			for j < len(s) && s[j] != '"' {
				j++
			}
			if j+1 >= len(s) || s[j+1] != ':' {
				return false
			}
			key := s[i+1 : j]
			var v bool
			rest := s[j+2:]
			switch {
			case len(rest) >= 4 && rest[:4] == "true":
				v, i = true, j+6
			case len(rest) >= 5 && rest[:5] == "false":
				v, i = false, j+7
			default:
				return false
			}
			switch key {
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
			if i >= len(s) {
				return false
			}
			if s[i] == '}' {
				if i != len(s)-1 {
					return false
				}
				break
			}
			if s[i] != ',' {
				return false
			}
			i++
		}
	}
	*p = out
	return true
}

// paymentValue decodes a stored payment configuration.
func paymentValue(s string, p *cleanrooms.PaymentConfig) error {
	if paymentFast(s, p) {
		return nil
	}
	*p = cleanrooms.PaymentConfig{}
	return jsonValue(s, p)
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

// jscan reads the JSON that json.Marshal writes for the stored result
// configurations: objects, strings without escapes, true and false.
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
// is refused: encoding/json merges a repeated object into the first.
func (p *jscan) object(field func(key string) bool) bool {
	if !p.lit('{') {
		return false
	}
	if p.lit('}') {
		return true
	}
	for {
		k, ok := p.str()
		if !ok || !p.lit(':') || !field(k) {
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

// resultConfigFast decodes {"s3":{…},"roleArn":"…"}, the shape of both
// ResultConfig and JobResultConfig.
func resultConfigFast(s string) (s3 *cleanrooms.S3Output, roleArn string, ok bool) {
	if !utf8.ValidString(s) {
		return nil, "", false
	}
	p := jscan{s: s}
	var seen uint8
	once := func(bit uint8) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	ok = p.object(func(k string) bool {
		var ok bool
		switch k {
		case "roleArn":
			if !once(1) {
				return false
			}
			roleArn, ok = p.str()
			return ok
		case "s3":
			if !once(2) {
				return false
			}
			// The destination and its optional values in one allocation.
			box := new(struct {
				o      cleanrooms.S3Output
				prefix string
				single bool
			})
			s3 = &box.o
			return p.object(func(k string) bool {
				switch k {
				case "bucket":
					if !once(4) {
						return false
					}
					box.o.Bucket, ok = p.str()
				case "keyPrefix":
					if !once(8) {
						return false
					}
					box.prefix, ok = p.str()
					box.o.KeyPrefix = &box.prefix
				case "resultFormat":
					if !once(16) {
						return false
					}
					box.o.ResultFormat, ok = p.str()
				case "singleFileOutput":
					if !once(32) {
						return false
					}
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
	return s3, roleArn, ok && p.i == len(s)
}

func resultConfigValue(v sql.NullString) (*cleanrooms.ResultConfig, error) {
	if v.Valid {
		if s3, role, ok := resultConfigFast(v.String); ok {
			return &cleanrooms.ResultConfig{S3: s3, RoleArn: role}, nil
		}
	}
	return jsonPtrValue[cleanrooms.ResultConfig](v)
}

func jobResultConfigValue(v sql.NullString) (*cleanrooms.JobResultConfig, error) {
	if v.Valid {
		if s3, role, ok := resultConfigFast(v.String); ok {
			return &cleanrooms.JobResultConfig{S3: s3, RoleArn: role}, nil
		}
	}
	return jsonPtrValue[cleanrooms.JobResultConfig](v)
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
