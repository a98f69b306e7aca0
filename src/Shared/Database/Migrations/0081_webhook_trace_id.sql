-- The W3C trace id of the request that delivered a webhook (OpenTelemetry), so an operator can go from a
-- delivery to its trace (receive -> queue -> processing) in Application Insights or any OTLP backend.
-- Null for deliveries received before this column, or without tracing.
ALTER TABLE impact.webhook_deliveries ADD COLUMN trace_id text;
