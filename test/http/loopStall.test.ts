import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { boundedListeners, testHttpLimits } from '../helpers/boundedListener.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A request sent whole while smsops held its own event loop (a synchronous SQLite commit on a disk taking seconds per
 * fsync) is timed out by Node the moment the loop runs again, before it is read. Its sender was told 408 "the request
 * was not sent in time": a 4xx blaming it, which Wavix may not retry. It is now 503 with Retry-After, as a webhook the
 * store cannot take is; a sender that is really slow still gets 408.
 */
const listeners = boundedListeners();
afterEach(() => listeners.cleanup());

const limits = testHttpLimits({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, shutdownGraceMs: 1_000 });
const request = 'POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi';

/** Holds this process's event loop, as a synchronous commit on a slow disk does. */
const holdLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

async function listen(requestTimeoutMs = limits.requestTimeoutMs): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const { server, port } = await listeners.listen((_req, res) => res.writeHead(200).end('ok'), { ...limits, requestTimeoutMs });
  server.server.on('connection', () => {
    accepted += 1;
  });
  return { port, accepted: () => accepted };
}

async function answerTo(port: number, accepted: () => number, send: (socket: Socket) => void): Promise<string> {
  let received = '';
  const client = await listeners.connect(port);
  client.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  await waitUntil(() => accepted() === 1, 5_000, 'the connection accepted');
  send(client);
  await waitUntil(() => received.includes('\r\n\r\n') && received, 10_000, 'an answer');
  return received;
}

describe('a request not read in time', () => {
  it('is 503 with Retry-After when smsops held its own loop, not a 408 blaming the sender', async () => {
    const { port, accepted } = await listen();
    const answer = await answerTo(port, accepted, (socket) => {
      socket.write(request);
      holdLoop(2_500);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/\r\nRetry-After: 5\r\n/i);
    expect(answer).toContain('smsops was too busy to read the request in time');
  });

  it('is still 408 when the sender is slow and smsops was not held', async () => {
    const { port, accepted } = await listen();
    // Headers never finished: the sender's own fault.
    const answer = await answerTo(port, accepted, (socket) => socket.write('POST /hook HTTP/1.1\r\nHost: x\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('is still 408 for a slow sender that connected after smsops held its loop', async () => {
    // A request timeout (10 s) longer than the headers' (1 s): the stall is within it, but before the connection.
    const { port, accepted } = await listen(10_000);
    holdLoop(2_500);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answer = await answerTo(port, accepted, (socket) => socket.write('POST /hook HTTP/1.1\r\nHost: x\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});
