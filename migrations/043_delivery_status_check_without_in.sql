-- Every write of a delivery's status checked it against `status IN ('pending', 'in_flight', 'delivered', 'dead')`, and
-- SQLite evaluates an IN of more than two values in a CHECK by building a temporary table of the four, for each row
-- written: ~0.9 µs of the lease's ~5 and of the outcome's ~4.8, once each per relayed SMS, and again at each insert
-- (40,000 PortSIP leases then outcomes timed alone on a file, commits of 60, 3 runs each: lease 4.85 / 4.90 / 5.15 µs,
-- 4.00 / 4.05 / 4.14 with PRAGMA ignore_check_constraints, 4.01 / 3.96 / 3.96 with this check; outcome 4.72 / 4.78 /
-- 4.99, 3.87 / 3.94 / 3.96, 3.94 / 3.96 / 3.84). The same check written as ORs is compared in place. SQLite cannot
-- change a CHECK in place, so the table is rebuilt with the same rows (ids kept), and its indexes and trigger as 042,
-- 009, 003 and 029 left them. Its columns stay in the same order (`SELECT *` readers).
-- destination_kind's IN has two values, which SQLite already compares in place.
CREATE TABLE deliveries_new (
  id                 INTEGER PRIMARY KEY,
  inbound_message_id INTEGER NOT NULL REFERENCES inbound_messages (id) ON DELETE CASCADE,
  destination_kind   TEXT NOT NULL CHECK (destination_kind IN ('portsip', 'slack')),
  destination        TEXT NOT NULL,         -- PortSIP URL exactly as configured, or Slack channel id
  conversation_key   TEXT NOT NULL,         -- from→to: PortSIP sees one conversation in arrival order
  status             TEXT NOT NULL DEFAULT 'pending'
    CHECK (status = 'pending' OR status = 'in_flight' OR status = 'delivered' OR status = 'dead'),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at    INTEGER NOT NULL,
  lease_until        INTEGER,               -- in_flight rows whose lease ran out (a crash) are pending again
  last_attempt_at    INTEGER,
  last_status_code   INTEGER,
  last_error         TEXT,                  -- bounded excerpt of the answer or the network error
  created_at         INTEGER NOT NULL,
  delivered_at       INTEGER,
  dead_at            INTEGER,
  retry_window_started_at INTEGER,
  replayed_at        INTEGER,
  moved_in_flight    INTEGER NOT NULL DEFAULT 0,
  deterministic_failures INTEGER NOT NULL DEFAULT 0,
  attempt_destination TEXT,
  released_at        INTEGER,
  retry_after_until  INTEGER,
  UNIQUE (inbound_message_id, destination_kind, destination)
);
INSERT INTO deliveries_new (id, inbound_message_id, destination_kind, destination, conversation_key, status, attempts,
    next_attempt_at, lease_until, last_attempt_at, last_status_code, last_error, created_at, delivered_at, dead_at,
    retry_window_started_at, replayed_at, moved_in_flight, deterministic_failures, attempt_destination, released_at,
    retry_after_until)
  SELECT id, inbound_message_id, destination_kind, destination, conversation_key, status, attempts,
    next_attempt_at, lease_until, last_attempt_at, last_status_code, last_error, created_at, delivered_at, dead_at,
    retry_window_started_at, replayed_at, moved_in_flight, deterministic_failures, attempt_destination, released_at,
    retry_after_until
  FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (destination_kind, status, next_attempt_at, id)
  WHERE status = 'pending' OR status = 'in_flight' OR status = 'dead';
CREATE INDEX deliveries_conversation ON deliveries (destination_kind, destination, conversation_key, id)
  WHERE status IN ('pending', 'in_flight');
CREATE INDEX deliveries_destination ON deliveries (destination_kind, destination, status, delivered_at);
CREATE TRIGGER traffic_relayed_updated AFTER UPDATE OF status ON deliveries
  WHEN NEW.destination_kind = 'portsip' AND (OLD.status = 'delivered') <> (NEW.status = 'delivered')
    AND NOT EXISTS (SELECT 1 FROM inbound_messages m JOIN traffic_stale_hours s
      ON s.hour_start = (m.ingested_at / 3600000) * 3600000 WHERE m.id = NEW.inbound_message_id) BEGIN
  INSERT INTO traffic_stale_hours SELECT (ingested_at / 3600000) * 3600000 FROM inbound_messages
  WHERE id = NEW.inbound_message_id;
END;
