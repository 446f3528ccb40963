import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackupJob } from '../../src/jobs/backupJob.js';
import { createLogger } from '../../src/log.js';
import { BackupError, backupDatabase, backupFileName, integrityProblem, listBackups } from '../../src/store/backup.js';
import { fileIdentity } from '../../src/store/fileIdentity.js';
import { recordingAlerts } from '../helpers/recordingAlerts.js';
import { hangNextWriteTo, straceWorks } from '../helpers/slowDisk.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

const logger = createLogger({ level: 'silent' });

/** Tens of MB of indexed rows beside smsops' tables: enough that checking the copy takes a noticeable while. */
function addBallast(temp: TempDb, rows: number): void {
  temp.db.exec(`
    CREATE TABLE ballast (id INTEGER PRIMARY KEY, a TEXT, b TEXT);
    CREATE INDEX ballast_a ON ballast (a);
    CREATE INDEX ballast_b ON ballast (b);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO ballast (a, b) SELECT hex(randomblob(40)), hex(randomblob(40)) FROM n;
  `);
}

describe('the backup copy in a worker thread', () => {
  let temp: TempDb;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    temp.cleanup();
  });

  it('the copy is made in another thread: held mid-copy, webhooks are answered and stored, and the backup holds what came before it', async () => {
    temp = createTempDb();
    addBallast(temp, 60_000);
    temp.db.exec('CREATE TABLE webhook (id INTEGER PRIMARY KEY, body TEXT)');
    const insert = temp.db.prepare('INSERT INTO webhook (body) VALUES (?)');
    // A webhook receiver storing what it is sent on smsops' own connection before it answers.
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => response.end(`stored ${insert.run(body).lastInsertRowid}`));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
    const post = async (body: string) => (await fetch(url, { method: 'POST', body })).text();
    for (const body of ['first', 'second', 'third']) await post(body);
    // The event loop's connection copies nothing: its page-copy steps held every webhook's answer.
    temp.db.backup = () => Promise.reject(new Error('the backup copied pages on the event loop'));

    const dir = join(temp.dir, 'backups');
    const hold = new Int32Array(new SharedArrayBuffer(4));
    const events: string[] = [];
    let ended = false;
    let whileHeld: Promise<void> | undefined;
    const making = backupDatabase(temp.db, {
      dir,
      keep: 2,
      now: temp.clock.now,
      hold: {
        buffer: hold.buffer as SharedArrayBuffer,
        // The worker is blocked inside a page-copy step: a webhook answered now was answered by another thread's leave.
        onHeld: () => {
          whileHeld = (async () => {
            events.push(`held, backup ended: ${ended}`);
            events.push(`answered ${await post('during the copy')}`);
            const partial = join(dir, `${backupFileName(temp.clock.now())}.partial`);
            events.push(`partial ${(statSync(partial).mode & 0o777).toString(8)}, backup ended: ${ended}`);
            Atomics.store(hold, 0, 1);
            Atomics.notify(hold, 0);
          })();
        },
      },
    }).finally(() => {
      ended = true;
    });
    const made = await making;
    await whileHeld;

    expect(events).toEqual(['held, backup ended: false', 'answered stored 4', 'partial 600, backup ended: false']);
    expect(listBackups(dir)).toEqual([made.path]);
    expect(readdirSync(dir)).toEqual([made.path.slice(dir.length + 1)]);
    const copy = new Database(made.path, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(copy.prepare('SELECT count(*) AS n FROM ballast').get()).toEqual({ n: 60_000 });
      // What was stored before the backup began; the webhook stored while it ran is in the next one.
      expect(copy.prepare('SELECT body FROM webhook ORDER BY id').pluck().all()).toEqual(['first', 'second', 'third']);
    } finally {
      copy.close();
    }
    expect(temp.db.prepare('SELECT count(*) FROM webhook').pluck().get()).toBe(4);
  });

  it('a copy whose worker hangs is stopped at the stall limit: the run fails in words, alerts, leaves no .partial, and the next run is made', async () => {
    temp = createTempDb();
    addBallast(temp, 20_000);
    const dir = join(temp.dir, 'backups');
    const alerts = recordingAlerts();
    let hang = true;
    const job = createBackupJob({
      backup: () =>
        backupDatabase(temp.db, {
          dir,
          keep: 2,
          now: temp.clock.now,
          // The next run on the default limit: a worker slow to start on a busy machine (a CI run with other test
          // files) made no progress for over 1 s and failed a run that was not hung.
          ...(hang ? { stallLimitMs: 1_000 } : {}),
          // Never released: the worker hangs inside a page-copy step, as on a disk that stopped answering.
          ...(hang ? { hold: { buffer: new SharedArrayBuffer(4), onHeld: () => {} } } : {}),
        }),
      dir,
      keep: 2,
      alerts: alerts.notifier,
      logger,
    });

    expect(await job.run()).toEqual({
      outcome: 'failed',
      error: `the backup to ${dir} failed: the copy made no progress for 1 s (a disk that does not answer?), so it was stopped; the next run starts afresh`,
    });
    expect(alerts.raised).toEqual([expect.objectContaining({ rule: 'backup_failed', subjectKey: 'database' })]);
    expect(readdirSync(dir)).toEqual([]);

    hang = false;
    temp.clock.advance(1_000);
    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(alerts.resolved).toContainEqual({ rule: 'backup_failed', subjectKey: 'database' });
    const made = listBackups(dir);
    expect(made).toHaveLength(1);
    expect(made.map(integrityProblem)).toEqual([null]);
  });

  it.skipIf(!straceWorks)(
    'a worker stopped while a hung disk blocks its write: smsops survives the write returning, and the WAL stays held as its read until the thread is gone',
    { timeout: 60_000 },
    async () => {
      temp = createTempDb();
      addBallast(temp, 20_000);
      const dir = join(temp.dir, 'backups');
      mkdirSync(dir);
      const hold = new Int32Array(new SharedArrayBuffer(4));
      const reads: string[] = [];
      let disk: { stop(): Promise<void> } | undefined;
      try {
        const run = backupDatabase(temp.db, {
          dir,
          keep: 2,
          now: temp.clock.now,
          stallLimitMs: 4_000,
          readerHeld: () => {
            reads.push('held');
            return () => reads.push('released');
          },
          hold: {
            buffer: hold.buffer as SharedArrayBuffer,
            // The copy's next write blocks 12 s, as on a disk that stopped answering.
            onHeld: () =>
              void hangNextWriteTo(join(dir, `${backupFileName(temp.clock.now())}.partial`), 12_000).then((hung) => {
                disk = hung;
                Atomics.store(hold, 0, 1);
                Atomics.notify(hold, 0);
              }),
          },
        }).catch((e: unknown) => e);
        expect(await run).toBeInstanceOf(BackupError);
        // The run ended (the stall limit, then 5 s), the thread still blocked, its read open: the WAL is still held.
        expect(reads).toEqual(['held']);
        await waitUntil(
          () => reads.length === 2,
          20_000,
          () => 'the read released',
        );
        expect(reads).toEqual(['held', 'released']);
      } finally {
        await disk?.stop();
      }
    },
  );

  it('a run cancelled mid-copy (its time limit passed, or smsops stops) stops the worker and says so', async () => {
    temp = createTempDb();
    addBallast(temp, 20_000);
    const dir = join(temp.dir, 'backups');
    const cancellation = new AbortController();
    const error = await backupDatabase(temp.db, {
      dir,
      keep: 2,
      now: temp.clock.now,
      signal: cancellation.signal,
      hold: {
        buffer: new SharedArrayBuffer(4),
        onHeld: () => cancellation.abort(new Error('the job run passed its time limit')),
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toBe(`the backup to ${dir} failed: the copy was stopped: the job run passed its time limit`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a database file replaced at its path while smsops has it open: the backup is of the open file, not the one now at the path', async () => {
    temp = createTempDb();
    temp.db.exec("CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('the open file')");
    // In the file itself, not its WAL (a WAL beside the path is read with whatever file is there).
    temp.db.pragma('wal_checkpoint(TRUNCATE)');
    const opened = fileIdentity(temp.path);
    // Another database put at the path (a restore run by hand while smsops runs): smsops still writes to its own.
    const other = new Database(join(temp.dir, 'other.db'));
    other.exec("CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('another file')");
    other.close();
    renameSync(temp.path, join(temp.dir, 'moved.db'));
    renameSync(join(temp.dir, 'other.db'), temp.path);
    const made = await backupDatabase(temp.db, { dir: join(temp.dir, 'backups'), keep: 2, now: temp.clock.now, opened });
    const copy = new Database(made.path, { readonly: true, fileMustExist: true });
    try {
      expect(copy.prepare('SELECT v FROM kept').pluck().all()).toEqual(['the open file']);
    } finally {
      copy.close();
    }
  });

  it('a copy the worker cannot put in place fails the run with the step and the reason, and alerts', async () => {
    temp = createTempDb();
    const dir = join(temp.dir, 'backups');
    // The backup's name taken by a folder: the worker copies and checks, then its rename fails.
    mkdirSync(join(dir, backupFileName(temp.clock.now())), { recursive: true });
    const alerts = recordingAlerts();
    const job = createBackupJob({
      backup: () => backupDatabase(temp.db, { dir, keep: 2, now: temp.clock.now }),
      dir,
      keep: 2,
      alerts: alerts.notifier,
      logger,
    });

    const outcome = await job.run();

    expect(outcome).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(
        new RegExp(`^the backup to ${dir} failed: writing the copy to disk: (EISDIR|EEXIST|ENOTEMPTY)`),
      ),
    });
    expect(alerts.raised).toEqual([
      expect.objectContaining({ rule: 'backup_failed', facts: { reason: (outcome as { error: string }).error } }),
    ]);
    expect(readdirSync(dir)).toEqual([backupFileName(temp.clock.now())]);
  });

  it('the copy is flushed to disk before its rename, and the folder after it', () => {
    const { publishCopy } = createRequire(import.meta.url)('../../src/store/backupCopyWorker.cjs') as {
      publishCopy: (files: object, partial: string, final: string) => void;
    };
    const calls: string[] = [];
    let next = 10;
    const files = {
      openSync: (path: string, flags: string) => {
        calls.push(`open ${path} ${flags}`);
        next += 1;
        return next;
      },
      fsyncSync: (fd: number) => calls.push(`fsync ${fd}`),
      closeSync: (fd: number) => calls.push(`close ${fd}`),
      renameSync: (from: string, to: string) => calls.push(`rename ${from} ${to}`),
    };
    publishCopy(files, '/b/smsops-x.db.partial', '/b/smsops-x.db');
    expect(calls).toEqual([
      'open /b/smsops-x.db.partial r+',
      'fsync 11',
      'close 11',
      'rename /b/smsops-x.db.partial /b/smsops-x.db',
      'open /b r',
      'fsync 12',
      'close 12',
    ]);
  });

  it('a copy failing its integrity check is still removed, and the job fails in words and alerts', async () => {
    temp = createTempDb();
    addBallast(temp, 2_000);
    // An index whose recorded definition no longer matches its entries: the database still copies page by page,
    // and the copy's integrity check finds the index out of order.
    const other = new Database(temp.path);
    try {
      other.unsafeMode(true);
      other.pragma('writable_schema = ON');
      const version = other.pragma('schema_version', { simple: true }) as number;
      other.prepare(`UPDATE sqlite_schema SET sql = 'CREATE INDEX ballast_a ON ballast (a DESC)' WHERE name = 'ballast_a'`).run();
      other.pragma(`schema_version = ${version + 1}`);
    } finally {
      other.close();
    }
    const dir = join(temp.dir, 'backups');
    const alerts = recordingAlerts();
    const job = createBackupJob({
      backup: () => backupDatabase(temp.db, { dir, keep: 2, now: temp.clock.now }),
      dir,
      keep: 2,
      alerts: alerts.notifier,
      logger,
    });

    const outcome = await job.run();

    expect(outcome).toMatchObject({ outcome: 'failed', error: expect.stringContaining('the copy failed its integrity check: ') });
    expect((outcome as { error: string }).error).toContain('ballast_a');
    expect(alerts.raised).toEqual([expect.objectContaining({ rule: 'backup_failed', subjectKey: 'database' })]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
