import { ago, type CheckGroup, DAY } from './context.js';

// ── 10. Database backups ─────────────────────────────────────────────────────────────────────────────────────────

/** The `backup` job as the scheduler reports it (`/sms jobs`): enough to tell off, failing, stale or fine. */

const group = { id: 'backups', title: 'Database backups' };

/** How the backup job's description starts while BACKUP_DIR cannot be created or written (checked at start). */
export const BACKUPS_NOT_USABLE = 'Not usable: ';

/** Not a link of the SMS chain, but what decides whether a lost disk loses the history: off is said, never assumed. */
export const backupsGroup: CheckGroup = {
  ...group,
  run: async ({ deps }) => {
    const job = await deps.backupJob?.();
    // Doctor run without the scheduler (a test of the other checks): nothing to say.
    if (!job) return [];
    if (job.description.startsWith('Off'))
      return [
        {
          ...group,
          status: 'warning',
          reason:
            'Backups are off: set BACKUP_DIR (a folder on another disk) to copy the database daily; a lost disk would lose every message and setting.',
        },
      ];
    if (job.description.startsWith(BACKUPS_NOT_USABLE))
      return [
        {
          ...group,
          status: 'failure',
          reason: `Backups will fail: ${job.description.slice(BACKUPS_NOT_USABLE.length)} Fix the folder (it must be writable by smsops) or change BACKUP_DIR.`,
        },
      ];
    // The folder as it is now: replaced by a file or made read-only since start, the next backup would fail.
    const problem = await deps.backupDirProblem?.();
    if (problem)
      return [
        {
          ...group,
          status: 'failure',
          reason: `Backups will fail: ${problem}. Fix the folder (it must be writable by smsops) or change BACKUP_DIR.`,
        },
      ];
    const last = job.lastRun;
    const now = deps.relay.now();
    if (!last) return [{ ...group, status: 'ok', reason: `On, none taken yet. ${job.description}` }];
    if (last.outcome === 'failed')
      return [
        {
          ...group,
          status: 'failure',
          reason: `The last backup (${ago(now - last.startedAt)}) failed: ${last.error ?? 'unknown error'}`,
        },
      ];
    if (now - last.startedAt > 2 * DAY)
      return [{ ...group, status: 'warning', reason: `The last backup ran ${ago(now - last.startedAt)}: check BACKUP_CRON.` }];
    return [{ ...group, status: 'ok', reason: `Last backup ${ago(now - last.startedAt)} (${last.outcome}). ${job.description}` }];
  },
};
