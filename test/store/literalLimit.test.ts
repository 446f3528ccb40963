import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { literalLimit } from '../../src/store/literalLimit.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let t: TempDb;
beforeEach(() => {
  t = createTempDb();
});
afterEach(() => t.cleanup());

const portsip = { kind: 'portsip' as const, destination: 'https://pbx.example.com:8887/emc/Wavix - US/uuid' };

/** `count` messages, each from its own number (its own conversation), so every one is a due head. */
function receive(count: number) {
  const inbound = createInboundRepository(t.db, t.clock.now);
  for (let i = 0; i < count; i += 1) {
    const from = `4479111${String(i).padStart(5, '0')}`;
    inbound.insertWithDeliveries(
      {
        wavixMessageId: `m-${i}`,
        fromNumber: from,
        toNumber: '14155550100',
        messageType: 'sms',
        text: `text ${i}`,
        media: null,
        receivedAtText: '2026-11-25T12:00:00.000Z',
        receivedAt: null,
        contentType: 'application/json',
        rawBody: Buffer.from(`{"message_id":"m-${i}"}`),
      },
      [portsip],
    );
    t.clock.advance(1);
  }
}

describe('claims with the limit written into the statement', () => {
  it('take exactly as many as asked, oldest first, whatever limits follow one another', () => {
    receive(30);
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    const taken = [1, 3, 1, 7, 3, 50].map((limit) => deliveries.claimDue('portsip', limit, 30_000).map((d) => d.id));
    expect(taken.map((ids) => ids.length)).toEqual([1, 3, 1, 7, 3, 15]);
    const all = taken.flat();
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(new Set(all).size).toBe(30);
  });

  it('keeps working past the statements it keeps, and refuses a limit that is not a whole number', () => {
    t.db.exec('CREATE TABLE n (v INTEGER)');
    const insert = t.db.prepare('INSERT INTO n (v) VALUES (?)');
    for (let v = 0; v < 10; v += 1) insert.run(v);
    const first = literalLimit((limit) => t.db.prepare(`SELECT v FROM n ORDER BY v LIMIT ${limit}`).pluck(), { cached: 2 });
    expect([0, 4, 2, 9, 4, 20].map((limit) => first(limit).all().length)).toEqual([0, 4, 2, 9, 4, 10]);
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, '1; DROP TABLE n' as unknown as number])
      expect(() => first(bad)).toThrow(/whole number/);
    expect(t.db.prepare('SELECT count(*) FROM n').pluck().get()).toBe(10);
  });
});
