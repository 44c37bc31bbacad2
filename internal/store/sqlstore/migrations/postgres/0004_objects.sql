-- The PostgreSQL twin of migrations/sqlite/0004_objects.sql. Object and
-- upload keys and bucket names are COLLATE "C": they compare as bytes,
-- which for UTF-8 is S3's listing order, whatever the database's default
-- collation is, and the primary-key index serves the keyset ranges.

CREATE TABLE s3_buckets (
    name        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    account_id  TEXT   NOT NULL,
    region      TEXT   NOT NULL,
    create_time BIGINT NOT NULL
);

CREATE INDEX s3_buckets_by_account ON s3_buckets (account_id, name);

CREATE TABLE s3_objects (
    bucket       TEXT COLLATE "C" NOT NULL REFERENCES s3_buckets (name),
    key          TEXT COLLATE "C" NOT NULL,
    size         BIGINT NOT NULL,
    etag         TEXT   NOT NULL,
    content_type TEXT   NOT NULL,
    headers      TEXT   NOT NULL,
    blob_id      TEXT   NOT NULL,
    modify_time  BIGINT NOT NULL,
    PRIMARY KEY (bucket, key)
);

CREATE TABLE s3_uploads (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    bucket       TEXT COLLATE "C" NOT NULL REFERENCES s3_buckets (name),
    key          TEXT COLLATE "C" NOT NULL,
    account_id   TEXT   NOT NULL,
    content_type TEXT   NOT NULL,
    headers      TEXT   NOT NULL,
    create_time  BIGINT NOT NULL
);

CREATE INDEX s3_uploads_by_key ON s3_uploads (bucket, key, id);

CREATE TABLE s3_parts (
    upload_id   TEXT COLLATE "C" NOT NULL REFERENCES s3_uploads (id),
    number      INTEGER NOT NULL,
    size        BIGINT  NOT NULL,
    etag        TEXT    NOT NULL,
    blob_id     TEXT    NOT NULL,
    modify_time BIGINT  NOT NULL,
    PRIMARY KEY (upload_id, number)
);
