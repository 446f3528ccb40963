-- Settings that smsops generates or learns and must keep across restarts (e.g. the webhook secret).
CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Every change attempt, by whom, with what result: the answer to "who changed the webhook?".
CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,               -- Slack user id, or 'system' for jobs
  action  TEXT NOT NULL,               -- e.g. 'senderid.create', 'webhook.set'
  target  TEXT,                        -- what it acted on: a Sender ID, a number, 'default'
  params  TEXT NOT NULL DEFAULT '{}',  -- JSON, never secrets
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
  detail  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
