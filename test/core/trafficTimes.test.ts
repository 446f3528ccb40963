import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WavixMessage } from '../../src/core/ports/wavix.js';
import { syncOutboundTraffic, trafficReport } from '../../src/core/traffic.js';
import { createDeliveryReportsRepository } from '../../src/store/repositories/deliveryReports.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createWavixClient } from '../../src/wavix/client.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * Wavix promises "ISO 8601" for a message's times. The traffic watch reads the listing over HTTP (a local server
 * answering as Wavix's GET /v3/messages/all does) into a real SQLite file, and the failure-rate alert reads what it stored.
 */

const HOUR = 3_600_000;
let t: TempDb;
let wavixApi: WebhookSink;

beforeEach(async () => {
  t = createTempDb(); // 2026-11-25 12:00 UTC
  wavixApi = await startWebhookSink();
});
afterEach(async () => {
  t.cleanup();
  await wavixApi.close();
});

const listed = (id: string, at: string | null, extra: Partial<WavixMessage> = {}): WavixMessage => ({
  message_id: id,
  message_type: 'sms',
  from: '14155550100',
  to: '447400123456',
  direction: 'outbound',
  message_body: { text: 'Your code is 1234', media: null },
  status: 'undelivered',
  segments: 1,
  charge: '0.0475',
  submitted_at: at,
  sent_at: at,
  delivered_at: null,
  error_message: 'Number blocked by carrier',
  ...extra,
});

/** Wavix's export of the window (GET /v3/messages/all), one message a line: what the watch reads. */
function wavixLists(items: WavixMessage[]) {
  wavixApi.respondWith(200, items.map((m) => `${JSON.stringify(m)}\n`).join(''));
}

function setup() {
  const wavix = createWavixClient({
    baseUrl: wavixApi.url,
    apiKey: 'wavix-times-test-key',
    timeoutMs: 2_000,
    retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
  });
  const deliveryReports = createDeliveryReportsRepository(t.db, t.clock.now);
  const traffic = createTrafficRepository(t.db, t.clock.now);
  return {
    sync: () => syncOutboundTraffic({ wavix, deliveryReports, traffic, now: t.clock.now }, { lookbackMs: 2 * HOUR }),
    report: () => trafficReport({ traffic, now: t.clock.now }, '24h'),
    submittedAt: (id: string) =>
      t.db.prepare('SELECT submitted_at FROM outbound_messages WHERE wavix_message_id = ?').pluck().get(id),
  };
}

describe('outbound times in the ISO 8601 forms Date.parse cannot read', () => {
  it('counts each failed message in the hour it was sent, as the failure-rate alert reads them', async () => {
    const { sync, report, submittedAt } = setup();
    wavixLists([
      listed('hour-offset', '2026-11-25T11:40:00+00'),
      listed('basic', '20261125T114000Z'),
      listed('comma', '2026-11-25T11:40:00,5Z'),
      listed('space-offset', '2026-11-25T12:40:00 +0100'),
    ]);

    expect(await sync()).toMatchObject({ ok: true, value: { pulled: 4, unreadableTimes: { count: 0, example: null } } });

    const r = await report();
    expect(r.totals).toMatchObject({ sent: 4, failed: 4 });
    expect(r.topFailures).toEqual([{ reason: 'Number blocked by carrier', count: 4 }]);
    expect(r.hourly.find((h) => h.hourStart === Date.UTC(2026, 10, 25, 11))).toMatchObject({ sent: 4, failed: 4 });
    expect(submittedAt('space-offset')).toBe(Date.UTC(2026, 10, 25, 11, 40));
    expect(submittedAt('comma')).toBe(Date.UTC(2026, 10, 25, 11, 40, 0, 500));
  });
});

describe('outbound times smsops cannot read at all', () => {
  it('counts the message once, when smsops first listed it, and says so once', async () => {
    const { sync, report, submittedAt } = setup();
    const firstListed = t.clock.now();
    wavixLists([
      listed('unreadable', 'last Tuesday'),
      listed('impossible', '2026-02-29T11:40:00Z'),
      listed('fine', '2026-11-25T11:40:00Z'),
    ]);

    const first = await sync();

    expect(first).toMatchObject({
      ok: true,
      value: { pulled: 3, unreadableTimes: { count: 2, example: { messageId: 'unreadable', submittedAt: 'last Tuesday' } } },
    });
    expect(submittedAt('unreadable')).toBe(firstListed);
    t.clock.advance(60_000); // someone asks for the report a minute later
    expect((await report()).totals).toMatchObject({ sent: 3, failed: 3 });

    // The next runs list it again: not counted again, nor moved to a later hour.
    t.clock.advance(HOUR);
    const again = await sync();
    expect(again).toMatchObject({ ok: true, value: { pulled: 3, unreadableTimes: { count: 0, example: null } } });
    expect(submittedAt('unreadable')).toBe(firstListed);
    expect((await report()).totals).toMatchObject({ sent: 3, failed: 3 });
    expect((await report()).hourly.find((h) => h.hourStart === Date.UTC(2026, 10, 25, 12))).toMatchObject({ sent: 2 });
  });

  it('takes its delivery time when that one is readable', async () => {
    const { sync, submittedAt } = setup();
    wavixLists([listed('delivered', 'soon', { status: 'delivered', delivered_at: '2026-11-25T11:50:00Z', error_message: null })]);

    expect((await sync()).ok).toBe(true);

    expect(submittedAt('delivered')).toBe(Date.UTC(2026, 10, 25, 11, 50));
  });
});
