-- US 10DLC: the last status smsops knows of each brand, campaign and number on a campaign, whether it learnt it by
-- polling Wavix or from Wavix's status-change webhooks. A change is a row whose announced_at is NULL; it is set once
-- Slack accepted the announcement, so each change is announced once, also across restarts. change_seq grows with
-- every change, so that marking an announcement done cannot swallow a newer change that arrived during the post.
CREATE TABLE ten_dlc_statuses (
  kind              TEXT NOT NULL CHECK (kind IN ('brand', 'campaign', 'number')),
  subject_key       TEXT NOT NULL,      -- brand_id; campaign_id; campaign_id:number (Wavix digits)
  brand_id          TEXT NOT NULL,
  campaign_id       TEXT,
  number            TEXT,
  label             TEXT,               -- brand DBA or company name, campaign name, as last polled
  status            TEXT NOT NULL,      -- Wavix's word, kept as given (e.g. VERIFIED, APPROVED, REJECTED)
  previous_status   TEXT,
  source            TEXT NOT NULL CHECK (source IN ('baseline', 'poll', 'webhook')),
  status_changed_at INTEGER NOT NULL,
  seen_at           INTEGER NOT NULL,
  change_seq        INTEGER NOT NULL DEFAULT 1,
  announced_at      INTEGER,
  PRIMARY KEY (kind, subject_key)
);
CREATE INDEX ten_dlc_statuses_unannounced ON ten_dlc_statuses (status_changed_at) WHERE announced_at IS NULL;

-- When the first poll recorded the account's statuses as they were (the baseline, not announced). One row at most.
CREATE TABLE ten_dlc_baseline (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  recorded_at INTEGER NOT NULL
);
