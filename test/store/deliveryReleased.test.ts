import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxStore } from '../helpers/outboxStore.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let temp: TempDb;
beforeEach(() => {
  temp = createTempDb();
});
afterEach(() => temp.cleanup());

describe('a delivery whose attempt was given back unfinished', () => {
  it('keeps when (a restart, a stop, a lease run out), and a claim given back unsent keeps nothing', () => {
    const { deliveries, receive, statusOf } = outboxStore(temp);
    const restarted = receive('in flight at a crash', '447400000001');
    const expired = receive('its lease ran out', '447400000002');
    const unsent = receive('claimed ahead, never sent', '447400000003');
    const claims = deliveries.claimDue('portsip', 10, 60_000);
    expect(claims).toHaveLength(3);
    const [, second, third] = claims;
    if (!second || !third) throw new Error('not claimed');
    expect(deliveries.releaseClaimed([third])).toBe(1);
    temp.db.prepare('UPDATE deliveries SET lease_until = 1 WHERE id = ?').run(second.id);
    expect(deliveries.releaseLeases()).toBe(1);
    expect(statusOf(expired).releasedAt).toEqual(expect.any(Number));
    expect(statusOf(restarted).releasedAt).toBeNull();
    expect(deliveries.releaseLeases({ all: true })).toBe(1);
    expect(statusOf(restarted)).toMatchObject({ status: 'pending', releasedAt: expect.any(Number) });
    expect(statusOf(unsent).releasedAt).toBeNull();
  });
});
