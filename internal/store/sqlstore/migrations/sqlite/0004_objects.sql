-- The embedded S3 (internal/objects): buckets, object metadata, multipart
-- uploads and their parts. Object bytes are not here but in blobs named by
-- blob_id. Keys compare as bytes (BINARY collation), which for UTF-8 is
-- S3's listing order; lists are keyset on the primary keys.

CREATE TABLE s3_buckets (
    name        TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    create_time INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- ListBuckets: an account's buckets by name.
CREATE INDEX s3_buckets_by_account ON s3_buckets (account_id, name);

CREATE TABLE s3_objects (
    bucket       TEXT    NOT NULL REFERENCES s3_buckets (name),
    key          TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    etag         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    headers      TEXT    NOT NULL,
    blob_id      TEXT    NOT NULL,
    modify_time  INTEGER NOT NULL,
    PRIMARY KEY (bucket, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE s3_uploads (
    id           TEXT    NOT NULL PRIMARY KEY,
    bucket       TEXT    NOT NULL REFERENCES s3_buckets (name),
    key          TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    headers      TEXT    NOT NULL,
    create_time  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- ListMultipartUploads: keyset (key, id) inside one bucket.
CREATE INDEX s3_uploads_by_key ON s3_uploads (bucket, key, id);

CREATE TABLE s3_parts (
    upload_id   TEXT    NOT NULL REFERENCES s3_uploads (id),
    number      INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    etag        TEXT    NOT NULL,
    blob_id     TEXT    NOT NULL,
    modify_time INTEGER NOT NULL,
    PRIMARY KEY (upload_id, number)
) STRICT, WITHOUT ROWID;
