package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The embedded S3's records (migration 0004). Natural keys are the primary
// keys and the keysets: bucket name, (bucket, key), (bucket, key, upload
// id), (upload id, part number). Keys compare as UTF-8 bytes on both
// engines (SQLite's BINARY collation, PostgreSQL's COLLATE "C").

var (
	objectCols = []string{"bucket", "key", "size", "etag", "content_type", "headers", "blob_id", "modify_time"}
	uploadCols = []string{"id", "bucket", "key", "account_id", "content_type", "headers", "create_time"}
	partCols   = []string{"upload_id", "number", "size", "etag", "blob_id", "modify_time"}
)

var (
	getBucketSQL     = preparedRead("SELECT name, account_id, region, create_time FROM s3_buckets WHERE name = ?")
	bucketsOfSQL     = preparedRead("SELECT name, account_id, region, create_time FROM s3_buckets WHERE account_id = ? AND name > ? ORDER BY name LIMIT ?")
	insertBucketSQL  = prepared("INSERT INTO s3_buckets (name, account_id, region, create_time) VALUES (?, ?, ?, ?)")
	deleteBucketSQL  = prepared("DELETE FROM s3_buckets WHERE name = ?")
	bucketInUseSQL   = preparedRead("SELECT EXISTS (SELECT 1 FROM s3_objects WHERE bucket = ?) OR EXISTS (SELECT 1 FROM s3_uploads WHERE bucket = ?)")
	getObjectSQL     = preparedRead("SELECT " + selectList("o", objectCols) + " FROM s3_objects o WHERE o.bucket = ? AND o.key = ?")
	upsertObjectSQL  = prepared(insertSQL("s3_objects", objectCols) + " ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, etag = excluded.etag, content_type = excluded.content_type, headers = excluded.headers, blob_id = excluded.blob_id, modify_time = excluded.modify_time")
	deleteObjectSQL  = prepared("DELETE FROM s3_objects WHERE bucket = ? AND key = ?")
	getUploadSQL     = preparedRead("SELECT " + selectList("u", uploadCols) + " FROM s3_uploads u WHERE u.id = ?")
	insertUploadSQL  = prepared(insertSQL("s3_uploads", uploadCols))
	deleteUploadSQL  = prepared("DELETE FROM s3_uploads WHERE id = ?")
	uploadsSQL       = preparedRead(uploadsQuery(false))
	uploadsUpperSQL  = preparedRead(uploadsQuery(true))
	partsSQL         = preparedRead("SELECT " + selectList("p", partCols) + " FROM s3_parts p WHERE p.upload_id = ? AND p.number > ? ORDER BY p.number LIMIT ?")
	partsWSQL        = prepared("SELECT " + selectList("p", partCols) + " FROM s3_parts p WHERE p.upload_id = ? ORDER BY p.number")
	getPartSQL       = prepared("SELECT " + selectList("p", partCols) + " FROM s3_parts p WHERE p.upload_id = ? AND p.number = ?")
	upsertPartSQL    = prepared(insertSQL("s3_parts", partCols) + " ON CONFLICT (upload_id, number) DO UPDATE SET size = excluded.size, etag = excluded.etag, blob_id = excluded.blob_id, modify_time = excluded.modify_time")
	deletePartsSQL   = prepared("DELETE FROM s3_parts WHERE upload_id = ?")
	objectsSQL       = map[[2]bool]string{}
	uploadExistsWSQL = prepared("SELECT 1 FROM s3_uploads WHERE id = ?")
)

// objectsQuery is the ListObjects statement: with or without an upper
// bound (a prefix has one unless it is all U+10FFFF), and with after
// exclusive or, to skip a common prefix, the prefix's end inclusive.
func objectsQuery(upper, inclusive bool) string {
	q := "SELECT " + selectList("o", objectCols) + " FROM s3_objects o WHERE o.bucket = ? AND o.key >= ?"
	if inclusive {
		q += " AND o.key >= ?"
	} else {
		q += " AND o.key > ?"
	}
	if upper {
		q += " AND o.key < ?"
	}
	return q + " ORDER BY o.key LIMIT ?"
}

