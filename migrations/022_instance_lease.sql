-- One smsops per database: the process that runs holds this single row and renews it every few seconds. Another
-- process refuses to start while the row is held and unexpired (src/store/instanceLease.ts). IF NOT EXISTS: smsops
-- creates the table itself before migrating, so that a second process is refused before it changes the schema.
CREATE TABLE IF NOT EXISTS instance_lease (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  holder_id    TEXT    NOT NULL,
  host         TEXT    NOT NULL,
  pid          INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
