import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryReportsRepository } from '../../src/core/ports/deliveryReports.js';
import type { TrafficRepository } from '../../src/core/ports/traffic.js';
import { syncOutboundTraffic, trafficReport } from '../../src/core/traffic.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { createDeliveryReportsRepository } from '../../src/store/repositories/deliveryReports.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createWavixClient, type WavixClient } from '../../src/wavix/client.js';
import { pushPastOutboundSms } from '../helpers/pastOutboundSms.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { wavixProxy } from '../helpers/wavixProxy.js';

/**
 * The traffic watch's read of the last 2 hours of outbound messages, against the Wavix emulator over HTTP into a real
 * SQLite file: Wavix's export (GET /v3/messages/all) for exactly the window, the paged list where the export is
 * refused, and an export line that is no message.
 */
const API_KEY = 'wavix-window-test-key-8c2f';
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 25, 15, 0);

let emulator: WavixEmulator;
let t: TempDb;
let deliveryReports: DeliveryReportsRepository;
let traffic: TrafficRepository;

const clientOf = (baseUrl: string): WavixClient =>
  createWavixClient({
    baseUrl,
    apiKey: API_KEY,
    timeoutMs: 5_000,
    retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
  });

beforeAll(async () => {
  emulator = await startWavixEmulator({ apiKey: API_KEY, startAt: NOW, seed: 'empty' });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.state().messages.length = 0;
  emulator.state().served.length = 0;
  emulator.clearFaults();
  t = createTempDb();
  deliveryReports = createDeliveryReportsRepository(t.db, emulator.clock.now);
  traffic = createTrafficRepository(t.db, emulator.clock.now);
});
afterEach(() => t.cleanup());

/** `count` outbound SMS from +1 415 555 0100 sent at `at`, every `failEvery`-th one failed. */
const sent = (count: number, at: number, prefix: string, failEvery = 0) =>
  pushPastOutboundSms(emulator.state().messages, { count, at, prefix, fails: (i) => failEvery > 0 && i % failEvery === 0 });

const sync = (wavix: WavixClient, exportLimits?: { maxBytes: number; maxMs: number }) =>
  syncOutboundTraffic(
    { wavix, deliveryReports, traffic, now: emulator.clock.now },
    { lookbackMs: 2 * HOUR, ...(exportLimits ? { exportLimits } : {}) },
  );
const lastHour = () => trafficReport({ traffic, now: emulator.clock.now }, '1h');
const messageCalls = () => emulator.requests().filter((r) => r.path.startsWith('/v3/messages'));

