-- The Glue Data Catalogs (internal/catalog): one per account and region.
-- A database or table is its Glue definition as JSON text, kept verbatim,
-- under the key columns it is looked up and listed by. The primary keys
-- are the list order (name, byte order) and the keyset of GetDatabases and
-- GetTables. A table refers to its database; DeleteCatalogDatabase deletes
-- the tables first.

CREATE TABLE catalog_databases (
    account_id  TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    definition  TEXT    NOT NULL,
    create_time INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE catalog_tables (
    account_id    TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    database_name TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    definition    TEXT    NOT NULL,
    create_time   INTEGER NOT NULL,
    update_time   INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, database_name, name),
    FOREIGN KEY (account_id, region, database_name)
        REFERENCES catalog_databases (account_id, region, name)
) STRICT, WITHOUT ROWID;
