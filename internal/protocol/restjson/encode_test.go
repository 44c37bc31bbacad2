package restjson_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
)

// The generated encoders (api's AppendJSON) must write every output
// byte for byte as encoding/json.Marshal does: the handler sends theirs.

var appenderType = reflect.TypeFor[api.JSONAppender]()

// outputTypes are the output structures of every operation of api.Service.
func outputTypes(t *testing.T) []reflect.Type {
	t.Helper()
	st := reflect.TypeFor[api.Service]()
	var out []reflect.Type
	for i := range st.NumMethod() {
		m := st.Method(i).Type
		if m.NumOut() != 2 || m.Out(0).Kind() != reflect.Pointer {
			t.Fatalf("%s: unexpected signature %s", st.Method(i).Name, m)
		}
		out = append(out, m.Out(0).Elem())
	}
	if len(out) == 0 {
		t.Fatal("api.Service has no methods")
	}
	return out
}

// Every structure an output reaches has a generated encoder (else a
// nested value would go unencoded).
func TestEveryOutputStructureHasAnEncoder(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		if seen[ty] {
			return
		}
		seen[ty] = true
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			walk(ty.Elem())
		case reflect.Struct:
			if ty == timestampType {
				return
			}
			if !reflect.PointerTo(ty).Implements(appenderType) {
				t.Errorf("%s has no AppendJSON", ty)
			}
			for i := range ty.NumField() {
				if f := ty.Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
					walk(f.Type)
				}
			}
		}
	}
	for _, ty := range outputTypes(t) {
		walk(ty)
	}
}

// hostileStrings are written into every string (enums included: the
// encoder does not look at values) by the "hostile" variant: HTML
// characters, escapes, control bytes, invalid UTF-8, U+2028/9.
var hostileStrings = []string{
	"<a href=\"x\">&amp;</a>",
	"back\\slash \"quoted\"\b\f\n\r\t\x00\x01\x1f\x7f",
	"invalid \xff\xfe utf-8 \xe2\x82 cut",
	"line\u2028para\u2029 é ✓ 𝄞",
	"",
}

var hostileFloats = []float64{0, math.Copysign(0, -1), 1e-7, 1.5e-10, 1e21, 123456789.125, -2.5e300, 1e20, 0.000001, 3.4028234663852886e38}

// hostile rewrites v in place: strings, floats and times to the samples
// above (cycled by *n), every other member cleared when sparse.
func hostile(v reflect.Value, n *int, sparse bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			hostile(v.Elem(), n, sparse)
		}
	case reflect.Struct:
		if v.Type() == timestampType {
			*n++
			times := []time.Time{time.UnixMilli(-1500), time.UnixMilli(1732000000120), time.Unix(0, 0), time.UnixMilli(1732000000001)}
			v.Set(reflect.ValueOf(api.Timestamp{Time: times[*n%len(times)]}))
			return
		}
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			*n++
			if sparse && *n%2 == 0 {
				v.Field(i).SetZero()
				continue
			}
			hostile(v.Field(i), n, sparse)
		}
	case reflect.Slice:
		if v.Type() == rawJSONType {
			*n++
			docs := []string{"{\"a\" : [1, 2.50, \"<&>\"],\n \"b\": null}", `"x\u2028y"`, `[]`, `  true `}
			v.SetBytes([]byte(docs[*n%len(docs)]))
			return
		}
		for i := range v.Len() {
			hostile(v.Index(i), n, sparse)
		}
		if sparse && v.Len() > 1 {
			// A nil element where elements are collections.
			if k := v.Type().Elem().Kind(); k == reflect.Slice || k == reflect.Map {
				v.Index(0).SetZero()
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		type kv struct{ k, v reflect.Value }
		var entries []kv
		for iter.Next() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(iter.Value())
			hostile(e, n, sparse)
			entries = append(entries, kv{iter.Key(), e})
		}
		for i, e := range entries {
			v.SetMapIndex(e.k, e.v)
			if i == 0 {
				// A key that needs escaping, sorted before the others.
				k := reflect.New(v.Type().Key()).Elem()
				k.SetString("<&\u2028key")
				v.SetMapIndex(k, e.v)
			}
		}
	case reflect.String:
		*n++
		v.SetString(hostileStrings[*n%len(hostileStrings)])
	case reflect.Float32, reflect.Float64:
		*n++
		f := hostileFloats[*n%len(hostileFloats)]
		if v.Kind() == reflect.Float32 && math.Abs(f) > math.MaxFloat32 {
			f = 1e-7
		}
		v.SetFloat(f)
	case reflect.Int32, reflect.Int64:
		*n++
		v.SetInt([]int64{0, -1, math.MaxInt32, math.MinInt32}[*n%4])
	case reflect.Bool:
		*n++
		v.SetBool(*n%2 == 0)
	}
}

