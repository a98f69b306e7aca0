-- What the indexes of impact.events cost when events are written (see bench/results/journeys.md).
-- Run against a migrated database (after `bash scripts/services.sh up`; the port is in .local/services.env):
--   psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=impact" -f bench/sql/events-write-ab.sql
-- Each variant is a throw-away copy of impact.events with all its indexes and defaults (LIKE … INCLUDING ALL) and
-- 200,000 session events, changed as its name says. It then times 6,600 journey events (what one journeys pass
-- writes) and 50,000 session events (a Kintell burst) into each variant, in two rounds: the second goes in reverse order.
--   main             impact.events as it is (0020's GIN jsonb_path_ops over all of data, for privacy lookups)
--   no_data_index    without that GIN: the floor for any index that serves the privacy lookup
--   people_text      GIN over a text[] of the ids under participantId/volunteerId/userId/raterId instead
--   people_hash      GIN over an int4[] of their hashtext instead
--   people_btree     four partial btrees on the id expressions instead
--   event_id_v7      event_id defaults to impact.uuid_v7() (time-ordered) instead of gen_random_uuid()
--   v7_lean          event_id_v7 without events_company_id_idx (company_id, id), which (company_id, tx_id, id) also serves
\set QUIET on
\pset footer off

CREATE FUNCTION pg_temp.people_text(data jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN array_remove(ARRAY[data ->> 'participantId', data ->> 'volunteerId', data ->> 'userId', data ->> 'raterId'], NULL);
CREATE FUNCTION pg_temp.people_hash(data jsonb) RETURNS int4[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN array_remove(ARRAY[hashtext(data ->> 'participantId'), hashtext(data ->> 'volunteerId'),
                              hashtext(data ->> 'userId'), hashtext(data ->> 'raterId')], NULL);

-- Inserts n events of a kind into a table and returns the milliseconds it took.
CREATE FUNCTION pg_temp.insert_events(tbl text, kind text, n int) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    data text := CASE kind
        WHEN 'journey' THEN $d$jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready',
                                                   'change', 'set', 'ruleId', 'mentor_ready')$d$
        ELSE $d$jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text,
                                   'sessionId', g::text, 'durationMin', 60)$d$ END;
BEGIN
    EXECUTE format($q$INSERT INTO %I (company_id, type, data)
                      SELECT ('00000000-0000-0000-0000-00000000000' || (g %% 10))::uuid, %L, %s
                      FROM generate_series(1, $1) g$q$, tbl, kind, data) USING n;
    RETURN round(extract(epoch FROM clock_timestamp() - started)::numeric * 1000, 1);
END $$;

-- Drops the copy's index whose definition matches a pattern (copies get generated index names).
CREATE FUNCTION pg_temp.drop_index(tbl text, definition text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE (SELECT 'DROP INDEX ' || string_agg(indexrelid::regclass::text, ', ')
             FROM pg_index WHERE indrelid = tbl::regclass AND pg_get_indexdef(indexrelid) ~ definition);
END $$;

CREATE TEMP TABLE variants (n int, name text);
INSERT INTO variants VALUES (1, 'main'), (2, 'no_data_index'), (3, 'people_text'), (4, 'people_hash'),
                            (5, 'people_btree'), (6, 'event_id_v7'), (7, 'v7_lean');
SELECT format('DROP TABLE IF EXISTS %I; CREATE TABLE %I (LIKE impact.events INCLUDING ALL);', name, name) FROM variants \gexec

DO $$ BEGIN PERFORM pg_temp.drop_index(name, 'gin \(data jsonb_path_ops\)') FROM variants WHERE n BETWEEN 2 AND 5; END $$;
CREATE INDEX ON people_text USING gin (pg_temp.people_text(data));
CREATE INDEX ON people_hash USING gin (pg_temp.people_hash(data));
CREATE INDEX ON people_btree ((data ->> 'participantId')) WHERE data ? 'participantId';
CREATE INDEX ON people_btree ((data ->> 'volunteerId')) WHERE data ? 'volunteerId';
CREATE INDEX ON people_btree ((data ->> 'userId')) WHERE data ? 'userId';
CREATE INDEX ON people_btree ((data ->> 'raterId')) WHERE data ? 'raterId';
ALTER TABLE event_id_v7 ALTER COLUMN event_id SET DEFAULT impact.uuid_v7();
ALTER TABLE v7_lean ALTER COLUMN event_id SET DEFAULT impact.uuid_v7();
DO $$ BEGIN PERFORM pg_temp.drop_index('v7_lean', '\(company_id, id\)'); END $$;

DO $$ BEGIN PERFORM pg_temp.insert_events(name, 'session', 200000) FROM variants ORDER BY n; END $$;
SELECT format('VACUUM ANALYZE %I', name) FROM variants \gexec

\echo 'milliseconds to insert, per variant and round (round 2 runs the variants in reverse order)'
CREATE TEMP TABLE timings (round int, n int, journey_ms numeric, session_ms numeric);
INSERT INTO timings SELECT 1, n, pg_temp.insert_events(name, 'journey', 6600), pg_temp.insert_events(name, 'session', 50000)
FROM (SELECT * FROM variants ORDER BY n) v;
INSERT INTO timings SELECT 2, n, pg_temp.insert_events(name, 'journey', 6600), pg_temp.insert_events(name, 'session', 50000)
FROM (SELECT * FROM variants ORDER BY n DESC) v;
SELECT v.name AS variant,
       max(journey_ms) FILTER (WHERE round = 1) AS "6,600 journey r1", max(journey_ms) FILTER (WHERE round = 2) AS "6,600 journey r2",
       max(session_ms) FILTER (WHERE round = 1) AS "50,000 session r1", max(session_ms) FILTER (WHERE round = 2) AS "50,000 session r2",
       (SELECT pg_size_pretty(sum(pg_relation_size(indexrelid))) FROM pg_index WHERE indrelid = v.name::regclass) AS "index size"
FROM variants v JOIN timings t USING (n) GROUP BY v.n, v.name ORDER BY v.n;

SELECT format('DROP TABLE %I', name) FROM variants \gexec
