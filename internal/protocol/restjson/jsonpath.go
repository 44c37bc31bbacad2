package restjson

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// jsonPath names the value of body that ends at offset the way the
// validators name members ("members.1.accountId", "tags.env"), so that a
// wrong JSON type is reported at the same path as any other constraint.
// encoding/json's UnmarshalTypeError.Field has no list indices or map
// keys, hence this walk. It returns "" if offset is not at a value.
func jsonPath(body []byte, offset int64) string {
	type frame struct {
		seg, key       string
		array, wantKey bool
		n              int
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []*frame
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		end := dec.InputOffset()
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		var seg string
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			switch {
			case !top.array && top.wantKey:
				top.key, top.wantKey = tok.(string), false
				continue
			case top.array:
				seg = strconv.Itoa(top.n)
				top.n++
			default:
				seg = top.key
				top.wantKey = true
			}
		}
		if start < offset && offset <= end {
			var parts []string
			for _, f := range stack[min(1, len(stack)):] {
				parts = append(parts, f.seg)
			}
			return strings.Join(append(parts, seg), ".")
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{seg: seg, array: d == '[', wantKey: d == '{'})
		}
	}
}
