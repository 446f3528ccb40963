import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundRepository } from '../../src/core/ports/inbound.js';
import type { TrafficRepository } from '../../src/core/ports/traffic.js';
import { trafficReport } from '../../src/core/traffic.js';
import { createRetentionJob } from '../../src/jobs/retentionJob.js';
import { silentLogger } from '../../src/log.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createRetentionStore } from '../../src/store/retention/retentionStore.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

/**
 * The traffic of the current hour is recomputed at every traffic watch, `/sms traffic` and digest. At 400 webhooks/s
 * the hour holds a million messages; read in one statement, 100,000 of them held the event loop, so every webhook's
 * answer, for 350 ms (a probe). They are read a page at a time, the loop turning between pages.
 */

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-25T12:50:00Z');
const SUPPORT = '14155550100';

let t: TempDb;
let inbound: InboundRepository;
let traffic: TrafficRepository;
let seq = 0;

beforeEach(() => {
  t = createTempDb();
  t.clock.set(NOW);
  inbound = createInboundRepository(t.db, t.clock.now);
  traffic = createTrafficRepository(t.db, t.clock.now);
});
afterEach(() => t.cleanup());

/** `count` inbound SMS stored a millisecond apart from `from`, each with a PortSIP delivery (pending). */
function receiveMany(count: number, from = NOW - 40 * 60_000): void {
  t.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      t.clock.set(from + i);
      const id = `in-${++seq}`;
      inbound.insertWithDeliveries(
        {
          wavixMessageId: id,
          fromNumber: `4479111${String(seq % 5000).padStart(5, '0')}`,
          toNumber: SUPPORT,
          messageType: 'sms',
          text: 'hi',
          media: null,
          receivedAtText: new Date(from + i).toISOString(),
          receivedAt: from + i,
          contentType: 'application/json',
          rawBody: Buffer.from(`{"message_id":"${id}"}`),
        },
        [{ kind: 'portsip', destination: 'https://pbx.example.com:8887/emc/Wavix - US/uuid' }],
      );
    }
  })();
  t.clock.set(NOW);
}

const deliverAll = () =>
  t.db.prepare("UPDATE deliveries SET status = 'delivered', attempts = 1, delivered_at = ? WHERE status = 'pending'").run(NOW);
const rows = () => ({
  hourly: t.db.prepare('SELECT * FROM traffic_hourly ORDER BY hour_start, number').all(),
  reasons: t.db.prepare('SELECT * FROM traffic_failure_reasons ORDER BY hour_start, number, reason').all(),
});
/** What a full rebuild gives, the stepped refresh's rows restored afterwards. */
const rebuiltRows = () => {
  t.db.exec('SAVEPOINT rebuilt');
  traffic.rebuild(NOW - 8 * HOUR, NOW + HOUR);
  const wanted = rows();
  t.db.exec('ROLLBACK TO rebuilt; RELEASE rebuilt');
  return wanted;
};

/** Counts the turns of the event loop (each a chance to read and answer a webhook) while `work` runs. */
async function loopTurnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let on = true;
  const turn = () => {
    turns += 1;
    if (on) setImmediate(turn);
  };
  setImmediate(turn);
  await work();
  on = false;
  return turns;
}

describe('the traffic of a busy hour, recomputed a page at a time', () => {
  it('answers webhooks while /sms traffic recomputes an hour of 10,000 messages', async () => {
    receiveMany(10_000);
    deliverAll();

    let report: Awaited<ReturnType<typeof trafficReport>> | undefined;
    const turns = await loopTurnsDuring(async () => {
      report = await trafficReport({ traffic, now: t.clock.now }, '24h');
    });

    // One statement over the hour gave no turn at all; a page is 2,000 messages.
    expect(turns).toBeGreaterThanOrEqual(5);
    expect(report?.totals).toEqual({ sent: 0, delivered: 0, failed: 0, inbound: 10_000, relayed: 10_000 });
    expect(rows()).toEqual(rebuiltRows());
  });

  it('counts a message stored, or relayed, while the hour is read at the next refresh', async () => {
    receiveMany(5_000);
    const refreshing = traffic.refreshInSteps(NOW - 24 * HOUR, NOW);
    await new Promise((resolve) => setImmediate(resolve));
    receiveMany(1, NOW - 60_000); // read after the pages already read
    deliverAll(); // the relayed count of messages already read changes
    expect(await refreshing).toBe(1);

    expect(await traffic.refreshInSteps(NOW - 24 * HOUR, NOW)).toBe(1);
    expect(rows()).toEqual(rebuiltRows());
    expect(traffic.totals(NOW - HOUR, NOW)).toMatchObject({ inbound: 5_001, relayed: 5_001 });
  });

  it('keeps the newer figures of a refresh made while it reads (an erasure), and recovers an hour a stop cut short', async () => {
    receiveMany(5_000);
    const refreshing = traffic.refreshInSteps(NOW - 24 * HOUR, NOW);
    await new Promise((resolve) => setImmediate(resolve));
    t.db.prepare('DELETE FROM inbound_messages WHERE id IN (SELECT id FROM inbound_messages LIMIT 10)').run();
    traffic.refresh(NOW - 24 * HOUR, NOW);
    expect(await refreshing).toBe(0);
    expect(traffic.totals(NOW - HOUR, NOW).inbound).toBe(4_990);

    // A stop during the pages leaves the hour marked as being read: the next refresh takes it up again.
    receiveMany(1, NOW - 60_000);
    t.db.prepare('UPDATE traffic_stale_hours SET hour_start = -hour_start').run();
    expect(await traffic.refreshInSteps(NOW - 24 * HOUR, NOW)).toBe(1);
    expect(traffic.totals(NOW - HOUR, NOW).inbound).toBe(4_991);
    expect(rows()).toEqual(rebuiltRows());
  });

  it('keeps the mark of an hour being read when the nightly retention runs meanwhile (both at 03:30)', async () => {
    receiveMany(50);
    // As a refresh reading the hour leaves it (the retention job's batches interleave with its pages).
    t.db.prepare('UPDATE traffic_stale_hours SET hour_start = -hour_start').run();
    const retention = createRetentionJob({
      store: createRetentionStore(t.db),
      settings: { days: 90, auditDays: 365 },
      logger: silentLogger,
      now: t.clock.now,
    });
    expect((await retention.run()).outcome).toBe('ok');

    expect(await traffic.refreshInSteps(NOW - 24 * HOUR, NOW)).toBe(1);
    expect(traffic.totals(NOW - HOUR, NOW).inbound).toBe(50);
  });

  it('two refreshes at once (the traffic watch and /sms traffic): a message changed between them is counted, the hour not left unmarked', async () => {
    receiveMany(5_000);
    const watch = traffic.refreshInSteps(NOW - 24 * HOUR, NOW);
    await new Promise((resolve) => setImmediate(resolve));
    deliverAll(); // after the watch's pages read them: the hour is stale again
    const command = traffic.refreshInSteps(NOW - 24 * HOUR, NOW);
    await Promise.all([watch, command]);

    // The watch took the command's mark and wrote what it read before the change, the command's figures dropped.
    expect(traffic.totals(NOW - HOUR, NOW)).toMatchObject({ inbound: 5_000, relayed: 5_000 });
    expect(await traffic.refreshInSteps(NOW - 24 * HOUR, NOW)).toBe(0);
    expect(rows()).toEqual(rebuiltRows());
  });
});
