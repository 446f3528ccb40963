import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createWavixClient } from '../../src/wavix/client.js';
import type { WavixError } from '../../src/wavix/errors.js';

/**
 * Wavix's message export in a shape that holds no message line (a JSON array, fields renamed): read as an export, the
 * traffic watch judged the window from no message at all and said only that lines were skipped.
 */
const MESSAGE = {
  message_id: 'm1',
  from: '15550000001',
  to: '15550000002',
  status: 'delivered',
  message_body: { text: 'Your code is 4821' },
};

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function exportOf(body: string) {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  const client = createWavixClient({
    baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    apiKey: 'test-wavix-key-0000',
    retry: { maxRetries: 0 },
  });
  const events: unknown[] = [];
  try {
    for await (const event of client.messages.export(
      { type: 'outbound', sent_after: '2026-11-28T00:00:00' },
      { maxBytes: 1 << 20, maxMs: 10_000 },
    ))
      events.push(event);
    return { events };
  } catch (error) {
    return { events, error: error as WavixError };
  }
}

describe("Wavix's message export in a shape smsops does not read", () => {
  it('fails as a changed API when no line is a message, never quoting a line (it was a window read whole, with none)', async () => {
    const { error } = await exportOf(`${JSON.stringify([MESSAGE, MESSAGE])}\n`);
    expect(error?.kind).toBe('invalid_response');
    expect(error?.userMessage).toMatch(/in a shape smsops does not understand/);
    expect(`${error?.message} ${String(error?.cause)}`).not.toMatch(/4821|15550000002/);
  });

  it('fails at once after 1,000 lines none a message, not after reading (or waiting for) the rest', async () => {
    const server = createServer((_req, res) => {
      // Then nothing more, the connection kept open: the read waited out its whole time limit to say the same.
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).write('{"id":1}\n'.repeat(1_000));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    };
    const client = createWavixClient({
      baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      apiKey: 'test-wavix-key-0000',
      retry: { maxRetries: 0 },
    });
    const started = Date.now();
    const error = await (async () => {
      for await (const _event of client.messages.export(
        { type: 'outbound', sent_after: '2026-11-28T00:00:00' },
        { maxBytes: 1 << 20, maxMs: 10_000 },
      ));
    })().catch((e: unknown) => e as WavixError);
    expect(error?.kind).toBe('invalid_response');
    expect(String(error?.cause)).toMatch(/^none of the first 1000 lines of the export was a message \(line 1: field message_id/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('still reads the messages around a line that is none, and an empty window', async () => {
    const { events, error } = await exportOf(`${JSON.stringify(MESSAGE)}\n[1]\n`);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { kind: 'message', message: expect.objectContaining({ message_id: 'm1' }) },
      { kind: 'malformed', line: 2, problem: expect.any(String) },
    ]);
    expect(await exportOf('')).toEqual({ events: [] });
  });

  it('lets the event loop turn while it reads many lines that are no message (Wavix renaming a field held it seconds)', {
    timeout: 60_000,
  }, async () => {
    // message_id renamed: each line checked, each refused. Sent faster than read, so lines were always buffered.
    const line = '{"id":1}\n';
    const chunk = Buffer.from(line.repeat(Math.floor(65_536 / line.length)));
    const server = createServer(async (_req, res) => {
      // One message first: an export that is one, with lines that are none (not given up at once).
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).write(`${JSON.stringify(MESSAGE)}\n`);
      for (let i = 0; i < 100 && !res.destroyed; i++)
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise((resolve) => server.close(() => resolve()));
    const client = createWavixClient({
      baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      apiKey: 'test-wavix-key-0000',
      retry: { maxRetries: 0 },
    });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const read = async () => {
      for await (const _event of client.messages.export(
        { type: 'outbound', sent_after: '2026-11-28T00:00:00' },
        { maxBytes: 1 << 30, maxMs: 50_000 },
      ));
    };
    const error = await read().catch((e: unknown) => e as WavixError);
    loop.disable();
    expect(error).toBeUndefined();
    // Webhooks and /healthz wait at most this long; 6.5 MB of such lines held it 1.2 s at a stretch.
    expect(loop.max / 1e6).toBeLessThan(400);
  });
});
