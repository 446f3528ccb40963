-- Numbers an operator told /sms doctor to ignore (a voice DID nobody will SMS-enable, a number being ported away):
-- their findings are shown on request but not counted as warnings or failures. Who and why are kept with the row;
-- every ignore and unignore is also in audit_log.
CREATE TABLE doctor_ignored_numbers (
  number     TEXT PRIMARY KEY CHECK (number GLOB '+[0-9]*'),
  reason     TEXT,
  ignored_by TEXT NOT NULL,
  ignored_at INTEGER NOT NULL
);
