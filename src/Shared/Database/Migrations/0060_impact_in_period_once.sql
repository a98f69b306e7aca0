-- Impact-In: a period is delivered once per company and platform, whatever happens to schedules. Until now the
-- unique key was per schedule, so a deleted and re-created schedule delivered the same period again (under a new
-- idempotency key, which the partner could not recognise).
--
-- Existing data: (company_id, platform) is unique on schedules, so two schedules of one company and platform can only
-- have existed one after the other, and each delivered a period at most once. Where both did, the oldest delivery
-- (by created_at, then id) is the one kept; the later ones and their attempts are removed, leaving a note in the audit
-- log of what was removed. Their idempotency keys stay as they were: the partner has already seen them.
WITH ranked AS (
    SELECT id, row_number() OVER (PARTITION BY company_id, platform, period_kind, period_start ORDER BY created_at, id) AS n
    FROM impact.impact_deliveries
), removed AS (
    DELETE FROM impact.impact_deliveries d
    USING ranked r
    WHERE d.id = r.id AND r.n > 1
    RETURNING d.id, d.company_id, d.platform, d.period_kind, d.period_start, d.idempotency_key, d.status
)
INSERT INTO impact.audit_log (action, subject, details, performed_by, company_id)
SELECT 'impact_in.delivery.duplicate_removed', id::text,
       jsonb_build_object('platform', platform, 'periodKind', period_kind, 'periodStart', period_start::text,
                          'idempotencyKey', idempotency_key, 'status', status),
       'migration:0060_impact_in_period_once', company_id
FROM removed;

CREATE UNIQUE INDEX impact_deliveries_company_platform_period_key
    ON impact.impact_deliveries (company_id, platform, period_kind, period_start);

-- A schedule's company and platform never change, so the per-schedule key is implied by the new one.
ALTER TABLE impact.impact_deliveries DROP CONSTRAINT impact_deliveries_schedule_period_key;
