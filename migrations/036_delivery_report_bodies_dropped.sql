-- Delivery reports kept Wavix's whole request body, which nothing ever read: the parsed fields are all smsops uses, and
-- a body carries whatever else Wavix or a sender put in it (numbers, a text excerpt). Dropped with what it held.
ALTER TABLE delivery_reports DROP COLUMN raw_body;
