import { describe, expect, it } from 'vitest';
import { backupsGroup } from '../../src/core/doctor/backups.js';
import type { BackupJobStatus, DoctorDeps } from '../../src/core/doctor/types.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const check = async (job: BackupJobStatus | undefined) => {
  // Only what this group reads; the other checks' dependencies play no part.
  const deps = { backupJob: () => job, relay: { now: () => NOW } } as unknown as DoctorDeps;
  return backupsGroup.run({
    deps,
    numbers: async () => ({ ok: false, error: new Error('unused') }) as never,
    signal: new AbortController().signal,
  });
};
const on = 'Copies the database to /backups while smsops runs (SQLite backup API), checks the copy, keeps the last 7.';

describe('doctor: database backups', () => {
  it('warns when backups are off', async () => {
    const [result] = await check({
      description: 'Off: set BACKUP_DIR to back the database up on this schedule.',
      lastRun: undefined,
    });
    expect(result).toMatchObject({ status: 'warning', reason: expect.stringContaining('set BACKUP_DIR') });
  });

  it('fails on a failed last backup, warns on a stale one, is fine with a recent one', async () => {
    const failed = await check({
      description: on,
      lastRun: { startedAt: NOW - 3_600_000, outcome: 'failed', error: 'disk full' },
    });
    expect(failed[0]).toMatchObject({ status: 'failure', reason: expect.stringContaining('disk full') });
    const stale = await check({ description: on, lastRun: { startedAt: NOW - 3 * 86_400_000, outcome: 'ok', error: null } });
    expect(stale[0]?.status).toBe('warning');
    const fine = await check({ description: on, lastRun: { startedAt: NOW - 3_600_000, outcome: 'ok', error: null } });
    expect(fine[0]).toMatchObject({ status: 'ok', reason: expect.stringContaining('1 h ago') });
  });

  it('says nothing when run without the scheduler', async () => {
    expect(await check(undefined)).toEqual([]);
  });
});
