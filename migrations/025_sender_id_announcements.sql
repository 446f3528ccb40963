-- Where a Sender ID request was announced in Slack: carrier decisions are posted as replies in that thread. Null for
-- Sender IDs requested before this was kept, made in the Wavix portal, or whose announcement Slack refused.
ALTER TABLE sender_ids ADD COLUMN announcement_channel TEXT;
ALTER TABLE sender_ids ADD COLUMN announcement_ts TEXT;
