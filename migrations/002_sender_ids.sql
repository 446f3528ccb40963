-- Sender IDs known to smsops: created through it, or found on the Wavix account (created in the portal).
CREATE TABLE sender_ids (
  id             INTEGER PRIMARY KEY,
  wavix_id       TEXT NOT NULL UNIQUE,
  value          TEXT NOT NULL,
  type           TEXT NOT NULL CHECK (type IN ('alphanumeric', 'numeric', 'shortcode')),
  usecase        TEXT,
  origin         TEXT NOT NULL CHECK (origin IN ('smsops', 'wavix_portal')),
  requested_by   TEXT,                 -- Slack user id when created through smsops
  requested_at   INTEGER,
  created_at     INTEGER NOT NULL,
  deleted_at     INTEGER,              -- gone from Wavix
  last_polled_at INTEGER,
  final          INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1))  -- every country decided: stop polling
);

-- Wavix has no status field: a country is approved when it appears in allowlisted_in. smsops keeps what it asked
-- for, so the difference is "pending", and a decision it learns of (a rejection) is recorded here with its reason.
-- announced_at makes each change announced exactly once, also across restarts.
CREATE TABLE sender_id_countries (
  sender_id         INTEGER NOT NULL REFERENCES sender_ids (id) ON DELETE CASCADE,
  country           TEXT NOT NULL CHECK (length(country) = 2),
  status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'removed')),
  reason            TEXT,
  status_changed_at INTEGER NOT NULL,
  announced_at      INTEGER,
  PRIMARY KEY (sender_id, country)
);
CREATE INDEX sender_id_countries_unannounced ON sender_id_countries (sender_id) WHERE announced_at IS NULL;
