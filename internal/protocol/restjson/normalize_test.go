package restjson_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// normalize maps a value of the SDK's types or of ours to a generic tree
// that the two can be compared in:
//   - structures become map[string]any keyed by the lower-cased member name
//     (the SDK spells MlMemberAbilities what we spell MLMemberAbilities),
//     with unset members (nil pointers, nil collections, empty enums)
//     left out and unexported fields (noSmithyDocumentSerde) and the SDK's
//     ResultMetadata ignored;
//   - unions, an SDK interface holding *XMemberY{Value: v} or one of our
//     structures with one member set, become {"y": v};
//   - enums become strings, numbers float64, time.Time and api.Timestamp
//     an RFC 3339 string in UTC with nanoseconds, documents (the SDK's
//     lazy documents, our json.RawMessage) their decoded JSON.
//
// Map keys are data and keep their case.
func normalize(v any) any { return normalizeValue(reflect.ValueOf(v)) }

func normalizeValue(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	t := v.Type()
	switch t {
	case timeType:
		return v.Interface().(time.Time).UTC().Format(time.RFC3339Nano)
	case timestampType:
		return normalizeValue(v.Field(0))
	case rawJSONType:
		if v.IsNil() {
			return nil
		}
		var x any
		if err := json.Unmarshal(v.Bytes(), &x); err != nil {
			return "invalid JSON: " + err.Error()
		}
		return x
	}
	switch t.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		if d, ok := v.Interface().(interface{ UnmarshalSmithyDocument(any) error }); ok && t == sdkDocType {
			var x any
			if err := d.UnmarshalSmithyDocument(&x); err != nil {
				return "invalid document: " + err.Error()
			}
			return x
		}
		concrete := v.Elem() // *XMemberY
		ct := concrete.Type()
		if ct.Kind() == reflect.Pointer {
			ct = ct.Elem()
		}
		if ct.Name() == "UnknownUnionMember" {
			return map[string]any{"unknown union member " + concrete.Elem().FieldByName("Tag").String(): true}
		}
		name := strings.TrimPrefix(ct.Name(), t.Name()+"Member")
		return map[string]any{strings.ToLower(name): normalizeValue(concrete.Elem().FieldByName("Value"))}
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return normalizeValue(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() || sf.Name == "ResultMetadata" {
				continue
			}
			if x := normalizeValue(v.Field(i)); x != nil {
				m[strings.ToLower(sf.Name)] = x
			}
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		s := make([]any, v.Len())
		for i := range s {
			s[i] = normalizeValue(v.Index(i))
		}
		return s
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			m[it.Key().String()] = normalizeValue(it.Value())
		}
		return m
	case reflect.String:
		if v.Len() == 0 && enumValues(t) != nil {
			return nil // an unset enum
		}
		return v.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Bool:
		return v.Bool()
	}
	return "unsupported " + t.String()
}