func uploadsQuery(upper bool) string {
	q := "SELECT " + selectList("u", uploadCols) + " FROM s3_uploads u WHERE u.bucket = ? AND u.key >= ? AND (u.key, u.id) > (?, ?)"
	if upper {
		q += " AND u.key < ?"
	}
	return q + " ORDER BY u.key, u.id LIMIT ?"
}

func init() {
	for _, upper := range []bool{false, true} {
		for _, incl := range []bool{false, true} {
			objectsSQL[[2]bool{upper, incl}] = preparedRead(objectsQuery(upper, incl))
		}
	}
}

// prefixEnd returns the least string greater than every string that
// starts with p, and false if there is none. It works on code points so
// the result is valid UTF-8 (PostgreSQL rejects anything else in TEXT);
// for UTF-8, code point order is byte order.
func prefixEnd(p string) (string, bool) {
	for p != "" {
		r, n := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-n]
		switch {
		case r == utf8.MaxRune || r == utf8.RuneError && n == 1:
			continue // no successor at this position: carry
		case r == 0xD7FF:
			return p + string(rune(0xE000)), true // skip the surrogates
		default:
			return p + string(r+1), true
		}
	}
	return "", false
}

func (t *readTx) Bucket(ctx context.Context, name string) (*cleanrooms.Bucket, error) {
	var b cleanrooms.Bucket
	var ct int64
	if err := t.queryRow(ctx, getBucketSQL, name).Scan(&b.Name, &b.AccountID, &b.Region, &ct); err != nil {
		return nil, t.fail(err, fmt.Sprintf("bucket %q", name))
	}
	b.CreateTime = timeValue(ct)
	return &b, nil
}

func (t *readTx) ListBucketsOf(ctx context.Context, accountID, after string, limit int) ([]cleanrooms.Bucket, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlstore: page limit %d, want at least 1", limit)
	}
	what := fmt.Sprintf("buckets of %s", accountID)
	rows, err := t.query(ctx, bucketsOfSQL, accountID, after, limit)
	if err != nil {
		return nil, t.fail(err, what)
	}
	defer rows.Close()
	var out []cleanrooms.Bucket
	for rows.Next() {
		var b cleanrooms.Bucket
		var ct int64
		if err := rows.Scan(&b.Name, &b.AccountID, &b.Region, &ct); err != nil {
			return nil, t.fail(err, what)
		}
		b.CreateTime = timeValue(ct)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, what)
	}
	return out, nil
}

func (t *readTx) BucketInUse(ctx context.Context, bucket string) (bool, error) {
	var used bool
	if err := t.queryRow(ctx, bucketInUseSQL, bucket, bucket).Scan(&used); err != nil {
		return false, t.fail(err, fmt.Sprintf("objects of bucket %q", bucket))
	}
	return used, nil
}

type objectRow struct {
	o       cleanrooms.Object
	headers string
	mtime   int64
}

func (r *objectRow) dest() []any {
	o := &r.o
	return []any{&o.Bucket, &o.Key, &o.Size, &o.ETag, &o.ContentType, &r.headers, &o.BlobID, &r.mtime}
}

func (r *objectRow) record() (cleanrooms.Object, error) {
	r.o.ModifyTime = timeValue(r.mtime)
	r.o.Headers = map[string]string{}
	return r.o, jsonValue(r.headers, &r.o.Headers)
}

func headersParam(h map[string]string) (string, error) {
	if h == nil {
		return "{}", nil
	}
	return jsonParam(h)
}

func (t *readTx) scanObject(row rowScanner, what string) (*cleanrooms.Object, error) {
	var r objectRow
	if err := row.Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	o, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return &o, nil
}

func (t *readTx) Object(ctx context.Context, bucket, key string) (*cleanrooms.Object, error) {
	return t.scanObject(t.queryRow(ctx, getObjectSQL, bucket, key), fmt.Sprintf("object %q in bucket %q", key, bucket))
}

