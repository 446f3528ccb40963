-- The retention job (src/jobs/retentionJob.ts) deletes old rows in small batches, each found through an index on
-- the row's time, so a batch costs what it deletes rather than a scan of the table.
CREATE INDEX job_runs_started ON job_runs (started_at);
CREATE INDEX slack_threads_created ON slack_threads (created_at);
-- Deleting an outbound message sets delivery_reports.outbound_message_id to NULL (ON DELETE SET NULL): without this
-- index SQLite scans every delivery report for each outbound message it deletes.
CREATE INDEX delivery_reports_outbound ON delivery_reports (outbound_message_id);

-- The Slack leg's posts (migration 015) are bounded by age like the messages they show.
CREATE INDEX slack_posts_posted ON slack_posts (posted_at);
