-- The Slack leg threads inbound SMS per conversation (from→to) per day and channel: the parent's ts is kept here so
-- a restart continues the same thread instead of starting a new one.
CREATE TABLE slack_threads (
  channel          TEXT NOT NULL,
  conversation_key TEXT NOT NULL,
  day              TEXT NOT NULL,          -- YYYY-MM-DD, UTC
  thread_ts        TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  PRIMARY KEY (channel, conversation_key, day)
);
