import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { type OpenedStore, openStore } from '../../src/store/openStore.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * DATABASE_SYNCHRONOUS reaches every connection the store opens: the main one and the WAL checkpointer's worker. With
 * `full` an acknowledged SMS is on disk (the WAL synced at its commit) and survives a power loss; `normal` (the default)
 * survives a crash of the process only, as the README says.
 */

let dir: string;
let store: OpenedStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const FULL = 2;
const NORMAL = 1;

describe('DATABASE_SYNCHRONOUS', () => {
  it('sets PRAGMA synchronous on the main connection: NORMAL by default, FULL when asked', () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-sync-'));
    const normal = openDatabase(join(dir, 'normal.db')).db;
    const full = openDatabase(join(dir, 'full.db'), { synchronous: 'full' }).db;
    try {
      expect(normal.pragma('synchronous', { simple: true })).toBe(NORMAL);
      expect(full.pragma('synchronous', { simple: true })).toBe(FULL);
    } finally {
      closeDatabase(normal);
      closeDatabase(full);
    }
  });

  it("reaches the WAL checkpointer's connection too, and the start's log says which is in force", async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-sync-'));
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sink: (line) => lines.push(line) });
    store = openStore(join(dir, 'smsops.db'), { mode: 'production', logger, now: Date.now, synchronous: 'full' });
    await waitUntil(() => store?.walCheckpointer().synchronous !== undefined, 5_000, 'the worker said its setting');
    expect(store.walCheckpointer().synchronous).toBe(FULL);
    expect(lines.find((l) => l.includes('database ready'))).toContain('"synchronous":"full"');
  });
});
