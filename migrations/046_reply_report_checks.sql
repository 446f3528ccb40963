-- A delivery report that would change a reply past undoing (link a Wavix id the reply did not know, or give it its
-- first final status) is held here until Wavix confirms it (src/core/conversations/replyReportChecks.ts): whoever holds
-- the webhook secret could otherwise forge one. `due_at` says when Wavix is asked (again); NULL once decided, with
-- `outcome` 'applied' (Wavix agreed) or 'refused' (Wavix contradicted it, or never agreed within 3 days).
CREATE TABLE reply_report_checks (
  id INTEGER PRIMARY KEY,
  reply_id INTEGER NOT NULL REFERENCES conversation_replies (id) ON DELETE CASCADE,
  wavix_message_id TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  segments INTEGER,
  received_at INTEGER NOT NULL,
  due_at INTEGER,
  tries INTEGER NOT NULL DEFAULT 0,
  outcome TEXT CHECK (outcome IS NULL OR outcome IN ('applied', 'refused')),
  UNIQUE (reply_id, wavix_message_id, status)
);

CREATE INDEX reply_report_checks_due ON reply_report_checks (due_at) WHERE due_at IS NOT NULL;
