-- How many attempts in a row a delivery failed the same way a retry cannot fix (a sender that throws before sending,
-- a destination that refuses the content itself). After a few it is set aside as dead, so its conversation goes on.
ALTER TABLE deliveries ADD COLUMN deterministic_failures INTEGER NOT NULL DEFAULT 0;
