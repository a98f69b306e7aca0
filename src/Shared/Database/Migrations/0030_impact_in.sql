-- Impact-In: scheduled deliveries of impact metrics to partner CSR platforms.
CREATE TABLE impact.scheduled_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id      uuid NOT NULL REFERENCES impact.companies (id),
    platform        text NOT NULL CHECK (platform IN ('benevity', 'goodera', 'workday')),
    -- What the operator asked for ('monthly', 'quarterly' or a cron expression) and what it means.
    schedule        text NOT NULL,
    cron_expression text NOT NULL,
    period_kind     text NOT NULL CHECK (period_kind IN ('month', 'quarter')),
    time_zone       text NOT NULL,
    -- The partner's own ids for the company and the programme (default: our company id).
    organization_id text,
    program_id      text,
    next_run        timestamptz NOT NULL,
    last_run        timestamptz,
    last_status     text,
    last_error      text,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT scheduled_deliveries_company_platform_key UNIQUE (company_id, platform)
);
-- The scheduler's claim query reads only active rows in next_run order.
CREATE INDEX scheduled_deliveries_due_idx ON impact.scheduled_deliveries (next_run) WHERE active;

CREATE TABLE impact.impact_deliveries (
    id              uuid PRIMARY KEY,
    schedule_id     uuid REFERENCES impact.scheduled_deliveries (id) ON DELETE SET NULL,
    company_id      uuid NOT NULL REFERENCES impact.companies (id),
    platform        text NOT NULL CHECK (platform IN ('benevity', 'goodera', 'workday')),
    period_kind     text NOT NULL CHECK (period_kind IN ('month', 'quarter')),
    period_start    date NOT NULL,
    period_end      date NOT NULL,
    time_zone       text NOT NULL,
    scheduled_for   timestamptz NOT NULL,
    organization_id text,
    program_id      text,
    -- The durable orchestration currently (or last) working on this delivery; a replay gets a new one.
    instance_id     text NOT NULL UNIQUE,
    -- Sent on every attempt and every replay, so the partner can drop duplicates.
    idempotency_key text NOT NULL,
    -- The exact body sent (text, not jsonb: the bytes must not change between attempts).
    payload         text,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed')),
    attempt_count   integer NOT NULL DEFAULT 0,
    replay_count    integer NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    -- When someone last took on starting the current instance: whoever sets it starts it, so two
    -- schedulers never start the same instance at once; a start lost in a crash is retaken later.
    start_requested_at timestamptz NOT NULL DEFAULT now(),
    -- A period is delivered once per schedule, however many timers or instances race for it.
    CONSTRAINT impact_deliveries_schedule_period_key UNIQUE (schedule_id, period_kind, period_start)
);
CREATE INDEX impact_deliveries_company_created_idx ON impact.impact_deliveries (company_id, created_at DESC);
CREATE INDEX impact_deliveries_created_idx ON impact.impact_deliveries (created_at DESC);
CREATE INDEX impact_deliveries_failed_idx ON impact.impact_deliveries (created_at) WHERE status = 'failed';
CREATE INDEX impact_deliveries_pending_idx ON impact.impact_deliveries (start_requested_at) WHERE status = 'pending';

CREATE TABLE impact.impact_delivery_attempts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id      uuid NOT NULL REFERENCES impact.impact_deliveries (id) ON DELETE CASCADE,
    attempt          integer NOT NULL,
    instance_id      text NOT NULL,
    started_at       timestamptz NOT NULL,
    duration_ms      integer NOT NULL,
    status_code      integer,
    outcome          text NOT NULL CHECK (outcome IN ('succeeded', 'retryable', 'final')),
    error            text,
    response_excerpt text,
    CONSTRAINT impact_delivery_attempts_delivery_attempt_key UNIQUE (delivery_id, attempt)
);
