-- A reply whose send Wavix never answered (a timeout, a 5xx) may have gone out: its audit row says `unknown`, neither
-- `ok` nor `failed`. SQLite cannot change a CHECK in place, so the table is rebuilt with the same rows and index.
CREATE TABLE audit_log_new (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT,
  params  TEXT NOT NULL DEFAULT '{}',
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed', 'unknown')),
  detail  TEXT
);
INSERT INTO audit_log_new (id, at, actor, action, target, params, outcome, detail)
  SELECT id, at, actor, action, target, params, outcome, detail FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log (at DESC);
