import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANGE_IN_PROGRESS } from '../../src/core/model/audit.js';
import type { NewInboundMessage } from '../../src/core/model/inboundMessage.js';
import { createAuditRepository } from '../../src/store/repositories/audit.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createRejectedWebhooksRepository } from '../../src/store/repositories/rejectedWebhooks.js';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import { createSenderIdsRepository } from '../../src/store/repositories/senderIds.js';
import { createSettingsRepository } from '../../src/store/repositories/settings.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let t: TempDb;
beforeEach(() => {
  t = createTempDb();
});
afterEach(() => t.cleanup());

function inbound(id: string, from = '447911123456', to = '14155550100', text = 'hello'): NewInboundMessage {
  const body = JSON.stringify({
    message_id: id,
    from,
    to,
    message_body: { text, media: null },
    received_at: '2026-11-25T12:00:00.000Z',
  });
  return {
    wavixMessageId: id,
    fromNumber: from,
    toNumber: to,
    messageType: 'sms',
    text,
    media: null,
    receivedAtText: '2026-11-25T12:00:00.000Z',
    receivedAt: Date.parse('2026-11-25T12:00:00.000Z'),
    contentType: 'application/json',
    rawBody: Buffer.from(body),
  };
}

const portsip = { kind: 'portsip' as const, destination: 'https://pbx.example.com:8887/emc/Wavix - US/uuid' };
const slack = { kind: 'slack' as const, destination: 'C0123456789' };

describe('settings', () => {
  it('generates a value once and keeps it across a restart', () => {
    const first = createSettingsRepository(t.db).getOrCreate('webhook_secret', () => 'generated-one');
    t.reopen();
    const second = createSettingsRepository(t.db).getOrCreate('webhook_secret', () => 'generated-two');
    expect(first).toBe('generated-one');
    expect(second).toBe('generated-one');
  });
});

describe('audit log', () => {
  it('returns the newest entries first with their parameters', () => {
    const audit = createAuditRepository(t.db, t.clock.now);
    audit.record({ actor: 'U1', action: 'webhook.set', target: 'default', params: { url: 'https://a' }, outcome: 'ok' });
    t.clock.advance(1000);
    audit.record({ actor: 'U2', action: 'senderid.create', outcome: 'refused', detail: 'not an admin' });
    const [latest, earlier] = audit.recent(10);
    expect(latest).toMatchObject({ actor: 'U2', outcome: 'refused', detail: 'not an admin', params: {} });
    expect(earlier).toMatchObject({ actor: 'U1', target: 'default', params: { url: 'https://a' } });
    expect(audit.recent(1)).toHaveLength(1);
  });

  it("says of a change cut by a stop whether Wavix was asked: a route change is smsops' own, a webhook change is not", () => {
    const audit = createAuditRepository(t.db, t.clock.now);
    for (const action of ['route.set', 'webhook.set', 'alerts.set', 'number.enable-inbound'])
      audit.record({ actor: 'U1', action, outcome: 'unknown', detail: CHANGE_IN_PROGRESS });
    expect(audit.markInterrupted()).toBe(4);
    const detail = Object.fromEntries(audit.recent(10).map((e) => [e.action, e.detail]));
    expect(detail['route.set']).toMatch(/nothing was asked of Wavix/);
    expect(detail['alerts.set']).toMatch(/nothing was asked of Wavix/);
    expect(detail['webhook.set']).toMatch(/what it asked Wavix may or may not have been done/);
    expect(detail['number.enable-inbound']).toMatch(/what it asked Wavix may or may not have been done/);
  });

  it('lists a change recorded before a slow read where it was written, after one written meanwhile, in the same millisecond too', () => {
    const audit = createAuditRepository(t.db, t.clock.now);
    const slow = audit.record({
      actor: 'U1',
      action: 'route.set',
      target: '+14155550100',
      outcome: 'unknown',
      detail: CHANGE_IN_PROGRESS,
    });
    t.clock.advance(1000);
    audit.record({ actor: 'U2', action: 'route.set', target: '+14155550100', outcome: 'ok' });
    const moved = audit.movedToNow(slow);
    audit.complete(moved, { outcome: 'ok', params: {} });
    expect(audit.recent(10).map((e) => [e.actor, e.outcome, e.at])).toEqual([
      ['U1', 'ok', t.clock.now()],
      ['U2', 'ok', t.clock.now()],
    ]);
    // The next entry still comes after it.
    audit.record({ actor: 'U3', action: 'alerts.set', outcome: 'ok' });
    expect(audit.recent(1)[0]?.actor).toBe('U3');
  });
});

