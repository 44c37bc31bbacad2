-- Conventions (see package doc): seq is the never-reused creation order and
-- the keyset of every list; times are Unix microseconds UTC; nested values
-- and string lists are JSON text, NULL for a nil slice or pointer.
--
-- Natural keys are UNIQUE constraints rather than the PRIMARY KEY because
-- in SQLite only an INTEGER PRIMARY KEY is a stable rowid (VACUUM may
-- renumber an implicit rowid) and AUTOINCREMENT requires it; a composite
-- PRIMARY KEY on a rowid table is itself just a unique index.

CREATE TABLE collaborations (
    seq                        INTEGER PRIMARY KEY AUTOINCREMENT,
    id                         TEXT    NOT NULL UNIQUE,
    region                     TEXT    NOT NULL,
    creator_account_id         TEXT    NOT NULL,
    name                       TEXT    NOT NULL,
    description                TEXT    NOT NULL,
    creator_display_name       TEXT    NOT NULL,
    query_log_status           TEXT    NOT NULL,
    job_log_status             TEXT    NOT NULL,
    analytics_engine           TEXT    NOT NULL,
    is_metrics_enabled         INTEGER,
    data_encryption            TEXT,
    auto_approved_change_types TEXT,
    allowed_result_regions     TEXT,
    create_time                INTEGER NOT NULL,
    update_time                INTEGER NOT NULL,
    delete_time                INTEGER
) STRICT;

-- CountCollaborationsCreatedBy counts only live collaborations.
CREATE INDEX collaborations_live_by_creator
    ON collaborations (creator_account_id) WHERE delete_time IS NULL;

CREATE TABLE members (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    collaboration_id TEXT    NOT NULL REFERENCES collaborations (id),
    account_id       TEXT    NOT NULL,
    position         INTEGER NOT NULL,
    display_name     TEXT    NOT NULL,
    abilities        TEXT,
    ml_abilities     TEXT,
    status           TEXT    NOT NULL,
    payment          TEXT    NOT NULL,
    membership_id    TEXT    NOT NULL,
    create_time      INTEGER NOT NULL,
    update_time      INTEGER NOT NULL,
    UNIQUE (collaboration_id, account_id)
) STRICT;

-- ListMembers: keyset (position, seq) inside one collaboration.
CREATE INDEX members_by_position ON members (collaboration_id, position, seq);
-- ListCollaborationsOf: keyset seq over one account's rows.
CREATE INDEX members_by_account ON members (account_id, seq);

CREATE TABLE memberships (
    seq                       INTEGER PRIMARY KEY AUTOINCREMENT,
    id                        TEXT    NOT NULL UNIQUE,
    account_id                TEXT    NOT NULL,
    region                    TEXT    NOT NULL,
    collaboration_id          TEXT    NOT NULL REFERENCES collaborations (id),
    status                    TEXT    NOT NULL,
    query_log_status          TEXT    NOT NULL,
    job_log_status            TEXT    NOT NULL,
    is_metrics_enabled        INTEGER,
    default_result_config     TEXT,
    default_job_result_config TEXT,
    payment                   TEXT    NOT NULL,
    create_time               INTEGER NOT NULL,
    update_time               INTEGER NOT NULL,
    -- A member who leaves loses the row, so this only constrains existing
    -- memberships; it also serves SetMembershipStatuses.
    UNIQUE (collaboration_id, account_id)
) STRICT;

-- ListMembershipsOf without a filter (or with several statuses).
CREATE INDEX memberships_by_account ON memberships (account_id, seq);
-- ListMembershipsOf with one status, and CountMembershipsOf.
CREATE INDEX memberships_by_account_status ON memberships (account_id, status, seq);

CREATE TABLE tags (
    arn       TEXT NOT NULL,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (arn, tag_key)
) STRICT, WITHOUT ROWID;
