-- Protected queries (see the conventions in 0001_init.sql). A query is
-- never deleted and has no foreign key to its membership: it is the
-- record of what was asked, kept when a membership leaves. JSON columns
-- hold what was given (sql_parameters, result_configuration, compute),
-- what the service resolved at start (plan, receivers) and the outcome
-- (result, error).

CREATE TABLE protected_queries (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    id                   TEXT    NOT NULL UNIQUE,
    account_id           TEXT    NOT NULL,
    region               TEXT    NOT NULL,
    membership_id        TEXT    NOT NULL,
    collaboration_id     TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    sql_parameters       TEXT    NOT NULL,
    result_configuration TEXT,
    compute              TEXT,
    payer_account_id     TEXT    NOT NULL,
    plan                 TEXT    NOT NULL,
    receivers            TEXT    NOT NULL,
    result               TEXT,
    error                TEXT,
    duration_millis      INTEGER NOT NULL,
    lease_owner          TEXT    NOT NULL,
    lease_expires        INTEGER NOT NULL,
    attempts             INTEGER NOT NULL,
    create_time          INTEGER NOT NULL,
    update_time          INTEGER NOT NULL
) STRICT;

-- CountUnfinishedQueriesOf.
CREATE INDEX protected_queries_by_membership ON protected_queries (membership_id, status);
-- NextRunnableQuery: unfinished queries only, those nobody runs (a zero
-- lease) first, then expired leases, each oldest first.
CREATE INDEX protected_queries_unfinished ON protected_queries (lease_expires, seq)
    WHERE status IN ('SUBMITTED', 'STARTED', 'CANCELLING');

-- Who sees a query: the querier's membership and each receiver's, with
-- the query's seq so that ListProtectedQueriesOf seeks newest first.
CREATE TABLE protected_query_viewers (
    membership_id TEXT    NOT NULL,
    query_seq     INTEGER NOT NULL REFERENCES protected_queries (seq),
    PRIMARY KEY (membership_id, query_seq)
) STRICT, WITHOUT ROWID;
