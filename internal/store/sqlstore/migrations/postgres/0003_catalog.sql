-- The PostgreSQL twin of migrations/sqlite/0003_catalog.sql: the Glue Data
-- Catalogs, one per account and region, each database or table its Glue
-- definition as JSON text (verbatim: TEXT, not jsonb) under its key
-- columns. Names are COLLATE "C" so that the list order, and so the
-- keyset, is byte order as in SQLite, whatever the database's collation.

CREATE TABLE catalog_databases (
    account_id  TEXT   NOT NULL,
    region      TEXT   NOT NULL,
    name        TEXT   COLLATE "C" NOT NULL,
    definition  TEXT   NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, name)
);

CREATE TABLE catalog_tables (
    account_id    TEXT   NOT NULL,
    region        TEXT   NOT NULL,
    database_name TEXT   COLLATE "C" NOT NULL,
    name          TEXT   COLLATE "C" NOT NULL,
    definition    TEXT   NOT NULL,
    create_time   BIGINT NOT NULL,
    update_time   BIGINT NOT NULL,
    version       BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, database_name, name),
    FOREIGN KEY (account_id, region, database_name)
        REFERENCES catalog_databases (account_id, region, name)
);
