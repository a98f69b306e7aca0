-- Change notifications (SSE) read impact.events in a stable order without ever skipping a row.
-- Identity ids are handed out at INSERT but become visible at COMMIT, so a reader that only
-- remembered "the last id I read" would skip a smaller id whose transaction commits late.
-- Each row therefore records its transaction id: rows whose transaction is older than the
-- oldest running one (pg_snapshot_xmin) are final, and the stream reads them in (tx_id, id) order.
-- (The tx_id column itself is added by 0002_event_relay.sql.)
CREATE INDEX events_tx_id_idx ON impact.events (tx_id, id);
CREATE INDEX events_company_tx_id_idx ON impact.events (company_id, tx_id, id);
