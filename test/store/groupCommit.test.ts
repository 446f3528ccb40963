import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/core/ports/storeErrors.js';
import { createGroupCommit } from '../../src/store/groupCommit.js';
import { createWriteGate } from '../../src/store/writeGate.js';
import { createWriteHealth } from '../../src/store/writeHealth.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

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

  it("runs a write's `committed` once its batch is committed, before its promise settles, and never for a write that failed", async () => {
    temp = createTempDb();
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    const seen = temp.db.prepare<[string], number>('SELECT count(*) FROM settings WHERE key = ?').pluck();
    const order: string[] = [];
    const commits = createGroupCommit(temp.db);
    const results = await Promise.allSettled([
      commits
        .submit(
          () => insert.run('w1').changes,
          // Committed: another connection sees the row already (the relay hands a leased delivery over here).
          () =>
            order.push(
              `committed w1, visible ${new Database(temp.path, { readonly: true }).prepare("SELECT count(*) AS n FROM settings WHERE key = 'w1'").pluck().get()}`,
            ),
        )
        .then(() => order.push('settled w1')),
      commits.submit(
        () => insert.run('w1').changes,
        () => order.push('committed duplicate'),
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(order).toEqual(['committed w1, visible 1', 'settled w1']);
    expect(seen.get('w1')).toBe(1);
  });
});

describe('group commit with lazy writes (the relay caught up)', () => {
  const setup = () => {
    temp = createTempDb();
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    // Another connection sees a row only once its transaction committed.
    const other = new Database(temp.path, { readonly: true });
    const committed = (key: string) =>
      other.prepare<[string], number>('SELECT count(*) FROM settings WHERE key = ?').pluck().get(key) === 1;
    return { commits: createGroupCommit(temp.db), insert, committed, close: () => other.close() };
  };

  it('commits a lazy write with the next eager one, in one transaction, without waiting for its delay', async () => {
    const { commits, insert, committed, close } = setup();
    try {
      const started = performance.now();
      const lazy = commits.submit(() => insert.run('outcome').changes, undefined, { lazyMs: 5_000 });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(committed('outcome')).toBe(false);
      // Run in the same transaction, the eager write sees the lazy one's row before anyone else can.
      const eager = commits.submit(() => ({ lazyAlreadyCommitted: committed('outcome') }));
      expect(await eager).toEqual({ lazyAlreadyCommitted: false });
      expect(await lazy).toBe(1);
      expect(committed('outcome')).toBe(true);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      close();
    }
  });

  it('commits a lazy write alone after its delay when no other write comes, not at the next turn', async () => {
    const { commits, insert, committed, close } = setup();
    try {
      let settled = false;
      const lazy = commits
        .submit(() => insert.run('outcome').changes, undefined, { lazyMs: 100 })
        .then((n) => {
          settled = true;
          return n;
        });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(settled).toBe(false);
      expect(committed('outcome')).toBe(false);
      expect(await lazy).toBe(1);
      expect(committed('outcome')).toBe(true);
    } finally {
      close();
    }
  });
});

describe('group commit when the database cannot be written', () => {
  it('waits off the event loop while another process holds the write lock, and stores once it is released', async () => {
    temp = createTempDb();
    const health = createWriteHealth({ recentMs: 0 });
    const commits = createGroupCommit(temp.db, { writeHealth: health, waitMs: 5_000, retryMs: 20 });
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    const other = new Database(temp.path);
    other.exec('BEGIN IMMEDIATE');
    const stored = commits.submit(() => insert.run('during-lock').changes);
    // The event loop still turns while the write waits: timers fire.
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    await waitUntil(
      () => ticks > 5 && !health.state().writable,
      5_000,
      () => `ticks and the lock seen (ticks: ${ticks})`,
    );
    clearInterval(ticker);
    expect(health.state()).toMatchObject({ writable: false, reason: 'the database is locked by another process' });
    other.exec('COMMIT');
    other.close();
    await expect(stored).resolves.toBe(1);
    expect(health.state().writable).toBe(true);
  });

  it('keeps a lazy write and the eager ones after it through the lock, and stores each once it is released', async () => {
    temp = createTempDb();
    const commits = createGroupCommit(temp.db, { waitMs: 5_000, retryMs: 20 });
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    const other = new Database(temp.path);
    other.exec('BEGIN IMMEDIATE');
    const lazy = commits.submit(() => insert.run('outcome').changes, undefined, { lazyMs: 10 });
    // Its own timer meets the lock; an eager write comes while it waits for the retry.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const eager = commits.submit(() => insert.run('webhook').changes);
    await new Promise((resolve) => setTimeout(resolve, 60));
    other.exec('COMMIT');
    other.close();
    await expect(Promise.all([lazy, eager])).resolves.toEqual([1, 1]);
    const keys = temp.reopen().prepare('SELECT key FROM settings ORDER BY key').pluck().all();
    expect(keys).toEqual(['outcome', 'webhook']);
  });

  it('gives up after its wait with StoreUnavailableError (a full database), and stores again once there is room', async () => {
    temp = createTempDb();
    const commits = createGroupCommit(temp.db, { waitMs: 200, retryMs: 20 });
    const insert = temp.db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)');
    const pages = temp.db.pragma('page_count', { simple: true }) as number;
    temp.db.pragma(`max_page_count = ${pages}`);
    const big = 'x'.repeat(64 * 1024);
    const refused = commits.submit(() => insert.run('big', big).changes);
    await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(refused).rejects.toMatchObject({ reason: 'the database or its disk is full' });
    temp.db.pragma('max_page_count = 1073741823');
    await expect(commits.submit(() => insert.run('big', big).changes)).resolves.toBe(1);
  });
});

