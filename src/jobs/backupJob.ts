import { ALERT_RULE } from '../core/alertRules.js';
import { type Alerts, notShownInWords } from '../core/alerts.js';
import { BACKUPS_NOT_USABLE } from '../core/doctor/backups.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { BackupError, type BackupMade } from '../store/backup.js';
import type { JobOutcome } from './scheduler.js';

const SUBJECT = 'database';

/**
 * The scheduled `backup` job: one online backup (src/store/backup.ts) per run. A failure is an alert, since a backup
 * that silently stopped is found out only on the day it is needed; the next good backup resolves it.
 */
export function createBackupJob(options: {
  /**
   * Undefined when BACKUP_DIR is not set: the job then only says so. `cancellation` (the run's time limit passed, or
   * smsops stops) stops the copy's worker thread.
   */
  backup: ((cancellation?: AbortSignal) => Promise<BackupMade>) | undefined;
  dir: string | undefined;
  keep: number;
  /**
   * Why BACKUP_DIR cannot be used (created 0700 when missing), or null: checked at start and whenever described. While
   * smsops runs, off the event loop: `/sms jobs` on a hung mount held every SMS and /healthz as long as the disk did.
   */
  dirProblem?: () => string | null | Promise<string | null>;
  alerts: Alerts;
  logger: Logger;
}): { run: (cancellation?: AbortSignal) => Promise<JobOutcome>; describe: () => Promise<string> } {
  const { backup, alerts, logger } = options;
  const problem = () => (options.dir ? (options.dirProblem?.() ?? null) : null);
  // Said at start: otherwise a wrong BACKUP_DIR is found out at the first scheduled backup, hours later.
  const warn = (reason: string | null) => {
    if (reason) logger.warn('database backups will fail', { reason });
  };
  const atStart = problem();
  if (atStart instanceof Promise) void atStart.then(warn);
  else warn(atStart);
  return {
    describe: async () => {
      if (!options.dir) return 'Off: set BACKUP_DIR to back the database up on this schedule.';
      const now = await problem();
      return now
        ? `${BACKUPS_NOT_USABLE}${now}.`
        : `Copies the database to ${options.dir} while smsops runs (SQLite backup API), checks the copy, keeps the last ${options.keep}.`;
    },
    run: async (cancellation?: AbortSignal) => {
      if (!backup) return { outcome: 'skipped', reason: 'backups are off (BACKUP_DIR is not set)' };
      try {
        // The folder first, off the event loop and within 3 s, as /sms jobs checks it: the backup's checks were
        // synchronous file calls, and on a hung mount every webhook, relay post and /healthz waited with them.
        const unusable = await problem();
        if (unusable) throw new BackupError(unusable);
        const made = await backup(cancellation);
        await alerts.resolve(ALERT_RULE.backupFailed, SUBJECT);
        const mb = (made.bytes / 1_048_576).toFixed(1);
        return {
          outcome: 'ok',
          summary: `${made.path} (${mb} MB, ${made.ms} ms)${made.removed.length > 0 ? `, ${made.removed.length} older removed` : ''}`,
        };
      } catch (error) {
        // A BackupError's message is worded for people (/sms jobs, the alert, doctor): its class name is no help there.
        const reason = error instanceof BackupError ? error.message : describeError(error);
        logger.error('database backup failed', { error: reason });
        const notShown = await alerts.raise({
          rule: ALERT_RULE.backupFailed,
          subjectKey: SUBJECT,
          severity: 'warning',
          facts: { reason },
          details: { dir: options.dir },
        });
        return { outcome: 'failed', error: notShown.length > 0 ? `${reason}; ${notShownInWords(notShown)}` : reason };
      }
    },
  };
}
