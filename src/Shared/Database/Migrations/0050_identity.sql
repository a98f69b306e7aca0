-- Identity and tenancy (SPEC §F): who did something is the token's principal, and every
-- company-owned resource says which company owns it.

-- The audit log names the principal (performed_by), the person's display name and the company
-- the caller acted for (NULL for a platform operator acting across companies).
ALTER TABLE impact.audit_log ADD COLUMN performer_name text;
ALTER TABLE impact.audit_log ADD COLUMN company_id uuid;
CREATE INDEX audit_log_company_idx ON impact.audit_log (company_id, id);

-- An import belongs to the company whose administrator uploaded it (NULL: an operator's, platform-wide).
ALTER TABLE impact.backfill_jobs ADD COLUMN company_id uuid REFERENCES impact.companies (id);
CREATE INDEX backfill_jobs_company_idx ON impact.backfill_jobs (company_id, created_at);

-- A privacy request belongs to the company of the person it is about; requested_by/approved_by/
-- rejected_by now hold principals, so four eyes compares principals, not names typed into a body.
ALTER TABLE impact.privacy_requests ADD COLUMN company_id uuid REFERENCES impact.companies (id);
CREATE INDEX privacy_requests_company_idx ON impact.privacy_requests (company_id, requested_at);