describe('group commit waiting for writes on their way (the relay behind, its attempts still out)', () => {
  const setup = (options: { expectingMore: () => boolean; expectingMoreMs: number }) => {
    temp = createTempDb();
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    const other = new Database(temp.path, { readonly: true });
    const committed = (key: string) =>
      other.prepare<[string], number>('SELECT count(*) FROM settings WHERE key = ?').pluck().get(key) === 1;
    const commitSizes: number[] = [];
    const commits = createGroupCommit(temp.db, { ...options, onCommitted: (writes) => commitSizes.push(writes) });
    return { commits, insert, committed, commitSizes, close: () => other.close() };
  };
  const turns = async (n: number) => {
    for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
  };

  it('holds a due write while more are expected, and commits it with them, in one transaction, once they came', async () => {
    let expecting = true;
    const { commits, insert, committed, commitSizes, close } = setup({ expectingMore: () => expecting, expectingMoreMs: 5_000 });
    try {
      const first = commits.submit(() => insert.run('outcome-1').changes);
      await turns(5);
      expect(committed('outcome-1')).toBe(false);
      // A write arriving meanwhile joins the held commit: it does not set it off while more are still expected.
      const second = commits.submit(() => ({ firstCommittedBefore: committed('outcome-1') }));
      await turns(5);
      expect(committed('outcome-1')).toBe(false);
      expecting = false;
      commits.nudge();
      expect(await second).toEqual({ firstCommittedBefore: false });
      expect(await first).toBe(1);
      expect(committed('outcome-1')).toBe(true);
      expect(commitSizes).toEqual([2]);
    } finally {
      close();
    }
  });

  it('never holds a write past its wait, even when what it expects never comes', async () => {
    const { commits, insert, committed, commitSizes, close } = setup({ expectingMore: () => true, expectingMoreMs: 40 });
    try {
      const started = performance.now();
      const write = commits.submit(() => insert.run('outcome').changes);
      await turns(5);
      expect(committed('outcome')).toBe(false);
      expect(await write).toBe(1);
      expect(committed('outcome')).toBe(true);
      // Held for its wait (not committed at the next turn), and not for ever.
      expect(performance.now() - started).toBeGreaterThanOrEqual(35);
      expect(commitSizes).toEqual([1]);
    } finally {
      close();
    }
  });
});

