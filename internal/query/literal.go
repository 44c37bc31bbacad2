package query

import (
	"encoding/hex"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// literal returns the SQL literal of a template parameter value of type
// typ (a ParameterType). The value is validated for the type first, so the
// literal is data whatever the value holds: numbers are re-formatted from
// their parsed value, strings quoted with quotes doubled, dates and times
// re-formatted from their parsed value. Every literal is a constant or a
// CAST of a constant, which the rule checks treat as a literal.
func literal(typ, v string) (string, error) {
	switch typ {
	case "TINYINT", "BYTE":
		return intLiteral(v, 8, "TINYINT")
	case "SMALLINT", "SHORT":
		return intLiteral(v, 16, "SMALLINT")
	case "INTEGER", "INT":
		return intLiteral(v, 32, "INTEGER")
	case "BIGINT", "LONG":
		return intLiteral(v, 64, "BIGINT")
	case "DECIMAL", "NUMERIC":
		s := strings.TrimSpace(v)
		if !decimalRE.MatchString(s) {
			return "", errors.New("the value is not a decimal number")
		}
		return s, nil
	case "REAL", "FLOAT":
		return floatLiteral(v, 32, "REAL")
	case "DOUBLE", "DOUBLE_PRECISION":
		return floatLiteral(v, 64, "DOUBLE")
	case "BOOLEAN":
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "t", "1":
			return "TRUE", nil
		case "false", "f", "0":
			return "FALSE", nil
		}
		return "", errors.New("the value is not a boolean (true or false)")
	case "CHAR", "CHARACTER", "VARCHAR", "STRING":
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return "", errors.New("the value is not valid UTF-8 text")
		}
		return quote(v), nil
	case "DATE":
		t, err := time.Parse("2006-01-02", strings.TrimSpace(v))
		if err != nil {
			return "", errors.New("the value is not a date (YYYY-MM-DD)")
		}
		return "DATE " + quote(t.Format("2006-01-02")), nil
	case "TIMESTAMP", "TIMESTAMP_NTZ":
		t, err := parseTime(v, timestampLayouts)
		if err != nil {
			return "", errors.New("the value is not a timestamp (YYYY-MM-DD HH:MM:SS[.fff])")
		}
		return "TIMESTAMP " + quote(t.Format("2006-01-02 15:04:05.999999")), nil
	case "TIMESTAMPTZ", "TIMESTAMP_LTZ":
		t, err := parseTime(v, timestamptzLayouts)
		if err != nil {
			return "", errors.New("the value is not a timestamp with time zone (YYYY-MM-DD HH:MM:SS[.fff][+HH:MM])")
		}
		return "TIMESTAMPTZ " + quote(t.Format("2006-01-02 15:04:05.999999-07:00")), nil
	case "TIME":
		t, err := parseTime(v, []string{"15:04:05.999999999", "15:04"})
		if err != nil {
			return "", errors.New("the value is not a time (HH:MM:SS[.fff])")
		}
		return "TIME " + quote(t.Format("15:04:05.999999")), nil
	case "TIMETZ":
		t, err := parseTime(v, []string{"15:04:05.999999999Z07:00", "15:04:05.999999999Z07", "15:04:05.999999999"})
		if err != nil {
			return "", errors.New("the value is not a time with time zone (HH:MM:SS[.fff]+HH:MM)")
		}
		return "TIMETZ " + quote(t.Format("15:04:05.999999-07:00")), nil
	case "VARBYTE", "BINARY":
		// Binary values are given as hexadecimal digits (Redshift's
		// VARBYTE literal form, Spark's X'..').
		s := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(v), "0x"), "0X")
		raw, err := hex.DecodeString(s)
		if err != nil {
			return "", errors.New("the value is not hexadecimal digits")
		}
		var b strings.Builder
		for _, c := range raw {
			b.WriteString(`\x`)
			b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
		return "CAST(" + quote(b.String()) + " AS BLOB)", nil
	}
	return "", errors.New("the parameter type " + typ + " is not supported")
}

var decimalRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func intLiteral(v string, bits int, typ string) (string, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, bits)
	if err != nil {
		return "", errors.New("the value is not an integer of type " + typ)
	}
	return "CAST(" + strconv.FormatInt(n, 10) + " AS " + typ + ")", nil
}

func floatLiteral(v string, bits int, typ string) (string, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), bits)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", errors.New("the value is not a finite number")
	}
	return "CAST(" + strconv.FormatFloat(f, 'g', -1, bits) + " AS " + typ + ")", nil
}

var timestampLayouts = []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"}

var timestamptzLayouts = []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"}

func parseTime(v string, layouts []string) (time.Time, error) {
	v = strings.TrimSpace(v)
	var err error
	for _, l := range layouts {
		var t time.Time
		if t, err = time.Parse(l, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}
