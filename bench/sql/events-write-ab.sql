-- A/B of the cost of writing events (see bench/results/journeys.md): throw-away copies of impact.events with all its
-- indexes and defaults (LIKE … INCLUDING ALL), 500,000 events preloaded, then 6,600 journey events and 50,000
-- session events inserted into each, twice, in alternating order.
-- Run against a migrated database:  psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=impact" -f bench/sql/events-write-ab.sql
-- w_main: as impact.events is. w_v7: event_id defaults to impact.uuid_v7() (time-ordered) instead of
-- gen_random_uuid(). w_lean: w_v7 without events_company_id_idx (company_id, id), whose lookups
-- events_company_tx_id_idx (company_id, tx_id, id) also answers.
\set QUIET on
DROP TABLE IF EXISTS w_main, w_v7, w_lean;
CREATE TABLE w_main (LIKE impact.events INCLUDING ALL);
CREATE TABLE w_v7 (LIKE impact.events INCLUDING ALL);
ALTER TABLE w_v7 ALTER COLUMN event_id SET DEFAULT impact.uuid_v7();
CREATE TABLE w_lean (LIKE impact.events INCLUDING ALL);
ALTER TABLE w_lean ALTER COLUMN event_id SET DEFAULT impact.uuid_v7();
DO $$ DECLARE i text; BEGIN
  SELECT indexrelid::regclass::text INTO i FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
  WHERE x.indrelid = 'w_lean'::regclass AND a.attname = 'company_id' AND x.indnatts = 2;
  EXECUTE 'DROP INDEX ' || i;
END $$;
INSERT INTO w_main (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60) FROM generate_series(1, 500000) g;
INSERT INTO w_v7 (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60) FROM generate_series(1, 500000) g;
INSERT INTO w_lean (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60) FROM generate_series(1, 500000) g;
VACUUM ANALYZE w_main; VACUUM ANALYZE w_v7; VACUUM ANALYZE w_lean;
\timing on
\echo round 1 w_main: 6,600 journey events
INSERT INTO w_main (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'journey.flag.updated', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'change', 'set', 'ruleId', 'mentor_ready') FROM generate_series(1, 6600) g;
\echo round 1 w_main: 50,000 session events
INSERT INTO w_main (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60) FROM generate_series(1, 50000) g;
\echo round 1 w_v7: 6,600 journey events
INSERT INTO w_v7 (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'journey.flag.updated', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'change', 'set', 'ruleId', 'mentor_ready') FROM generate_series(1, 6600) g;
\echo round 1 w_v7: 50,000 session events
INSERT INTO w_v7 (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60) FROM generate_series(1, 50000) g;
\echo round 1 w_lean: 6,600 journey events
INSERT INTO w_lean (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'journey.flag.updated', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'change', 'set', 'ruleId', 'mentor_ready') FROM generate_series(1, 6600) g;
\echo round 1 w_lean: 50,000 session events
INSERT INTO w_lean (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60) FROM generate_series(1, 50000) g;
\echo round 2 w_lean: 6,600 journey events
INSERT INTO w_lean (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'journey.flag.updated', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'change', 'set', 'ruleId', 'mentor_ready') FROM generate_series(1, 6600) g;
\echo round 2 w_lean: 50,000 session events
INSERT INTO w_lean (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60) FROM generate_series(1, 50000) g;
\echo round 2 w_v7: 6,600 journey events
INSERT INTO w_v7 (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'journey.flag.updated', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'change', 'set', 'ruleId', 'mentor_ready') FROM generate_series(1, 6600) g;
\echo round 2 w_v7: 50,000 session events
INSERT INTO w_v7 (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60) FROM generate_series(1, 50000) g;
\echo round 2 w_main: 6,600 journey events
INSERT INTO w_main (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'journey.flag.updated', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'change', 'set', 'ruleId', 'mentor_ready') FROM generate_series(1, 6600) g;
\echo round 2 w_main: 50,000 session events
INSERT INTO w_main (company_id, type, data) SELECT ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60) FROM generate_series(1, 50000) g;
\timing off
DROP TABLE w_main, w_v7, w_lean;
