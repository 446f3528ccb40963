import type Database from 'better-sqlite3';

/** What the restored copy says of the backup run that made it, when it holds one. */
export interface OwnBackupRun {
  /** When that run began: the copy holds everything committed before it. */
  startedAt: number;
}

const RESTORED_FROM = 'the copy this database was restored from';

const hasTable = (db: Database.Database, name: string) =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/**
 * Makes a backup's copy (restore's `<db>.restoring`, never the operator's file) a database smsops can start on as
 * the one it was when the copy was taken. The copy's lease row names the process that ran then, which does not run
 * on this copy. Returns the backup run that made the copy, if any.
 */
export function prepareRestoredCopy(db: Database.Database): OwnBackupRun | undefined {
  return db.transaction(() => {
    if (hasTable(db, 'instance_lease')) db.exec('DELETE FROM instance_lease');
    return markOwnBackupRunDone(db);
  })();
}

/**
 * A backup smsops made holds its own run as still running (the copy is taken mid-run), which the next start would
 * record as failed ("smsops stopped during the run"): /sms jobs and /sms doctor then called the very backup just
 * restored a failure. Its newest running backup run is that copy: recorded ok.
 */
function markOwnBackupRunDone(db: Database.Database): OwnBackupRun | undefined {
  if (!hasTable(db, 'job_runs')) return undefined;
  const run = db
    .prepare<[], { id: number; started_at: number }>(
      "SELECT id, started_at FROM job_runs WHERE id = (SELECT max(id) FROM job_runs WHERE job = 'backup' AND outcome = 'running')",
    )
    .get();
  if (!run) return undefined;
  const withSummary = (db.prepare('PRAGMA table_info(job_runs)').all() as { name: string }[]).some((c) => c.name === 'summary');
  db.prepare(
    `UPDATE job_runs SET outcome = 'ok', finished_at = started_at, error = NULL${withSummary ? ', summary = @summary' : ''}
     WHERE id = @id`,
  ).run(withSummary ? { id: run.id, summary: RESTORED_FROM } : { id: run.id });
  return { startedAt: run.started_at };
}
