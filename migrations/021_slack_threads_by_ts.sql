-- A relayed SMS post that starts a day's thread links to the conversation's thread of the day before; its in-place
-- edits look the thread up by its ts to keep that link.
CREATE INDEX IF NOT EXISTS slack_threads_by_ts ON slack_threads (channel, thread_ts);
