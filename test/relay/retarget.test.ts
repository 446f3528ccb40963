import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewInboundMessage } from '../../src/core/model/inboundMessage.js';
import { retargetDeliveries } from '../../src/relay/retarget.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let t: TempDb;
beforeEach(() => {
  t = createTempDb();
});
afterEach(() => t.cleanup());

const OLD = 'https://pbx.example.com:8887/emc/Wavix - US/wrong';
const NEW = 'https://pbx.example.com:8887/emc/Wavix - US/right';

function message(id: string, from: string, to = '14155550100'): NewInboundMessage {
  return {
    wavixMessageId: id,
    fromNumber: from,
    toNumber: to,
    messageType: 'sms',
    text: id,
    media: null,
    receivedAtText: '2026-11-25T12:00:00.000Z',
    receivedAt: null,
    contentType: 'application/json',
    rawBody: Buffer.from(id),
  };
}

function setup() {
  const inbound = createInboundRepository(t.db, t.clock.now);
  const deliveries = createDeliveriesRepository(t.db, t.clock.now);
  const routes = createRoutesRepository(t.db, t.clock.now);
  const routing = { routes, defaultPortsipUrl: null, inboxChannel: null };
  return { inbound, deliveries, routes, deps: { deliveries, routing } };
}

describe('retargetDeliveries: a conversation keeps its order when its destination changes', () => {
  it('moves an in-flight head with the rest, so the later messages still wait behind it at the new URL', () => {
    const { inbound, deliveries, routes, deps } = setup();
    routes.set({ number: '+14155550100', portsipUrl: OLD, slackChannel: null, by: 'U1' });
    for (const id of ['a1', 'a2', 'a3'])
      inbound.insertWithDeliveries(message(id, '447400000001'), [{ kind: 'portsip', destination: OLD }]);
    const [head] = deliveries.claimDue('portsip', 10, 60_000);
    expect(head?.inboundMessageId).toBe(1);

    routes.set({ number: '+14155550100', portsipUrl: NEW, slackChannel: null, by: 'U1' });
    expect(retargetDeliveries(deps, '+14155550100')).toMatchObject({ moved: 3, unrouted: 0 });
    // a1 is still in flight (to the old URL): a2 may not overtake it at the new one.
    expect(deliveries.claimDue('portsip', 10, 60_000)).toEqual([]);

    // Its attempt fails (the old URL's failure): due at once, whatever the backoff computed from the old attempts.
    t.clock.advance(50);
    deliveries.markFailed(head?.id ?? 0, { statusCode: 404, error: 'HTTP 404', nextAttemptAt: t.clock.now() + 300_000 });
    const next = deliveries.claimDue('portsip', 10, 60_000);
    expect(next.map((d) => [d.inboundMessageId, d.destination, d.attempts])).toEqual([[1, NEW, 1]]);
    deliveries.markDelivered(next[0]?.id ?? 0, 200);
    expect(deliveries.claimDue('portsip', 10, 60_000).map((d) => d.inboundMessageId)).toEqual([2]);
  });

  it('moves dead ones back to pending with a fresh window, leaves numbers with their own route alone for default', () => {
    const { inbound, deliveries, routes, deps } = setup();
    routes.set({ number: 'default', portsipUrl: OLD, slackChannel: null, by: 'U1' });
    routes.set({ number: '+12025550143', portsipUrl: 'https://own.example.com/emc/x/y', slackChannel: null, by: 'U1' });
    inbound.insertWithDeliveries(message('d1', '447400000001'), [{ kind: 'portsip', destination: OLD }]);
    inbound.insertWithDeliveries(message('o1', '447400000002', '12025550143'), [
      { kind: 'portsip', destination: 'https://own.example.com/emc/x/y' },
    ]);
    const claimed = deliveries.claimDue('portsip', 10, 60_000);
    for (const d of claimed) deliveries.markDead(d.id, { statusCode: 404, error: 'HTTP 404' });
    t.clock.advance(3_600_000);

    routes.set({ number: 'default', portsipUrl: NEW, slackChannel: null, by: 'U1' });
    expect(retargetDeliveries(deps, 'default')).toMatchObject({ moved: 1, movedFrom: [{ kind: 'portsip', destination: OLD }] });
    const moved = deliveries.get(1);
    expect(moved).toMatchObject({ status: 'pending', destination: NEW, attempts: 0, deadAt: null });
    expect(moved?.retryWindowStartedAt).toBe(t.clock.now());
    expect(deliveries.get(2)).toMatchObject({ status: 'dead', destination: 'https://own.example.com/emc/x/y' });

    // With no route left and no PORTSIP_WEBHOOK_URL, nothing is dropped: the delivery stays where it was.
    routes.remove('default');
    expect(retargetDeliveries(deps, 'default')).toMatchObject({ moved: 0, unrouted: 1 });
    expect(deliveries.get(1)).toMatchObject({ destination: NEW });
  });
});

