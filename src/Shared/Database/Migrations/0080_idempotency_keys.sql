-- Idempotency-Key on the admin API's state-changing POSTs (SPEC §L): the first answer to a key is kept for
-- 24 h and given again to a retry with the same request. A key belongs to one caller (company + principal),
-- so two companies, or two people of one company, never see each other's answers.
--
-- The row is inserted before the function runs (status in_flight), so the unique key, not a read-then-write,
-- decides which of two concurrent requests with one key runs; the other gets 409 until the first has finished.
CREATE TABLE impact.idempotency_keys (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id       uuid,                 -- the caller's company; null for a platform operator
    principal        text NOT NULL,        -- the token's principal (oid, else sub)
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_method   text NOT NULL,
    request_route    text NOT NULL,        -- the function's route template, e.g. impact-in/schedules/{id}/run-now
    request_target   text NOT NULL,        -- path and query string as sent
    request_hash     text,                 -- SHA-256 (hex) of method, target and body; set when the first request has been read
    status           text NOT NULL CHECK (status IN ('in_flight', 'completed')),
    response_status  integer,
    response_headers jsonb,                -- the headers that matter (Content-Type, Location, Retry-After, ...)
    response_body    bytea,
    created_at       timestamptz NOT NULL,
    locked_until     timestamptz NOT NULL, -- an in_flight row older than this was abandoned (a crash) and may be taken over
    expires_at       timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_scope_key UNIQUE NULLS NOT DISTINCT (company_id, principal, idempotency_key)
);

CREATE INDEX idempotency_keys_expires_at ON impact.idempotency_keys (expires_at);
