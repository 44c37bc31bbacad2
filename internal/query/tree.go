package query

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The parse tree is handled as decoded JSON (objects as map[string]any,
// numbers as json.Number so that large integers survive a round trip), the
// way json_serialize_sql writes it and json_deserialize_sql reads it back.
// Keeping it generic lets a rewrite change one node and hand the rest back
// untouched, including fields this package never looks at.

type obj = map[string]any

func decodeTree(b []byte) (obj, error) { return readJSON(b) }

func str(o obj, k string) string {
	s, _ := o[k].(string)
	return s
}

func child(o obj, k string) obj {
	c, _ := o[k].(obj)
	return c
}

func list(o obj, k string) []any {
	l, _ := o[k].([]any)
	return l
}

func objs(o obj, k string) []obj {
	l := list(o, k)
	out := make([]obj, 0, len(l))
	for _, e := range l {
		if c, ok := e.(obj); ok {
			out = append(out, c)
		}
	}
	return out
}

func boolean(o obj, k string) bool {
	b, _ := o[k].(bool)
	return b
}

func strs(o obj, k string) []string {
	l := list(o, k)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// parseStatement runs the parser and returns the one statement's query
// node (the "node" of statements[0]).
func parseStatement(tree []byte) (root, node obj, err error) {
	root, err = decodeTree(tree)
	if err != nil {
		return nil, nil, fmt.Errorf("query: the parser returned a tree that is not JSON: %w", err)
	}
	if boolean(root, "error") {
		msg := str(root, "error_message")
		if strings.Contains(msg, "Only SELECT statements") {
			return nil, nil, refusef("only a single SELECT statement is allowed")
		}
		return nil, nil, refusef("the query is not valid SQL: %s", msg)
	}
	stmts := objs(root, "statements")
	if len(stmts) != 1 {
		return nil, nil, refusef("only a single SELECT statement is allowed, the query holds %d statements", len(stmts))
	}
	node = child(stmts[0], "node")
	if node == nil {
		return nil, nil, refusef("only a single SELECT statement is allowed")
	}
	return root, node, nil
}

// constant returns the value of a CONSTANT expression (or of a CAST of
// one, the form typed literals take) and whether e is one.
func constant(e obj) (any, bool) {
	for e != nil && str(e, "class") == "CAST" {
		e = child(e, "child")
	}
	if e == nil || str(e, "class") != "CONSTANT" {
		return nil, false
	}
	v := child(e, "value")
	if v == nil {
		return nil, false
	}
	return v["value"], true
}

// newFunction builds a FUNCTION node; the deparser needs the fields a
// parsed function carries.
func newFunction(name string, distinct bool, args ...obj) obj {
	children := make([]any, len(args))
	for i, a := range args {
		children[i] = a
	}
	return obj{
		"class": "FUNCTION", "type": "FUNCTION", "alias": "", "query_location": json.Number("18446744073709551615"),
		"function_name": name, "schema": "", "catalog": "", "children": children, "filter": nil,
		"order_bys": obj{"type": "ORDER_MODIFIER", "orders": []any{}}, "distinct": distinct,
		"is_operator": false, "export_state": false,
	}
}

func newColumnRef(names ...string) obj {
	l := make([]any, len(names))
	for i, n := range names {
		l[i] = n
	}
	return obj{"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "",
		"query_location": json.Number("18446744073709551615"), "column_names": l}
}

func newConstant(typeID string, v any) obj {
	return obj{"class": "CONSTANT", "type": "VALUE_CONSTANT", "alias": "",
		"query_location": json.Number("18446744073709551615"),
		"value":          obj{"type": obj{"id": typeID, "type_info": nil}, "is_null": false, "value": v}}
}

func newComparison(typ string, l, r obj) obj {
	return obj{"class": "COMPARISON", "type": typ, "alias": "",
		"query_location": json.Number("18446744073709551615"), "left": l, "right": r}
}

func newConjunction(typ string, children ...obj) obj {
	l := make([]any, len(children))
	for i, c := range children {
		l[i] = c
	}
	return obj{"class": "CONJUNCTION", "type": typ, "alias": "",
		"query_location": json.Number("18446744073709551615"), "children": l}
}

func newCast(e obj, typeID string) obj {
	return obj{"class": "CAST", "type": "OPERATOR_CAST", "alias": "",
		"query_location": json.Number("18446744073709551615"), "child": e,
		"cast_type": obj{"id": typeID, "type_info": nil}, "try_cast": false}
}
