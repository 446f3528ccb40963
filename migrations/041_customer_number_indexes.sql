-- `/sms forget` finds a customer's SMS by their number: received from it, sent to it. Without these indexes each of
-- its counts (the question, then twice more in Remove's transaction) read every message stored, holding the event
-- loop, so every webhook's answer, for the length of 90 days of a busy relay's messages (30 ms per 100,000, a probe).
-- Building them at the first start after an upgrade reads each table once.
CREATE INDEX inbound_messages_from ON inbound_messages (from_number);
CREATE INDEX outbound_messages_to ON outbound_messages (to_number);
