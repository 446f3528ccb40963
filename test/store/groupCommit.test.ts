import { afterEach, describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/store/groupCommit.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let temp: TempDb;
afterEach(() => temp.cleanup());

describe('group commit', () => {
  it('stores writes submitted together, settling each after the commit; a failing write rejects alone', async () => {
    temp = createTempDb();
    const commits = createGroupCommit(temp.db);
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    const results = await Promise.allSettled([
      commits.submit(() => insert.run('a').changes),
      commits.submit(() => {
        insert.run('b');
        throw new Error('refused');
      }),
      commits.submit(() => insert.run('c').changes),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // The failed write's own insert was rolled back with its savepoint; the others are stored, and survive a reopen.
    const keys = temp.reopen().prepare('SELECT key FROM settings ORDER BY key').all();
    expect(keys).toEqual([{ key: 'a' }, { key: 'c' }]);
  });
});
