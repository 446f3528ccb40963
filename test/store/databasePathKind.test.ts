import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { tightenDatabaseFiles } from '../../src/store/fileModes.js';

/** openDatabase and the mode tightening on paths that are not plain files (the start-up check is in integration/). */
describe('database path that is not a regular file', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('openDatabase refuses a named pipe before any chmod, and SQLite never opens it', () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-kind-'));
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', ['-m', '644', fifo]);
    expect(() => openDatabase(fifo)).toThrow(`${fifo} is a named pipe (fifo), not a regular file`);
    expect(statSync(fifo).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['pipe']);
  });

  it('through a symlink, the -wal and -shm tightened are those beside the file it points to', () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-kind-'));
    mkdirSync(join(dir, 'real'));
    const real = join(dir, 'real', 'smsops.db');
    const link = join(dir, 'smsops.db');
    symlinkSync(real, link);
    const { db } = openDatabase(link);
    db.exec('CREATE TABLE IF NOT EXISTS t (x)');
    chmodSync(`${real}-wal`, 0o644);
    expect(tightenDatabaseFiles(link)).toEqual([{ path: `${real}-wal`, was: '644', action: 'tightened' }]);
    expect(statSync(`${real}-wal`).mode & 0o777).toBe(0o600);
    closeDatabase(db);
  });
});
