-- The sweeper also re-queues deliveries left 'queued' (a lost or hidden message) or 'failed' with attempts left,
-- once nothing has touched them for Webhooks:RequeueAfterSeconds; this keeps that scan to the few pending rows.
CREATE INDEX webhook_deliveries_pending_idx ON impact.webhook_deliveries (updated_at) WHERE status IN ('queued', 'failed');
