-- Readers of impact.events (the Service Bus relay, the SSE feed) must never pass over a row.
-- Identity ids are handed out at INSERT but become visible at COMMIT, so "everything after the
-- last id I read" can skip a lower id whose transaction commits late. Each event therefore
-- records its transaction id; readers take only rows whose transaction is older than every
-- transaction still running (pg_snapshot_xmin) and go in (tx_id, id) order, so nothing can
-- ever appear behind their cursor.
ALTER TABLE impact.events ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();

CREATE TABLE impact.event_cursors (
    name          text PRIMARY KEY,
    last_tx_id    xid8 NOT NULL DEFAULT '0',
    last_event_id bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
