-- Webhooks stored and relayed although they differ from Wavix's description (a field missing, null, of another type,
-- unknown): one row per webhook with its problems, newest kept only (bounded by the repository, like
-- rejected_webhooks). Only the field paths and the kind of problem are kept, never a value of the body.
CREATE TABLE schema_warnings (
  id               INTEGER PRIMARY KEY,
  received_at      INTEGER NOT NULL,
  route            TEXT NOT NULL,          -- inbound | dlr
  wavix_message_id TEXT NOT NULL,
  problems         TEXT NOT NULL           -- JSON array of lines such as "message_type null"
);
CREATE INDEX schema_warnings_received ON schema_warnings (received_at);
