-- Cohorts (SPEC §K): a company's named group of people chosen by filters, its members kept current from the event
-- stream, and exact metrics per cohort × metric × period, precomputed only for the periods that changed.
CREATE TABLE impact.cohorts (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id           uuid NOT NULL REFERENCES impact.companies (id),
    name                 text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    -- Filters; NULL means "any". The first session is the person's earliest completed session with the company
    -- (of session_type, in role, when given); its month and CEFR level are the cohort's "start".
    session_type         text CHECK (session_type IN ('language', 'mentorship')),
    language             text CHECK (language IN ('en', 'uk', 'no')),
    cefr_at_start        text[] CHECK (cefr_at_start <@ ARRAY['A1', 'A2', 'B1', 'B2', 'C1', 'C2']),
    first_session_from   date,
    first_session_to     date,
    role                 text CHECK (role IN ('participant', 'volunteer')),
    member_count         integer NOT NULL DEFAULT 0,
    -- Set when the filters change (or the cohort is new): the refresher rebuilds its membership and metrics.
    rebuild_requested_at timestamptz DEFAULT clock_timestamp(),
    metrics_refreshed_at timestamptz,
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (first_session_from IS NULL OR first_session_to IS NULL OR first_session_from <= first_session_to)
);
CREATE INDEX cohorts_company_idx ON impact.cohorts (company_id, created_at);
CREATE INDEX cohorts_rebuild_idx ON impact.cohorts (rebuild_requested_at) WHERE rebuild_requested_at IS NOT NULL;

CREATE TABLE impact.cohort_members (
    cohort_id  uuid NOT NULL REFERENCES impact.cohorts (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES impact.users (id) ON DELETE CASCADE,
    joined_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_members_user_idx ON impact.cohort_members (user_id);

-- One row per cohort × metric × period with data. A period's row is replaced in one transaction, so a reader
-- (MVCC) sees the previous complete row until the new one commits, and never waits.
CREATE TABLE impact.cohort_metrics (
    cohort_id    uuid NOT NULL REFERENCES impact.cohorts (id) ON DELETE CASCADE,
    metric       text NOT NULL,
    period_kind  text NOT NULL CHECK (period_kind IN ('month', 'quarter')),
    period_start date NOT NULL,
    n            integer NOT NULL CHECK (n > 0),
    avg          double precision NOT NULL,
    p50          double precision NOT NULL,
    p75          double precision NOT NULL,
    p95          double precision NOT NULL,
    min          double precision NOT NULL,
    max          double precision NOT NULL,
    stddev       double precision,
    computed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (cohort_id, metric, period_kind, period_start)
);
-- "Top cohorts": every cohort's row of one metric and period.
CREATE INDEX cohort_metrics_period_idx ON impact.cohort_metrics (metric, period_kind, period_start);

-- Periods whose rows are out of date: filled from events (commit-safe cursor 'cohorts'), drained by the refresher.
CREATE TABLE impact.cohort_dirty_periods (
    cohort_id    uuid NOT NULL REFERENCES impact.cohorts (id) ON DELETE CASCADE,
    metric       text NOT NULL,
    period_kind  text NOT NULL CHECK (period_kind IN ('month', 'quarter')),
    period_start date NOT NULL,
    marked_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (cohort_id, metric, period_kind, period_start)
);

-- The values a cohort metric is computed from are read per source table (CohortRefresher.MemberPoints), driven by
-- the members through these indexes: a session's hours for its participant and for its volunteer, a rating for its
-- rater, an outcome score for its writer (outcome_scores_user_dimension_idx).
CREATE INDEX kintell_ratings_rater_rated_idx ON impact.kintell_ratings (rater_id, rated_at);
CREATE INDEX kintell_sessions_participant_completed_idx ON impact.kintell_sessions (participant_id, completed_at);
CREATE INDEX kintell_sessions_volunteer_completed_idx ON impact.kintell_sessions (volunteer_id, completed_at);

INSERT INTO impact.event_cursors (name) VALUES ('cohorts') ON CONFLICT DO NOTHING;
