-- What the traffic watch once saw working, per number and for the account ('account'): configuration drift is a
-- change away from it (someone edited the webhook in the Wavix portal), not a setup that was never finished.
CREATE TABLE watch_baseline (
  subject                 TEXT PRIMARY KEY,   -- a number in Wavix digits, or 'account'
  seen_pointing_at_smsops INTEGER NOT NULL DEFAULT 0 CHECK (seen_pointing_at_smsops IN (0, 1)),
  seen_inbound_active     INTEGER NOT NULL DEFAULT 0 CHECK (seen_inbound_active IN (0, 1)),
  updated_at              INTEGER NOT NULL
);
