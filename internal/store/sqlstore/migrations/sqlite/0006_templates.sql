-- Analysis templates (see the conventions in 0001_init.sql). A template
-- belongs to a membership: the foreign key keeps a membership with
-- templates from being deleted (the service answers that with a 409
-- first), and to its collaboration, whose templates the collaboration
-- views list. source_text is the SQL (up to 500,000 characters), NULL for
-- PySpark, whose S3 artifacts are source_artifacts (JSON).

CREATE TABLE analysis_templates (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT    NOT NULL UNIQUE,
    account_id         TEXT    NOT NULL,
    region             TEXT    NOT NULL,
    membership_id      TEXT    NOT NULL REFERENCES memberships (id),
    collaboration_id   TEXT    NOT NULL REFERENCES collaborations (id),
    collaboration_creator_account_id TEXT NOT NULL,
    name               TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    format             TEXT    NOT NULL,
    source_text        TEXT,
    source_artifacts   TEXT,
    artifact_hashes    TEXT,
    parameters         TEXT,
    referenced_tables  TEXT,
    error_message_type TEXT    NOT NULL,
    synthetic_data     TEXT,
    create_time        INTEGER NOT NULL,
    update_time        INTEGER NOT NULL
) STRICT;

-- ListAnalysisTemplatesOf and CountAnalysisTemplatesOf; the foreign key
-- check when a membership is deleted.
CREATE INDEX analysis_templates_by_membership ON analysis_templates (membership_id, seq);
-- ListCollaborationAnalysisTemplates.
CREATE INDEX analysis_templates_by_collaboration ON analysis_templates (collaboration_id, seq);
