-- Timestamps are the time things happened, not the time their transaction began. now() is the transaction's start:
-- a job completed in the transaction that also started it, or an event appended at the end of a long transaction,
-- was stamped with that start (an erasure's privacy.user.deleted event 20 s before the erasure ended). Every column of
-- the schema defaulting to now() defaults to clock_timestamp() from here on; the code writes clock_timestamp() too.
-- Existing values stay as they are.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT table_name, column_name
        FROM information_schema.columns
        WHERE table_schema = 'impact' AND column_default = 'now()'
    LOOP
        EXECUTE format('ALTER TABLE impact.%I ALTER COLUMN %I SET DEFAULT clock_timestamp()', c.table_name, c.column_name);
    END LOOP;
END
$$;
