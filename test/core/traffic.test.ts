import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/inputError.js';
import type { DeliveryReportsRepository } from '../../src/core/ports/deliveryReports.js';
import type { TrafficRepository } from '../../src/core/ports/traffic.js';
import { parseTrafficArgs, statusToKeep, syncOutboundTraffic, trafficReport } from '../../src/core/traffic.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createDeliveryReportsRepository } from '../../src/store/repositories/deliveryReports.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createWavixClient, type WavixClient } from '../../src/wavix/client.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const API_KEY = 'wavix-traffic-test-key-5d1e';
const SUPPORT = '+14155550100'; // SMS-enabled on the emulator's default account
const HOUR = 3_600_000;

let emulator: WavixEmulator;
let wavix: WavixClient;
let t: TempDb;
let deliveryReports: DeliveryReportsRepository;
let traffic: TrafficRepository;

beforeAll(async () => {
  emulator = await startWavixEmulator({ apiKey: API_KEY, startAt: Date.UTC(2026, 10, 25, 12, 10) });
  wavix = createWavixClient({
    baseUrl: emulator.url,
    apiKey: API_KEY,
    timeoutMs: 2_000,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
  });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await admin('/_emulator/reset', {});
  t = createTempDb();
  // smsops and Wavix share one clock, the emulator's, which a test moves forward.
  deliveryReports = createDeliveryReportsRepository(t.db, emulator.clock.now);
  traffic = createTrafficRepository(t.db, emulator.clock.now);
});
afterEach(() => t.cleanup());

async function admin(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
}

const sendSms = (to: string) =>
  wavix.messages.send({ from: SUPPORT, to, message_body: { text: 'Your code is 1234', media: null } });
const sync = () => syncOutboundTraffic({ wavix, deliveryReports, traffic, now: emulator.clock.now }, { lookbackMs: 2 * HOUR });
const report = (period: '1h' | '24h' | '7d', number?: string) =>
  trafficReport({ traffic, now: emulator.clock.now }, period, number);

describe('syncing outbound traffic from Wavix', () => {
  it('stores what Wavix sent in the lookback window and reports totals, delivery rate and the top failure', async () => {
    await sendSms('+12125550107'); // before the window: Wavix lists it (same day), smsops leaves it out
    await emulator.clock.advance(3 * HOUR);
    await admin('/_emulator/failing-destinations', { number: '+447400123499', error: 'Number blocked by carrier' });
    await sendSms('+12125550101');
    await sendSms('+12125550102');
    await sendSms('+447400123499');
    await emulator.clock.advance(10_000); // sent, then delivered or undelivered
    await sendSms('+12125550103');
    await emulator.clock.advance(1_000); // only sent so far

    const synced = await sync();

    expect(synced).toMatchObject({ ok: true, value: { pulled: 4, unreadableTimes: { count: 0, example: null } } });
    const r = await report('24h');
    expect(r.totals).toEqual({ sent: 4, delivered: 2, failed: 1, inbound: 0, relayed: 0 });
    expect(r.deliveryRate).toBeCloseTo(2 / 3);
    expect(r.topFailures).toEqual([{ reason: 'Number blocked by carrier', count: 1 }]);
    expect(r.hourly.at(-1)).toMatchObject({ hourStart: Date.UTC(2026, 10, 25, 15), sent: 4, delivered: 2, failed: 1 });
    expect(r.hourly.reduce((sum, h) => sum + h.sent, 0)).toBe(4);
    expect((await report('1h', '+1 415 555 0100')).totals).toEqual(r.totals);
    expect(await report('1h', '16135550123')).toMatchObject({ totals: { sent: 0 }, deliveryRate: null, topFailures: [] });
  });

  it('picks up status changes on the next pull, and counts a message once however often it is pulled', async () => {
    await admin('/_emulator/failing-destinations', { number: '+447400123499', error: 'Number blocked by carrier' });
    await sendSms('+447400123499');
    await emulator.clock.advance(1_000);
    await sync();
    expect(await report('1h')).toMatchObject({ totals: { sent: 1, delivered: 0, failed: 0 }, deliveryRate: null });

    await emulator.clock.advance(10_000);
    await sync();
    await sync();

    expect(await report('1h')).toMatchObject({ totals: { sent: 1, delivered: 0, failed: 1 }, deliveryRate: 0 });
  });

  it('keeps a final status a delivery report brought when the listing it meets is older', async () => {
    const to = '+12125550101';
    const message = await sendSms(to);
    await emulator.clock.advance(1_000); // Wavix lists it as sent...
    deliveryReports.recordReport({
      // ...while smsops already holds the report of its delivery (webhooks come at any moment)
      wavixMessageId: message.message_id,
      fromNumber: SUPPORT,
      toNumber: to,
      status: 'delivered',
      error: null,
      segments: 1,
    });

    await sync();

    expect(deliveryReports.outboundStatus(message.message_id)?.status).toBe('delivered');
    expect((await report('1h')).totals).toMatchObject({ sent: 1, delivered: 1 });
  });

  it('shows inbound messages stored since the last pull, and those PortSIP accepted', async () => {
    await sendSms('+12125550101');
    await sync();
    const inbound = createInboundRepository(t.db, emulator.clock.now);
    const deliveries = createDeliveriesRepository(t.db, emulator.clock.now);
    inbound.insertWithDeliveries(
      {
        wavixMessageId: 'inbound-1',
        fromNumber: '12125550101',
        toNumber: '14155550100',
        messageType: 'sms',
        text: 'STOP',
        media: null,
        receivedAtText: new Date(emulator.clock.now()).toISOString(),
        receivedAt: emulator.clock.now(),
        contentType: 'application/json',
        rawBody: Buffer.from('{}'),
      },
      [{ kind: 'portsip', destination: 'https://pbx.example.com:8887/emc/Wavix - US/uuid' }],
    );
    for (const d of deliveries.claimDue('portsip', 10, 60_000)) deliveries.markDelivered(d.id, 200);

    expect((await report('1h', SUPPORT)).totals).toEqual({ sent: 1, delivered: 0, failed: 0, inbound: 1, relayed: 1 });
  });

  it('turns a Wavix outage into an error a person can read, and keeps what was stored', async () => {
    await sendSms('+12125550101');
    await sync();
    emulator.injectFault({ method: 'GET', path: '/v3/messages', status: 500, times: 10 });

    const synced = await sync();

    expect(synced.ok).toBe(false);
    if (synced.ok) return;
    expect(synced.error.userMessage).toMatch(/Wavix is unavailable right now \(500\).*try again/);
    expect((await report('1h')).totals.sent).toBe(1);
  });
});

