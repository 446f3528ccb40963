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
 * Wavix as the probe met it: every `/v1/numbers` page a valid page of the real numbers, numbered as asked, saying
 * there are 10 million pages. Everything else passes through to the emulator.
 */
async function wavixThatNeverEndsTheNumbers() {
  let numbersPages = 0;
  let emulatorUrl: string | undefined;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // Until smsops (and with it the emulator) is up, Wavix is unavailable: only start-up's checks ask that early.
    if (!emulatorUrl) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"success":false}');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const numbers = url.pathname === '/v1/numbers';
    const upstreamUrl = numbers ? `${emulatorUrl}/v1/numbers?page=1&per_page=100` : `${emulatorUrl}${url.pathname}${url.search}`;
    const upstream = await fetch(upstreamUrl, {
      method: req.method ?? 'GET',
      headers: { authorization: String(req.headers.authorization ?? ''), 'content-type': 'application/json' },
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    let body = await upstream.text();
    if (numbers && upstream.ok) {
      numbersPages += 1;
      const page = Number(url.searchParams.get('page') ?? 1);
      const answer = JSON.parse(body) as { pagination: Record<string, number> };
      answer.pagination = { ...answer.pagination, current_page: page, total: 1_000_000_000, total_pages: 10_000_000 };
      body = JSON.stringify(answer);
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    numbersPages: () => numbersPages,
    passTo: (url: string) => {
      emulatorUrl = url;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let t: SmsopsUnderTest;
let wavix: Awaited<ReturnType<typeof wavixThatNeverEndsTheNumbers>>;
afterEach(async () => {
  await stopCheckingSecrets(t);
  await wavix.close();
});

describe('a Wavix whose numbers listing never ends (real app, fake Slack)', () => {
  it('/sms number list and the traffic watch say so after two pages, instead of reading forever', async () => {
    wavix = await wavixThatNeverEndsTheNumbers();
    t = await startSmsopsUnderTest({ WAVIX_API_URL: wavix.url });
    wavix.passTo(t.emulator.url);

    const list = readable((await runCommand(t, 'number list')).body);
    expect(list).toContain('Could not list the numbers.');
    expect(list).toContain('Wavix answered page 2 with the same');
    expect(list).toContain('it says there are 10000000 pages');

    const job = readable((await runCommand(t, 'jobs run traffic-watch')).body);
    expect(job).toContain('traffic-watch: failed');
    expect(job).toContain('it is not paging');
    expect(readable((await runCommand(t, 'jobs')).body)).toMatch(/traffic-watch.*\n.*\n.*last run .*: failed/);
    expect(wavix.numbersPages()).toBeLessThanOrEqual(6);
  });
});