func (t *readTx) ListObjects(ctx context.Context, q cleanrooms.ObjectQuery) ([]cleanrooms.Object, error) {
	if q.Limit < 1 {
		return nil, fmt.Errorf("sqlstore: page limit %d, want at least 1", q.Limit)
	}
	after, inclusive := q.After, false
	if q.SkipPrefix && q.After != "" {
		end, ok := prefixEnd(q.After)
		if !ok {
			return nil, nil // nothing sorts after every extension of After
		}
		after, inclusive = end, true
	}
	upper, hasUpper := prefixEnd(q.Prefix)
	args := []any{q.Bucket, q.Prefix, after}
	if hasUpper {
		args = append(args, upper)
	}
	args = append(args, q.Limit)
	what := fmt.Sprintf("objects of bucket %q", q.Bucket)
	rows, err := t.query(ctx, objectsSQL[[2]bool{hasUpper, inclusive}], args...)
	if err != nil {
		return nil, t.fail(err, what)
	}
	defer rows.Close()
	var out []cleanrooms.Object
	for rows.Next() {
		var r objectRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, t.fail(err, what)
		}
		o, err := r.record()
		if err != nil {
			return nil, t.fail(err, what)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, what)
	}
	return out, nil
}

type uploadRow struct {
	u       cleanrooms.Upload
	headers string
	ctime   int64
}

func (r *uploadRow) dest() []any {
	u := &r.u
	return []any{&u.ID, &u.Bucket, &u.Key, &u.AccountID, &u.ContentType, &r.headers, &r.ctime}
}

func (r *uploadRow) record() (cleanrooms.Upload, error) {
	r.u.CreateTime = timeValue(r.ctime)
	r.u.Headers = map[string]string{}
	return r.u, jsonValue(r.headers, &r.u.Headers)
}

func (t *readTx) Upload(ctx context.Context, id string) (*cleanrooms.Upload, error) {
	what := fmt.Sprintf("upload %q", id)
	var r uploadRow
	if err := t.queryRow(ctx, getUploadSQL, id).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	u, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return &u, nil
}

func (t *readTx) ListUploads(ctx context.Context, bucket, prefix, afterKey, afterID string, limit int) ([]cleanrooms.Upload, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlstore: page limit %d, want at least 1", limit)
	}
	what := fmt.Sprintf("uploads of bucket %q", bucket)
	q, args := uploadsSQL, []any{bucket, prefix, afterKey, afterID}
	if upper, ok := prefixEnd(prefix); ok {
		q, args = uploadsUpperSQL, append(args, upper)
	}
	rows, err := t.query(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, t.fail(err, what)
	}
	defer rows.Close()
	var out []cleanrooms.Upload
	for rows.Next() {
		var r uploadRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, t.fail(err, what)
		}
		u, err := r.record()
		if err != nil {
			return nil, t.fail(err, what)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, what)
	}
	return out, nil
}

type partRow struct {
	p     cleanrooms.Part
	mtime int64
}

func (r *partRow) dest() []any {
	p := &r.p
	return []any{&p.UploadID, &p.Number, &p.Size, &p.ETag, &p.BlobID, &r.mtime}
}

func (t *readTx) scanParts(rows sqlRows, what string) ([]cleanrooms.Part, error) {
	defer rows.Close()
	var out []cleanrooms.Part
	for rows.Next() {
		var r partRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, t.fail(err, what)
		}
		r.p.ModifyTime = timeValue(r.mtime)
		out = append(out, r.p)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, what)
	}
	return out, nil
}

func (t *readTx) ListParts(ctx context.Context, uploadID string, afterNumber, limit int) ([]cleanrooms.Part, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlstore: page limit %d, want at least 1", limit)
	}
	what := fmt.Sprintf("parts of upload %q", uploadID)
	rows, err := t.query(ctx, partsSQL, uploadID, afterNumber, limit)
	if err != nil {
		return nil, t.fail(err, what)
	}
	return t.scanParts(rows, what)
}

func (t *writeTx) CreateBucket(ctx context.Context, b cleanrooms.Bucket) error {
	_, err := t.exec(ctx, insertBucketSQL, b.Name, b.AccountID, b.Region, timeParam(b.CreateTime))
	if err != nil {
		return t.fail(err, fmt.Sprintf("create bucket %q", b.Name))
	}
	return nil
}

