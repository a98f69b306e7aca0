-- GDPR data subject requests (Art. 15/20 export, Art. 17 erasure) and their audit trail.
CREATE TABLE impact.privacy_requests (
    id            uuid PRIMARY KEY,
    -- SET NULL: erasing the person deletes the user row, and the request record must not keep the id.
    user_id       uuid REFERENCES impact.users (id) ON DELETE SET NULL,
    type          text NOT NULL CHECK (type IN ('export', 'delete')),
    status        text NOT NULL
                  CHECK (status IN ('pending', 'awaiting_approval', 'processing', 'completed', 'failed', 'rejected', 'expired')),
    progress      smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    -- "container/blob" of an export ZIP; NULL once erased.
    result_location text,
    error         text,
    requested_by  text NOT NULL,
    approved_by   text,
    rejected_by   text,
    requested_at  timestamptz NOT NULL,
    -- GDPR Art. 12(3): answer within one month of receipt.
    due_at        timestamptz NOT NULL,
    completed_at  timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX privacy_requests_user_idx ON impact.privacy_requests (user_id);
-- One open erasure per person: a second request while one is pending is a conflict, not a duplicate run.
CREATE UNIQUE INDEX privacy_requests_open_delete_idx ON impact.privacy_requests (user_id)
    WHERE type = 'delete' AND status IN ('pending', 'awaiting_approval', 'processing');

-- Every step of a privacy request. Details hold counts and request ids, never the person's data.
CREATE TABLE impact.privacy_audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id   uuid NOT NULL REFERENCES impact.privacy_requests (id),
    action       text NOT NULL,
    details      jsonb,
    performed_by text NOT NULL,
    performed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX privacy_audit_log_request_idx ON impact.privacy_audit_log (request_id, id);

-- Erasure finds a person's stored webhook payloads by e-mail; without these it scans every delivery.
CREATE INDEX webhook_deliveries_participant_email_idx ON impact.webhook_deliveries (lower(payload ->> 'participant_email'));
CREATE INDEX webhook_deliveries_volunteer_email_idx ON impact.webhook_deliveries (lower(payload ->> 'volunteer_email'));
CREATE INDEX webhook_deliveries_rating_id_idx ON impact.webhook_deliveries ((payload ->> 'rating_id'));
-- Event data names people by id under a few keys; containment queries on this index find them.
CREATE INDEX events_data_idx ON impact.events USING gin (data jsonb_path_ops);
