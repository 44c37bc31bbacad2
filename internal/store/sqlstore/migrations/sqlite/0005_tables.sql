-- Configured tables, their analysis rules, configured table associations
-- and their analysis rules (see the conventions in 0001_init.sql).
--
-- A configured table has at most one analysis rule: the rule's primary key
-- is the table's id. An association has at most one rule per type. The
-- foreign keys keep a configured table or a membership that is still
-- associated from being deleted (the service answers that with a 409
-- first); DeleteConfiguredTable and DeleteAssociation remove the rules
-- with their parent.

CREATE TABLE configured_tables (
    seq                       INTEGER PRIMARY KEY AUTOINCREMENT,
    id                        TEXT    NOT NULL UNIQUE,
    account_id                TEXT    NOT NULL,
    region                    TEXT    NOT NULL,
    name                      TEXT    NOT NULL,
    description               TEXT    NOT NULL,
    table_reference           TEXT    NOT NULL,
    allowed_columns           TEXT    NOT NULL,
    analysis_method           TEXT    NOT NULL,
    selected_analysis_methods TEXT,
    create_time               INTEGER NOT NULL,
    update_time               INTEGER NOT NULL
) STRICT;

-- ListConfiguredTablesOf: keyset seq over one account's tables of a region.
CREATE INDEX configured_tables_by_account ON configured_tables (account_id, region, seq);

CREATE TABLE configured_table_rules (
    configured_table_id TEXT    NOT NULL PRIMARY KEY REFERENCES configured_tables (id),
    type                TEXT    NOT NULL,
    policy              TEXT    NOT NULL,
    create_time         INTEGER NOT NULL,
    update_time         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- name_key is the name folded to lower case: names are unique in a
-- collaboration without regard to case, and schemas are looked up so.
CREATE TABLE table_associations (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT    NOT NULL UNIQUE,
    account_id          TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    membership_id       TEXT    NOT NULL REFERENCES memberships (id),
    collaboration_id    TEXT    NOT NULL REFERENCES collaborations (id),
    configured_table_id TEXT    NOT NULL REFERENCES configured_tables (id),
    name                TEXT    NOT NULL,
    name_key            TEXT    NOT NULL,
    description         TEXT    NOT NULL,
    role_arn            TEXT    NOT NULL,
    create_time         INTEGER NOT NULL,
    update_time         INTEGER NOT NULL,
    UNIQUE (collaboration_id, name_key),
    UNIQUE (collaboration_id, configured_table_id)
) STRICT;

-- ListAssociationsOf, MembershipHasAssociations and the foreign key check
-- when a membership is deleted.
CREATE INDEX table_associations_by_membership ON table_associations (membership_id, seq);
-- ListSchemaSources.
CREATE INDEX table_associations_by_collaboration ON table_associations (collaboration_id, seq);
-- TableIsAssociated and the foreign key check when a table is deleted.
CREATE INDEX table_associations_by_table ON table_associations (configured_table_id);

CREATE TABLE table_association_rules (
    association_id TEXT    NOT NULL REFERENCES table_associations (id),
    type           TEXT    NOT NULL,
    policy         TEXT    NOT NULL,
    create_time    INTEGER NOT NULL,
    update_time    INTEGER NOT NULL,
    PRIMARY KEY (association_id, type)
) STRICT, WITHOUT ROWID;
