package restjson

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// AWS matches JSON keys to member names exactly, but encoding/json also
// binds a key that differs only in case ("NAME" to name) when no exact key
// is present. dropFoldedKeys finds such keys in a decoded body and removes
// them, so that they are ignored like any other unknown key. It returns the
// body unchanged (and false) when there are none, which is the case for
// every SDK request; only then is the cost a generic decode of the body.
func dropFoldedKeys(body []byte, t reflect.Type) ([]byte, bool) {
	var tree any
	if err := json.Unmarshal(body, &tree); err != nil {
		return body, false
	}
	if !prune(tree, t) {
		return body, false
	}
	out, err := json.Marshal(tree)
	if err != nil {
		return body, false
	}
	return out, true
}

// prune walks v (a generic JSON value) along Go type t and deletes object
// keys that only case-fold to a member name. It reports whether it deleted
// any.
func prune(v any, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	changed := false
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		fields := jsonFields(t)
		for k, child := range obj {
			if ft, ok := fields.exact[k]; ok {
				changed = prune(child, ft) || changed
				continue
			}
			if fields.folded[strings.ToLower(k)] {
				delete(obj, k)
				changed = true
			}
		}
	case reflect.Slice:
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				changed = prune(e, t.Elem()) || changed
			}
		}
	case reflect.Map:
		if obj, ok := v.(map[string]any); ok {
			for _, e := range obj {
				changed = prune(e, t.Elem()) || changed
			}
		}
	}
	return changed
}

type fieldSet struct {
	exact  map[string]reflect.Type
	folded map[string]bool
}

var fieldCache sync.Map // reflect.Type → *fieldSet

func jsonFields(t reflect.Type) *fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{exact: map[string]reflect.Type{}, folded: map[string]bool{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fs.exact[name] = f.Type
		fs.folded[strings.ToLower(name)] = true
	}
	fieldCache.Store(t, fs)
	return fs
}
