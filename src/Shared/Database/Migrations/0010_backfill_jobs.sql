-- CSV backfill jobs (SPEC §B). One row per uploaded file; the orchestration's instance id is
-- the job id. The checkpoint is a byte offset into the uploaded blob plus the number of the
-- last record consumed, stored in the same transaction as the rows of each chunk, so a resumed
-- or restarted job continues exactly where the last committed chunk ended.
CREATE TABLE impact.backfill_jobs (
    id                uuid PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('kintell-sessions', 'kintell-users')),
    file_name         text NOT NULL,
    blob_container    text NOT NULL,
    blob_name         text NOT NULL,
    file_bytes        bigint NOT NULL CHECK (file_bytes >= 0),
    -- What the header said: the delimiter and the column names in file order.
    delimiter         text NOT NULL CHECK (delimiter IN (',', ';')),
    columns           text[] NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'running', 'paused', 'completed', 'failed')),
    -- Known once the whole file has been read.
    total_rows        bigint,
    processed_rows    bigint NOT NULL DEFAULT 0,
    succeeded_rows    bigint NOT NULL DEFAULT 0,
    failed_rows       bigint NOT NULL DEFAULT 0,
    checkpoint_offset bigint NOT NULL,
    checkpoint_row    bigint NOT NULL,
    error_blob_name   text NOT NULL,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    completed_at      timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT backfill_jobs_counts_check CHECK (processed_rows = succeeded_rows + failed_rows)
);
CREATE INDEX backfill_jobs_created_idx ON impact.backfill_jobs (created_at DESC);
