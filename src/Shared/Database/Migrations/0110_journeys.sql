-- Journeys (SPEC §J): declarative rules over the event stream, the flags they hold, the milestones
-- they mark. Rules with company_id NULL are the platform defaults (loaded at start-up); a company's
-- own rule with the same rule_id overrides the default for that company.
CREATE TABLE impact.journey_rules (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id   uuid REFERENCES impact.companies (id),
    rule_id      text NOT NULL CHECK (rule_id ~ '^[a-z][a-z0-9_]{0,62}$'),
    name         text NOT NULL,
    description  text,
    priority     integer NOT NULL DEFAULT 0,
    active       boolean NOT NULL DEFAULT true,
    -- The validated rule (conditions and actions) as JSON; the text it was written in is in source.
    definition   jsonb NOT NULL,
    source       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX journey_rules_company_rule_key ON impact.journey_rules (coalesce(company_id, '00000000-0000-0000-0000-000000000000'::uuid), rule_id);

-- A flag is held while the rule that set it matches; it goes when the rule stops matching.
CREATE TABLE impact.journey_flags (
    user_id      uuid NOT NULL REFERENCES impact.users (id) ON DELETE CASCADE,
    flag         text NOT NULL,
    company_id   uuid REFERENCES impact.companies (id),
    value        jsonb NOT NULL DEFAULT 'true',
    set_by_rule  text,
    set_at       timestamptz NOT NULL,
    expires_at   timestamptz,
    PRIMARY KEY (user_id, flag)
);

CREATE TABLE impact.journey_flag_history (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES impact.users (id) ON DELETE CASCADE,
    company_id   uuid REFERENCES impact.companies (id),
    flag         text NOT NULL,
    change       text NOT NULL CHECK (change IN ('set', 'cleared')),
    value        jsonb,
    rule_id      text,
    -- The event whose evaluation made the change (null for an on-demand or timed evaluation).
    cause_event_id uuid,
    changed_at   timestamptz NOT NULL
);
CREATE INDEX journey_flag_history_user_idx ON impact.journey_flag_history (user_id, id);

CREATE TABLE impact.journey_milestones (
    user_id      uuid NOT NULL REFERENCES impact.users (id) ON DELETE CASCADE,
    milestone    text NOT NULL,
    company_id   uuid REFERENCES impact.companies (id),
    rule_id      text NOT NULL,
    reached_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, milestone)
);

INSERT INTO impact.event_cursors (name) VALUES ('journeys') ON CONFLICT DO NOTHING;
