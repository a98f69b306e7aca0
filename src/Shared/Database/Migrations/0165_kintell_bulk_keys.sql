-- Kintell sessions and ratings: keys and integrity checks that cost per chunk, not per row.
--
-- Profiled on a 1,000,000-row backfill (bench `backfill`), the raw binary COPY into these tables ran at 0.03 of a COPY into
-- a plain table. Per row it paid three foreign-key checks on kintell_sessions and one on kintell_ratings (each an
-- after-row trigger running an SPI query `SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE`, ~40 % of the time) and an
-- insert at a random place of each primary-key index (gen_random_uuid(): every insert touches a random leaf page).
--
-- 1. Time-ordered ids (UUID version 7: 48-bit Unix milliseconds, then random bits) for new rows: a new id sorts after
--    the ones before it, so primary-key inserts append to the rightmost leaf pages. Existing ids stay as they are.
--    PostgreSQL 18 has uuidv7(); this is the same layout for the versions we run (15+).
-- 2. The four foreign keys become statement-level constraint triggers with the same guarantee: after each statement
--    that inserts or updates sessions or ratings, the people and companies its rows name are locked FOR KEY SHARE —
--    once per distinct id, as the foreign-key check does per row — and a missing one fails the statement with
--    SQLSTATE 23503 (foreign_key_violation), as before. Deleting (or re-keying) a user or company that a session or
--    rating still names fails the same way (NO ACTION, checked at the end of the statement, with a fresh snapshot, so
--    a concurrent insert that locked the row first is seen once it commits). The trade: the constraints no longer
--    show as foreign keys in the catalog (tools that draw the schema from pg_constraint do not see them), and
--    the check runs once per statement over the statement's rows (transition tables) instead of once per row.
CREATE OR REPLACE FUNCTION impact.uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS
$$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                                          PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                                          FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$;

ALTER TABLE impact.kintell_sessions ALTER COLUMN id SET DEFAULT impact.uuid_v7();
ALTER TABLE impact.kintell_ratings ALTER COLUMN id SET DEFAULT impact.uuid_v7();

ALTER TABLE impact.kintell_sessions
    DROP CONSTRAINT kintell_sessions_participant_id_fkey,
    DROP CONSTRAINT kintell_sessions_volunteer_id_fkey,
    DROP CONSTRAINT kintell_sessions_company_id_fkey;
ALTER TABLE impact.kintell_ratings DROP CONSTRAINT kintell_ratings_rater_id_fkey;

-- The referencing side: every user and company the statement's rows name must exist, and stays until this transaction
-- ends. Locking and checking are one statement: a row deleted by a transaction that commits meanwhile is not returned
-- by FOR KEY SHARE (READ COMMITTED re-checks it), so it counts as missing.
CREATE OR REPLACE FUNCTION impact.kintell_check_references() RETURNS trigger
LANGUAGE plpgsql AS
$$
DECLARE
    missing_user    uuid;
    missing_company uuid;
