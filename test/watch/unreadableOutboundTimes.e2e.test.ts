import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

/**
 * Wavix writing its outbound times in a form nobody can read: the emulator behind a proxy that rewrites every listed
 * message's submitted_at and sent_at. Everything else passes through.
 */
async function wavixWithUnreadableTimes() {
  let emulatorUrl: string | undefined;
  const server: Server = createServer(async (req, res) => {
    if (!emulatorUrl) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"success":false}');
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(`${emulatorUrl}${url.pathname}${url.search}`, {
      method: req.method ?? 'GET',
      headers: { authorization: String(req.headers.authorization ?? ''), 'content-type': 'application/json' },
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    let body = await upstream.text();
    if (url.pathname === '/v3/messages' && url.searchParams.get('type') === 'outbound' && upstream.ok) {
      const answer = JSON.parse(body) as { items: Array<Record<string, unknown>> };
      for (const item of answer.items) Object.assign(item, { submitted_at: 'Fri 5:34pm', sent_at: 'Fri 5:34pm' });
      body = JSON.stringify(answer);
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    passTo: (url: string) => {
      emulatorUrl = url;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let t: SmsopsUnderTest;
let wavix: Awaited<ReturnType<typeof wavixWithUnreadableTimes>>;
afterEach(async () => {
  await stopCheckingSecrets(t);
  await wavix.close();
});

describe('outbound messages whose times Wavix wrote unreadably (real app, fake Slack)', () => {
  it('are counted by the traffic watch when first listed, and logged once without their text', async () => {
    wavix = await wavixWithUnreadableTimes();
    t = await startSmsopsUnderTest({ WAVIX_API_URL: wavix.url });
    wavix.passTo(t.emulator.url);
    const sent = await fetch(`${t.emulator.url}/_emulator/outbound-traffic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 3, failureRate: 1 }),
    });
    expect(sent.status).toBe(201);
    await t.emulator.clock.advance(60_000); // sent, then undelivered

    for (let run = 0; run < 2; run++) {
      expect(readable((await runCommand(t, 'jobs run traffic-watch')).body)).toContain('traffic-watch: ok');
    }

    const traffic = readable((await runCommand(t, 'traffic 1h')).body);
    expect(traffic).toMatch(/\b3 sent\b/);
    const warned = t.logs.filter((line) => line.includes('whose times are not ISO 8601'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('"messages":3');
    expect(warned[0]).toContain('Fri 5:34pm');
    expect(t.logs.join('\n')).not.toContain('Sandbox traffic');
  });
});
