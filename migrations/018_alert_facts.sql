-- Alerts are kept as data: each rule's facts as JSON, rendered into words by the Slack view. Rows recorded before
-- have no facts and keep their `summary` text, which the view still shows; newer rows leave `summary` empty.
ALTER TABLE alerts ADD COLUMN facts TEXT;
