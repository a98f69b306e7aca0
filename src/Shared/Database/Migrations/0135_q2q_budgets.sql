-- Q2Q cost control (SPEC §I): prices per model, a monthly AI budget per company with its spend ledger,
-- reservations taken before every paid provider call, and the per-company request windows of the rate
-- limit. Shared by every instance: nothing of this is kept in process memory.

-- USD per 1,000,000 tokens, from models.yaml (the embedded classifier costs nothing).
ALTER TABLE impact.model_registry
    ADD COLUMN input_usd_per_1m  numeric(12, 6) NOT NULL DEFAULT 0 CHECK (input_usd_per_1m >= 0),
    ADD COLUMN output_usd_per_1m numeric(12, 6) NOT NULL DEFAULT 0 CHECK (output_usd_per_1m >= 0);

-- A company's monthly budget, set by an operator. A company without a row has Q2QCost:DefaultMonthlyBudgetUsd.
CREATE TABLE impact.q2q_budgets (
    company_id   uuid PRIMARY KEY REFERENCES impact.companies (id) ON DELETE CASCADE,
    monthly_usd  numeric(14, 6) NOT NULL CHECK (monthly_usd >= 0),
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_by   text NOT NULL
);

-- One row per company and calendar month (UTC): settled spend, open reservations, calls and tokens.
-- Invariant kept by the single conditional upsert that reserves: spent_usd + reserved_usd <= budget
-- (settlement can only lower it, since a reservation is an upper bound of the call's cost).
CREATE TABLE impact.q2q_spend (
    company_id    uuid NOT NULL REFERENCES impact.companies (id) ON DELETE CASCADE,
    month         date NOT NULL CHECK (extract(day FROM month) = 1),
    spent_usd     numeric(20, 10) NOT NULL DEFAULT 0 CHECK (spent_usd >= 0),
    reserved_usd  numeric(20, 10) NOT NULL DEFAULT 0 CHECK (reserved_usd >= 0),
    requests      bigint NOT NULL DEFAULT 0,
    input_tokens  bigint NOT NULL DEFAULT 0,
    output_tokens bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, month)
);

-- Every paid provider call: reserved before it, then settled from the provider's token usage, released when
-- the call failed (or never happened), or expired by the sweeper when its process died holding it.
CREATE TABLE impact.q2q_reservations (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id     uuid NOT NULL,
    month          date NOT NULL,
    provider       text NOT NULL,
    model_id       text NOT NULL,
    estimated_usd  numeric(20, 10) NOT NULL CHECK (estimated_usd >= 0),
    actual_usd     numeric(20, 10),
    input_tokens   bigint,
    output_tokens  bigint,
    status         text NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'settled', 'released', 'expired')),
    called         boolean NOT NULL DEFAULT false,
    reserved_at    timestamptz NOT NULL,
    finished_at    timestamptz
);
CREATE INDEX q2q_reservations_open_idx ON impact.q2q_reservations (reserved_at) WHERE status = 'reserved';
CREATE INDEX q2q_reservations_company_idx ON impact.q2q_reservations (company_id, month);

-- The rate limit: a fixed one-minute window per company (window_start = the minute, UTC, from the app's clock).
CREATE TABLE impact.q2q_rate_windows (
    company_id   uuid NOT NULL,
    window_start timestamptz NOT NULL,
    requests     integer NOT NULL CHECK (requests >= 0),
    PRIMARY KEY (company_id, window_start)
);

-- Texts a budget or the rate limit turned away wait as 'deferred' until retry_at; the outbox sweeper queues them again.
ALTER TABLE impact.texts ADD COLUMN retry_at timestamptz;
CREATE INDEX texts_deferred_idx ON impact.texts (retry_at) WHERE status = 'deferred';
