package sqlstore

import (
	"fmt"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// checkLimit rejects a Page the contract forbids rather than guessing.
func checkLimit(p cleanrooms.Page) error {
	if p.Limit < 1 {
		return fmt.Errorf("sqlstore: page limit %d, want at least 1", p.Limit)
	}
	return nil
}

// placeholders returns "(?, ?, …)" with n placeholders.
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func anys(values []string) []any {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return args
}

// statusClause filters col on n statuses; n == 0 means every status.
func statusClause(col string, n int) string {
	if n == 0 {
		return ""
	}
	return " AND " + col + " IN " + placeholders(n)
}

// readPage drains a keyset query that asked for limit+1 rows. scan returns
// a row's item and its keyset values; the keyset of the last item kept
// becomes the next cursor when the extra row shows there is more.
func readPage[T any](rows sqlRows, limit int, scope string, scan func(sqlRows) (T, []int64, error)) ([]T, string, error) {
	defer rows.Close()
	items := make([]T, 0, min(limit, 128))
	var last []int64
	for rows.Next() {
		if len(items) == limit {
			return items, encodeCursor(scope, last...), nil
		}
		item, keys, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		items = append(items, item)
		last = keys
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	return items, "", nil
}
