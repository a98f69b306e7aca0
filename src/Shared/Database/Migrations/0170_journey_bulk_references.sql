-- Journey flags, flag history and milestones: reference checks that cost per statement, not per row.
--
-- Profiled on the journeys benchmark (bench `journeys`: 3,300 flags, 3,300 milestones and 3,300 history rows written by
-- one evaluator pass), the six per-row foreign-key checks (user_id and company_id of each table; an after-row trigger
-- each, running `SELECT 1 … FOR KEY SHARE` per row) took 118 ms of the 146 ms the three inserts cost in psql.
--
-- As migration 0165 did for the Kintell tables, they become statement-level triggers with the same guarantee:
-- * after each statement that inserts or updates rows of these tables, the users and companies its rows name are
--   locked FOR KEY SHARE, once per distinct id, and a missing one fails the statement with SQLSTATE 23503;
-- * deleting a user deletes their flags, history and milestones in the same statement (ON DELETE CASCADE before);
-- * re-keying a user, or deleting or re-keying a company, that these rows still name fails with 23503 (NO ACTION).
-- The trade is the one 0165 states: the constraints no longer appear as foreign keys in the catalog.
ALTER TABLE impact.journey_flags
    DROP CONSTRAINT journey_flags_user_id_fkey,
    DROP CONSTRAINT journey_flags_company_id_fkey;
ALTER TABLE impact.journey_flag_history
    DROP CONSTRAINT journey_flag_history_user_id_fkey,
    DROP CONSTRAINT journey_flag_history_company_id_fkey;
ALTER TABLE impact.journey_milestones
    DROP CONSTRAINT journey_milestones_user_id_fkey,
    DROP CONSTRAINT journey_milestones_company_id_fkey;

-- Probes of the referenced side by company (the user side has the primary keys and journey_flag_history_user_idx).
CREATE INDEX journey_flags_company_idx ON impact.journey_flags (company_id);
CREATE INDEX journey_milestones_company_idx ON impact.journey_milestones (company_id);
CREATE INDEX journey_flag_history_company_idx ON impact.journey_flag_history (company_id);

CREATE OR REPLACE FUNCTION impact.journey_check_references() RETURNS trigger
LANGUAGE plpgsql AS
$$
DECLARE
    missing_user    uuid;
    missing_company uuid;
BEGIN
    WITH refs AS (
        SELECT DISTINCT company_id AS id FROM new_rows WHERE company_id IS NOT NULL
    ), locked AS (
        SELECT c.id FROM impact.companies c WHERE c.id IN (SELECT id FROM refs) FOR KEY SHARE OF c
    )
    SELECT r.id INTO missing_company FROM refs r WHERE r.id NOT IN (SELECT id FROM locked) LIMIT 1;
    IF missing_company IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates the reference to impact.companies', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (company_id)=(%s) is not present in table "companies".', missing_company);
    END IF;

    WITH refs AS (
        SELECT DISTINCT user_id AS id FROM new_rows
    ), locked AS (
        SELECT u.id FROM impact.users u WHERE u.id IN (SELECT id FROM refs) FOR KEY SHARE OF u
    )
    SELECT r.id INTO missing_user FROM refs r WHERE r.id NOT IN (SELECT id FROM locked) LIMIT 1;
    IF missing_user IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates the reference to impact.users', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (user_id)=(%s) is not present in table "users".', missing_user);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER journey_flags_references_insert AFTER INSERT ON impact.journey_flags
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_references();
CREATE TRIGGER journey_flags_references_update AFTER UPDATE ON impact.journey_flags
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_references();
CREATE TRIGGER journey_flag_history_references_insert AFTER INSERT ON impact.journey_flag_history
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_references();
CREATE TRIGGER journey_flag_history_references_update AFTER UPDATE ON impact.journey_flag_history
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_references();
CREATE TRIGGER journey_milestones_references_insert AFTER INSERT ON impact.journey_milestones
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_references();
CREATE TRIGGER journey_milestones_references_update AFTER UPDATE ON impact.journey_milestones
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_references();

-- The referenced side. A deleted user takes their journey rows with them (the cascade the foreign keys had); a user
-- re-keyed, or a company deleted or re-keyed, while journey rows still name it fails the statement.
CREATE OR REPLACE FUNCTION impact.journey_check_referenced() RETURNS trigger
LANGUAGE plpgsql AS
$$
DECLARE
    gone uuid;
BEGIN
    IF TG_TABLE_NAME = 'users' AND TG_OP = 'DELETE' THEN
        DELETE FROM impact.journey_flags f USING old_rows o WHERE f.user_id = o.id;
        DELETE FROM impact.journey_flag_history h USING old_rows o WHERE h.user_id = o.id;
        DELETE FROM impact.journey_milestones m USING old_rows o WHERE m.user_id = o.id;
        RETURN NULL;
    END IF;

    IF TG_TABLE_NAME = 'users' THEN
        SELECT o.id INTO gone FROM old_rows o
        WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id)
          AND (EXISTS (SELECT 1 FROM impact.journey_flags f WHERE f.user_id = o.id)
               OR EXISTS (SELECT 1 FROM impact.journey_flag_history h WHERE h.user_id = o.id)
               OR EXISTS (SELECT 1 FROM impact.journey_milestones m WHERE m.user_id = o.id))
        LIMIT 1;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT o.id INTO gone FROM old_rows o
        WHERE EXISTS (SELECT 1 FROM impact.journey_flags f WHERE f.company_id = o.id)
           OR EXISTS (SELECT 1 FROM impact.journey_flag_history h WHERE h.company_id = o.id)
           OR EXISTS (SELECT 1 FROM impact.journey_milestones m WHERE m.company_id = o.id)
        LIMIT 1;
    ELSE
        SELECT o.id INTO gone FROM old_rows o
        WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id)
          AND (EXISTS (SELECT 1 FROM impact.journey_flags f WHERE f.company_id = o.id)
               OR EXISTS (SELECT 1 FROM impact.journey_flag_history h WHERE h.company_id = o.id)
               OR EXISTS (SELECT 1 FROM impact.journey_milestones m WHERE m.company_id = o.id))
        LIMIT 1;
    END IF;

    IF gone IS NOT NULL THEN
        RAISE EXCEPTION '% on table "%" violates a reference from the journey flags, history or milestones', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced.', gone);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_journey_referenced_delete AFTER DELETE ON impact.users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_referenced();
CREATE TRIGGER users_journey_referenced_update AFTER UPDATE ON impact.users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_referenced();
CREATE TRIGGER companies_journey_referenced_delete AFTER DELETE ON impact.companies
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_referenced();
CREATE TRIGGER companies_journey_referenced_update AFTER UPDATE ON impact.companies
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION impact.journey_check_referenced();
