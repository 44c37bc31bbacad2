package query

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Spark functions and casts that DuckDB has under the same name but with
// another meaning: trunc of a date, substring's positions, CAST to an
// integral type. Rewritten with the rest of spark.go, after the checks.

// rewriteTrunc: Spark's trunc(date, fmt) truncates a date to the year,
// quarter, month or week (Monday) and returns a DATE; DuckDB's trunc is
// numeric only. A string literal as the second argument is the date form;
// anything else is left to DuckDB's numeric trunc(x[, digits]) (Clean
// Rooms SQL's TRUNC of a number).
func rewriteTrunc(e obj, args []obj) (obj, error) {
	if len(args) != 2 {
		return e, nil
	}
	f, ok := stringConst(args[1])
	if !ok {
		return e, nil
	}
	part := map[string]string{"YEAR": "year", "YYYY": "year", "YY": "year", "QUARTER": "quarter",
		"MONTH": "month", "MM": "month", "MON": "month", "WEEK": "week"}[strings.ToUpper(f)]
	if part == "" {
		// Spark returns NULL for a format it does not know.
		return newCast(newConstantNull(), "DATE"), nil
	}
	return newCast(newFunction("date_trunc", false, newConstant("VARCHAR", part), newCast(args[0], "DATE")), "DATE"), nil
}

// rewriteSubstring: Spark's substring(s, pos[, len]) (substringSQL)
// takes the characters [start, start+len) of s, 0-based, where start is
// pos-1 for a positive pos, length(s)+pos for a negative one and 0 for
// pos 0, then clipped to the string: position 0 reads as 1, a window
// that begins before the string is shortened by what lies before it, and
// a negative length is an empty string. DuckDB reads position 0 as the
// one before the first character and a negative length backwards, so
// the arguments are rewritten into DuckDB's 1-based, non-negative ones.
func rewriteSubstring(e obj, args []obj) (obj, error) {
	if len(args) != 2 && len(args) != 3 {
		return e, nil // DuckDB reports the wrong number of arguments
	}
	s, p := args[0], args[1]
	one := func() obj { return newConstant("INTEGER", json.Number("1")) }
	children := []any{s}
	pc, constant := intConst(p)
	switch {
	case constant && pc >= 0:
		if pc == 0 {
			p = one()
		}
		children = append(children, p)
		if len(args) == 3 {
			children = append(children, nonNegative(args[2]))
		}
	default:
		// before < 0: the window starts that many characters before s.
		before := func() obj { return newOperatorFunc("+", p, newFunction("length", false, s)) }
		starts := newComparison("COMPARE_LESSTHAN", before(), zero())
		if !constant {
			starts = newConjunction("CONJUNCTION_OR", newComparison("COMPARE_EQUAL", p, zero()), starts)
		}
		children = append(children, newCase(starts, one(), p))
		if len(args) == 3 {
			n := args[2]
			children = append(children, newCase(newComparison("COMPARE_LESSTHAN", before(), zero()),
				nonNegative(newOperatorFunc("+", n, before())), nonNegative(n)))
		}
	}
	e["children"] = children
	return e, nil
}

func zero() obj { return newConstant("INTEGER", json.Number("0")) }

// nonNegative is n, or 0 when n < 0 (NULL stays NULL).
func nonNegative(n obj) obj {
	if v, ok := intConst(n); ok {
		if v < 0 {
			return zero()
		}
		return n
	}
	return newCase(newComparison("COMPARE_LESSTHAN", n, zero()), zero(), n)
}

// integralTypes are the cast targets Spark truncates toward zero
// (BYTE/SHORT/INT/LONG parse as these).
var integralTypes = map[string]bool{"TINYINT": true, "SMALLINT": true, "INTEGER": true, "BIGINT": true}

