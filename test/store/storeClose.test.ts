import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { openStore } from '../../src/store/openStore.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What a shutdown leaves: a write submitted before the store closed is committed and answered, never failed. */
describe('closing the store', () => {
  it('commits the writes its group commit still holds (a lazy outcome) before closing, and settles them as stored', async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-close-'));
    const path = join(dir, 'smsops.db');
    const store = openStore(path, { mode: 'production', logger: createLogger({ level: 'silent' }), now: Date.now });
    const commits = store.groupCommit();
    // The relay's outcome while caught up: it waits up to its delay for a webhook's commit to ride with (a delay longer
    // than the close takes, so only the close can commit it).
    const outcome = commits.submit(() => store.repositories.settings.getOrCreate('lazy_at_close', () => 'stored'), undefined, {
      lazyMs: 5_000,
    });
    const settled = outcome.then(
      (value) => ({ stored: value }),
      (error: Error) => ({ failed: error.message }),
    );
    await store.close();
    expect(await settled).toEqual({ stored: 'stored' });
    const after = new Database(path, { readonly: true });
    try {
      expect(after.prepare("SELECT value FROM settings WHERE key = 'lazy_at_close'").pluck().get()).toBe('stored');
    } finally {
      after.close();
    }
  });
});
