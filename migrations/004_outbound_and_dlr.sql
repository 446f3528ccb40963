-- Outbound messages as Wavix reports them (pulled by the traffic watch, or learnt from delivery reports).
CREATE TABLE outbound_messages (
  id               INTEGER PRIMARY KEY,
  wavix_message_id TEXT NOT NULL UNIQUE,
  from_number      TEXT NOT NULL,
  to_number        TEXT NOT NULL,
  status           TEXT NOT NULL,
  error_message    TEXT,
  segments         INTEGER,
  charge           TEXT,
  tag              TEXT,
  submitted_at     INTEGER,
  sent_at          INTEGER,
  delivered_at     INTEGER,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX outbound_messages_from ON outbound_messages (from_number, submitted_at);

-- Delivery reports Wavix posted. One row per (message, status): Wavix's retries of the same report are dropped.
CREATE TABLE delivery_reports (
  id                  INTEGER PRIMARY KEY,
  wavix_message_id    TEXT NOT NULL,
  outbound_message_id INTEGER REFERENCES outbound_messages (id) ON DELETE SET NULL,
  status              TEXT NOT NULL,
  error               TEXT,
  segments            INTEGER,
  received_at         INTEGER NOT NULL,
  raw_body            BLOB NOT NULL,
  UNIQUE (wavix_message_id, status)
);
CREATE INDEX delivery_reports_received ON delivery_reports (received_at);
