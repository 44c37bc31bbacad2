//go:build cgo

package query

import (
	"context"
	"errors"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// FuzzCheck: whatever the text, Prepare and Check return a plan or an
// error, never panic; a refusal is a *Refusal; and a plan's SQL parses.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"SELECT city, AVG(p.sale_value) FROM users u INNER JOIN purchases p ON u.user_id = p.user_id GROUP BY city",
		"SELECT DISTINCT c.segment FROM customers c JOIN orders o ON c.email = o.email LIMIT 3",
		"WITH x AS (SELECT * FROM orders) SELECT customer_id, nvl(amount, 0) FROM x UNION SELECT id, 1 FROM customers",
		"SELECT TOP 2 DISTINCT `segment` FROM customers WHERE id = :n",
		"SELECT * FROM read_csv('x')",
		`SELECT 'O\'Brien \u00e9\\', r'C:\x', substring(segment, 0, -1), trunc(DATE '2024-01-02', 'MM'), CAST(id / 3 AS INT) FROM customers /* /* */ */ WHERE id = :n`,
	} {
		f.Add(s)
	}
	p := fixtures(f)
	declared := []cleanrooms.TemplateParameter{{Name: "n", Type: "INTEGER", DefaultValue: ptr("1")}}
	f.Fuzz(func(t *testing.T, s string) {
		ctx := context.Background()
		for _, tables := range []map[string]*Table{aggTables(), listTables(), customTables()} {
			st, err := Prepare(ctx, p, s, nil, declared)
			if err != nil {
				continue
			}
			pl, err := Check(ctx, p, st, Context{QuerierAccountID: querier, TemplateARN: templateARN, Tables: tables})
			var r *Refusal
			if err != nil && !errors.As(err, &r) {
				continue // the parser's own errors (not refusals) are fine too
			}
			if err == nil {
				if _, err := p.Parse(ctx, pl.SQL); err != nil {
					t.Errorf("plan %q of %q does not parse: %v", pl.SQL, s, err)
				}
			}
		}
	})
}
