-- Conversations (issue 14): on-call answers a relayed SMS from its Slack thread, and smsops sends the answer as an SMS.

-- Who asked not to be texted. One row per opt-out; START/UNSTOP (or Wavix dropping it from its list) lifts it, and
-- the row stays as the record of consent. `sender` is the smsops number or Sender ID it applies to (digits for a
-- number), NULL when the person opted out of every sender. At most one opt-out per pair is in force at a time.
CREATE TABLE opt_outs (
  id              INTEGER PRIMARY KEY,
  customer_number TEXT NOT NULL,                  -- digits, no +
  sender          TEXT,
  source          TEXT NOT NULL CHECK (source IN ('wavix', 'inbound_keyword')),
  keyword         TEXT,                           -- STOP, QUIT…: what the person sent (source inbound_keyword)
  campaign_id     TEXT,                           -- a 10DLC campaign, when Wavix's list names one
  opted_out_at    INTEGER NOT NULL,
  lifted_at       INTEGER,
  lifted_by       TEXT                            -- START, UNSTOP, or 'wavix' when Wavix's list no longer has it
);
CREATE UNIQUE INDEX opt_outs_in_force ON opt_outs (customer_number, coalesce(sender, '')) WHERE lifted_at IS NULL;
-- The retention job takes lifted opt-outs by age (src/store/retention/tables.ts).
CREATE INDEX opt_outs_lifted ON opt_outs (lifted_at);

-- Replies sent from a Slack thread. The SMS text itself is never stored, only its length and cost in segments.
-- One row per Slack message (UNIQUE channel + message ts), written before Wavix is called, so a retried Slack event
-- or a restart never sends the same reply twice.
CREATE TABLE conversation_replies (
  id               INTEGER PRIMARY KEY,
  slack_channel    TEXT NOT NULL,
  thread_ts        TEXT NOT NULL,
  slack_message_ts TEXT NOT NULL,
  slack_user       TEXT NOT NULL,
  from_number      TEXT NOT NULL,                 -- the smsops number that received the conversation
  to_number        TEXT NOT NULL,                 -- the customer
  text_length      INTEGER NOT NULL,
  segments         INTEGER NOT NULL,
  encoding         TEXT NOT NULL CHECK (encoding IN ('GSM-7', 'UCS-2')),
  wavix_message_id TEXT UNIQUE,
  -- sending (recorded, Wavix not yet answered), blocked (opted out: not sent), failed (Wavix refused the send),
  -- then Wavix's own statuses: accepted, pending, sent, delivered, undelivered, expired, rejected, dlr_expired.
  status           TEXT NOT NULL,
  status_reason    TEXT,
  created_at       INTEGER NOT NULL,
  submitted_at     INTEGER,                       -- Wavix accepted the send
  status_at        INTEGER NOT NULL,
  delivered_at     INTEGER,
  UNIQUE (slack_channel, slack_message_ts)
);
CREATE INDEX conversation_replies_thread ON conversation_replies (slack_channel, thread_ts);
CREATE INDEX conversation_replies_created ON conversation_replies (created_at);

-- Slack events already handled: Slack retries an event it thinks was not acknowledged in time (same event_id),
-- and a reply must not go out twice.
CREATE TABLE processed_slack_events (
  event_id    TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX processed_slack_events_received ON processed_slack_events (received_at);
