-- The Wavix ids of the texts to a customer `/sms forget` removed (outbound SMS records, replies sent from Slack): the
-- traffic watch lists Wavix's outbound SMS of the last hours and a delivery report may come days late, and either
-- stored the text's record again, number and all, right after the removal. Only the id (no number, no time of the
-- text), kept as long as RETENTION_DAYS, past which Wavix neither lists nor reports the text any more.
CREATE TABLE forgotten_messages (
  wavix_message_id TEXT PRIMARY KEY,
  forgotten_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX forgotten_messages_at ON forgotten_messages (forgotten_at);