describe('which status wins between a listing and what smsops stored', () => {
  it.each([
    [undefined, 'sent', 'sent'],
    ['sent', 'delivered', 'delivered'], // a report smsops missed
    ['accepted', 'undelivered', 'undelivered'],
    ['delivered', 'sent', 'delivered'], // an older listing
    ['sent', 'accepted', 'sent'],
    ['dlr_expired', 'delivered', 'delivered'], // the late report Wavix got after all
    ['delivered', 'dlr_expired', 'delivered'],
    ['undelivered', 'delivered', 'undelivered'], // two outcomes: the pushed report stands
  ])('stored %s, listed %s: keeps %s', (stored, listed, kept) => {
    expect(statusToKeep(stored, listed)).toBe(kept);
  });
});

describe('/sms traffic arguments', () => {
  it.each([
    [[], { period: '24h' }],
    [['7d'], { period: '7d' }],
    [['1H'], { period: '1h' }],
    [['1h', '+1', '415', '555', '0100'], { period: '1h', number: '14155550100' }],
    [['14155550100'], { period: '24h', number: '14155550100' }],
    [['(415)', '555-0100', '7d'], { period: '7d', number: '14155550100' }],
    [['24h', '+447400123456'], { period: '24h', number: '447400123456' }],
  ])('reads %j', (args, expected) => {
    expect(parseTrafficArgs(args)).toEqual(expected);
  });

  it.each([
    [['2h'], 'period', /1h, 24h, 7d/],
    [['30d', '+14155550100'], 'period', /"30d"/],
    [['24h', '555'], 'number', /"555" is not a phone number/],
    [['24h', 'Acme'], 'number', /"Acme"/],
    [['24h', '7d'], 'number', /"7d"/],
  ])('refuses %j, naming the %s', (args, field, message) => {
    const parsed = parseTrafficArgs(args);
    expect(parsed).toBeInstanceOf(InputError);
    if (!(parsed instanceof InputError)) return;
    expect(parsed.problems.map((p) => p.field)).toEqual([field]);
    expect(parsed.userMessage).toMatch(message);
  });
});
