-- A reply whose send's outcome is unknown ("May have been sent") is looked up at Wavix by its tag a few times
-- (src/core/conversations/replyLookup.ts): `lookups` counts the looks Wavix answered without a record of it, and
-- `lookup_due_at` says when the next look is due (NULL: none, as for every reply whose outcome is known).
ALTER TABLE conversation_replies ADD COLUMN lookups INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversation_replies ADD COLUMN lookup_due_at INTEGER;

-- Replies already unknown before this version are looked up too (their first look a minute after they became so,
-- which the start after this upgrade brings forward to now).
UPDATE conversation_replies SET lookup_due_at = status_at + 60000 WHERE status = 'unknown';

CREATE INDEX conversation_replies_lookup_due ON conversation_replies (lookup_due_at) WHERE lookup_due_at IS NOT NULL;