func TestGeneratedEncodersMatchEncodingJSON(t *testing.T) {
	compare := func(t *testing.T, name string, v any) {
		t.Helper()
		want, werr := json.Marshal(v)
		got, gerr := v.(api.JSONAppender).AppendJSON([]byte("prefix"))
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%s: json.Marshal error %v, AppendJSON error %v", name, werr, gerr)
		}
		if werr != nil {
			return
		}
		if !bytes.HasPrefix(got, []byte("prefix")) {
			t.Fatalf("%s: AppendJSON did not append", name)
		}
		if got = got[len("prefix"):]; !bytes.Equal(got, want) {
			t.Errorf("%s: AppendJSON differs from json.Marshal\n got: %s\nwant: %s", name, got, want)
		}
	}
	compared := 0
	for _, ty := range outputTypes(t) {
		t.Run(ty.Name(), func(t *testing.T) {
			compare(t, "empty", reflect.New(ty).Interface())
			// Every union member is filled by some variant.
			for variant := 0; ; variant++ {
				f := newFiller(variant)
				v := f.fillNew(ty)
				if len(f.errs) > 0 {
					t.Fatalf("filler: %v", f.errs)
				}
				compare(t, "filled", v)
				for _, sparse := range []bool{false, true} {
					h := f.fillNew(ty)
					n := variant
					hostile(reflect.ValueOf(h), &n, sparse)
					compare(t, "hostile", h)
				}
				compared++
				if variant+1 >= f.maxArity {
					break
				}
			}
		})
	}
	if compared == 0 {
		t.Fatal("nothing compared")
	}
}

// poison sets every float of v to NaN and every document to invalid JSON.
func poison(v reflect.Value, floats bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			poison(v.Elem(), floats)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				poison(v.Field(i), floats)
			}
		}
	case reflect.Slice:
		if v.Type() == rawJSONType {
			if !floats {
				v.SetBytes([]byte(`{"a":`))
			}
			return
		}
		for i := range v.Len() {
			poison(v.Index(i), floats)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(iter.Value())
			poison(e, floats)
			v.SetMapIndex(iter.Key(), e)
		}
	case reflect.Float32, reflect.Float64:
		if floats {
			v.SetFloat(math.NaN())
		}
	}
}

// The encoders fail where encoding/json does (the handler then answers
// with encoding/json's error): non-finite floats, invalid documents.
func TestGeneratedEncodersRefuseWhatEncodingJSONRefuses(t *testing.T) {
	refused := map[bool]int{}
	for _, ty := range outputTypes(t) {
		for _, floats := range []bool{true, false} {
			v := newFiller(0).fillNew(ty)
			poison(reflect.ValueOf(v), floats)
			_, werr := json.Marshal(v)
			_, gerr := v.(api.JSONAppender).AppendJSON(nil)
			if (werr != nil) != (gerr != nil) {
				t.Errorf("%s: json.Marshal error %v, AppendJSON error %v", ty.Name(), werr, gerr)
			}
			if werr != nil {
				refused[floats]++
			}
		}
	}
	if refused[true] == 0 || refused[false] == 0 {
		t.Errorf("no output refused for NaN (%d) or an invalid document (%d): the test checks nothing", refused[true], refused[false])
	}
}
