package query

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func stdDecode(t *testing.T, s string) (any, error) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func TestJSONTree(t *testing.T) {
	for _, s := range []string{
		`{}`, `{"a":[]}`, `{"a":[1,-2.5e3,true,false,null,"x"],"b":{"c":""}}`,
		`{"s":"quote \" backslash \\ slash \/ nl \n tab \t u \u00e9 \ud83d\ude00 ctl \u0001"}`,
		`{"n":18446744073709551615, "m": -0, "query_location": 3, "alias": "", "z": null}`, " { \"k\" : [ { } , [ ] ] } ",
		`{"é":"日本"}`,
	} {
		want, err := stdDecode(t, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got, err := readJSON([]byte(s))
		if err != nil {
			t.Fatalf("readJSON(%s): %v", s, err)
		}
		if d := cmp.Diff(want, any(got)); d != "" {
			t.Errorf("readJSON(%s) (-encoding/json +got):\n%s", s, d)
		}
		out, err := writeJSON(got)
		if err != nil {
			t.Fatal(err)
		}
		back, err := stdDecode(t, string(out))
		if err != nil || !cmp.Equal(dropDefaults(want), back) {
			t.Errorf("writeJSON(%s) = %s, reads back as %v, %v", s, out, back, err)
		}
	}
	for _, s := range []string{``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":"x`, `{"a":tru}`, `{"a":1} x`, `{"a":"\q"}`, `{"a":--1}`} {
		if _, err := readJSON([]byte(s)); err == nil {
			t.Errorf("readJSON(%q) accepted", s)
		}
	}
}

func FuzzJSONTree(f *testing.F) {
	f.Add(`{"a":[1,"x",{"b":null}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := readJSON([]byte(s))
		if err != nil {
			return
		}
		out, err := writeJSON(got)
		if err != nil {
			t.Fatal(err)
		}
		again, err := readJSON(out)
		if err != nil || !cmp.Equal(dropDefaults(got), any(again)) {
			t.Errorf("round trip of %q: %s, %v", s, out, err)
		}
	})
}

// dropDefaults removes what writeJSON leaves out: null members, empty
// aliases and query locations.
func dropDefaults(v any) any {
	switch v := v.(type) {
	case obj:
		out := obj{}
		for k, e := range v {
			if e == nil || k == "query_location" || k == "alias" && e == "" {
				continue
			}
			out[k] = dropDefaults(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = dropDefaults(e)
		}
		return out
	}
	return v
}
