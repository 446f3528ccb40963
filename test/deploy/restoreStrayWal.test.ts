import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { openStore } from '../../src/store/openStore.js';
import { restoreMarker } from '../helpers/restoreDatabases.js';
import { runRestore } from '../helpers/runRestore.js';

const _root = join(import.meta.dirname, '..', '..');

const restore = runRestore;

const marker = restoreMarker;

/**
 * The database file deleted under smsops, which then stopped without copying its WAL in (killed): its -wal stays at
 * the path with no database beside it. A backup (or a copy of the open file) restored there must come back as it is.
 */
describe('restore onto a path where only a -wal was left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsops-restore-wal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the stray -wal and -shm aside, so the restored database is the backup and not pages of the lost one', {
    timeout: 30_000,
  }, async () => {
    const target = join(dir, 'smsops.db');
    const backup = join(dir, 'backup.db');
    const backupStore = openStore(backup, { mode: 'production', logger: createLogger({ level: 'silent' }), now: Date.now });
    backupStore.repositories.settings.getOrCreate('restore_test_marker', () => 'backup');
    await backupStore.close();

    // The lost database: its last commits only in the -wal (no checkpoint), which is what a killed smsops leaves.
    const lostStore = openStore(target, { mode: 'production', logger: createLogger({ level: 'silent' }), now: Date.now });
    await lostStore.close();
    const lost = new Database(target);
    lost.pragma('wal_autocheckpoint = 0');
    lost.exec("INSERT INTO settings (key, value, updated_at) VALUES ('restore_test_marker', 'lost', 0)");
    copyFileSync(`${target}-wal`, join(dir, 'kept-wal'));
    lost.close();
    rmSync(target);
    rmSync(`${target}-shm`, { force: true });
    copyFileSync(join(dir, 'kept-wal'), `${target}-wal`);

    const r = await restore(dir, ['--db', target, 'backup.db']);
    expect(r.code, r.output).toBe(0);
    expect(marker(target)).toBe('backup');
    expect(r.output).toContain('had no database beside it');
    expect(existsSync(`${target}-wal`)).toBe(false);
    expect(readdirSync(dir).filter((f) => /^smsops\.db\.before-restore-.*-wal$/.test(f))).toHaveLength(1);
  });
});
