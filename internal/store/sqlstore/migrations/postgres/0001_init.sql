-- The PostgreSQL twin of migrations/sqlite/0001_init.sql: same tables,
-- columns, keys and indexes, so that the shared SQL of sqlstore runs
-- unchanged. Conventions (see the package doc): seq is the never-reused
-- creation order and the keyset of every list; times are Unix microseconds
-- UTC; nested values and string lists are JSON text (TEXT, not JSONB, so
-- they come back byte for byte), NULL for a nil slice or pointer.
--
-- seq is an identity column. Its values come from a sequence, which is not
-- transactional: a value is taken at INSERT and committed (or thrown away)
-- with its transaction, so seqs can commit out of order across concurrent
-- transactions and have gaps. Lists only need seq to be unique and stable
-- (see "Pagination across replicas" in docs/deploy.md).
--
-- Tables are created in the first schema of the connection's search_path.

CREATE TABLE collaborations (
    seq                        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                         TEXT    NOT NULL UNIQUE,
    region                     TEXT    NOT NULL,
    creator_account_id         TEXT    NOT NULL,
    name                       TEXT    NOT NULL,
    description                TEXT    NOT NULL,
    creator_display_name       TEXT    NOT NULL,
    query_log_status           TEXT    NOT NULL,
    job_log_status             TEXT    NOT NULL,
    analytics_engine           TEXT    NOT NULL,
    is_metrics_enabled         BOOLEAN,
    data_encryption            TEXT,
    auto_approved_change_types TEXT,
    allowed_result_regions     TEXT,
    create_time                BIGINT  NOT NULL,
    update_time                BIGINT  NOT NULL,
    delete_time                BIGINT
);

-- CountCollaborationsCreatedBy counts only live collaborations.
CREATE INDEX collaborations_live_by_creator
    ON collaborations (creator_account_id) WHERE delete_time IS NULL;

CREATE TABLE members (
    seq              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collaboration_id TEXT    NOT NULL REFERENCES collaborations (id),
    account_id       TEXT    NOT NULL,
    position         INTEGER NOT NULL,
    display_name     TEXT    NOT NULL,
    abilities        TEXT,
    ml_abilities     TEXT,
    status           TEXT    NOT NULL,
    payment          TEXT    NOT NULL,
    membership_id    TEXT    NOT NULL,
    create_time      BIGINT  NOT NULL,
    update_time      BIGINT  NOT NULL,
    UNIQUE (collaboration_id, account_id)
);

-- ListMembers: keyset (position, seq) inside one collaboration.
CREATE INDEX members_by_position ON members (collaboration_id, position, seq);
-- ListCollaborationsOf: keyset seq over one account's rows.
CREATE INDEX members_by_account ON members (account_id, seq);

CREATE TABLE memberships (
    seq                       BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                        TEXT    NOT NULL UNIQUE,
    account_id                TEXT    NOT NULL,
    region                    TEXT    NOT NULL,
    collaboration_id          TEXT    NOT NULL REFERENCES collaborations (id),
    status                    TEXT    NOT NULL,
    query_log_status          TEXT    NOT NULL,
    job_log_status            TEXT    NOT NULL,
    is_metrics_enabled        BOOLEAN,
    default_result_config     TEXT,
    default_job_result_config TEXT,
    payment                   TEXT    NOT NULL,
    create_time               BIGINT  NOT NULL,
    update_time               BIGINT  NOT NULL,
    -- A member who leaves loses the row, so this only constrains existing
    -- memberships; it also serves SetMembershipStatuses. Across replicas
    -- it is the last line of defence against a double membership: two
    -- concurrent inserts cannot both commit.
    UNIQUE (collaboration_id, account_id)
);

-- ListMembershipsOf without a filter (or with several statuses).
CREATE INDEX memberships_by_account ON memberships (account_id, seq);
-- ListMembershipsOf with one status, and CountMembershipsOf.
CREATE INDEX memberships_by_account_status ON memberships (account_id, status, seq);

-- Tag keys and values are BYTEA, not TEXT: the API puts no constraint on
-- their characters, and TEXT cannot hold NUL (U+0000), which SQLite's TEXT
-- and AWS accept. The store passes them as bytes (dialect.anyText) and
-- reads them back as strings; equality, the only comparison made on them,
-- is bytewise either way.
CREATE TABLE tags (
    arn       TEXT  NOT NULL,
    tag_key   BYTEA NOT NULL,
    tag_value BYTEA NOT NULL,
    PRIMARY KEY (arn, tag_key)
);
