import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupsGroup } from '../../src/core/doctor/backups.js';
import type { DoctorDeps } from '../../src/core/doctor/types.js';
import { createBackupJob } from '../../src/jobs/backupJob.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/log.js';
import { jobsMessage } from '../../src/slack/ui/jobs.js';
import {
  BackupError,
  backupDatabase,
  backupDirProblem,
  backupFileName,
  integrityProblem,
  listBackups,
} from '../../src/store/backup.js';
import { backupDirProblemNow } from '../../src/store/backupDirProbe.js';
import { createJobRunsRepository } from '../../src/store/repositories/jobRuns.js';
import { recordingAlerts } from '../helpers/recordingAlerts.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const logger = createLogger({ level: 'silent' });

describe('backup job', () => {
  let temp: TempDb;
  afterEach(() => temp.cleanup());

  it('writes checked 0600 copies, keeps the last BACKUP_KEEP and clears leftovers of a crashed or failed run (the copy and its journal)', async () => {
    temp = createTempDb();
    const dir = join(temp.dir, 'backups');
    mkdirSync(dir);
    writeFileSync(join(dir, 'smsops-20261125T115959000Z.db.partial'), 'half a copy');
    // SQLite's journal of a copy whose write failed (a full disk): one more 1 KB file per failed run, kept for good.
    writeFileSync(join(dir, 'smsops-20261125T115958000Z.db.partial-journal'), 'journal of a failed write');
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

  it('a clock that was once ahead: backups named in the future never make the new one be deleted, and go first', async () => {
    temp = createTempDb();
    const dir = join(temp.dir, 'backups');
    mkdirSync(dir);
    const names = () => listBackups(dir).map((f) => f.slice(dir.length + 1));
    writeFileSync(join(dir, 'smsops-20991231T000000000Z.db'), 'made in 2099');
    writeFileSync(join(dir, 'smsops-20981231T000000000Z.db'), 'made in 2098');
    writeFileSync(join(dir, 'smsops-20261125T110000000Z.db'), 'an hour ago');
    const alerts = recordingAlerts();
    const job = createBackupJob({
      backup: () => backupDatabase(temp.db, { dir, keep: 3, now: temp.clock.now }),
      dir,
      keep: 3,
      alerts: alerts.notifier,
      logger,
    });
    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    // The sane past first, then the newest of the future ones: 2098 goes.
    expect(names()).toEqual(['smsops-20261125T110000000Z.db', 'smsops-20261125T120000000Z.db', 'smsops-20991231T000000000Z.db']);
    temp.clock.advance(1_000);
    const made = await backupDatabase(temp.db, { dir, keep: 1, now: temp.clock.now });
    expect(made.path).toBe(join(dir, 'smsops-20261125T120001000Z.db'));
    expect(names()).toEqual(['smsops-20261125T120001000Z.db']);
    expect(integrityProblem(made.path)).toBeNull();
    expect(alerts.raised).toEqual([]);
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

  it('a copy that would fill the disk is not started: the run and the alert say the sizes, the earlier backup and the disk are left as they were', async () => {
    temp = createTempDb();
    const dir = join(temp.dir, 'backups');
    mkdirSync(dir);
    await backupDatabase(temp.db, { dir, keep: 3, now: temp.clock.now });
    temp.clock.advance(1_000);
    const earlier = readdirSync(dir);
    // The database's own disk, 100 MB free: the copy fits, but only by taking the room its WAL grows into.
    const asked: string[] = [];
    const room = (folder: string, databasePath: string) => {
      asked.push(`${folder} ${databasePath}`);
      return { freeBytes: 100 << 20, sameDiskAsDatabase: true };
    };
    const alerts = recordingAlerts();
    const job = createBackupJob({
      backup: () => backupDatabase(temp.db, { dir, keep: 3, now: temp.clock.now, room }),
      dir,
      keep: 3,
      alerts: alerts.notifier,
      logger,
    });
    const run = await job.run();
    expect(asked).toEqual([`${dir} ${temp.db.name}`]);
    expect(run).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(
        new RegExp(
          `^the backup was not started: BACKUP_DIR ${dir} has 100 MB free, the copy needs 1 MB, and 128 MB must stay free for the database on the same disk, so it would fill the disk\\. Free space there`,
        ),
      ),
    });
    expect(alerts.raised).toEqual([expect.objectContaining({ rule: 'backup_failed', subjectKey: 'database' })]);
    // Not a byte written: no .partial copy, no journal, the earlier backup kept.
    expect(readdirSync(dir)).toEqual(earlier);

    // On another disk the same free space is plenty: only the copy itself (and a little growth) must fit.
    const elsewhere = await backupDatabase(temp.db, {
      dir,
      keep: 3,
      now: temp.clock.now,
      room: () => ({ freeBytes: 100 << 20, sameDiskAsDatabase: false }),
    });
    expect(integrityProblem(elsewhere.path)).toBeNull();
  });

  it('says backups are off without BACKUP_DIR', async () => {
    temp = createTempDb();
    const job = createBackupJob({ backup: undefined, dir: undefined, keep: 7, alerts: recordingAlerts().notifier, logger });
    expect(await job.run()).toEqual({ outcome: 'skipped', reason: 'backups are off (BACKUP_DIR is not set)' });
    expect(await job.describe()).toContain('Off: set BACKUP_DIR');
  });

  it('makes BACKUP_DIR 0700 when missing', async () => {
    temp = createTempDb();
    const dir = join(temp.dir, 'backups');
    const previous = process.umask(0o022);
    try {
      // The copy's own 0600 from its first byte: ./backupEventLoop.test.ts, while the worker is held mid-copy.
      await backupDatabase(temp.db, { dir, keep: 3, now: temp.clock.now });
    } finally {
      process.umask(previous);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('a BACKUP_DIR that cannot be created is a BackupError with the reason, and is said at start', async () => {
    temp = createTempDb();
    const blocker = join(temp.dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const dir = join(blocker, 'backups');
    const error = await backupDatabase(temp.db, { dir, keep: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toMatch(new RegExp(`^BACKUP_DIR ${dir} cannot be used: .*(ENOTDIR|EEXIST)`));

    const warnings: string[] = [];
    const job = createBackupJob({
      backup: () => backupDatabase(temp.db, { dir, keep: 3 }),
      dir,
      keep: 3,
      dirProblem: () => backupDirProblem(dir),
      alerts: recordingAlerts().notifier,
      logger: createLogger({ level: 'warn', sink: (line) => warnings.push(line) }),
    });
    expect(warnings.join('\n')).toContain('database backups will fail');
    expect(warnings.join('\n')).toContain(`BACKUP_DIR ${dir} cannot be used`);
    const deps = {
      backupJob: async () => ({ description: await job.describe(), lastRun: undefined }),
      relay: { now: () => Date.now() },
    } as unknown as DoctorDeps;
    const [verdict] = await backupsGroup.run({
      deps,
      numbers: async () => ({ ok: false, error: new Error('unused') }) as never,
      signal: new AbortController().signal,
    });
    expect(verdict).toMatchObject({
      title: 'Database backups',
      status: 'failure',
      reason: expect.stringContaining(`Backups will fail: BACKUP_DIR ${dir} cannot be used`),
    });
    // Fixed while running: the check says so without a restart.
    rmSync(blocker);
    expect(await job.describe()).toContain(`Copies the database to ${dir}`);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('a BACKUP_DIR replaced by a file after start fails doctor before any backup runs, and the run says why without a class name', async () => {
    temp = createTempDb();
    const dir = join(temp.dir, 'backups');
    const job = createBackupJob({
      backup: () => backupDatabase(temp.db, { dir, keep: 3 }),
      dir,
      keep: 3,
      dirProblem: () => backupDirProblem(dir),
      alerts: recordingAlerts().notifier,
      logger,
    });
    // As the scheduler lists it: described at start, when the folder was fine.
    const described = await job.describe();
    const doctor = async () => {
      const deps = {
        backupJob: () => ({ description: described, lastRun: undefined }),
        backupDirProblem: () => backupDirProblemNow(dir),
        relay: { now: () => Date.now() },
      } as unknown as DoctorDeps;
      const [verdict] = await backupsGroup.run({
        deps,
        numbers: async () => ({ ok: false, error: new Error('unused') }) as never,
        signal: new AbortController().signal,
      });
      return verdict;
    };
    expect(await doctor()).toMatchObject({ status: 'ok', reason: expect.stringContaining('none taken yet') });
    // The probe leaves nothing behind in the folder.
    expect(readdirSync(dir)).toEqual([]);

    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a folder');
    expect(await doctor()).toMatchObject({
      status: 'failure',
      reason: `Backups will fail: BACKUP_DIR ${dir} cannot be used: it is not a folder. Fix the folder (it must be writable by smsops) or change BACKUP_DIR.`,
    });
    const run = await job.run();
    expect(run).toEqual({ outcome: 'failed', error: `BACKUP_DIR ${dir} cannot be used: it is not a folder` });
  });

  it('/sms jobs shows the last backup file and its size', async () => {
    temp = createTempDb();
    const dir = join(temp.dir, 'backups');
    const job = createBackupJob({
      backup: () => backupDatabase(temp.db, { dir, keep: 3, now: temp.clock.now }),
      dir,
      keep: 3,
      alerts: recordingAlerts().notifier,
      logger,
    });
    const scheduler = createScheduler({
      jobs: [{ name: 'backup', schedule: '30 3 * * *', description: job.describe, run: job.run }],
      jobRuns: createJobRunsRepository(temp.db, temp.clock.now),
      logger,
      ticks: { arm: () => ({ nextRunAt: () => null, disarm: async () => {} }) },
    });
    await scheduler.runNow('backup');
    const shown = JSON.stringify(jobsMessage(await scheduler.status(), temp.clock.now()).blocks);
    expect(shown).toContain(`${backupFileName(temp.clock.now())} (`);
    expect(shown).toMatch(/\(\d+\.\d MB, \d+ ms\)/);
    await scheduler.stop();
  });
});
