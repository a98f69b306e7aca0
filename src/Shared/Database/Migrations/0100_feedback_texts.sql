-- Feedback intelligence (SPEC §G/§H), the part later features read: the texts outbox and the
-- outcome scores it produces. Screening, review and model-registry tables come in 0101+.
CREATE TABLE impact.texts (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Where the text came from: 'kintell_rating' (webhook or backfill) or 'api' (POST /v1/texts).
    source         text NOT NULL,
    -- The caller's id for the content (the rating's external id for Kintell ratings).
    content_id     text NOT NULL,
    content_type   text NOT NULL CHECK (content_type IN ('feedback_text', 'checkin_note', 'message', 'other')),
    company_id     uuid REFERENCES impact.companies (id),
    user_id        uuid REFERENCES impact.users (id),
    text           text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 10000),
    -- Pipeline state: received → queued → screened → (held | classified | unscored), or rejected by review.
    status         text NOT NULL DEFAULT 'received',
    language       text CHECK (language IN ('en', 'uk', 'no', 'unknown')),
    language_confidence double precision,
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    received_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    queued_at      timestamptz,
    processed_at   timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT texts_source_content_key UNIQUE (source, content_id)
);
CREATE INDEX texts_received_idx ON impact.texts (received_at) WHERE status = 'received';
CREATE INDEX texts_company_idx ON impact.texts (company_id, received_at);
CREATE INDEX texts_user_idx ON impact.texts (user_id);

-- One row per text × dimension (confidence, belonging, lang_level_proxy, job_readiness, well_being).
CREATE TABLE impact.outcome_scores (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    text_id        uuid NOT NULL REFERENCES impact.texts (id) ON DELETE CASCADE,
    user_id        uuid REFERENCES impact.users (id),
    company_id     uuid REFERENCES impact.companies (id),
    dimension      text NOT NULL CHECK (dimension IN ('confidence', 'belonging', 'lang_level_proxy', 'job_readiness', 'well_being')),
    score          double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    confidence     double precision CHECK (confidence BETWEEN 0 AND 1),
    model_id       text NOT NULL,
    provider       text NOT NULL,
    prompt_version text NOT NULL,
    language       text NOT NULL CHECK (language IN ('en', 'uk', 'no', 'unknown')),
    method         text NOT NULL CHECK (method IN ('ai', 'embedded', 'manual')),
    scored_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT outcome_scores_text_dimension_model_key UNIQUE (text_id, dimension, model_id)
);
CREATE INDEX outcome_scores_user_dimension_idx ON impact.outcome_scores (user_id, dimension, scored_at DESC);
CREATE INDEX outcome_scores_company_scored_idx ON impact.outcome_scores (company_id, scored_at);

CREATE TABLE impact.evidence_snippets (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    score_id       uuid NOT NULL REFERENCES impact.outcome_scores (id) ON DELETE CASCADE,
    -- Always PII-masked.
    snippet        text NOT NULL,
    snippet_hash   text NOT NULL UNIQUE,
    label          text NOT NULL,
    position       integer NOT NULL CHECK (position >= 0),
    source         text NOT NULL
);
