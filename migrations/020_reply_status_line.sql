-- Replies from Slack threads (issue 14), part A.

-- A message in a Slack thread is a reply to an SMS only when smsops started that thread: the listener looks the
-- thread up by its ts on every message event, so that lookup has its own index (part B's 021 makes the same one for
-- its thread links, hence IF NOT EXISTS on both).
CREATE INDEX IF NOT EXISTS slack_threads_by_ts ON slack_threads (channel, thread_ts);

-- The context line smsops posts under a reply ("Sending… · 2 segments, GSM-7") and edits in place as the reply is
-- sent and delivered. NULL: Slack did not take the line; a later status is then posted as a new one.
ALTER TABLE conversation_replies ADD COLUMN status_ts TEXT;
