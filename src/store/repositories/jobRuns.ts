import type { Db } from '../database.js';

export interface JobRun {
  id: number;
  job: string;
  startedAt: number;
  finishedAt: number | null;
  outcome: 'running' | 'ok' | 'failed' | 'skipped';
  error: string | null;
  /** What a run that went well reported (a job's `summary`), e.g. the backup's file and size. */
  summary: string | null;
}

export interface JobRunsRepository {
  start(job: string): number;
  finish(id: number, outcome: 'ok' | 'failed' | 'skipped', error?: string | null, summary?: string | null): void;
  /** The latest run of each job. */
  latest(): JobRun[];
  /** Runs left 'running' by a process that died: marked failed at start, so /sms jobs does not show them running forever. */
  failAbandoned(): number;
}

export function createJobRunsRepository(db: Db, now: () => number = Date.now): JobRunsRepository {
  const insert = db.prepare("INSERT INTO job_runs (job, started_at, outcome) VALUES (?, ?, 'running')");
  const finish = db.prepare('UPDATE job_runs SET finished_at = ?, outcome = ?, error = ?, summary = ? WHERE id = ?');
  const latest = db.prepare<[], JobRun>(`
    SELECT id, job, started_at AS startedAt, finished_at AS finishedAt, outcome, error, summary FROM job_runs
    WHERE id IN (SELECT max(id) FROM job_runs GROUP BY job) ORDER BY job`);
  const abandoned = db.prepare(
    "UPDATE job_runs SET outcome = 'failed', finished_at = ?, error = 'smsops stopped during the run' WHERE outcome = 'running'",
  );
  return {
    start: (job) => Number(insert.run(job, now()).lastInsertRowid),
    finish: (id, outcome, error = null, summary = null) => {
      finish.run(now(), outcome, error, summary, id);
    },
    latest: () => latest.all(),
    failAbandoned: () => abandoned.run(now()).changes,
  };
}
