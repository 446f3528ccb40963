-- Wavix's own count of a reply's segments (what it charges), from its send answer or a delivery report, beside
-- smsops' estimate in `segments`: the estimate was overwritten by it and the status line kept the estimate in memory
-- only, so after a restart the line and /sms inbox could no longer say "3 segments by Wavix's count (smsops counted
-- 1)". NULL: Wavix has not given one.
ALTER TABLE conversation_replies ADD COLUMN wavix_segments INTEGER;

-- Replies Wavix reported on before: its latest count that can be one (1 to 100, as the repository reads a report's).
-- Their `segments` already holds Wavix's count where it differed (the estimate is lost), so no difference is shown.
UPDATE conversation_replies SET wavix_segments = (
  SELECT d.segments FROM delivery_reports d
  WHERE d.wavix_message_id = conversation_replies.wavix_message_id AND d.segments BETWEEN 1 AND 100
  ORDER BY d.received_at DESC, d.id DESC LIMIT 1
)
WHERE wavix_message_id IS NOT NULL;
