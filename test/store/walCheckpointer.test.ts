import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startWalCheckpointer } from '../../src/store/walCheckpointer.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

let temp: TempDb;
afterEach(() => temp.cleanup());

const quiet = createLogger({ level: 'error', sink: () => {} });

describe('WAL checkpointer', () => {
  it('copies committed pages into the database file from its own thread, and hands checkpoints back when stopped', async () => {
    temp = createTempDb();
    const { db, path } = temp;
    const checkpointer = startWalCheckpointer(db, { logger: quiet, intervalMs: 20 });
    // The main connection no longer checkpoints inside its commits…
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    const insert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)');
    const before = statSync(path).size;
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run(`k${i}`, 'x'.repeat(500));
    })();
    // …yet the rows reach the database file itself: the worker checkpointed them.
    await waitUntil(() => statSync(path).size > before + 500_000, 5_000, 'the rows in the database file');

    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(temp.reopen().prepare('SELECT count(*) AS n FROM settings WHERE key LIKE ?').get('k%')).toEqual({ n: 2_000 });
  });
});
