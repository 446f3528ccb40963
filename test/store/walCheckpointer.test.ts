import { closeSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type Db, openDatabase } from '../../src/store/database.js';
import { createGroupCommit } from '../../src/store/groupCommit.js';
import { startWalCheckpointer, WAL_FILE_LIMIT_FACTOR } from '../../src/store/walCheckpointer.js';
import { createWriteGate } from '../../src/store/writeGate.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

let temp: TempDb;
afterEach(() => temp.cleanup());

const quiet = createLogger({ level: 'error', sink: () => {} });

/** Counts the checkpoints the main connection runs (every one goes through db.pragma). */
function countMainCheckpoints(db: Db): () => number {
  let count = 0;
  const pragma = db.pragma.bind(db);
  db.pragma = ((source: string, options?: { simple?: boolean }) => {
    if (source.startsWith('wal_checkpoint')) count += 1;
    return pragma(source, options);
  }) as typeof db.pragma;
  return () => count;
}

/**
 * A transaction of its own every turn of the event loop, about 40 MB in all, as a flood of webhooks makes them, never
 * held by a gate; returns how many times the WAL file was seen cut back.
 */
async function floodOwnTransactions(
  db: Db,
  path: string,
  prefix: string,
  enough: (cutBack: number) => boolean = () => true,
): Promise<number> {
  const insert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)');
  let cutBack = 0;
  let last = 0;
  // 4,000 transactions, or more (for up to 30 s) until `enough` says what the test waits for has happened: on a
  // machine busy with other work the worker reports later, and a flood of a fixed length could end first (a fresh-clone
  // CI run ended 40,000 transactions before the third missed finish).
  const until = Date.now() + 30_000;
  let i = 0;
  for (; i < 4_000 || (!enough(cutBack) && Date.now() < until); i++) {
    db.transaction(() => {
      for (let j = 0; j < 10; j++) insert.run(`${prefix}${i}-${j}`, 'x'.repeat(1_000));
    })();
    const size = statSync(`${path}-wal`).size;
    if (size < last) cutBack += 1;
    last = size;
    await new Promise((resolve) => setImmediate(resolve));
  }
  rowsWritten = i * 10;
  return cutBack;
}

