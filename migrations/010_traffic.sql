-- Hourly traffic per number (our number: the sender of outbound, the recipient of inbound; Wavix digits without '+',
-- or an alphanumeric Sender ID), so `/sms traffic`, the digest and the traffic watch read a few hundred small rows
-- instead of grouping every message ever sent. The rows are derived: any hour can be recomputed from the messages.
CREATE TABLE traffic_hourly (
  hour_start INTEGER NOT NULL,           -- UTC hour start, ms since the epoch
  number     TEXT NOT NULL,
  sent       INTEGER NOT NULL DEFAULT 0,  -- outbound messages submitted that hour, whatever their status
  delivered  INTEGER NOT NULL DEFAULT 0,
  failed     INTEGER NOT NULL DEFAULT 0,  -- undelivered, expired, rejected
  inbound    INTEGER NOT NULL DEFAULT 0,
  relayed    INTEGER NOT NULL DEFAULT 0,  -- inbound messages of that hour that PortSIP accepted
  PRIMARY KEY (hour_start, number)
) WITHOUT ROWID;

-- Why outbound messages of an hour failed: Wavix's error_message, else the status.
CREATE TABLE traffic_failure_reasons (
  hour_start INTEGER NOT NULL,
  number     TEXT NOT NULL,
  reason     TEXT NOT NULL,
  count      INTEGER NOT NULL,
  PRIMARY KEY (hour_start, number, reason)
) WITHOUT ROWID;

-- An outbound message belongs to the hour it was submitted; a row learnt only from a delivery report has no
-- submitted_at until the next pull from Wavix, so it falls back to sent_at, then updated_at. Recomputing hours reads
-- outbound messages by exactly this expression (the same text in src/store/repositories/traffic.ts and in the
-- triggers below), so the index turns it into a range scan of those hours instead of a scan of the whole table.
CREATE INDEX outbound_messages_traffic_at ON outbound_messages (coalesce(submitted_at, sent_at, updated_at));

-- Hours whose messages changed since their rollup rows were computed. Recomputing a week costs about 200 ms at 20,000
-- messages a day each way, and better-sqlite3 holds the event loop (so the webhook acks) for all of it; a report
-- recomputes only these hours instead, usually the current one. The triggers cost a few microseconds per write:
-- one keyed lookup, and an insert only for the first change of an hour. Every change to the messages goes through
-- them, whoever makes it, so the list does not miss one.
CREATE TABLE traffic_stale_hours (hour_start INTEGER PRIMARY KEY);

-- Each trigger adds the hour only when it is not listed yet. Not INSERT OR IGNORE: inside a trigger the conflict
-- policy of the statement that fired it wins, and an upsert (ON CONFLICT DO UPDATE) would make the duplicate an error.
CREATE TRIGGER traffic_outbound_inserted AFTER INSERT ON outbound_messages BEGIN
  INSERT INTO traffic_stale_hours SELECT hour
  FROM (SELECT (coalesce(NEW.submitted_at, NEW.sent_at, NEW.updated_at) / 3600000) * 3600000 AS hour)
  WHERE NOT EXISTS (SELECT 1 FROM traffic_stale_hours WHERE hour_start = hour);
END;
-- Both hours: a message learnt from a delivery report moves to its submission hour once Wavix lists it.
CREATE TRIGGER traffic_outbound_updated AFTER UPDATE ON outbound_messages BEGIN
  INSERT INTO traffic_stale_hours SELECT hour
  FROM (SELECT (coalesce(OLD.submitted_at, OLD.sent_at, OLD.updated_at) / 3600000) * 3600000 AS hour)
  WHERE NOT EXISTS (SELECT 1 FROM traffic_stale_hours WHERE hour_start = hour);
  INSERT INTO traffic_stale_hours SELECT hour
  FROM (SELECT (coalesce(NEW.submitted_at, NEW.sent_at, NEW.updated_at) / 3600000) * 3600000 AS hour)
  WHERE NOT EXISTS (SELECT 1 FROM traffic_stale_hours WHERE hour_start = hour);
END;
CREATE TRIGGER traffic_outbound_deleted AFTER DELETE ON outbound_messages BEGIN
  INSERT INTO traffic_stale_hours SELECT hour
  FROM (SELECT (coalesce(OLD.submitted_at, OLD.sent_at, OLD.updated_at) / 3600000) * 3600000 AS hour)
  WHERE NOT EXISTS (SELECT 1 FROM traffic_stale_hours WHERE hour_start = hour);
END;

CREATE TRIGGER traffic_inbound_inserted AFTER INSERT ON inbound_messages BEGIN
  INSERT INTO traffic_stale_hours SELECT hour
  FROM (SELECT (NEW.ingested_at / 3600000) * 3600000 AS hour)
  WHERE NOT EXISTS (SELECT 1 FROM traffic_stale_hours WHERE hour_start = hour);
END;
-- Also covers its deliveries, which go with it (ON DELETE CASCADE).
CREATE TRIGGER traffic_inbound_deleted AFTER DELETE ON inbound_messages BEGIN
  INSERT INTO traffic_stale_hours SELECT hour
  FROM (SELECT (OLD.ingested_at / 3600000) * 3600000 AS hour)
  WHERE NOT EXISTS (SELECT 1 FROM traffic_stale_hours WHERE hour_start = hour);
END;

-- "Relayed" changes when a PortSIP delivery becomes delivered, or stops being so (an operator's replay); the other
-- status moves (claims, retries) leave it as it was and skip the trigger's body. A delivery is always created pending
-- (the column's default; src/store/repositories/inbound.ts sets no status), so inserts need no trigger: one on the
-- hot ingest path measured a few microseconds per message for a case that does not occur.
CREATE TRIGGER traffic_relayed_updated AFTER UPDATE OF status ON deliveries
  WHEN NEW.destination_kind = 'portsip' AND (OLD.status = 'delivered') <> (NEW.status = 'delivered') BEGIN
  INSERT INTO traffic_stale_hours SELECT hour
  FROM (SELECT (ingested_at / 3600000) * 3600000 AS hour FROM inbound_messages WHERE id = NEW.inbound_message_id)
  WHERE NOT EXISTS (SELECT 1 FROM traffic_stale_hours WHERE hour_start = hour);
END;

-- Messages stored before this migration: their hours have no rollup rows yet.
INSERT INTO traffic_stale_hours
SELECT DISTINCT (coalesce(submitted_at, sent_at, updated_at) / 3600000) * 3600000 FROM outbound_messages
UNION
SELECT DISTINCT (ingested_at / 3600000) * 3600000 FROM inbound_messages;
