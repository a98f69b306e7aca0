-- The Service Bus relay publishes events in id order and remembers how far it got.
-- Identity ids are handed out at INSERT but become visible at COMMIT, so a reader going by id
-- alone could pass over a lower id that commits later. Each event therefore records its
-- transaction id; a reader only takes events whose transactions are older than every
-- transaction still running (pg_snapshot_xmin), so nothing can appear behind its cursor.
ALTER TABLE impact.events ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();

CREATE TABLE impact.event_cursors (
    name          text PRIMARY KEY,
    last_event_id bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
