package catalog

import (
	"regexp"
	"strings"
)

// compileExpression turns GetTables' Expression into a matcher. Glue
// follows the Hive metastore: the expression is a regular expression in
// which "*" stands for any run of characters (Hive rewrites "*" to ".*")
// and "|" separates alternatives; it must match the whole name, without
// regard to case. A pattern that does not compile is InvalidInputException.
func compileExpression(expr *string) (*regexp.Regexp, error) {
	if expr == nil || *expr == "" {
		return nil, nil
	}
	var b strings.Builder
	prev := rune(0)
	for _, r := range *expr {
		if r == '*' && prev != '.' {
			b.WriteString(".*")
		} else {
			b.WriteRune(r)
		}
		prev = r
	}
	re, err := regexp.Compile("(?i)^(?:" + b.String() + ")$")
	if err != nil {
		return nil, invalidInput("Expression " + *expr + " is not a valid pattern: " + err.Error())
	}
	return re, nil
}
