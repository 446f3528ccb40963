-- Where the attempt out is going when a route change moves its delivery (the destination it was claimed for), kept
-- while moved_in_flight is 1. A change back to that destination (an undo) then clears moved_in_flight, so the
-- attempt's 2xx there delivers the SMS, instead of sending the same SMS there a second time.
ALTER TABLE deliveries ADD COLUMN attempt_destination TEXT;