describe('group commit behind a closed gate (the WAL checkpointer finishing a copy)', () => {
  it('holds its writes while the gate is closed, with the event loop still turning, and commits them once it opens', async () => {
    temp = createTempDb();
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    const other = new Database(temp.path, { readonly: true });
    const stored = other.prepare<[], number>("SELECT count(*) FROM settings WHERE key LIKE 'gated-%'").pluck();
    const gate = createWriteGate();
    const commitSizes: number[] = [];
    const commits = createGroupCommit(temp.db, { gate, onCommitted: (writes) => commitSizes.push(writes) });
    try {
      gate.close();
      const writes = [commits.submit(() => insert.run('gated-1').changes)];
      // A timer still fires while the writes wait: they wait off the event loop.
      await new Promise((resolve) => setTimeout(resolve, 20));
      writes.push(commits.submit(() => insert.run('gated-2').changes));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(stored.get()).toBe(0);
      gate.open();
      expect(await Promise.all(writes)).toEqual([1, 1]);
      expect(stored.get()).toBe(2);
      // Both in the commit made when the gate opened.
      expect(commitSizes).toEqual([2]);
      // Open, a write commits at the next turn as before.
      expect(await commits.submit(() => insert.run('gated-3').changes)).toBe(1);
      expect(commitSizes).toEqual([2, 1]);
    } finally {
      other.close();
    }
  });
});

describe('group commit with a hint that fails', () => {
  it('commits at once when `expectingMore` throws, says so each time, and goes on committing', async () => {
    temp = createTempDb();
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    const reported: string[] = [];
    const commits = createGroupCommit(temp.db, {
      expectingMore: () => {
        throw new Error('hint failed');
      },
      expectingMoreMs: 5_000,
      onHintFailed: (error) => reported.push((error as Error).message),
    });
    expect(await commits.submit(() => insert.run('a').changes)).toBe(1);
    expect(await commits.submit(() => insert.run('b').changes)).toBe(1);
    expect(reported).toEqual(['hint failed', 'hint failed']);
  });

  it('commits all the same when the report of the failed hint throws too', async () => {
    temp = createTempDb();
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    const commits = createGroupCommit(temp.db, {
      expectingMore: () => {
        throw new Error('hint failed');
      },
      expectingMoreMs: 5_000,
      onHintFailed: () => {
        throw new Error('logger failed');
      },
    });
    expect(await commits.submit(() => insert.run('a').changes)).toBe(1);
  });
});

describe('group commit told to commit now (the store closing)', () => {
  it('commits at once what waits for a lazy delay or a closed gate, before the connection closes, and nothing twice', async () => {
    temp = createTempDb();
    const insert = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', 0)");
    const gate = createWriteGate();
    const commitSizes: number[] = [];
    const commits = createGroupCommit(temp.db, { gate, onCommitted: (writes) => commitSizes.push(writes) });
    const lazy = commits.submit(() => insert.run('lazy').changes, undefined, { lazyMs: 5_000 });
    gate.close();
    // The eager write's turn comes, finds the gate closed, and waits for it.
    const gated = commits.submit(() => insert.run('gated').changes);
    await new Promise((resolve) => setImmediate(resolve));
    expect(commitSizes).toEqual([]);
    commits.commitNow();
    temp.db.close();
    expect(await Promise.all([lazy, gated])).toEqual([1, 1]);
    expect(commitSizes).toEqual([2]);
    // The gate opening later finds nothing left to commit on the closed connection.
    gate.open();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(commitSizes).toEqual([2]);
    const keys = temp.reopen().prepare('SELECT key FROM settings ORDER BY key').pluck().all();
    expect(keys).toEqual(['gated', 'lazy']);
  });
});