describe('inbound messages and their deliveries', () => {
  it('stores the raw bytes and enqueues every destination in one go', () => {
    const repo = createInboundRepository(t.db, t.clock.now);
    const message = inbound('m-1', '447911123456', '14155550100', 'Grüße 🚀 <!channel>');
    const { id, duplicate } = repo.insertWithDeliveries(message, [portsip, slack]);
    expect(duplicate).toBe(false);
    const stored = repo.get(id);
    expect(stored?.rawBody.equals(message.rawBody)).toBe(true);
    expect(stored?.text).toBe('Grüße 🚀 <!channel>');
    // The relay's read by id (an array, made into the message) gives every field as stored, as the other reads do.
    const mms = repo.insertWithDeliveries({ ...inbound('m-2'), messageType: 'mms', media: ['https://x.example/a.jpg'] }, []);
    expect(repo.get(mms.id)).toEqual(mms.stored);
    expect(repo.get(mms.id)).toEqual(repo.getByWavixId('m-2'));
    const deliveries = createDeliveriesRepository(t.db, t.clock.now).forMessage(id);
    expect(deliveries.map((d) => [d.destinationKind, d.destination, d.status])).toEqual([
      ['portsip', portsip.destination, 'pending'],
      ['slack', 'C0123456789', 'pending'],
    ]);
  });

  it('treats a repeated Wavix message id as a duplicate and enqueues nothing more', () => {
    const repo = createInboundRepository(t.db, t.clock.now);
    const first = repo.insertWithDeliveries(inbound('m-1'), [portsip]);
    expect(repo.insertWithDeliveries(inbound('m-1'), [portsip, slack])).toEqual({ id: first.id, duplicate: true });
    // Another body under the same id: still nothing written, and said to be a conflict.
    const again = repo.insertWithDeliveries(inbound('m-1', '1', '2', 'different'), [portsip, slack]);
    expect(again).toEqual({ id: first.id, duplicate: true, conflict: true });
    expect(createDeliveriesRepository(t.db).forMessage(first.id)).toHaveLength(1);
    expect(repo.recent(10)).toHaveLength(1);
  });

  it('stores a new head of its conversation in flight when the relay takes it, as the row reads; a follower waits pending', () => {
    const repo = createInboundRepository(t.db, t.clock.now);
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    const asked: string[] = [];
    let room = 1;
    const leaseNewHead = (kind: string, isHead: () => boolean) => {
      if (!isHead()) return null;
      asked.push(kind);
      return room-- > 0 ? t.clock.now() + 30_000 : null;
    };
    const first = repo.insertWithDeliveries(inbound('m-1', '447911000001'), [portsip, slack], { leaseNewHead });
    // Both deliveries head their conversations; the relay had room for one.
    expect(asked).toEqual(['portsip', 'slack']);
    expect(first.leased).toEqual([deliveries.forMessage(first.id)[0]]);
    expect(deliveries.forMessage(first.id).map((d) => [d.destinationKind, d.status, d.leaseUntil])).toEqual([
      ['portsip', 'in_flight', t.clock.now() + 30_000],
      ['slack', 'pending', null],
    ]);
    // Behind a delivery still to go, a new one is not a head: not the relay's to take, stored pending.
    room = 5;
    t.clock.advance(10);
    const follower = repo.insertWithDeliveries(inbound('m-2', '447911000001'), [portsip], { leaseNewHead });
    expect(asked).toEqual(['portsip', 'slack']);
    expect(follower.leased).toBeUndefined();
    expect(deliveries.forMessage(follower.id)[0]?.status).toBe('pending');
    // Another conversation's head is asked for, and taken.
    const other = repo.insertWithDeliveries(inbound('m-3', '447911000002'), [portsip], { leaseNewHead });
    expect(other.leased?.map((d) => d.status)).toEqual(['in_flight']);
    // Nothing leased is claimed again; the follower comes once its conversation's head is delivered.
    expect(deliveries.claimDue('portsip', 10, 30_000)).toEqual([]);
    deliveries.markDelivered(first.leased?.[0]?.id ?? 0, 200);
    const claimed = deliveries.claimDue('portsip', 10, 30_000);
    expect(claimed.map((d) => d.inboundMessageId)).toEqual([follower.id]);
    // What the claim hands the relay is the delivery as its row now reads: leased, in flight.
    expect(claimed).toEqual([deliveries.forMessage(follower.id)[0]]);
    expect(claimed[0]?.status).toBe('in_flight');
    expect(claimed[0]?.leaseUntil).toBe(t.clock.now() + 30_000);
  });

  it('lists recent messages, optionally for one number', () => {
    const repo = createInboundRepository(t.db, t.clock.now);
    repo.insertWithDeliveries(inbound('a', '1', '14155550100'), []);
    t.clock.advance(10);
    repo.insertWithDeliveries(inbound('b', '1', '16135550123'), []);
    expect(repo.recent(10).map((m) => m.wavixMessageId)).toEqual(['b', 'a']);
    expect(repo.recent(10, '14155550100').map((m) => m.wavixMessageId)).toEqual(['a']);
  });
});

