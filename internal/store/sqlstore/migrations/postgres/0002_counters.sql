-- The PostgreSQL twin of migrations/sqlite/0002_counters.sql: counts for
-- the quota checks, so that a check is one primary-key lookup instead of a
-- walk over every row the account has. Triggers keep them in the
-- statement, and so in the transaction, that changes the rows they count,
-- whoever writes them (this binary, a replica of the previous version
-- still running, or an operator's SQL). A count that falls to 0 keeps its
-- row.
--
-- collaboration_counts: the live (delete_time IS NULL) collaborations
-- each account created (CountCollaborationsCreatedBy).
-- membership_counts: each account's memberships by status
-- (CountMembershipsOf, any status filter).
--
-- Under SERIALIZABLE the counts stay exact with replicas writing side by
-- side: two transactions that change one account's count update the same
-- row, so the second waits for the first and, its snapshot being older
-- than the first's commit, is aborted with 40001 and run again (Transact
-- retries), now seeing the first's rows and count. A quota check reads the
-- count's row, so a concurrent create that changes it conflicts with the
-- check, exactly as it conflicted with the COUNT(*) over the rows before.
--
-- Cost: one trigger call and one upsert per counted write (tens of µs of
-- server CPU). Every change of a count row leaves a row version, and a
-- transaction cannot prune the versions it made itself, so one
-- transaction that changes the same count k times costs O(k²) (noticeable
-- from thousands: bulk loads should commit in batches). The service
-- changes a count at most a few times per transaction.
--
-- collaborations_live_by_creator, which the COUNT(*) used to read, stays:
-- replicas of the previous version, still running during a rolling
-- upgrade, count with it.

-- Hold off every writer until this migration commits, so that no row
-- commits between the backfill and the triggers (the migration runs at
-- READ COMMITTED: the backfill then sees every row committed before the
-- lock was granted). It is the lock CREATE TRIGGER takes anyway.
LOCK TABLE collaborations, memberships IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE collaboration_counts (
    account_id TEXT    NOT NULL PRIMARY KEY,
    n          INTEGER NOT NULL
);

CREATE TABLE membership_counts (
    account_id TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (account_id, status)
);

INSERT INTO collaboration_counts (account_id, n)
    SELECT creator_account_id, COUNT(*) FROM collaborations
    WHERE delete_time IS NULL GROUP BY creator_account_id;
INSERT INTO membership_counts (account_id, status, n)
    SELECT account_id, status, COUNT(*) FROM memberships GROUP BY account_id, status;

-- The functions name the tables unqualified: they resolve in the
-- search_path of the session that writes, which for the store is the
-- schema it migrated (the first of its search_path), where the tables are.
-- The WHEN clauses of the triggers keep the functions from running for
-- writes that do not change a count (most updates).

CREATE FUNCTION collaboration_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.delete_time IS NULL THEN
            UPDATE collaboration_counts SET n = n - 1 WHERE account_id = OLD.creator_account_id;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.delete_time IS NULL THEN
            INSERT INTO collaboration_counts AS cc (account_id, n) VALUES (NEW.creator_account_id, 1)
                ON CONFLICT (account_id) DO UPDATE SET n = cc.n + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER collaboration_counts_insert AFTER INSERT ON collaborations
    FOR EACH ROW WHEN (NEW.delete_time IS NULL)
    EXECUTE FUNCTION collaboration_counts_apply();
CREATE TRIGGER collaboration_counts_update AFTER UPDATE OF creator_account_id, delete_time ON collaborations
    FOR EACH ROW WHEN (OLD.creator_account_id IS DISTINCT FROM NEW.creator_account_id
        OR (OLD.delete_time IS NULL) IS DISTINCT FROM (NEW.delete_time IS NULL))
    EXECUTE FUNCTION collaboration_counts_apply();
CREATE TRIGGER collaboration_counts_delete AFTER DELETE ON collaborations
    FOR EACH ROW WHEN (OLD.delete_time IS NULL)
    EXECUTE FUNCTION collaboration_counts_apply();

CREATE FUNCTION membership_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE membership_counts SET n = n - 1 WHERE account_id = OLD.account_id AND status = OLD.status;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO membership_counts AS mc (account_id, status, n) VALUES (NEW.account_id, NEW.status, 1)
            ON CONFLICT (account_id, status) DO UPDATE SET n = mc.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER membership_counts_insert AFTER INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION membership_counts_apply();
CREATE TRIGGER membership_counts_update AFTER UPDATE OF account_id, status ON memberships
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION membership_counts_apply();
CREATE TRIGGER membership_counts_delete AFTER DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION membership_counts_apply();

-- TRUNCATE fires no row triggers; it empties the counts with the rows.
CREATE FUNCTION collaboration_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM collaboration_counts;
    RETURN NULL;
END
$$;
CREATE TRIGGER collaboration_counts_truncate AFTER TRUNCATE ON collaborations
    FOR EACH STATEMENT EXECUTE FUNCTION collaboration_counts_truncate();

CREATE FUNCTION membership_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM membership_counts;
    RETURN NULL;
END
$$;
CREATE TRIGGER membership_counts_truncate AFTER TRUNCATE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION membership_counts_truncate();
