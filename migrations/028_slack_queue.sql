-- The Slack leg's queue: an inbound SMS gets its Slack delivery row when the Slack leg has room for it, not when its
-- webhook is stored (five b-tree inserts less per webhook, and a flood that Slack's pace cannot follow waits as the
-- messages themselves instead of as delivery rows). Messages after `through_message_id` have no Slack delivery yet;
-- they are taken in id order, so a conversation keeps its order. Messages stored before this migration already have
-- theirs.
CREATE TABLE slack_queue (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  through_message_id INTEGER NOT NULL
);
INSERT INTO slack_queue (id, through_message_id) SELECT 1, coalesce(max(id), 0) FROM inbound_messages;
