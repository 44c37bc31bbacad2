package query

import (
	"errors"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Spark string literals take backslash escapes; the text pass writes
// each back as the standard literal of its value, and finds strings and
// comments where DuckDB does, so that parameters are bound only in code.
func TestSparkStringLiterals(t *testing.T) {
	declared := []cleanrooms.TemplateParameter{{Name: "city", Type: "VARCHAR"}}
	params := map[string]string{"city": "LA"}
	tests := []struct{ name, text, want string }{
		{"escaped quote", `SELECT 'O\'Brien, Ben'`, `SELECT 'O''Brien, Ben'`},
		{"doubled quote", `SELECT 'it''s'`, `SELECT 'it''s'`},
		{"backslash", `SELECT 'a\\b'`, `SELECT 'a\b'`},
		{"double quote", `SELECT '\"x\"'`, `SELECT '"x"'`},
		{"control characters", `SELECT 'a\tb\nc\rd\be\Z'`, "SELECT 'a\tb\nc\rd\be\x1a'"},
		{"unicode", `SELECT '\u00e9\u65E5 \uD83D\uDE00 \U0001F600'`, "SELECT 'é日 😀 😀'"},
		{"octal", `SELECT '\101\060\1a\28'`, `SELECT 'A01a28'`},
		{"unknown escape is the character", `SELECT '\q\é\u12'`, `SELECT 'qéu12'`},
		{"LIKE escapes are kept", `SELECT 'a\%b\_c'`, `SELECT 'a\%b\_c'`},
		{"raw strings", `SELECT r'C:\new', R"a\b'c"`, `SELECT 'C:\new', 'a\b''c'`},
		{"a word ending in r is not a raw prefix", `SELECT var'x\'y'`, `SELECT var 'x''y'`},
		{"typed literals", `SELECT DATE'2024-01-01', DATE '2024-01-02'`, `SELECT DATE '2024-01-01', DATE '2024-01-02'`},
		{"double quotes stay identifiers", `SELECT "a\" FROM t`, `SELECT "a\" FROM t`},
		{"an escaped quote does not end the string", `SELECT 'x\' -- :city', :city`, `SELECT 'x'' -- :city', 'LA'`},
		{"nor does it open a comment", `SELECT 'x\' /* ', :city`, `SELECT 'x'' /* ', 'LA'`},
		{"a line comment ends at CR", "SELECT 1 -- c\r, :city", "SELECT 1 -- c\r, 'LA'"},
		{"block comments nest", `SELECT /* a /* b */ :city */ :city`, `SELECT /* a /* b */ :city */ 'LA'`},
		{"a bound literal stays a separate word", `SELECT E:city, r:city, U&:city`, `SELECT E 'LA', r 'LA', U& 'LA'`},
		{"X, B and N strings are Spark strings, apart from their prefix", `SELECT X'a''' , :city, ' x', b'1', N'\'', 1x'2', xb'\''`,
			`SELECT X 'a''' , 'LA', ' x', b '1', N '''', 1x '2', xb ''''`},
		{"a number before a prefix", `SELECT 1E:city, 1.5E'\\' , :city`, `SELECT 1E 'LA', 1.5E '\' , 'LA'`},
		{"dollars in identifiers and parameters", `SELECT a$b, $1, $x FROM t`, `SELECT a$b, $1, $x FROM t`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bindText(tc.text, params, declared)
			if err != nil || got != tc.want {
				t.Errorf("bindText(%q) = %q, %v; want %q", tc.text, got, err, tc.want)
			}
		})
	}
	refused := []struct{ name, text, want string }{
		{"backslash before the closing quote", `SELECT 'abc\'`, "unterminated quote"},
		{"unterminated raw string", `SELECT r'abc`, "unterminated quote"},
		{"NUL", `SELECT 'a\0b'`, "NUL"},
		{"NUL in octal", `SELECT 'a\000'`, "NUL"},
		{"lone surrogate", `SELECT '\uD83D'`, "surrogate"},
		{"not a code point", `SELECT '\U00110000'`, "not a Unicode character"},
		{"E string", `SELECT E'a\'b'`, "prefixed string literal"},
		{"U& string", `SELECT u&'a'`, "prefixed string literal"},
		{"dollar quotes", `SELECT $$ :city $$`, "dollar-quoted"},
		{"tagged dollar quotes", `SELECT $t$ :city $t$`, "dollar-quoted"},
		{"dollar quotes after a number", `SELECT 1$$ :city $$`, "dollar-quoted"},
		{"dollar quotes after a word", `SELECT a$$ :city $$`, "dollar-quoted"},
		{"unterminated nested comment", `SELECT /* /* */ :city`, "unterminated comment"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bindText(tc.text, params, declared)
			var r *Refusal
			if !errors.As(err, &r) || !strings.Contains(r.Message, tc.want) {
				t.Errorf("bindText(%q) = %q, %v; want a refusal mentioning %q", tc.text, got, err, tc.want)
			}
		})
	}
}

// A bound value is always a standard literal: a backslash in it is data,
// however the text around it reads strings.
func TestBoundBackslashStaysData(t *testing.T) {
	declared := []cleanrooms.TemplateParameter{{Name: "v", Type: "STRING"}}
	for value, want := range map[string]string{
		`x\' OR '1'='1`: `SELECT * FROM t WHERE c = 'x\'' OR ''1''=''1' AND d = 'a\b'`,
		`\`:             `SELECT * FROM t WHERE c = '\' AND d = 'a\b'`,
		`\\'' --`:       `SELECT * FROM t WHERE c = '\\'''' --' AND d = 'a\b'`,
	} {
		got, err := bindText(`SELECT * FROM t WHERE c = :v AND d = 'a\\b'`, map[string]string{"v": value}, declared)
		if err != nil || got != want {
			t.Errorf("value %q: bindText = %q, %v; want %q", value, got, err, want)
		}
	}
}
