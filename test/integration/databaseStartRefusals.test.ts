import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { freePort, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';
import { sleep } from '../helpers/waitUntil.js';

/**
 * A database smsops cannot write at start, on the real process: a write lock another process holds (an sqlite3 shell
 * in BEGIN IMMEDIATE) is waited out for a few seconds, then refused with exit 2 naming DATABASE_PATH; a file on a
 * read-only mount is refused as read-only. They used to end in exit 1 "SqliteError: database is locked" naming no file,
 * and in "is not an SQLite database it can read".
 */
describe('a database smsops cannot write at start (real process)', () => {
  let dir = '';
  let unmount: (() => void) | undefined;
  let holder: Database.Database | undefined;
  const processes: SmsopsProcess[] = [];
  afterEach(() => {
    for (const p of processes.splice(0)) p.kill();
    if (holder?.inTransaction) holder.exec('ROLLBACK');
    holder?.close();
    holder = undefined;
    unmount?.();
    unmount = undefined;
    if (dir) chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  /** An smsops database (migrated, closed) in a fresh folder. */
  const existingDatabase = () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-db-refusals-'));
    const path = join(dir, 'smsops.db');
    closeDatabase(openDatabase(path).db);
    return path;
  };
  const spawn = async (databasePath: string) => {
    const p = spawnSmsops({
      cwd: dir,
      env: productionEnv({ port: await freePort(), databasePath, webhookSecret: 'db-refusals-secret-0123456789' }),
    });
    processes.push(p);
    return p;
  };
  const exitWithin = (p: SmsopsProcess, ms: number) => Promise.race([p.exited, sleep(ms).then(() => 'still running' as const)]);
  const holdWriteLock = (path: string) => {
    holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    return holder;
  };

  it('refuses with exit 2 a missing database beside the copy of a restore cut short, where it made a new, empty one', {
    timeout: 60_000,
  }, async () => {
    const backup = existingDatabase();
    const path = join(dir, 'restored.db');
    // A restore killed before it renamed its prepared copy into place (no database was there before it began).
    execFileSync('cp', [backup, `${path}.restoring`]);
    const p = await spawn(path);
    expect(await exitWithin(p, 30_000)).toEqual({ code: 2, signal: null });
    expect(p.logs.join('\n')).toContain(`${path}.restoring is beside it: a restore into DATABASE_PATH was cut short`);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses with exit 2 a DATABASE_PATH symlink whose file is missing beside the copy of a restore cut short, where it made a new, empty one', {
    timeout: 60_000,
  }, async () => {
    const backup = existingDatabase();
    // A fresh data volume: the link names a file not made yet, and restore copies in beside that file, not the link.
    const volume = join(dir, 'volume');
    mkdirSync(volume);
    const file = join(volume, 'smsops.db');
    const link = join(dir, 'link.db');
    symlinkSync(file, link);
    execFileSync('cp', [backup, `${file}.restoring`]);
    const p = await spawn(link);
    expect(await exitWithin(p, 30_000)).toEqual({ code: 2, signal: null });
    expect(p.logs.join('\n')).toContain(
      `${file} (DATABASE_PATH ${link} is a symlink to it) is missing and ${file}.restoring is beside it: a restore into DATABASE_PATH was cut short`,
    );
    expect(readdirSync(volume)).toEqual(['smsops.db.restoring']);
  });

  it('waits out a write lock held for a moment, and starts', { timeout: 60_000 }, async () => {
    const path = existingDatabase();
    const lock = holdWriteLock(path);
    const p = await spawn(path);
    await sleep(1_500);
    lock.exec('ROLLBACK');
    await p.waitForLine(/smsops listening/, 30_000);
  });

  it('refuses a write lock held past the wait with exit 1 (a supervisor tries again: the lock passes), naming DATABASE_PATH and the lock', {
    timeout: 60_000,
  }, async () => {
    const path = existingDatabase();
    holdWriteLock(path);
    const p = await spawn(path);
    expect(await exitWithin(p, 30_000)).toEqual({ code: 1, signal: null });
    const said = p.logs.join('\n');
    expect(said).toContain(`another process holds the write lock of DATABASE_PATH (${path})`);
    expect(said).not.toContain('SqliteError');
  });

  /**
   * `dir` as a folder smsops cannot write: a read-only bind mount of it for root (whom permissions do not stop), `dir`
   * itself made 0555 for anyone else. Returns the folder to use, and the words smsops should give for it.
   */
  const unwritable = (ctx: { skip: (why: string) => never }) => {
    if (process.getuid?.() !== 0) {
      chmodSync(dir, 0o555);
      return { folder: dir, why: 'cannot be written by this user' };
    }
    const mounted = join(dir, 'ro');
    mkdirSync(mounted);
    try {
      execFileSync('mount', ['--bind', '-o', 'ro', dir, mounted], { stdio: 'ignore' });
    } catch {
      ctx.skip('root without the right to mount: no way to make a read-only folder here');
    }
    unmount = () => execFileSync('umount', [mounted], { stdio: 'ignore' });
    return { folder: mounted, why: 'is on a read-only file system' };
  };

  it('refuses a sound database on a read-only mount with exit 2, saying it is read-only', {
    timeout: 60_000,
  }, async (ctx) => {
    const path = existingDatabase();
    if (process.getuid?.() !== 0) chmodSync(path, 0o444);
    const target = join(unwritable(ctx).folder, 'smsops.db');
    const p = await spawn(target);
    expect(await exitWithin(p, 30_000)).toEqual({ code: 2, signal: null });
    const said = p.logs.join('\n');
    expect(said).toContain(`DATABASE_PATH (${target}) is read-only`);
    expect(said).not.toContain('is not an SQLite database');
  });

  // Node's recursive mkdir says ENOENT, "no such file or directory", for a folder it cannot make on a read-only mount:
  // a start used to end in exit 1 with those words, retried by systemd every 5 s.
  it('refuses a database still to be created under a read-only folder with exit 2, saying so, not ENOENT', {
    timeout: 60_000,
  }, async (ctx) => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-db-refusals-'));
    const { folder, why } = unwritable(ctx);
    const target = join(folder, 'data', 'smsops.db');
    const p = await spawn(target);
    expect(await exitWithin(p, 30_000)).toEqual({ code: 2, signal: null });
    const said = p.logs.join('\n');
    expect(said).toContain(
      `DATABASE_PATH (${target}) is read-only: it does not exist yet, and ${folder}, where it would be created, ${why}`,
    );
    expect(said).not.toContain('ENOENT');
  });

  // The systemd unit's case when /etc/smsops.env emptied DATABASE_PATH: the default, ./data, in a read-only /opt/smsops.
  it('refuses the default ./data/smsops.db in a read-only working folder with exit 2, naming the full path', {
    timeout: 60_000,
  }, async (ctx) => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-db-refusals-'));
    const { folder, why } = unwritable(ctx);
    const { DATABASE_PATH: _default, ...env } = productionEnv({
      port: await freePort(),
      databasePath: '',
      webhookSecret: 'db-refusals-secret-0123456789',
    });
    const p = spawnSmsops({ cwd: folder, env });
    processes.push(p);
    expect(await exitWithin(p, 30_000)).toEqual({ code: 2, signal: null });
    const said = p.logs.join('\n');
    expect(said).toContain(`DATABASE_PATH (./data/smsops.db, that is ${join(folder, 'data', 'smsops.db')}) is read-only`);
    expect(said).toContain(`${folder}, where it would be created, ${why}`);
  });
});
