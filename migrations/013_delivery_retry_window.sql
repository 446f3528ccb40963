-- A replay, or a route change that moves a delivery to another destination, gives it a fresh retry window: death is
-- judged from when the window started, not from when the message arrived (a replayed dead delivery otherwise got one
-- attempt before it was dead again). NULL means the window started when the delivery was created.
ALTER TABLE deliveries ADD COLUMN retry_window_started_at INTEGER;
-- When an operator last replayed the delivery (`/sms relay replay`): the re-sent Slack post says it is a replay.
ALTER TABLE deliveries ADD COLUMN replayed_at INTEGER;
-- Set when a route change moved the delivery while an attempt to the old destination was in flight: that attempt's
-- failure is the old destination's, so the delivery is due again at once instead of after the old backoff.
ALTER TABLE deliveries ADD COLUMN moved_in_flight INTEGER NOT NULL DEFAULT 0;
