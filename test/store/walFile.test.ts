import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { watchDatabaseFile } from '../../src/store/databaseFile.js';
import { fileIdentity } from '../../src/store/fileIdentity.js';
import { watchWalFile } from '../../src/store/walFile.js';

/** The -wal watch on a real SQLite file in this process: SQLite's own deletes and restarts are not taken for a loss. */
describe('the -wal watch', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-walwatch-'));
    dirs.push(dir);
    const path = join(dir, 'x.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x)');
    return { path, db };
  };

  it('says nothing when SQLite empties its WAL, deletes it at a close, or makes a new one at the next open', () => {
    const { path, db } = open();
    const check = watchWalFile(`${path}-wal`);
    expect(check()).toBeNull();
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(check()).toBeNull();
    db.exec('INSERT INTO t VALUES (1)');
    expect(check()).toBeNull();
    db.close();
    expect(check()).toBeNull();
    const again = new Database(path);
    again.exec('INSERT INTO t VALUES (2)');
    expect(check()).toBeNull();
    expect(check()).toBeNull();
    again.close();
  });

  it('keeps watching through a second connection when the one it followed closes', () => {
    const { path, db } = open();
    const other = new Database(path);
    other.prepare('SELECT count(*) FROM t').get();
    // The first descriptor found is the first connection's: closed now, while the other still holds the same WAL.
    const check = watchWalFile(`${path}-wal`);
    db.close();
    expect(check()).toBeNull();
    rmSync(`${path}-wal`);
    other.exec('INSERT INTO t VALUES (1)');
    expect(check()).toBe('missing');
    other.close();
  });

  it('watches the -wal beside the file a symlinked database path points to', () => {
    const { path, db } = open();
    const link = join(dirname(path), 'link.db');
    symlinkSync(path, link);
    const watch = watchDatabaseFile(link, fileIdentity(link));
    expect(watch.check()).toBeNull();
    rmSync(`${path}-wal`);
    db.exec('INSERT INTO t VALUES (1)');
    expect(watch.check()).toContain("the database's -wal file (DATABASE_PATH-wal) was removed or moved");
    db.close();
  });

  it('says the -wal is missing once removed under the open connection, replaced once another file stands there', () => {
    const { path, db } = open();
    const check = watchWalFile(`${path}-wal`);
    expect(check()).toBeNull();
    rmSync(`${path}-wal`);
    db.exec('INSERT INTO t VALUES (1)');
    expect(check()).toBe('missing');
    writeFileSync(`${path}-wal`, '');
    expect(check()).toBe('replaced');
    rmSync(`${path}-wal`);
    db.close();
  });
});