describe('delivery outbox', () => {
  it('keeps arrival order within a conversation and runs conversations in parallel', () => {
    const inboundRepo = createInboundRepository(t.db, t.clock.now);
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    inboundRepo.insertWithDeliveries(inbound('a1', '111', '999'), [portsip]);
    inboundRepo.insertWithDeliveries(inbound('b1', '222', '999'), [portsip]);
    inboundRepo.insertWithDeliveries(inbound('a2', '111', '999'), [portsip]);

    const firstClaim = deliveries.claimDue('portsip', 10, 30_000);
    const messageOf = (d: { inboundMessageId: number }) => inboundRepo.get(d.inboundMessageId)?.wavixMessageId;
    expect(firstClaim.map(messageOf)).toEqual(['a1', 'b1']); // a2 waits for a1
    expect(deliveries.claimDue('portsip', 10, 30_000)).toEqual([]);

    const a1 = firstClaim[0];
    if (!a1) throw new Error('no delivery claimed');
    deliveries.markFailed(a1.id, { statusCode: 500, error: 'Internal Server Error', nextAttemptAt: t.clock.now() + 1000 });
    expect(deliveries.claimDue('portsip', 10, 30_000)).toEqual([]); // a1 not due yet, and a2 still behind it
    t.clock.advance(1000);
    const retry = deliveries.claimDue('portsip', 10, 30_000);
    expect(retry.map(messageOf)).toEqual(['a1']);
    // The claim hands over the row as it reads after the failed attempt (its error, status and counts), leased.
    expect(retry).toEqual([deliveries.get(a1.id)]);
    expect(retry[0]).toMatchObject({ attempts: 1, lastStatusCode: 500, lastError: 'Internal Server Error', status: 'in_flight' });
    deliveries.markDelivered(a1.id, 200);
    expect(deliveries.claimDue('portsip', 10, 30_000).map(messageOf)).toEqual(['a2']);
    expect(deliveries.get(a1.id)).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200, lastError: null });
  });

  it('returns deliveries leased by a crashed process once their lease expires', () => {
    const inboundRepo = createInboundRepository(t.db, t.clock.now);
    inboundRepo.insertWithDeliveries(inbound('m'), [portsip]);
    expect(createDeliveriesRepository(t.db, t.clock.now).claimDue('portsip', 10, 30_000)).toHaveLength(1);

    t.reopen(); // the process died while delivering
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    expect(deliveries.releaseLeases()).toBe(0); // lease still running
    t.clock.advance(30_001);
    expect(deliveries.releaseLeases()).toBe(1);
    expect(deliveries.claimDue('portsip', 10, 30_000)).toHaveLength(1);
  });

  it('gives back a claim only under its own lease: one claimed again after it ran out stays with the new claim', () => {
    const inboundRepo = createInboundRepository(t.db, t.clock.now);
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    inboundRepo.insertWithDeliveries(inbound('m'), [portsip]);
    const [stale] = deliveries.claimDue('portsip', 10, 30_000); // claimed ahead, then the process stalled
    if (!stale) throw new Error('no delivery claimed');
    t.clock.advance(30_001);
    expect(deliveries.releaseLeases()).toBe(1); // the sweep
    const [fresh] = deliveries.claimDue('portsip', 10, 30_000); // sent by the new claim
    if (!fresh) throw new Error('not claimed again');
    // The stalled process gives back what it claimed ahead: not the new claim's, which a third claim would send again.
    expect(deliveries.releaseClaimed([stale])).toBe(0);
    expect(deliveries.claimDue('portsip', 10, 30_000)).toEqual([]);
    expect(deliveries.get(fresh.id)).toMatchObject({ status: 'in_flight', leaseUntil: fresh.leaseUntil });
    expect(deliveries.releaseClaimed([fresh])).toBe(1);
    expect(deliveries.get(fresh.id)).toMatchObject({ status: 'pending', leaseUntil: null });
  });

  it('reports the backlog per destination, and requeues dead deliveries', () => {
    const inboundRepo = createInboundRepository(t.db, t.clock.now);
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    inboundRepo.insertWithDeliveries(inbound('m1', '1', '9'), [portsip, slack]);
    t.clock.advance(5000);
    inboundRepo.insertWithDeliveries(inbound('m2', '2', '9'), [portsip]);
    const [first] = deliveries.claimDue('portsip', 1, 30_000);
    if (!first) throw new Error('no delivery claimed');
    deliveries.markDead(first.id, { statusCode: 404, error: 'x'.repeat(2000) });
    expect(deliveries.get(first.id)?.lastError).toHaveLength(501);

    expect(deliveries.backlog()).toEqual([
      {
        destinationKind: 'portsip',
        destination: portsip.destination,
        pending: 1,
        oldestPendingCreatedAt: t.clock.now(),
        dead: 1,
        lastDeliveredAt: null,
      },
      {
        destinationKind: 'slack',
        destination: 'C0123456789',
        pending: 1,
        oldestPendingCreatedAt: t.clock.now() - 5000,
        dead: 0,
        lastDeliveredAt: null,
      },
    ]);
    expect(deliveries.requeueDead()).toBe(1);
    expect(deliveries.get(first.id)).toMatchObject({ status: 'pending', deadAt: null });
  });

  it('dates the backlog from the delivery queued first, even when the clock stepped back after it', () => {
    const inboundRepo = createInboundRepository(t.db, t.clock.now);
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    inboundRepo.insertWithDeliveries(inbound('q1', '1', '9'), [portsip]);
    const queuedFirstAt = t.clock.now();
    t.clock.advance(-60_000); // an NTP step back: the next message looks older than the first
    inboundRepo.insertWithDeliveries(inbound('q2', '2', '9'), [portsip]);

    expect(deliveries.backlog()).toMatchObject([{ pending: 2, oldestPendingCreatedAt: queuedFirstAt }]);
  });

  it('dates the backlog from the delivery queued first, whether it is leased or waiting', () => {
    const inboundRepo = createInboundRepository(t.db, t.clock.now);
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    const pbx = (n: number) => ({ kind: 'portsip' as const, destination: `https://pbx${n}.example.com/sms` });
    inboundRepo.insertWithDeliveries(inbound('l1', '1', '9'), [pbx(1), pbx(2)]);
    t.clock.advance(1000);
    inboundRepo.insertWithDeliveries(inbound('l2', '2', '9'), [pbx(1), pbx(2)]);
    const claimed = deliveries.claimDue('portsip', 10, 30_000);
    expect(claimed).toHaveLength(4);
    const release = (message: string, n: number) => {
      const messageId = inboundRepo.getByWavixId(message)?.id;
      const d = claimed.find((c) => c.inboundMessageId === messageId && c.destination === pbx(n).destination);
      if (!d) throw new Error(`${message} to pbx${n} not claimed`);
      deliveries.markFailed(d.id, { statusCode: 503, error: 'busy', nextAttemptAt: t.clock.now() });
    };
    release('l2', 1); // pbx1: the first leased, the second waiting
    release('l1', 2); // pbx2: the first waiting, the second leased

    expect(deliveries.backlog().map((b) => [b.destination, b.pending, b.oldestPendingCreatedAt])).toEqual([
      [pbx(1).destination, 2, t.clock.now() - 1000],
      [pbx(2).destination, 2, t.clock.now() - 1000],
    ]);
  });

  it('counts an undelivered delivery that keeps a delivered_at, and dates the backlog from it', () => {
    const inboundRepo = createInboundRepository(t.db, t.clock.now);
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    inboundRepo.insertWithDeliveries(inbound('r1', '1', '9'), [portsip]);
    const firstAt = t.clock.now();
    t.clock.advance(1000);
    inboundRepo.insertWithDeliveries(inbound('r2', '2', '9'), [portsip]);
    const [first] = deliveries.claimDue('portsip', 1, 30_000);
    if (!first) throw new Error('no delivery claimed');
    deliveries.markDelivered(first.id, 200);
    // As when an attempt that outlived its lease fails after a re-claim delivered the message: pending again, with
    // the delivered_at of the other attempt (the backlog's seek on delivered_at IS NULL alone would miss it).
    t.db.prepare("UPDATE deliveries SET status = 'pending' WHERE id = ?").run(first.id);

    expect(deliveries.backlog()).toMatchObject([{ pending: 2, oldestPendingCreatedAt: firstAt }]);
  });

  it('lists every destination of a kind with its last delivery, counting leased deliveries as pending', () => {
    const inboundRepo = createInboundRepository(t.db, t.clock.now);
    const deliveries = createDeliveriesRepository(t.db, t.clock.now);
    const pbx = (n: number) => ({ kind: 'portsip' as const, destination: `https://pbx${n}.example.com/sms` });
    inboundRepo.insertWithDeliveries(inbound('a1', '1', '9'), [pbx(2)]);
    inboundRepo.insertWithDeliveries(inbound('a2', '1', '8'), [pbx(1)]);
    inboundRepo.insertWithDeliveries(inbound('a3', '1', '7'), [pbx(3)]);
    const claimed = deliveries.claimDue('portsip', 10, 30_000);
    const delivered = claimed.find((d) => d.destination === pbx(1).destination);
    if (!delivered) throw new Error('pbx1 not claimed');
    t.clock.advance(2000);
    deliveries.markDelivered(delivered.id, 200);

    expect(deliveries.backlog().map((b) => [b.destination, b.pending, b.lastDeliveredAt])).toEqual([
      [pbx(1).destination, 0, t.clock.now()],
      [pbx(2).destination, 1, null],
      [pbx(3).destination, 1, null],
    ]);
  });
});

