-- Acting on alerts from Slack. An acknowledgement belongs to one alert (an episode): who, when, and the severity it
-- was given at, so a worsening beyond it is said. A snooze belongs to a rule and subject (it outlives one episode:
-- an alert that flaps while snoozed stays quiet). A mute belongs to a whole rule until someone unmutes it.
ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
ALTER TABLE alerts ADD COLUMN acknowledged_at INTEGER;
ALTER TABLE alerts ADD COLUMN acknowledged_severity TEXT;

CREATE TABLE alert_snoozes (
  rule         TEXT NOT NULL,
  subject_key  TEXT NOT NULL,
  until        INTEGER NOT NULL,
  snoozed_by   TEXT NOT NULL,
  snoozed_at   INTEGER NOT NULL,
  PRIMARY KEY (rule, subject_key)
);

CREATE TABLE alert_mutes (
  rule      TEXT PRIMARY KEY,
  muted_by  TEXT NOT NULL,
  muted_at  INTEGER NOT NULL
);
