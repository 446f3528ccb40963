import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackupJob } from '../../src/jobs/backupJob.js';
import { createLogger } from '../../src/log.js';
import { backupDatabase, integrityProblem, listBackups } from '../../src/store/backup.js';
import { recordingAlerts } from '../helpers/recordingAlerts.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const logger = createLogger({ level: 'silent' });

describe('backup job', () => {
  let temp: TempDb;
  afterEach(() => temp.cleanup());

  it('writes checked 0600 copies, keeps the last BACKUP_KEEP and clears leftovers of a crashed run', async () => {
    temp = createTempDb();
    const dir = join(temp.dir, 'backups');
    mkdirSync(dir);
    writeFileSync(join(dir, 'smsops-20261125T115959000Z.db.partial'), 'half a copy');
    for (let i = 0; i < 4; i += 1) {
      await backupDatabase(temp.db, { dir, keep: 3, now: temp.clock.now });
      temp.clock.advance(1_000);
    }
    const kept = listBackups(dir);
    expect(kept.map((f) => f.slice(dir.length + 1))).toEqual([
      'smsops-20261125T120001000Z.db',
      'smsops-20261125T120002000Z.db',
      'smsops-20261125T120003000Z.db',
    ]);
    expect(readdirSync(dir)).toHaveLength(3);
    for (const file of kept) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(integrityProblem(file)).toBeNull();
    }
  });

  it('raises backup_failed when a backup fails and resolves it with the next good one', async () => {
    temp = createTempDb();
    const dir = join(temp.dir, 'backups');
    mkdirSync(dir);
    const alerts = recordingAlerts();
    const job = createBackupJob({
      backup: () => backupDatabase(temp.db, { dir, keep: 2, now: temp.clock.now }),
      dir,
      keep: 2,
      alerts: alerts.notifier,
      logger,
    });
    // The backup folder's path taken by a file (a mount gone wrong): the copy cannot be written there.
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a folder');
    expect(await job.run()).toMatchObject({ outcome: 'failed' });
    expect(alerts.raised).toEqual([expect.objectContaining({ rule: 'backup_failed', subjectKey: 'database' })]);
    expect(alerts.resolved).toEqual([]);
    rmSync(dir);
    expect(await job.run()).toMatchObject({ outcome: 'ok', summary: expect.stringContaining(dir) });
    expect(alerts.resolved).toContainEqual({ rule: 'backup_failed', subjectKey: 'database' });
  });

  it('says backups are off without BACKUP_DIR', async () => {
    temp = createTempDb();
    const job = createBackupJob({ backup: undefined, dir: undefined, keep: 7, alerts: recordingAlerts().notifier, logger });
    expect(await job.run()).toEqual({ outcome: 'skipped', reason: 'backups are off (BACKUP_DIR is not set)' });
    expect(job.describe()).toContain('Off: set BACKUP_DIR');
  });
});
