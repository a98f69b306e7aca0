-- Core schema: companies, people, partner webhook deliveries, Kintell data, domain events.
-- Later features add their own numbered scripts; never edit an applied script.
CREATE SCHEMA IF NOT EXISTS impact;

CREATE TABLE impact.companies (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name              text NOT NULL,
    -- Volunteers are matched to their employer by e-mail domain.
    email_domain      text UNIQUE,
    streaming_enabled boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE impact.users (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email        text NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name text,
    role         text CHECK (role IN ('participant', 'volunteer')),
    company_id   uuid REFERENCES impact.companies (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE impact.webhook_deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source       text NOT NULL,
    delivery_id  text NOT NULL,
    event_type   text NOT NULL,
    payload_hash text NOT NULL,
    payload      jsonb NOT NULL,
    status       text NOT NULL DEFAULT 'received'
                 CHECK (status IN ('received', 'queued', 'processed', 'failed', 'dead_lettered', 'discarded')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    queued_at    timestamptz,
    processed_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- Decides races between concurrent retries of one delivery: no read-then-write.
    CONSTRAINT webhook_deliveries_source_delivery_id_key UNIQUE (source, delivery_id)
);
-- The outbox sweeper looks only at rows still waiting to be queued.
CREATE INDEX webhook_deliveries_received_idx ON impact.webhook_deliveries (received_at) WHERE status = 'received';
CREATE INDEX webhook_deliveries_dead_idx ON impact.webhook_deliveries (updated_at) WHERE status = 'dead_lettered';

CREATE TABLE impact.kintell_sessions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    external_id      text NOT NULL UNIQUE,
    session_type     text NOT NULL CHECK (session_type IN ('language', 'mentorship')),
    participant_id   uuid REFERENCES impact.users (id),
    volunteer_id     uuid REFERENCES impact.users (id),
    company_id       uuid REFERENCES impact.companies (id),
    scheduled_at     timestamptz,
    completed_at     timestamptz,
    duration_minutes integer CHECK (duration_minutes >= 0),
    topics           text[],
    language_level   text CHECK (language_level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')),
    source           text NOT NULL DEFAULT 'webhook',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kintell_sessions_participant_idx ON impact.kintell_sessions (participant_id);
CREATE INDEX kintell_sessions_volunteer_idx ON impact.kintell_sessions (volunteer_id);
CREATE INDEX kintell_sessions_company_completed_idx ON impact.kintell_sessions (company_id, completed_at);

CREATE TABLE impact.kintell_ratings (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    external_id         text NOT NULL UNIQUE,
    -- The partner's session id: a rating may arrive before its session.
    session_external_id text NOT NULL,
    rater_id            uuid REFERENCES impact.users (id),
    from_role           text NOT NULL CHECK (from_role IN ('participant', 'volunteer')),
    rating              smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    rating_normalized   double precision NOT NULL CHECK (rating_normalized BETWEEN 0 AND 1),
    feedback_text       text,
    rated_at            timestamptz NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kintell_ratings_session_idx ON impact.kintell_ratings (session_external_id);
CREATE INDEX kintell_ratings_rater_idx ON impact.kintell_ratings (rater_id);

CREATE TABLE impact.kintell_bookings (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    external_id    text NOT NULL UNIQUE,
    session_type   text NOT NULL CHECK (session_type IN ('language', 'mentorship')),
    participant_id uuid REFERENCES impact.users (id),
    volunteer_id   uuid REFERENCES impact.users (id),
    company_id     uuid REFERENCES impact.companies (id),
    scheduled_at   timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kintell_bookings_participant_idx ON impact.kintell_bookings (participant_id);
CREATE INDEX kintell_bookings_volunteer_idx ON impact.kintell_bookings (volunteer_id);

-- Append-only domain events, written in the same transaction as the change they describe.
CREATE TABLE impact.events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    company_id     uuid,
    type           text NOT NULL,
    correlation_id text,
    data           jsonb NOT NULL,
    occurred_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_company_id_idx ON impact.events (company_id, id);
CREATE INDEX events_occurred_at_idx ON impact.events (occurred_at);

-- Who did what on the admin surface (dead-letter discards, replays, ...).
CREATE TABLE impact.audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action       text NOT NULL,
    subject      text NOT NULL,
    details      jsonb,
    performed_by text NOT NULL,
    performed_at timestamptz NOT NULL DEFAULT now()
);
