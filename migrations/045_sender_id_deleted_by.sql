-- Who deleted a Sender ID from Slack (`/sms senderid delete`): NULL when it went from Wavix's list on its own (the
-- Wavix portal), so the announcement says which.
ALTER TABLE sender_ids ADD COLUMN deleted_by TEXT;
