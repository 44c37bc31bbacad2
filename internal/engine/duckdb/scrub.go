package duckdb

import (
	"regexp"
	"strings"
)

// Values DuckDB quotes in its messages: 'alice' (strings), "abc" (what
// strptime could not parse, file names), and bare numbers (overflows print
// the operands). Identifiers of the query are double-quoted too: they are
// lost with the values, which is the safe side.
var (
	singleQuoted = regexp.MustCompile(`'[^\n]*'`)
	doubleQuoted = regexp.MustCompile(`"[^"\n]*"`)
	number       = regexp.MustCompile(`(^|[^A-Za-z0-9_.])[-+]?[0-9][0-9.eE+-]*`)
)

// scrub makes a DuckDB error message safe to show the querier: only its
// first line (CSV errors go on with the offending line of the file), its
// "Xxx Error: " prefix removed (the code says it), and every quoted value
// and number replaced by "?". A single-quoted value may itself contain
// quotes ('it's'), so everything from the first to the last single quote
// of the line goes.
func scrub(msg string) string {
	msg, _, _ = strings.Cut(msg, "\n")
	if _, rest, ok := strings.Cut(msg, " Error: "); ok && !strings.ContainsAny(msg[:len(msg)-len(rest)-len(" Error: ")], "'\"") {
		msg = rest
	} else if rest, ok := strings.CutPrefix(msg, "Error: "); ok {
		msg = rest
	}
	msg = singleQuoted.ReplaceAllString(msg, "'?'")
	msg = doubleQuoted.ReplaceAllString(msg, `"?"`)
	msg = number.ReplaceAllString(msg, "${1}?")
	return strings.TrimSpace(msg)
}