describe("the traffic watch's read of Wavix's outbound messages", () => {
  it("reads only the last 2 hours of a large sender's day: one export call, the window's bytes", async () => {
    sent(20_000, NOW - 6 * HOUR, 'morning'); // earlier today, outside the window
    sent(40, NOW - 30 * 60_000, 'window', 4);

    const synced = await sync(clientOf(emulator.url));

    expect(synced).toMatchObject({
      ok: true,
      value: { pulled: 40, window: { source: 'export', cut: null, exportRefused: null } },
    });
    expect(messageCalls().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /v3/messages/all 200']);
    // 40 lines of about 450 bytes, not the day's 20,000.
    expect(messageCalls()[0]?.bytes).toBeLessThan(40 * 1_000);
    expect((await lastHour()).totals).toMatchObject({ sent: 40, delivered: 30, failed: 10 });
  });

  it.each([403, 404, 405])('reads the paged list from UTC midnight where the export answers %i, and says why', async (status) => {
    sent(150, NOW - 6 * HOUR, 'morning');
    sent(40, NOW - 30 * 60_000, 'window', 4);
    emulator.injectFault({ path: '/v3/messages/all', status, times: 1 });

    const synced = await sync(clientOf(emulator.url));

    expect(synced).toMatchObject({ ok: true, value: { pulled: 40, window: { source: 'list', cut: null } } });
    if (!synced.ok) return;
    expect(synced.value.window.exportRefused).toContain(`GET /v3/messages/all) answered HTTP ${status}`);
    expect(messageCalls().map((r) => `${r.path} ${r.status}`)).toEqual([
      `/v3/messages/all ${status}`,
      '/v3/messages 200',
      '/v3/messages 200',
    ]);
    expect((await lastHour()).totals).toMatchObject({ sent: 40, failed: 10 });
  });

  it('skips and counts an export line that is no message, keeping the lines after it', async () => {
    sent(6, NOW - 30 * 60_000, 'window', 2);
    const proxy = await wavixProxy({
      rewrite: (url, body) => {
        if (url.pathname !== '/v3/messages/all') return body;
        const lines = body.trimEnd().split('\n');
        // A line cut short, one that is no message, then the rest; the last line without its newline.
        return [
          lines[0],
          '{"message_id":"m-broken","from":"1415',
          lines[1],
          '{"message_id":"m-nostatus","from":"1","to":"2"}',
          ...lines.slice(2),
        ].join('\n');
      },
    });
    proxy.passTo(emulator.url);
    try {
      const synced = await sync(clientOf(proxy.url));

      expect(synced).toMatchObject({
        ok: true,
        value: {
          pulled: 6,
          window: { source: 'export', malformed: { count: 2, first: { line: 2, problem: 'not JSON' } }, cut: null },
        },
      });
      expect((await lastHour()).totals).toMatchObject({ sent: 6, failed: 3 });
    } finally {
      await proxy.close();
    }
  });

  it('stops at its size limit with true words, and judges what it read', async () => {
    sent(40, NOW - 30 * 60_000, 'window', 4);

    const synced = await sync(clientOf(emulator.url), { maxBytes: 4_000, maxMs: 60_000 });

    expect(synced.ok).toBe(true);
    if (!synced.ok) return;
    const { pulled, window } = synced.value;
    expect(window.cut?.by).toBe('size');
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(40);
    expect(window.cut?.words).toContain(`(${pulled} messages of the window read): the account sends more than one run reads`);
    expect(window.cut?.words).not.toContain('Wavix support');
    expect((await lastHour()).totals.sent).toBe(pulled);
  });
});

describe('an export slower than the watch reads', () => {
  it('stops at its time limit with true words, keeping and judging the lines read', async () => {
    sent(3, NOW - 30 * 60_000, 'window', 1);
    const lines = emulator
      .state()
      .messages.map((m) => `${JSON.stringify(m)}\n`)
      .join('');
    // Three lines at once, then nothing more: Wavix's export trickling.
    const slow = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(lines);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
      const synced = await sync(clientOf(url), { maxBytes: 1_000_000, maxMs: 300 });

      expect(synced).toMatchObject({ ok: true, value: { pulled: 3, window: { source: 'export', cut: { by: 'time' } } } });
      if (!synced.ok) return;
      expect(synced.value.window.cut?.words).toContain(
        "smsops stopped reading Wavix's export of the last 2 h of outbound messages at its limit of 0 s a run (3 messages of the window read, 1 KB): Wavix sent the window slower than one run waits for",
      );
      expect((await lastHour()).totals).toMatchObject({ sent: 3, failed: 3 });
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('fails the read, as Wavix not answering, when no line came within the time limit', async () => {
    const proxy = await wavixProxy({ holdFor: (_method, url) => (url.pathname === '/v3/messages/all' ? 2_000 : 0) });
    proxy.passTo(emulator.url);
    try {
      const synced = await sync(clientOf(proxy.url), { maxBytes: 1_000_000, maxMs: 200 });

      expect(synced.ok).toBe(false);
      if (synced.ok) return;
      expect(synced.error.userMessage).toContain('Wavix did not answer in time when trying to export outbound messages');
    } finally {
      proxy.release();
      await proxy.close();
    }
  });
});