// rewriteIntegralCast: Spark's CAST(x AS INT) of a fractional number (or
// of a string such as '12.7') truncates toward zero, DuckDB's rounds.
// What the parse tree shows to be integral is left alone; a known
// fractional number becomes CAST(trunc(x) AS INT); anything else
// (columns, expressions, strings: the tree has no types) goes through
// DECIMAL(38, 18) first, which holds every BIGINT and every string or
// double that fits one exactly enough to truncate (trunc of a VARCHAR
// does not bind in DuckDB).
func rewriteIntegralCast(c obj) {
	target := child(c, "cast_type")
	if target == nil || !integralTypes[str(target, "id")] {
		return
	}
	x := child(c, "child")
	switch staticKind(x) {
	case kindIntegral:
		return
	case kindFractional:
	default:
		d := newDecimalCast(x, 38, 18)
		d["try_cast"] = boolean(c, "try_cast")
		x = d
	}
	c["child"] = newFunction("trunc", false, x)
}

type numKind int

const (
	kindUnknown numKind = iota
	kindIntegral
	kindFractional
)

// integralFuncs return integers whatever their arguments (after the
// rewrite: DuckDB's names).
var integralFuncs = fnSet(`count count_star row_number rank dense_rank ntile length len char_length
	character_length strlen octet_length bit_length strpos instr position year month day dayofmonth
	dayofweek dayofyear weekday week weekofyear quarter hour minute isodow isoyear yearweek date_diff
	datediff sign`)

// staticKind is what the tree alone tells of e's type.
func staticKind(e obj) numKind {
	switch str(e, "class") {
	case "CONSTANT":
		v := child(e, "value")
		switch str(child(v, "type"), "id") {
		case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "NULL":
			return kindIntegral
		case "DECIMAL", "DOUBLE", "FLOAT":
			return kindFractional
		}
	case "CAST":
		switch id := str(child(e, "cast_type"), "id"); {
		case integralTypes[id] || id == "HUGEINT":
			return kindIntegral
		case id == "DECIMAL" || id == "DOUBLE" || id == "FLOAT":
			return kindFractional
		}
	case "FUNCTION":
		if !boolean(e, "is_operator") && integralFuncs[strings.ToLower(str(e, "function_name"))] {
			return kindIntegral
		}
	}
	return kindUnknown
}

// intConst returns the value of an integer literal, negated ones included
// (-3 may parse as the operator - of 3).
func intConst(e obj) (int64, bool) {
	if str(e, "class") == "FUNCTION" && boolean(e, "is_operator") && str(e, "function_name") == "-" {
		if args := objs(e, "children"); len(args) == 1 {
			n, ok := intConst(args[0])
			return -n, ok
		}
		return 0, false
	}
	if str(e, "class") != "CONSTANT" {
		return 0, false
	}
	v := child(e, "value")
	switch str(child(v, "type"), "id") {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT":
	default:
		return 0, false
	}
	num, ok := v["value"].(json.Number)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	return n, err == nil
}

func newConstantNull() obj {
	c := newConstant("NULL", nil)
	v := child(c, "value")
	v["is_null"] = true
	delete(v, "value")
	return c
}

// likeEscapes are DuckDB's LIKE operators and the functions that take an
// escape character.
var likeEscapes = map[string]string{"~~": "like_escape", "!~~": "not_like_escape", "~~*": "ilike_escape", "!~~*": "not_ilike_escape"}

// rewriteLike (an operator's replacement, if any): Spark's LIKE escapes with a backslash by default ('a\_b'
// matches a_b only); DuckDB's LIKE has no escape character unless told.
// A literal pattern without a backslash means the same in both and keeps
// DuckDB's operator (which DuckDB optimises into prefix/contains tests).
func rewriteLike(e obj) (obj, bool) {
	fn, ok := likeEscapes[str(e, "function_name")]
	if !ok {
		return nil, false
	}
	args := objs(e, "children")
	if len(args) != 2 {
		return nil, false
	}
	if p, ok := stringConst(args[1]); ok && !strings.Contains(p, `\`) {
		return nil, false
	}
	return newFunction(fn, false, args[0], args[1], newConstant("VARCHAR", `\`)), true
}
