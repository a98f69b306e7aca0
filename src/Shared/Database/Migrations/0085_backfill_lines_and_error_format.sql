-- Backfill error rows name the physical line where a record starts (_error_line) beside its
-- spreadsheet row (_error_row), so the checkpoint carries the number of lines consumed too.
-- The error file is written in the input's conventions (delimiter, BOM, CRLF); the defaults
-- below are how error files were written before (comma, no BOM, CRLF), so a job that was in
-- flight during the upgrade keeps one format in its error file.
ALTER TABLE impact.backfill_jobs
    ADD COLUMN checkpoint_line bigint,
    ADD COLUMN error_delimiter text NOT NULL DEFAULT ',' CHECK (error_delimiter IN (',', ';')),
    ADD COLUMN error_bom boolean NOT NULL DEFAULT false,
    ADD COLUMN error_crlf boolean NOT NULL DEFAULT true;
-- Exact for files without quoted line breaks; the best there is for jobs started before lines were counted.
UPDATE impact.backfill_jobs SET checkpoint_line = checkpoint_row;
ALTER TABLE impact.backfill_jobs ALTER COLUMN checkpoint_line SET NOT NULL;
