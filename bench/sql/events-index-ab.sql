-- A/B of the index that lets privacy export and erasure find a person's events (see bench/results/journeys.md).
-- Run against a migrated database:  psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=impact" -f bench/sql/events-index-ab.sql
-- Builds throw-away copies of impact.events with 200,000 session events, then times inserting 6,600 journey events
-- and 50,000 session events into each copy. Copies: ab_none (no data index), ab_old (0020's GIN jsonb_path_ops over
-- all of data, what main has), ab_text (GIN over a text[] of the ids under participantId/volunteerId/userId/raterId),
-- ab_hash (GIN over an int4[] of their hashtext), ab_bt (four partial btrees on the id expressions).
\set QUIET on
DROP TABLE IF EXISTS ab_none, ab_old, ab_text, ab_hash, ab_bt;
CREATE FUNCTION pg_temp.people_text(data jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN array_remove(ARRAY[data->>'participantId', data->>'volunteerId', data->>'userId', data->>'raterId'], NULL);
CREATE FUNCTION pg_temp.people_hash(data jsonb) RETURNS int4[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN array_remove(ARRAY[hashtext(data->>'participantId'), hashtext(data->>'volunteerId'), hashtext(data->>'userId'), hashtext(data->>'raterId')], NULL);
CREATE TABLE ab_none (LIKE impact.events INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TABLE ab_old  (LIKE impact.events INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TABLE ab_text (LIKE impact.events INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TABLE ab_hash (LIKE impact.events INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TABLE ab_bt   (LIKE impact.events INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE INDEX ON ab_old USING gin (data jsonb_path_ops);
CREATE INDEX ON ab_text USING gin (pg_temp.people_text(data));
CREATE INDEX ON ab_hash USING gin (pg_temp.people_hash(data));
CREATE INDEX ON ab_bt ((data->>'participantId')) WHERE data ? 'participantId';
CREATE INDEX ON ab_bt ((data->>'volunteerId')) WHERE data ? 'volunteerId';
CREATE INDEX ON ab_bt ((data->>'userId')) WHERE data ? 'userId';
CREATE INDEX ON ab_bt ((data->>'raterId')) WHERE data ? 'raterId';
INSERT INTO ab_none (company_id, type, data)
SELECT gen_random_uuid(), 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text,
       'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60, 'occurredAt', now()::text)
FROM generate_series(1, 200000) g;
INSERT INTO ab_old  (company_id, type, data) SELECT company_id, type, data FROM ab_none;
INSERT INTO ab_text (company_id, type, data) SELECT company_id, type, data FROM ab_none;
INSERT INTO ab_hash (company_id, type, data) SELECT company_id, type, data FROM ab_none;
INSERT INTO ab_bt   (company_id, type, data) SELECT company_id, type, data FROM ab_none;
VACUUM ANALYZE ab_none; VACUUM ANALYZE ab_old; VACUUM ANALYZE ab_text; VACUUM ANALYZE ab_hash; VACUUM ANALYZE ab_bt;
\timing on
\echo ab_none: 6,600 journey events
INSERT INTO ab_none (company_id, type, data) SELECT gen_random_uuid(), 'journey.flag_set', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'ruleId', 'mentor-ready', 'setAt', now()::text, 'expiresAt', null) FROM generate_series(1, 6600) g;
\echo ab_none: 50,000 session events
INSERT INTO ab_none (company_id, type, data) SELECT gen_random_uuid(), 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60, 'occurredAt', now()::text) FROM generate_series(1, 50000) g;
\echo ab_old: 6,600 journey events
INSERT INTO ab_old (company_id, type, data) SELECT gen_random_uuid(), 'journey.flag_set', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'ruleId', 'mentor-ready', 'setAt', now()::text, 'expiresAt', null) FROM generate_series(1, 6600) g;
\echo ab_old: 50,000 session events
INSERT INTO ab_old (company_id, type, data) SELECT gen_random_uuid(), 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60, 'occurredAt', now()::text) FROM generate_series(1, 50000) g;
\echo ab_text: 6,600 journey events
INSERT INTO ab_text (company_id, type, data) SELECT gen_random_uuid(), 'journey.flag_set', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'ruleId', 'mentor-ready', 'setAt', now()::text, 'expiresAt', null) FROM generate_series(1, 6600) g;
\echo ab_text: 50,000 session events
INSERT INTO ab_text (company_id, type, data) SELECT gen_random_uuid(), 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60, 'occurredAt', now()::text) FROM generate_series(1, 50000) g;
\echo ab_hash: 6,600 journey events
INSERT INTO ab_hash (company_id, type, data) SELECT gen_random_uuid(), 'journey.flag_set', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'ruleId', 'mentor-ready', 'setAt', now()::text, 'expiresAt', null) FROM generate_series(1, 6600) g;
\echo ab_hash: 50,000 session events
INSERT INTO ab_hash (company_id, type, data) SELECT gen_random_uuid(), 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60, 'occurredAt', now()::text) FROM generate_series(1, 50000) g;
\echo ab_bt: 6,600 journey events
INSERT INTO ab_bt (company_id, type, data) SELECT gen_random_uuid(), 'journey.flag_set', jsonb_build_object('userId', gen_random_uuid()::text, 'flag', 'mentor_ready', 'ruleId', 'mentor-ready', 'setAt', now()::text, 'expiresAt', null) FROM generate_series(1, 6600) g;
\echo ab_bt: 50,000 session events
INSERT INTO ab_bt (company_id, type, data) SELECT gen_random_uuid(), 'kintell.session', jsonb_build_object('participantId', gen_random_uuid()::text, 'volunteerId', gen_random_uuid()::text, 'sessionId', g::text, 'durationMin', 60, 'occurredAt', now()::text) FROM generate_series(1, 50000) g;
\timing off
SELECT indexrelid::regclass AS index, pg_size_pretty(pg_relation_size(indexrelid)) AS size
FROM pg_index WHERE indrelid::regclass::text LIKE 'ab\_%' ORDER BY 1;
DROP TABLE ab_none, ab_old, ab_text, ab_hash, ab_bt;
