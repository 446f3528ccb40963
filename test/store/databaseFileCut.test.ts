import { readdirSync, renameSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { backupDatabase } from '../../src/store/backup.js';
import { type Db, openDatabase } from '../../src/store/database.js';
import { type FileCut, watchDatabaseFile } from '../../src/store/databaseFile.js';
import { fileIdentity } from '../../src/store/fileIdentity.js';
import { startWalCheckpointer, type WalCheckpointer } from '../../src/store/walCheckpointer.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * The database file cut short under an open connection (`truncate`, an overwrite in place): same inode, so the watch's
 * identity check passes, while SQLite answers from its cache and WAL and the next start finds no database. Real files,
 * real SQLite, the real checkpointer worker.
 */

let temp: TempDb;
let checkpointer: WalCheckpointer | undefined;
afterEach(async () => {
  await checkpointer?.stop();
  checkpointer = undefined;
  temp.cleanup();
});

const quiet = createLogger({ level: 'error', sink: () => {} });

function fill(db: Db, prefix: string, rows: number): void {
  const insert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`${prefix}${i}`, 'x'.repeat(1_000));
  })();
}

/** The rows written so far copied into the database file by the worker: its size at least `atLeast`, and steady. */
async function copied(path: string, atLeast: number): Promise<number> {
  let last = -1;
  return waitUntil(
    async () => {
      const size = statSync(path).size;
      const steady = size >= atLeast && size === last;
      last = size;
      // Read again a few copies later: one under way (its last pages, then its fsync) has finished meanwhile.
      if (!steady) await sleep(200);
      return steady && size;
    },
    10_000,
    () => `the rows copied into the database file (${last} bytes)`,
  );
}

describe('the database file cut short while open', () => {
  it('the checkpointer says so before its next copy: a size no SQLite file has, though the file keeps its first pages', async () => {
    temp = createTempDb();
    const { db, path } = temp;
    const cuts: FileCut[] = [];
    checkpointer = startWalCheckpointer(db, { logger: quiet, intervalMs: 50, onFileCut: (found) => cuts.push(found) });
    fill(db, 'a', 2_000);
    const whole = await copied(path, 2_000_000);

    // Half of it and a little more: the header and the first pages are still there, but no whole number of pages.
    const cutTo = Math.floor(whole / 2) + 100;
    truncateSync(path, cutTo);
    // Writes go on (the relay, a webhook just acknowledged): the next copy would write into the cut file.
    fill(db, 'b', 10);
    await waitUntil(() => cuts.length > 0, 5_000, 'the cut reported');
    expect(cuts[0]).toEqual({ bytes: cutTo, pageSize: 4_096 });
    // Closed without the final checkpoint, which refuses the damaged file ("database disk image is malformed").
    await checkpointer.stop();
    checkpointer = undefined;
    db.close();
  });

  it('a VACUUM checkpointed by another connection shrinks the file, and that is not a cut, even with writes after it', async () => {
    temp = createTempDb();
    const { db, path } = temp;
    const cuts: FileCut[] = [];
    checkpointer = startWalCheckpointer(db, { logger: quiet, intervalMs: 50, onFileCut: (found) => cuts.push(found) });
    fill(db, 'v', 2_000);
    db.prepare("DELETE FROM settings WHERE key LIKE 'v%' AND rowid % 2 = 0").run();
    const _whole = await copied(path, 2_000_000);

    // An operator's sqlite3 shell, or Litestream's checkpoint after it; webhooks go on meanwhile, so the database is
    // soon larger again than the file the VACUUM left (what the first version of this check took for a cut).
    for (let round = 0; round < 3; round++) {
      const other = new Database(path, { timeout: 5_000 });
      try {
        other.exec('VACUUM');
        other.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        other.close();
      }
      fill(db, `w${round}`, 1_500);
      await sleep(150);
    }
    await copied(path, 0);
    expect(cuts).toEqual([]);
  });

  it("the README's rescue: a backup through the open connection after the cut is sound while the cache holds every page", async () => {
    temp = createTempDb();
    const { db, path, dir } = temp;
    fill(db, 's', 200);
    db.pragma('wal_checkpoint(TRUNCATE)');
    fill(db, 't', 1);
    truncateSync(path, 0);
    const made = await backupDatabase(db, { dir: join(dir, 'backups'), keep: 3 });
    db.close();
    const copy = new Database(made.path, { readonly: true });
    try {
      expect(copy.prepare("SELECT count(*) FROM settings WHERE key LIKE 's%' OR key LIKE 't%'").pluck().get()).toBe(201);
    } finally {
      copy.close();
    }
  });

  it('and not kept when pages were only on disk (a database larger than the cache): the restore is then from the one before', async () => {
    temp = createTempDb();
    const { db, path, dir } = temp;
    db.pragma('cache_size = 0');
    fill(db, 'u', 2_000);
    db.pragma('wal_checkpoint(TRUNCATE)');
    truncateSync(path, 0);
    await expect(backupDatabase(db, { dir: join(dir, 'backups'), keep: 3 })).rejects.toThrow(/failed/);
    // Nothing kept that a restore could be run from.
    expect(readdirSync(join(dir, 'backups'))).toEqual([]);
    db.close();
  });

  it('the watch: a file cut to less than a page is refused at once, and stays refused once writes re-extend it', () => {
    temp = createTempDb();
    const { path } = temp;
    const lines: string[] = [];
    const watch = watchDatabaseFile(path, fileIdentity(path), {
      logger: createLogger({ level: 'warn', sink: (line) => lines.push(line) }),
      onGone: () => 'must not run: there is no file elsewhere to copy into',
    });
    expect(watch.check()).toBeNull();

    truncateSync(path, 0);
    const reason = watch.check();
    expect(reason).toContain('the database file (DATABASE_PATH) was cut short');
    expect(reason).toContain('--replace-damaged');
    expect(reason).not.toContain(temp.dir);
    // What SQLite's next checkpoint does: the file back to its size, its other pages zeros.
    truncateSync(path, 1 << 20);
    expect(watch.check()).toBe(reason);
    expect(lines.filter((l) => l.includes('the database file was cut short'))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain('walCopied');
  });

  it('the watch: a file cut to a size that is not a whole number of pages is refused', () => {
    temp = createTempDb();
    const { path } = temp;
    const watch = watchDatabaseFile(path, fileIdentity(path), { pageSize: 4_096 });
    expect(watch.check()).toBeNull();
    truncateSync(path, statSync(path).size + 100);
    expect(watch.check()).toContain('was cut short');
  });

  it('the watch: a cut the checkpointer found is said with its sizes, and outranks a file later put at the path', () => {
    temp = createTempDb();
    const { path } = temp;
    const lines: string[] = [];
    const watch = watchDatabaseFile(path, fileIdentity(path), {
      logger: createLogger({ level: 'warn', sink: (line) => lines.push(line) }),
    });
    watch.cut({ bytes: 8_292, pageSize: 4_096 });
    expect(watch.check()).toContain('was cut short');
    const [line] = lines;
    expect(line).toContain('"bytes":8292');
    expect(line).toContain('"pageSize":4096');
    // A backup restored to the path while smsops runs: the open file is still the damaged one, and a restart is
    // what the operator needs, not the removed-file advice to save the open one.
    temp.db.close();
    const restored = openDatabase(`${path}.restored`).db;
    restored.close();
    renameSync(`${path}.restored`, path);
    expect(watch.check()).toContain('was cut short');
    expect(lines).toHaveLength(1);
  });
});
