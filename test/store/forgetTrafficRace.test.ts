import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCustomerRecordsStore } from '../../src/store/repositories/customerRecords.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

/**
 * `/sms forget` counts the hours of the customer's SMS again, a page at a time, while the traffic watch (or `/sms
 * traffic`, the digest) may be counting the same hour a page at a time. The figures of a count that read the hour
 * before the erase (the customer's failure reason quoting their number) must not be the ones kept.
 */

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-25T12:50:00Z');
const SUPPORT = '14155550100';
const CUSTOMER = '447400123456';

let t: TempDb;
beforeEach(() => {
  t = createTempDb();
  t.clock.set(NOW);
});
afterEach(() => t.cleanup());

function seedHour(others: number): void {
  const inbound = createInboundRepository(t.db, t.clock.now);
  t.db.transaction(() => {
    for (let i = 0; i < others; i++) {
      const id = `in-${i}`;
      inbound.insertWithDeliveries(
        {
          wavixMessageId: id,
          fromNumber: i === 0 ? CUSTOMER : `4479111${String(i % 5000).padStart(5, '0')}`,
          toNumber: SUPPORT,
          messageType: 'sms',
          text: 'hi',
          media: null,
          receivedAtText: new Date(NOW - 1000).toISOString(),
          receivedAt: NOW - 1000,
          contentType: 'application/json',
          rawBody: Buffer.from(`{"message_id":"${id}"}`),
        },
        [],
      );
    }
  })();
  t.db
    .prepare(`INSERT INTO outbound_messages (wavix_message_id, from_number, to_number, status, error_message, submitted_at,
      updated_at) VALUES ('out-1', ?, ?, 'undelivered', ?, ?, ?)`)
    .run(SUPPORT, CUSTOMER, `Handset +${CUSTOMER} unreachable`, NOW - 1000, NOW - 1000);
}

const quoting = () =>
  t.db.prepare('SELECT count(*) FROM traffic_failure_reasons WHERE instr(reason, ?) > 0').pluck().get(CUSTOMER) as number;

describe('/sms forget while the traffic watch counts the same hour', () => {
  it("keeps no failure reason quoting the forgotten number, and the hour's figures equal a count from scratch", async () => {
    seedHour(9_000);
    // The store's traffic (the watch's, /sms traffic's) and forget's, as the process wires them.
    const traffic = createTrafficRepository(t.db, t.clock.now);
    const records = createCustomerRecordsStore(t.db, t.clock.now);
    await traffic.refreshInSteps(NOW - HOUR, NOW + HOUR);
    expect(quoting()).toBe(1);

    // The customer's text changes in the hour (a late delivery report: the hour is stale again), and the watch's count
    // starts; forget erases while it reads its pages.
    t.db
      .prepare(
        "UPDATE outbound_messages SET updated_at = updated_at + 1, status = 'undelivered' WHERE wavix_message_id = 'out-1'",
      )
      .run();
    t.db
      .prepare('INSERT INTO traffic_stale_hours (hour_start) VALUES (?) ON CONFLICT DO NOTHING')
      .run(Math.floor(NOW / HOUR) * HOUR);
    const watch = traffic.refreshInSteps(NOW - HOUR, NOW + HOUR);
    await new Promise((resolve) => setImmediate(resolve));
    const erased = records.erase(CUSTOMER, '4474•••••456');
    expect(erased.trafficHours).not.toBeNull();
    const recount = records.recountTraffic(erased.trafficHours as { from: number; to: number });
    await Promise.all([watch, recount]);

    expect(quoting()).toBe(0);
    const figures = () => t.db.prepare('SELECT * FROM traffic_hourly ORDER BY hour_start, number').all();
    const afterForget = figures();
    t.db
      .prepare('INSERT INTO traffic_stale_hours (hour_start) VALUES (?) ON CONFLICT DO NOTHING')
      .run(Math.floor(NOW / HOUR) * HOUR);
    await createTrafficRepository(t.db, t.clock.now).refreshInSteps(NOW - HOUR, NOW + HOUR);
    expect(afterForget).toEqual(figures());
  });
});
