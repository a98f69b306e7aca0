-- Q2Q model registry (SPEC §H): models.yaml synced at start-up; operators activate a model per
-- provider (audited). A model is never used before effective_from.
CREATE TABLE impact.model_registry (
    id             text PRIMARY KEY,
    provider       text NOT NULL CHECK (provider IN ('embedded', 'azure-openai', 'openai')),
    model          text NOT NULL,
    prompt_version text NOT NULL,
    -- Model-specific decision thresholds from models.yaml (numbers only).
    thresholds     jsonb NOT NULL DEFAULT '{}'::jsonb,
    effective_from timestamptz NOT NULL,
    active         boolean NOT NULL DEFAULT false,
    activated_at   timestamptz,
    activated_by   text,
    synced_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- One active model per provider.
CREATE UNIQUE INDEX model_registry_one_active_idx ON impact.model_registry (provider) WHERE active;
