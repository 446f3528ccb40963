-- Inbound SMS/MMS as Wavix posted them. raw_body holds the exact bytes, relayed unchanged to PortSIP.
CREATE TABLE inbound_messages (
  id                INTEGER PRIMARY KEY,
  wavix_message_id  TEXT NOT NULL UNIQUE,   -- idempotency: a webhook retried by Wavix is stored once
  from_number       TEXT NOT NULL,          -- as Wavix sent it (digits)
  to_number         TEXT NOT NULL,
  message_type      TEXT NOT NULL CHECK (message_type IN ('sms', 'mms')),
  text              TEXT NOT NULL DEFAULT '',
  media             TEXT,                   -- JSON array of URLs, or NULL
  received_at_text  TEXT NOT NULL,          -- Wavix's received_at, verbatim
  received_at       INTEGER,                -- the same, parsed (NULL if unparseable)
  ingested_at       INTEGER NOT NULL,
  content_type      TEXT NOT NULL,
  raw_body          BLOB NOT NULL
);
CREATE INDEX inbound_messages_to ON inbound_messages (to_number, ingested_at DESC);
CREATE INDEX inbound_messages_ingested ON inbound_messages (ingested_at DESC);

-- The outbox: one row per message and destination (a PortSIP URL or a Slack channel), delivered at least once.
CREATE TABLE deliveries (
  id                 INTEGER PRIMARY KEY,
  inbound_message_id INTEGER NOT NULL REFERENCES inbound_messages (id) ON DELETE CASCADE,
  destination_kind   TEXT NOT NULL CHECK (destination_kind IN ('portsip', 'slack')),
  destination        TEXT NOT NULL,         -- PortSIP URL exactly as configured, or Slack channel id
  conversation_key   TEXT NOT NULL,         -- from→to: PortSIP sees one conversation in arrival order
  status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_flight', 'delivered', 'dead')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at    INTEGER NOT NULL,
  lease_until        INTEGER,               -- in_flight rows whose lease ran out (a crash) are pending again
  last_attempt_at    INTEGER,
  last_status_code   INTEGER,
  last_error         TEXT,                  -- bounded excerpt of the answer or the network error
  created_at         INTEGER NOT NULL,
  delivered_at       INTEGER,
  dead_at            INTEGER,
  UNIQUE (inbound_message_id, destination_kind, destination)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at, id);
CREATE INDEX deliveries_conversation ON deliveries (destination_kind, destination, conversation_key, id)
  WHERE status IN ('pending', 'in_flight');
CREATE INDEX deliveries_destination ON deliveries (destination_kind, destination, status);

-- Webhook requests refused (bad JSON, wrong schema, too large), kept bounded for inspection.
CREATE TABLE rejected_webhooks (
  id           INTEGER PRIMARY KEY,
  received_at  INTEGER NOT NULL,
  route        TEXT NOT NULL,
  reason       TEXT NOT NULL,
  content_type TEXT,
  body_size    INTEGER NOT NULL,
  body_excerpt BLOB NOT NULL
);
