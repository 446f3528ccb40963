-- A Sender ID request kept from before it is sent to Wavix until smsops has stored Wavix's record of it. When Wavix
-- created it but its answer never reached smsops (a crash, a stop, a lost answer), the next sync finds the record by
-- its value and type and gives it this requester and these countries (pending), where it was taken for one made in
-- the Wavix portal and its countries under review could be requested, and announced, twice.
CREATE TABLE sender_id_requests (
  id           INTEGER PRIMARY KEY,
  value        TEXT NOT NULL,     -- as sent to Wavix: the text, or a number's digits without "+"
  type         TEXT NOT NULL CHECK (type IN ('alphanumeric', 'numeric')),
  usecase      TEXT NOT NULL,
  countries    TEXT NOT NULL,     -- the countries sent, comma-separated
  requested_by TEXT NOT NULL,     -- Slack user id
  requested_at INTEGER NOT NULL
);
