-- When the deletion of a Sender ID in the Wavix portal was announced in Slack: announced once, after Slack accepted
-- it. Sender IDs deleted before this was kept count as announced, so an upgrade does not announce old deletions.
ALTER TABLE sender_ids ADD COLUMN deletion_announced_at INTEGER;
UPDATE sender_ids SET deletion_announced_at = deleted_at WHERE deleted_at IS NOT NULL;
