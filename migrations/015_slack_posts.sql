-- Each post of the Slack leg (one SMS, or several coalesced under a storm) and the inbound messages it shows, so the
-- post can be edited in place when a message's PortSIP delivery changes (delivered, retrying, dead).
CREATE TABLE slack_posts (
  id               INTEGER PRIMARY KEY,
  channel          TEXT NOT NULL,
  ts               TEXT NOT NULL,
  layout           TEXT NOT NULL CHECK (layout IN ('single', 'short', 'batch', 'minimal')),
  minimal_reason   TEXT,                  -- for 'minimal': Slack's error code that made the full post impossible
  posted_at        INTEGER NOT NULL,
  shown_state      TEXT NOT NULL,         -- the delivery states the post shows now: an update that changes nothing is skipped
  dirty            INTEGER NOT NULL DEFAULT 0,  -- bumped by each state change; an update clears only the value it saw
  next_update_at   INTEGER NOT NULL DEFAULT 0,  -- a failed update waits (backoff, Retry-After)
  update_attempts  INTEGER NOT NULL DEFAULT 0,
  last_update_error TEXT,
  UNIQUE (channel, ts)
);
CREATE INDEX slack_posts_dirty ON slack_posts (next_update_at) WHERE dirty > 0;

CREATE TABLE slack_post_messages (
  post_id            INTEGER NOT NULL REFERENCES slack_posts (id) ON DELETE CASCADE,
  inbound_message_id INTEGER NOT NULL REFERENCES inbound_messages (id) ON DELETE CASCADE,
  position           INTEGER NOT NULL,
  PRIMARY KEY (post_id, position)
);
CREATE INDEX slack_post_messages_message ON slack_post_messages (inbound_message_id);
