import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRetentionJob } from '../../src/jobs/retentionJob.js';
import { silentLogger } from '../../src/log.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createSlackQueueRepository } from '../../src/store/repositories/slackQueue.js';
import { createRetentionStore } from '../../src/store/retention/retentionStore.js';
import { newInboundMessage } from '../helpers/inboundMessage.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const DAY = 86_400_000;
const MARKER = 'QZXJ-ondisk';

let tmp: TempDb;
beforeEach(() => {
  tmp = createTempDb();
});
afterEach(() => tmp.cleanup());

/** How many of the first `count` marked texts `grep -a` would still find in a file (0 when it does not exist). */
const markersIn = (path: string, count: number) => {
  if (!existsSync(path)) return 0;
  const bytes = readFileSync(path);
  let found = 0;
  for (let i = 0; i < count; i++) if (bytes.includes(`${MARKER}-${i}-`)) found += 1;
  return found;
};

/** `count` marked SMS, stored and relayed (both legs delivered) at the clock's time. */
function storeMarked(db: Database.Database, count: number) {
  const inbound = createInboundRepository(db, tmp.clock.now);
  const deliveries = createDeliveriesRepository(db, tmp.clock.now);
  const slackQueue = createSlackQueueRepository(db, tmp.clock.now);
  for (let i = 0; i < count; i++) {
    const text = `${MARKER}-${i}-: the alarm code for flat ${i} is ${2000 + i}, from 447700900111`;
    const { id } = inbound.insertWithDeliveries(
      newInboundMessage({ text, rawBody: Buffer.from(JSON.stringify({ from: '447700900111', text })) }),
      [
        { kind: 'portsip', destination: 'https://pbx.example.com/emc/x' },
        { kind: 'slack', destination: 'C0INBOX001' },
      ],
    );
    slackQueue.take(1, () => null);
    for (const d of deliveries.forMessage(id)) deliveries.markDelivered(d.id, 200);
  }
}

const retention = () =>
  createRetentionJob({
    store: createRetentionStore(tmp.db),
    settings: { days: 90, auditDays: 365 },
    logger: silentLogger,
    now: tmp.clock.now,
  });

describe('the WAL after a retention run', () => {
  it('is cut back once a reader that held it is gone; the run it held is ok and says so', async () => {
    storeMarked(tmp.db, 10);
    expect(markersIn(`${tmp.path}-wal`, 10)).toBe(10);
    tmp.clock.advance(91 * DAY);
    const job = retention();
    const reader = new Database(tmp.path, { fileMustExist: true });
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM inbound_messages').get();
      const held = await job.run();
      expect(held).toMatchObject({ outcome: 'ok', summary: expect.stringContaining('deleted 10 inbound_messages') });
      expect(held).toMatchObject({
        summary: expect.stringContaining("the WAL was in use, so the database's files may still hold deleted rows"),
      });
      reader.exec('COMMIT');
    } finally {
      reader.close();
    }

    // The next run has nothing to delete, and cuts the WAL back all the same.
    expect(await job.runWithReport()).toMatchObject({ deleted: {}, walCut: 'cut' });
    expect(markersIn(`${tmp.path}-wal`, 10)).toBe(0);
    expect(markersIn(tmp.path, 10)).toBe(0);
  });
});

/**
 * The marked texts `grep -a` finds in the file's free pages: those on no page SQLite's dbstat lists as part of a table
 * or index (checkpointed first, so the file is what SQLite reads).
 */
function markersInFreePages(db: Database.Database, path: string): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const used = new Set(db.prepare('SELECT pageno FROM dbstat').pluck().all() as number[]);
  const bytes = readFileSync(path);
  let found = 0;
  for (let at = bytes.indexOf(MARKER); at >= 0; at = bytes.indexOf(MARKER, at + 1))
    if (!used.has(Math.floor(at / pageSize) + 1)) found += 1;
  return found;
}

describe('a database from a version without secure_delete', () => {
  it("has its free pages' old texts zeroed by the first retention run, once", async () => {
    // As an earlier smsops left it: rows deleted with SQLite's default, their bytes still in the file.
    tmp.db.pragma('secure_delete = OFF');
    storeMarked(tmp.db, 200);
    tmp.db.exec('DELETE FROM deliveries; DELETE FROM inbound_messages');
    const inFreePages = markersInFreePages(tmp.db, tmp.path);
    expect(inFreePages).toBeGreaterThan(100);
    const inFile = markersIn(tmp.path, 200);

    tmp.reopen();
    const job = retention();
    const first = await job.run();
    expect(first).toMatchObject({
      outcome: 'ok',
      summary: expect.stringMatching(/zeroed \d+ free pages an earlier version left/),
    });
    expect(markersInFreePages(tmp.db, tmp.path)).toBe(0);
    // What is left sits in pages still in use (here the table's root page), until their rows go or a VACUUM.
    expect(markersIn(tmp.path, 200)).toBeLessThan(inFile / 4);
    expect(tmp.db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE '%scrub%'").pluck().get()).toBe(0);

    // Once per database: a later run leaves the free pages alone.
    expect(await job.runWithReport()).toMatchObject({ scrubbedPages: 0 });
    tmp.reopen();
    expect(await retention().runWithReport()).toMatchObject({ scrubbedPages: 0 });
  });

  it('zeroes only the free pages the earlier version left, not those its own deletions freed (already zero) in the same run', async () => {
    tmp.db.pragma('secure_delete = OFF');
    storeMarked(tmp.db, 200);
    tmp.db.exec('DELETE FROM deliveries; DELETE FROM inbound_messages');
    const leftEarlier = tmp.db.pragma('freelist_count', { simple: true }) as number;
    tmp.reopen();
    // A year of SMS the first run deletes: a large first batch, its pages zeroed by secure_delete as they are freed.
    storeMarked(tmp.db, 3000);
    tmp.clock.advance(91 * DAY);
    const report = await retention().runWithReport();
    expect(report.deleted.inbound_messages).toBe(3000);
    const freedByRun = (tmp.db.pragma('freelist_count', { simple: true }) as number) - leftEarlier;
    expect(freedByRun).toBeGreaterThan(leftEarlier);
    // After the deletions, the scrub took and gave back those pages too: 1.2 GB written into the WAL for a database of
    // 1.5 GB (the WAL grew to 1.29 GB beside it), to zero pages already zero.
    expect(report.scrubbedPages).toBeLessThanOrEqual(leftEarlier);
    expect(markersInFreePages(tmp.db, tmp.path)).toBe(0);
  });
});
