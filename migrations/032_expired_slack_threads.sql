-- The Slack threads whose anchors (slack_threads) were deleted: retention took their conversation. A reply under one
-- is told that smsops no longer keeps it; a reply under any other old post of smsops' (an alert, a digest, an
-- announcement, in the same channel when SLACK_INBOX_CHANNEL is the alert channel) is left alone. A trigger records
-- each deleted anchor in the same transaction as its delete, so none is lost between the two. created_at is the
-- thread's own start, which the retention job ages these rows by (src/store/retention/tables.ts).
CREATE TABLE expired_slack_threads (
  channel    TEXT NOT NULL,
  thread_ts  TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (channel, thread_ts)
) WITHOUT ROWID;
CREATE INDEX expired_slack_threads_created ON expired_slack_threads (created_at);

CREATE TRIGGER slack_threads_expired AFTER DELETE ON slack_threads BEGIN
  INSERT OR IGNORE INTO expired_slack_threads (channel, thread_ts, created_at)
  VALUES (OLD.channel, OLD.thread_ts, OLD.created_at);
END;
