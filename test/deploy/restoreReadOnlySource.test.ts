import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { openStore } from '../../src/store/openStore.js';
import { restoreMarker } from '../helpers/restoreDatabases.js';
import { runRestore } from '../helpers/runRestore.js';

const marker = restoreMarker;

/** The file format's write version (byte 18): 2 for a file in WAL mode, which SQLite opens only with its -shm. */
const writeVersion = (path: string) => {
  const header = Buffer.alloc(100);
  readSync(openSync(path, 'r'), header, 0, 100, 0);
  return header[18];
};

/**
 * The README's rescue of a deleted database: `cp /proc/<pid>/fd/<n>` of the file a running smsops still has open,
 * a file in WAL mode. Kept on a read-only mount (a rescue disk, a backup share), it was refused as "not a sound SQLite
 * database (unable to open database file)": the check opened the operator's file read-write. Restore now reads it
 * only to copy it, and checks its own copy.
 */
describe('restore of a copy kept where it cannot be written', () => {
  let dir = '';
  let unmount: (() => void) | undefined;
  afterEach(() => {
    unmount?.();
    unmount = undefined;
    if (dir) chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a WAL-mode copy of a running database on a read-only mount restores, and nothing is written beside it', {
    timeout: 60_000,
  }, async (ctx) => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-restore-ro-'));
    const source = join(dir, 'source');
    mkdirSync(source);
    const store = openStore(join(dir, 'live.db'), {
      mode: 'production',
      logger: createLogger({ level: 'silent' }),
      now: Date.now,
    });
    store.repositories.settings.getOrCreate('restore_test_marker', () => 'rescued');
    await store.close();
    // Open as smsops has it (WAL mode), its commits copied into the file as smsops does before saying to copy it.
    const running = new Database(join(dir, 'live.db'));
    running.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(join(dir, 'live.db'), join(source, 'rescued.db')); // what `cp /proc/<pid>/fd/<n>` makes
    running.close();
    expect(writeVersion(join(source, 'rescued.db'))).toBe(2);

    // Read-only: a bind mount for root (whom permissions do not stop), the folder and file made 0555/0444 otherwise.
    let folder = source;
    if (process.getuid?.() === 0) {
      folder = join(dir, 'ro');
      mkdirSync(folder);
      try {
        execFileSync('mount', ['--bind', '-o', 'ro', source, folder], { stdio: 'ignore' });
      } catch {
        ctx.skip('root without the right to mount: no way to make a read-only folder here');
      }
      unmount = () => execFileSync('umount', [folder], { stdio: 'ignore' });
    } else {
      chmodSync(join(source, 'rescued.db'), 0o444);
      chmodSync(source, 0o555);
    }

    const target = join(dir, 'data', 'smsops.db');
    const r = await runRestore(dir, ['--db', target, join(folder, 'rescued.db')]);
    expect(r.code, r.output).toBe(0);
    expect(marker(target)).toBe('rescued');
    expect(readdirSync(source)).toEqual(['rescued.db']);
    expect(readdirSync(join(dir, 'data'))).toEqual(['smsops.db']);
  });
});
