-- Q2Q drift checks (SPEC §I): per company and language, the outcome-score label distributions of a recent window
-- against a baseline window (PSI and Jensen–Shannon divergence per dimension; see DriftMath). One row per check run.
CREATE TABLE impact.drift_checks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id      uuid NOT NULL REFERENCES impact.companies (id),
    language        text NOT NULL,
    recent_from     timestamptz NOT NULL,
    recent_to       timestamptz NOT NULL,
    baseline_from   timestamptz NOT NULL,
    baseline_to     timestamptz NOT NULL,
    recent_texts    integer NOT NULL,
    baseline_texts  integer NOT NULL,
    -- The largest PSI (nats) and JS divergence (bits) over the five dimensions, and the dimension of that PSI;
    -- null when the sample was too small.
    psi             double precision,
    js_divergence   double precision,
    dimension       text,
    status          text NOT NULL CHECK (status IN ('ok', 'warn', 'alert', 'insufficient_data')),
    -- True when this check started an alert episode and emitted q2q.drift.alert.
    alerted         boolean NOT NULL DEFAULT false,
    -- Per dimension: bins, counts of both windows, psi, js, status.
    dimensions      jsonb NOT NULL,
    checked_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX drift_checks_company_idx ON impact.drift_checks (company_id, language, checked_at DESC);
CREATE INDEX drift_checks_checked_idx ON impact.drift_checks (checked_at DESC);