/** Rows the last flood wrote (it goes on past 4,000 transactions until what the test waits for happened). */
let rowsWritten = 0;

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
    expect(checkpointer.status().running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(temp.reopen().prepare('SELECT count(*) AS n FROM settings WHERE key LIKE ?').get('k%')).toEqual({ n: 2_000 });
  });

  it('starts its thread again when it ended, and says so, instead of leaving the checkpoints to the commits for good', async () => {
    temp = createTempDb();
    const { db, path } = temp;
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sink: (line) => lines.push(line) });
    // The thread cannot open the database (moved away for a moment: the main connection keeps its open file), so it ends.
    renameSync(path, `${path}.moved`);
    const checkpointer = startWalCheckpointer(db, { logger, intervalMs: 20 });
    try {
      await waitUntil(() => !checkpointer.status().running, 5_000, 'the thread ended');
      const stopped = lines.find((l) => l.includes('WAL checkpointer stopped'));
      expect(stopped).toMatch(/"retryInSeconds":1\b/);
      // SQLite's reason, not "[object Object]" (the thread's SqliteError reaches this thread as a plain { code }).
      expect(stopped).toMatch(/SQLITE_CANTOPEN/);
      // Checkpoints are the commits' again meanwhile.
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
      renameSync(`${path}.moved`, path);
      // Started again (a second after the first end): checkpoints off the event loop once more.
      await waitUntil(() => checkpointer.status().running, 5_000, 'the thread started again');
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      expect(lines.join('\n')).toMatch(/WAL checkpointer started again/);
    } finally {
      await checkpointer.stop();
    }
    expect(checkpointer.status().running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('keeps the WAL file bounded under writes that never pause: it is restarted and cut back while they go on', {
    timeout: 60_000,
  }, async () => {
    temp = createTempDb();
    const { db, path } = temp;
    const limitBytes = 1 << 20;
    const checkpointer = startWalCheckpointer(db, { logger: quiet, intervalMs: 20, walLimitBytes: limitBytes });
    const insert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)');
    const walSize = () => statSync(`${path}-wal`).size;
    // The worker's checkpoints are always a few commits behind, so SQLite alone never restarts the WAL and its file
    // only grows.
    // On a loaded machine the worker reports late: the flood goes on (up to 30 s) until the file was cut back twice.
    const cutBack = await floodOwnTransactions(db, path, 'f', (cutBackSoFar) => cutBackSoFar >= 2);
    expect(cutBack).toBeGreaterThanOrEqual(2);
    // Once the writes stop, the next one (the next webhook) after the worker copied the WAL restarts it and cuts the
    // file back. A webhook now and then, as traffic would: on a loaded machine the copy can take longer than one gap
    // (a fresh-clone CI run wrote its one row before the copy ended, and nothing came after it).
    let after = 0;
    await waitUntil(
      () => {
        insert.run(`after-${after++}`, 'x');
        return walSize() <= WAL_FILE_LIMIT_FACTOR * limitBytes;
      },
      15_000,
      'the WAL cut back to its file limit',
    );
    await checkpointer.stop();
    expect(temp.reopen().prepare('SELECT count(*) AS n FROM settings WHERE key LIKE ?').get('f%')).toEqual({ n: rowsWritten });
  });

  it('restarts the WAL under group commits that never pause, with no checkpoint on the main connection: the commits wait, not the event loop', async () => {
    temp = createTempDb();
    const { db, path } = temp;
    const mainCheckpoints = countMainCheckpoints(db);
    const gate = createWriteGate();
    const checkpointer = startWalCheckpointer(db, { logger: quiet, intervalMs: 20, walLimitBytes: 1 << 20, gate });
    const commits = createGroupCommit(db, { gate });
    const insert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)');
    // The WAL header's checkpoint sequence number (bytes 12-15) goes up by one each time SQLite restarts the WAL.
    const header = Buffer.alloc(16);
    const restartCount = () => {
      const fd = openSync(`${path}-wal`, 'r');
      try {
        readSync(fd, header, 0, 16, 0);
      } finally {
        closeSync(fd);
      }
      return header.readUInt32BE(12);
    };
    const first = restartCount();
    let gatedTurns = 0;
    let walCutBelowFileLimit = 0;
    let walSize = 0;
    const pending: Promise<unknown>[] = [];
    // A write about every millisecond for ~2 s (~20 MB in all), as a steady 1,000 webhooks/s make them.
    for (let i = 0; i < 2_000; i++) {
      pending.push(
        commits.submit(() => {
          for (let j = 0; j < 10; j++) insert.run(`g${i}-${j}`, 'x'.repeat(1_000));
        }),
      );
      if (gate.closed) gatedTurns += 1;
      const size = statSync(`${path}-wal`).size;
      if (size < walSize && walSize <= WAL_FILE_LIMIT_FACTOR << 20) walCutBelowFileLimit += 1;
      walSize = size;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(pending);
    // The WAL is restarted inside its file, reused as it is: a file below twice the limit is never truncated (that
    // held the event loop 2-6 ms at every restart). A machine too busy for the worker to keep up may grow it past that,
    // and then it is cut back.
    expect(walCutBelowFileLimit).toBe(0);
    // The loop kept turning while the gate held the commits, and the WAL was restarted behind it.
    expect(gatedTurns).toBeGreaterThan(0);
    expect(restartCount() - first).toBeGreaterThanOrEqual(2);
    expect(mainCheckpoints()).toBe(0);
    // What /metrics reads: the commits were held for some time, the main connection never copied.
    expect(checkpointer.status()).toMatchObject({ running: true, mainCatchUps: 0 });
    expect(checkpointer.status().heldMs).toBeGreaterThan(0);
    // A finish may be under way as the loop ends: the gate opens all the same, within its wait at most.
    await waitUntil(() => !gate.closed, 1_000, 'the gate open again');
    await checkpointer.stop();
    expect(temp.reopen().prepare('SELECT count(*) AS n FROM settings WHERE key LIKE ?').get('g%')).toEqual({ n: 20_000 });
  });

  it("does not hold the commits for a WAL a backup's read holds (no restart can happen behind it) until the read is done", {
    timeout: 60_000,
  }, async () => {
    temp = createTempDb();
    const { db, path } = temp;
    const mainCheckpoints = countMainCheckpoints(db);
    const gate = createWriteGate();
    const checkpointer = startWalCheckpointer(db, { logger: quiet, intervalMs: 20, walLimitBytes: 1 << 20, gate });
    const commits = createGroupCommit(db, { gate });
    const insert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)');
    // What the backup's worker does: one read transaction from the copy's start to its end, on its own connection.
    const reader = new Database(path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM settings').get();
    const readDone = checkpointer.readerHeld();
    const pending: Promise<unknown>[] = [];
    let gatedTurns = 0;
    // ~3 MB past a 1 MB limit, over about a second: many intervals in which the WAL is over its limit.
    for (let i = 0; i < 300; i++) {
      pending.push(
        commits.submit(() => {
          for (let j = 0; j < 10; j++) insert.run(`r${i}-${j}`, 'x'.repeat(1_000));
        }),
      );
      if (gate.closed) gatedTurns += 1;
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await Promise.all(pending);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(2 << 20);
    expect(gatedTurns).toBe(0);
    expect(checkpointer.status()).toMatchObject({ heldMs: 0, mainCatchUps: 0 });
    expect(mainCheckpoints()).toBe(0);
    // The read done, the WAL is finished again as before.
    reader.exec('COMMIT');
    reader.close();
    readDone();
    for (let i = 0; i < 200 && checkpointer.status().heldMs === 0; i++) {
      await commits.submit(() => insert.run(`after${i}`, 'x'.repeat(1_000)));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(checkpointer.status().heldMs).toBeGreaterThan(0);
    await waitUntil(() => !gate.closed, 1_000, 'the gate open again');
    await checkpointer.stop();
  });

  it('still bounds the WAL when writes come outside the held commits: after three finishes that missed, the main connection restarts it', {
    timeout: 60_000,
  }, async () => {
    temp = createTempDb();
    const { db, path } = temp;
    const mainCheckpoints = countMainCheckpoints(db);
    const gate = createWriteGate();
    const limitBytes = 1 << 20;
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', sink: (line) => lines.push(line) });
    const checkpointer = startWalCheckpointer(db, { logger, intervalMs: 20, walLimitBytes: limitBytes, gate });
    // Never held by the gate: every finish in the worker finds a newer frame.
    // Until the WAL was seen cut back too: a main checkpoint near the flood's end left no write after it to restart
    // the WAL (it failed so under a loaded CI run).
    const cutBack = await floodOwnTransactions(db, path, 'd', (cuts) => mainCheckpoints() >= 1 && cuts >= 1);
    expect(mainCheckpoints()).toBeGreaterThanOrEqual(1);
    expect(cutBack).toBeGreaterThanOrEqual(1);
    expect(checkpointer.status().mainCatchUps).toBe(mainCheckpoints());
    // The fallback holds the event loop: the operator reads it in the log, once a minute at most.
    const fallbacks = lines.filter((line) => line.includes('the main connection finished the copy itself'));
    expect(fallbacks).toHaveLength(1);
    // A finish may be under way as the loop ends: the gate opens all the same, within its wait at most.
    await waitUntil(() => !gate.closed, 1_000, 'the gate open again');
    await checkpointer.stop();
  });

  it('says it has nothing to run for a database in memory (no WAL), rather than that it stopped', async () => {
    const db = openDatabase(':memory:').db;
    try {
      const checkpointer = startWalCheckpointer(db, { logger: quiet });
      expect(checkpointer.status()).toEqual({ running: undefined, heldMs: 0, mainCatchUps: 0 });
      await checkpointer.stop();
    } finally {
      db.close();
    }
  });
});