describe('retargetDeliveries: an attempt out while the route changes', () => {
  const OTHER = 'https://other.example.com/emc/Wavix - US/other';

  it('a change and its undo during one attempt: that attempt’s 2xx delivers the SMS, not sent there again', () => {
    const { inbound, deliveries, routes, deps } = setup();
    routes.set({ number: '+14155550100', portsipUrl: NEW, slackChannel: null, by: 'U1' });
    inbound.insertWithDeliveries(message('u1', '447400000001'), [{ kind: 'portsip', destination: NEW }]);
    const [attempt] = deliveries.claimDue('portsip', 10, 60_000);

    routes.set({ number: '+14155550100', portsipUrl: OTHER, slackChannel: null, by: 'U2' });
    retargetDeliveries(deps, '+14155550100');
    routes.set({ number: '+14155550100', portsipUrl: NEW, slackChannel: null, by: 'U1' });
    retargetDeliveries(deps, '+14155550100');

    expect(deliveries.markDelivered(attempt?.id ?? 0, 200, attempt?.leaseUntil)).toBe(true);
    expect(deliveries.get(attempt?.id ?? 0)).toMatchObject({ status: 'delivered', destination: NEW, lastError: null });
    expect(deliveries.claimDue('portsip', 10, 60_000)).toEqual([]);
  });

  it('a change away and back and away again: that attempt’s 2xx still sends the SMS to the route in force', () => {
    const { inbound, deliveries, routes, deps } = setup();
    routes.set({ number: '+14155550100', portsipUrl: OLD, slackChannel: null, by: 'U1' });
    inbound.insertWithDeliveries(message('u2', '447400000001'), [{ kind: 'portsip', destination: OLD }]);
    const [attempt] = deliveries.claimDue('portsip', 10, 60_000);
    for (const url of [NEW, OTHER, NEW]) {
      routes.set({ number: '+14155550100', portsipUrl: url, slackChannel: null, by: 'U1' });
      retargetDeliveries(deps, '+14155550100');
    }
    deliveries.markDelivered(attempt?.id ?? 0, 200, attempt?.leaseUntil);
    // The attempt went to OLD: NEW has not got it.
    expect(deliveries.claimDue('portsip', 10, 60_000).map((d) => d.destination)).toEqual([NEW]);
  });

  it('a delivery moved while its attempt outlived its lease: the next claim’s 2xx at the new route delivers it', () => {
    const { inbound, deliveries, routes, deps } = setup();
    routes.set({ number: '+14155550100', portsipUrl: OLD, slackChannel: null, by: 'U1' });
    inbound.insertWithDeliveries(message('l1', '447400000001'), [{ kind: 'portsip', destination: OLD }]);
    deliveries.claimDue('portsip', 10, 1_000);
    routes.set({ number: '+14155550100', portsipUrl: NEW, slackChannel: null, by: 'U1' });
    retargetDeliveries(deps, '+14155550100');
    t.clock.advance(2_000);
    expect(deliveries.releaseLeases()).toBe(1);

    const [again] = deliveries.claimDue('portsip', 10, 60_000);
    expect(again?.destination).toBe(NEW);
    deliveries.markDelivered(again?.id ?? 0, 200, again?.leaseUntil);
    expect(deliveries.get(again?.id ?? 0)).toMatchObject({ status: 'delivered', destination: NEW });
  });
});