describe('routes', () => {
  it('keeps a PortSIP URL with spaces exactly, and resolves number before default', () => {
    const routes = createRoutesRepository(t.db, t.clock.now);
    const spaced = 'https://pbx.example.com:8887/sms/Wavix - Asia/a558d635-66e0-4c64-9f1e-2b1c8f0d7e11';
    routes.set({ number: 'default', portsipUrl: spaced, slackChannel: null, by: 'U1' });
    routes.set({ number: '+14155550100', portsipUrl: 'https://other.example/x', slackChannel: 'C0999999999', by: 'U1' });
    t.reopen();
    const reopened = createRoutesRepository(t.db, t.clock.now);
    expect(reopened.resolve('+16135550123')?.portsipUrl).toBe(spaced);
    expect(reopened.resolve('+14155550100')).toMatchObject({
      portsipUrl: 'https://other.example/x',
      slackChannel: 'C0999999999',
    });
    expect(reopened.list().map((r) => r.number)).toEqual(['default', '+14155550100']);
    expect(reopened.remove('default')).toBe(true);
    expect(reopened.resolve('+16135550123')).toBeUndefined();
  });

  it('refuses a route key that is neither E.164 nor default', () => {
    const routes = createRoutesRepository(t.db);
    expect(() => routes.set({ number: '4155550100', portsipUrl: 'https://x', slackChannel: null, by: 'U1' })).toThrow(/CHECK/);
  });
});

