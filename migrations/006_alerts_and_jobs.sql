-- Alerts fire once, are updated in place while they last, and are resolved: at most one open per rule and subject.
CREATE TABLE alerts (
  id            INTEGER PRIMARY KEY,
  rule          TEXT NOT NULL,             -- e.g. 'delivery_failure_rate'
  subject_key   TEXT NOT NULL,             -- what it is about: a number, a destination, 'account'
  status        TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  severity      TEXT NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
  summary       TEXT NOT NULL,
  details       TEXT NOT NULL DEFAULT '{}', -- JSON
  opened_at     INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  resolved_at   INTEGER,
  slack_channel TEXT,
  slack_ts      TEXT                        -- the Slack message updated in place
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (rule, subject_key) WHERE status = 'open';

-- Thresholds changed from Slack; absent rows mean the built-in default.
CREATE TABLE alert_settings (
  rule       TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Each scheduled job run: start, end, outcome.
CREATE TABLE job_runs (
  id          INTEGER PRIMARY KEY,
  job         TEXT NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  outcome     TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed', 'skipped')),
  error       TEXT
);
CREATE INDEX job_runs_job ON job_runs (job, started_at DESC);
