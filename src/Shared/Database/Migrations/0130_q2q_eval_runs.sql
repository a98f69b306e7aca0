-- Q2Q evaluation runs (SPEC §I): a registry model over a labelled set. The report is stored as the exact bytes the
-- writer produced (text, not jsonb: jsonb would reorder keys), so the same model and set give the same stored report.
CREATE TABLE impact.eval_runs (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    model_id       text NOT NULL REFERENCES impact.model_registry (id),
    set_name       text NOT NULL,
    -- SHA-256 (hex) of the set's texts and gold labels (Q2QEvaluator.SetHash): runs on the same set compare.
    set_hash       text NOT NULL CHECK (set_hash ~ '^[0-9a-f]{64}$'),
    texts          integer NOT NULL,
    -- The report's macro-F1 over all languages and its fairness gap, as printed (four decimals).
    macro_f1       double precision NOT NULL,
    fairness_gap   double precision NOT NULL,
    fairness_level text NOT NULL CHECK (fairness_level IN ('none', 'medium', 'high')),
    report         text NOT NULL,
    report_markdown text NOT NULL,
    report_sha256  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by     text NOT NULL
);
CREATE INDEX eval_runs_model_idx ON impact.eval_runs (model_id, created_at DESC);
