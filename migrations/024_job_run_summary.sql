-- What a job's successful run reports (the backup job: its file and size), shown by `/sms jobs`. Kept apart from
-- `error`, which holds why a run failed or was skipped.
ALTER TABLE job_runs ADD COLUMN summary TEXT;
