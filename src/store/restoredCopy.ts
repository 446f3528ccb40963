import type Database from 'better-sqlite3';
import { ALERT_RULE } from '../core/alertRules.js';
import { CHANGE_IN_PROGRESS } from '../core/model/audit.js';

/** What the restored copy says of the backup run that made it, when it holds one. */
export interface OwnBackupRun {
  /** When that run began: the copy holds everything committed before it. */
  startedAt: number;
}

const RESTORED_FROM = 'the copy this database was restored from';

const hasTable = (db: Database.Database, name: string) =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/** A single file, no -wal to lose on the way; smsops turns WAL on again when it opens it. */
export function leaveAsSingleFile(db: Database.Database): void {
  db.pragma('journal_mode = DELETE');
}

/**
 * Makes a backup's copy (restore's `<db>.restoring`, never the operator's file) a database smsops can start on as
 * the one it was when the copy was taken. The copy's lease row names the process that ran then, which does not run
 * on this copy. Returns the backup run that made the copy, if any (../restore.ts says the backup's age from it).
 */
export function prepareRestoredCopy(db: Database.Database): OwnBackupRun | undefined {
  return db.transaction(() => {
    if (hasTable(db, 'instance_lease')) db.exec('DELETE FROM instance_lease');
    return markOwnBackupRunDone(db);
  })();
}

/**
 * A backup smsops made is taken mid-run, so the copy holds that run as still running, and what the run did after the
 * copy as not done. The next start would record the run as failed ("smsops stopped during the run"), so /sms jobs and
 * /sms doctor called the very backup just restored a failure; a backup_failed alert that run resolved stayed open
 * (shown in /sms alerts, and its Slack message edited to Resolved and replied to a second time at the next good
 * backup); and the `/sms jobs run backup` that asked for it read as interrupted, "what it asked Wavix may or may not
 * have been done". The run succeeded (the copy exists and passed its check): it is recorded so, and what it settled is
 * settled. Its newest running backup run is that copy's.
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
  // Resolved as of the run (the backup job's one subject, 'database'): its Slack message was edited to Resolved then,
  // so nothing is owed to Slack now.
  if (hasTable(db, 'alerts'))
    db.prepare(
      "UPDATE alerts SET status = 'resolved', resolved_at = @at, updated_at = @at WHERE rule = @rule AND subject_key = 'database' AND status = 'open'",
    ).run({ at: run.started_at, rule: ALERT_RULE.backupFailed });
  // The audit entry of a `/sms jobs run backup` is written just before its run starts; a scheduled run has none.
  if (hasTable(db, 'audit_log'))
    db.prepare(
      `UPDATE audit_log SET outcome = 'ok', detail = @detail WHERE id = (
         SELECT max(id) FROM audit_log WHERE action = 'jobs.run' AND target = 'backup' AND outcome = 'unknown'
           AND detail = @inProgress AND at <= @startedAt)`,
    ).run({ detail: `made ${RESTORED_FROM}`, inProgress: CHANGE_IN_PROGRESS, startedAt: run.started_at });
  return { startedAt: run.started_at };
}