describe('Sender IDs', () => {
  it('turns allowlisted countries into approvals, announced exactly once across a restart', () => {
    const repo = createSenderIdsRepository(t.db, t.clock.now);
    const sid = repo.upsert({ wavixId: 'uuid-1', value: 'ACME', type: 'alphanumeric', origin: 'smsops', requestedBy: 'U1' });
    repo.addRequestedCountries(sid.id, ['GB', 'FR']);
    expect(repo.listNonFinal().map((s) => s.value)).toEqual(['ACME']);

    expect(repo.applyAllowlist(sid.id, ['GB'])).toEqual([{ country: 'GB', from: 'pending', to: 'approved' }]);
    expect(repo.applyAllowlist(sid.id, ['GB'])).toEqual([]); // no change, nothing new to announce
    expect(repo.unannouncedChanges()).toMatchObject([{ value: 'ACME', country: 'GB', status: 'approved', requestedBy: 'U1' }]);
    repo.markAnnounced(sid.id, 'GB');

    t.reopen();
    const after = createSenderIdsRepository(t.db, t.clock.now);
    expect(after.unannouncedChanges()).toEqual([]);
    after.setCountryStatus(sid.id, 'FR', 'rejected', 'Brand registration documents missing');
    expect(after.get(sid.id)?.final).toBe(true);
    expect(after.listNonFinal()).toEqual([]);
    expect(after.unannouncedChanges()).toMatchObject([
      { country: 'FR', status: 'rejected', reason: 'Brand registration documents missing' },
    ]);
  });

  it('records portal-created countries and notices a country withdrawn from the allowlist', () => {
    const repo = createSenderIdsRepository(t.db, t.clock.now);
    const sid = repo.upsert({ wavixId: 'uuid-2', value: 'Shop', type: 'alphanumeric', origin: 'wavix_portal' });
    expect(repo.applyAllowlist(sid.id, ['DE', 'NL'])).toEqual([
      { country: 'DE', from: null, to: 'approved' },
      { country: 'NL', from: null, to: 'approved' },
    ]);
    expect(repo.applyAllowlist(sid.id, ['DE'])).toEqual([{ country: 'NL', from: 'approved', to: 'removed' }]);
    expect(repo.find('shop').map((s) => s.wavixId)).toEqual(['uuid-2']);
    expect(repo.find('uuid-2')[0]?.countries.map((c) => `${c.country}:${c.status}`)).toEqual(['DE:approved', 'NL:removed']);
  });
});

describe('rejected webhooks', () => {
  it('keeps a bounded excerpt and only the newest rejections', () => {
    const repo = createRejectedWebhooksRepository(t.db, { now: t.clock.now, keep: 3 });
    for (let i = 0; i < 5; i++) {
      repo.record({ route: 'inbound', reason: `bad ${i}`, contentType: 'application/json', body: Buffer.alloc(20_000, 'x') });
    }
    expect(repo.count()).toBe(3);
    const [latest] = repo.recent(1);
    expect(latest).toMatchObject({ reason: 'bad 4', bodySize: 20_000 });
    expect(latest?.bodyExcerpt.length).toBe(8192);
  });
});