func (t *writeTx) DeleteBucket(ctx context.Context, name string) error {
	res, err := t.exec(ctx, deleteBucketSQL, name)
	return t.mustAffect(res, err, fmt.Sprintf("delete bucket %q", name))
}

// objectFK turns the store's foreign-key error (which names a
// collaboration) into a missing bucket or upload.
func objectFK(err error, what string) error {
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return fmt.Errorf("sqlstore: %s: %w", what, cleanrooms.ErrNotFound)
	}
	return err
}

func (t *writeTx) PutObject(ctx context.Context, o cleanrooms.Object) (*cleanrooms.Object, error) {
	what := fmt.Sprintf("put object %q in bucket %q", o.Key, o.Bucket)
	old, err := t.scanObject(t.queryRow(ctx, getObjectSQL, o.Bucket, o.Key), what)
	if err != nil && !errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, err
	}
	headers, err := headersParam(o.Headers)
	if err != nil {
		return nil, t.fail(err, what)
	}
	if _, err := t.exec(ctx, upsertObjectSQL, o.Bucket, o.Key, o.Size, o.ETag, o.ContentType, headers, o.BlobID, timeParam(o.ModifyTime)); err != nil {
		return nil, objectFK(t.fail(err, what), what)
	}
	return old, nil
}

func (t *writeTx) DeleteObject(ctx context.Context, bucket, key string) (*cleanrooms.Object, error) {
	what := fmt.Sprintf("delete object %q in bucket %q", key, bucket)
	old, err := t.scanObject(t.queryRow(ctx, getObjectSQL, bucket, key), what)
	if err != nil {
		return nil, err
	}
	res, err := t.exec(ctx, deleteObjectSQL, bucket, key)
	if err := t.mustAffect(res, err, what); err != nil {
		return nil, err
	}
	return old, nil
}

func (t *writeTx) CreateUpload(ctx context.Context, u cleanrooms.Upload) error {
	what := fmt.Sprintf("create upload in bucket %q", u.Bucket)
	headers, err := headersParam(u.Headers)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertUploadSQL, u.ID, u.Bucket, u.Key, u.AccountID, u.ContentType, headers, timeParam(u.CreateTime)); err != nil {
		return objectFK(t.fail(err, what), what)
	}
	return nil
}

func (t *writeTx) PutPart(ctx context.Context, p cleanrooms.Part) (*cleanrooms.Part, error) {
	what := fmt.Sprintf("put part %d of upload %q", p.Number, p.UploadID)
	var exists int
	if err := t.queryRow(ctx, uploadExistsWSQL, p.UploadID).Scan(&exists); err != nil {
		return nil, t.fail(err, what)
	}
	var r partRow
	var old *cleanrooms.Part
	switch err := t.queryRow(ctx, getPartSQL, p.UploadID, p.Number).Scan(r.dest()...); {
	case err == nil:
		r.p.ModifyTime = timeValue(r.mtime)
		old = &r.p
	case !errors.Is(err, sql.ErrNoRows):
		return nil, t.fail(err, what)
	}
	if _, err := t.exec(ctx, upsertPartSQL, p.UploadID, p.Number, p.Size, p.ETag, p.BlobID, timeParam(p.ModifyTime)); err != nil {
		return nil, t.fail(err, what)
	}
	return old, nil
}

func (t *writeTx) DeleteUpload(ctx context.Context, id string) ([]cleanrooms.Part, error) {
	what := fmt.Sprintf("delete upload %q", id)
	rows, err := t.query(ctx, partsWSQL, id)
	if err != nil {
		return nil, t.fail(err, what)
	}
	parts, err := t.scanParts(rows, what)
	if err != nil {
		return nil, err
	}
	if _, err := t.exec(ctx, deletePartsSQL, id); err != nil {
		return nil, t.fail(err, what)
	}
	res, err := t.exec(ctx, deleteUploadSQL, id)
	if err := t.mustAffect(res, err, what); err != nil {
		return nil, err
	}
	return parts, nil
}
