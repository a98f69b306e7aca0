-- Feedback pipeline state (SPEC §G/§H): what screening decided for a text, which version of the
-- text was processed, and the safety flags and review queue a HIGH or MEDIUM text goes to.

-- revision: bumped whenever a source sends a changed text, so a classification of an older
-- version is never stored against the newer one. risk: the screening verdict (none|low|medium|high).
-- released_*: a reviewer approved a held (HIGH) text, which may then be classified once.
-- unscored_reason: why a classifier could not score the text (a kind of failure, never the text).
ALTER TABLE impact.texts
    ADD COLUMN revision        integer NOT NULL DEFAULT 1,
    ADD COLUMN risk            text CHECK (risk IN ('none', 'low', 'medium', 'high')),
    ADD COLUMN screened_at     timestamptz,
    ADD COLUMN released_at     timestamptz,
    ADD COLUMN released_by     text,
    ADD COLUMN model_id        text,
    ADD COLUMN unscored_reason text;
CREATE INDEX texts_status_idx ON impact.texts (status, updated_at);

-- One row per text and category scored at LOW (0.3) or above.
CREATE TABLE impact.safety_flags (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    text_id         uuid NOT NULL REFERENCES impact.texts (id) ON DELETE CASCADE,
    company_id      uuid REFERENCES impact.companies (id),
    category        text NOT NULL CHECK (category IN ('profanity', 'spam', 'pii', 'toxic')),
    score           double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    risk            text NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    -- What was found: matched terms or PII kinds (never the personal data itself).
    reasons         text[] NOT NULL DEFAULT '{}',
    requires_review boolean NOT NULL,
    -- open (waiting for a reviewer) | cleared (LOW, no review) | approved | rejected | escalated
    status          text NOT NULL CHECK (status IN ('open', 'cleared', 'approved', 'rejected', 'escalated')),
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT safety_flags_text_category_key UNIQUE (text_id, category)
);
CREATE INDEX safety_flags_company_idx ON impact.safety_flags (company_id, created_at);

-- One review item per text that screening rated MEDIUM or HIGH; flag_id is its highest-scoring flag.
CREATE TABLE impact.safety_review_queue (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    flag_id      uuid NOT NULL REFERENCES impact.safety_flags (id) ON DELETE CASCADE,
    text_id      uuid NOT NULL REFERENCES impact.texts (id) ON DELETE CASCADE,
    company_id   uuid REFERENCES impact.companies (id),
    risk         text NOT NULL CHECK (risk IN ('medium', 'high')),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'escalated')),
    -- The token principal of the reviewer who decided last.
    reviewer     text,
    -- The reviewer's notes: free text that may say anything about anyone.
    notes        text CHECK (char_length(notes) <= 2000),
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    decided_at   timestamptz,
    CONSTRAINT safety_review_queue_text_key UNIQUE (text_id)
);
CREATE INDEX safety_review_queue_company_idx ON impact.safety_review_queue (company_id, status, risk, created_at);
