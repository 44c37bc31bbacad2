package sqlstore

import (
	"context"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Tags belong to an ARN, not to a row: the store does not know which
// resource an ARN names, so tag operations never return ErrNotFound and
// an ARN without tags simply has none. The service checks that the
// resource exists and deletes its tags with it.

var (
	tagsSQL       = preparedRead("SELECT tag_key, tag_value FROM tags WHERE arn = ?")
	upsertTagSQL  = prepared("INSERT INTO tags (arn, tag_key, tag_value) VALUES (?, ?, ?) ON CONFLICT (arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value")
	deleteTagsSQL = prepared("DELETE FROM tags WHERE arn = ?")
)

func (t *readTx) Tags(ctx context.Context, arn string) (map[string]string, error) {
	what := fmt.Sprintf("tags of %q", arn)
	rows, err := t.query(ctx, tagsSQL, arn)
	if err != nil {
		return nil, t.fail(err, what)
	}
	defer rows.Close()
	tags := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, t.fail(err, what)
		}
		tags[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, what)
	}
	return tags, nil
}

func (t *writeTx) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	for k, v := range tags {
		if _, err := t.exec(ctx, upsertTagSQL, arn, t.d.anyText(k), t.d.anyText(v)); err != nil {
			return t.fail(err, fmt.Sprintf("tag %q", arn))
		}
	}
	return nil
}

func (t *writeTx) UntagResource(ctx context.Context, arn string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	q := "DELETE FROM tags WHERE arn = ? AND tag_key IN " + placeholders(len(keys))
	args := []any{arn}
	for _, k := range keys {
		args = append(args, t.d.anyText(k))
	}
	if _, err := t.exec(ctx, q, args...); err != nil {
		return t.fail(err, fmt.Sprintf("untag %q", arn))
	}
	return nil
}

func (t *writeTx) DeleteTags(ctx context.Context, arn string) error {
	if _, err := t.exec(ctx, deleteTagsSQL, arn); err != nil {
		return t.fail(err, fmt.Sprintf("delete tags of %q", arn))
	}
	return nil
}

var _ cleanrooms.Tx = (*writeTx)(nil)