BEGIN
    IF TG_TABLE_NAME = 'kintell_sessions' THEN
        WITH refs AS (
            SELECT DISTINCT company_id AS id FROM new_rows WHERE company_id IS NOT NULL
        ), locked AS (
            SELECT c.id FROM impact.companies c WHERE c.id IN (SELECT id FROM refs) FOR KEY SHARE OF c
        )
        SELECT r.id INTO missing_company FROM refs r WHERE r.id NOT IN (SELECT id FROM locked) LIMIT 1;
        IF missing_company IS NOT NULL THEN
            RAISE EXCEPTION 'insert or update on table "kintell_sessions" violates the reference to impact.companies'
                USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (company_id)=(%s) is not present in table "companies".', missing_company);
        END IF;

        WITH refs AS (
            SELECT participant_id AS id FROM new_rows WHERE participant_id IS NOT NULL
            UNION
            SELECT volunteer_id FROM new_rows WHERE volunteer_id IS NOT NULL
        ), locked AS (
            SELECT u.id FROM impact.users u WHERE u.id IN (SELECT id FROM refs) FOR KEY SHARE OF u
        )
        SELECT r.id INTO missing_user FROM refs r WHERE r.id NOT IN (SELECT id FROM locked) LIMIT 1;
    ELSE
        WITH refs AS (
            SELECT DISTINCT rater_id AS id FROM new_rows WHERE rater_id IS NOT NULL
        ), locked AS (
            SELECT u.id FROM impact.users u WHERE u.id IN (SELECT id FROM refs) FOR KEY SHARE OF u
        )
        SELECT r.id INTO missing_user FROM refs r WHERE r.id NOT IN (SELECT id FROM locked) LIMIT 1;
    END IF;

    IF missing_user IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates the reference to impact.users', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (%s)=(%s) is not present in table "users".',
                CASE WHEN TG_TABLE_NAME = 'kintell_sessions' THEN 'participant_id or volunteer_id' ELSE 'rater_id' END, missing_user);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER kintell_sessions_references_insert AFTER INSERT ON impact.kintell_sessions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.kintell_check_references();
CREATE TRIGGER kintell_sessions_references_update AFTER UPDATE ON impact.kintell_sessions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.kintell_check_references();
CREATE TRIGGER kintell_ratings_references_insert AFTER INSERT ON impact.kintell_ratings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.kintell_check_references();
CREATE TRIGGER kintell_ratings_references_update AFTER UPDATE ON impact.kintell_ratings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.kintell_check_references();

-- The referenced side: a user or company that a session or rating still names cannot be deleted or re-keyed (the
-- indexes on participant_id, volunteer_id, company_id and rater_id make each probe an index lookup).
CREATE OR REPLACE FUNCTION impact.kintell_check_referenced() RETURNS trigger
LANGUAGE plpgsql AS
$$
DECLARE
    gone uuid;
BEGIN
    IF TG_TABLE_NAME = 'users' AND TG_OP = 'DELETE' THEN
        SELECT o.id INTO gone FROM old_rows o
        WHERE EXISTS (SELECT 1 FROM impact.kintell_sessions s WHERE s.participant_id = o.id)
           OR EXISTS (SELECT 1 FROM impact.kintell_sessions s WHERE s.volunteer_id = o.id)
           OR EXISTS (SELECT 1 FROM impact.kintell_ratings r WHERE r.rater_id = o.id)
        LIMIT 1;
    ELSIF TG_TABLE_NAME = 'users' THEN
        SELECT o.id INTO gone FROM old_rows o
        WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id)
          AND (EXISTS (SELECT 1 FROM impact.kintell_sessions s WHERE s.participant_id = o.id)
               OR EXISTS (SELECT 1 FROM impact.kintell_sessions s WHERE s.volunteer_id = o.id)
               OR EXISTS (SELECT 1 FROM impact.kintell_ratings r WHERE r.rater_id = o.id))
        LIMIT 1;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT o.id INTO gone FROM old_rows o
        WHERE EXISTS (SELECT 1 FROM impact.kintell_sessions s WHERE s.company_id = o.id)
        LIMIT 1;
    ELSE
        SELECT o.id INTO gone FROM old_rows o
        WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id)
          AND EXISTS (SELECT 1 FROM impact.kintell_sessions s WHERE s.company_id = o.id)
        LIMIT 1;
    END IF;

    IF gone IS NOT NULL THEN
        RAISE EXCEPTION '% on table "%" violates a reference from the Kintell sessions or ratings', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced.', gone);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_kintell_referenced_delete AFTER DELETE ON impact.users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.kintell_check_referenced();
CREATE TRIGGER users_kintell_referenced_update AFTER UPDATE ON impact.users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.kintell_check_referenced();
CREATE TRIGGER companies_kintell_referenced_delete AFTER DELETE ON impact.companies
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.kintell_check_referenced();
CREATE TRIGGER companies_kintell_referenced_update AFTER UPDATE ON impact.companies
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.kintell_check_referenced();
