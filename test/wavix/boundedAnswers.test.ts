import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cancellableBy, createWavixClient, type WavixClientOptions } from '../../src/wavix/client.js';
import { WavixError } from '../../src/wavix/errors.js';
import { failureOf as failureOfKind } from '../helpers/failureOf.js';

const API_KEY = 'wavix-test-key-93b0c1d7aa';

/** A Wavix that answers every request as `answer` writes it; counts requests, sees its sockets closed. */
let server: Server | undefined;
let sockets: Set<Socket>;
let requests: number;
async function wavixWriting(answer: (res: ServerResponse) => void, options: Partial<WavixClientOptions> = {}) {
  requests = 0;
  sockets = new Set();
  server = createServer((_req, res) => {
    requests += 1;
    answer(res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return createWavixClient({
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: API_KEY,
    sleep: async () => {},
    ...options,
  });
}
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

const failureOf = (promise: Promise<unknown>) => failureOfKind(promise, WavixError);

describe('a Wavix answer that does not end, or is too large', () => {
  it('gives up on an answer trickling a byte at a time once its deadline passed, however steady the bytes', async () => {
    const client = await wavixWriting(
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const trickle = setInterval(() => (res.destroyed ? clearInterval(trickle) : res.write(' ')), 20);
      },
      { timeoutMs: 300, retry: { maxRetries: 1 } },
    );
    const error = await failureOf(client.numbers.list());
    expect(error).toMatchObject({ kind: 'timeout', attempts: 2 });
    expect(error.userMessage).toBe(
      'Wavix did not answer in time when trying to list numbers after 2 attempts; try again shortly.',
    );
    expect(requests).toBe(2);
  });

  it('stops reading an answer larger than its limit, says so, and does not ask again', async () => {
    const chunk = Buffer.alloc(64 * 1024, ' ');
    const client = await wavixWriting(
      (res) => {
        // No Content-Length: the size is known only while reading, as with a proxy streaming a runaway body.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"pad":"');
        const more = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', more);
        };
        more();
      },
      { maxAnswerBytes: 1024 * 1024 },
    );
    const error = await failureOf(client.numbers.list());
    expect(error).toMatchObject({ kind: 'too_large', attempts: 1 });
    expect(error.userMessage).toBe(
      "smsops stopped when trying to list numbers: Wavix's answer was larger than 1 MB, the most smsops reads. Try again later; if it persists, ask Wavix support.",
    );
    expect(requests).toBe(1);
  });

  it('gives a whole call, retries and their waits included, its budget: a trickling answer is not tried four times', async () => {
    const client = await wavixWriting(
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const trickle = setInterval(() => (res.destroyed ? clearInterval(trickle) : res.write(' ')), 20);
      },
      { timeoutMs: 400, callBudgetMs: 1_000, retry: { maxRetries: 3 }, random: () => 0 },
    );
    const error = await failureOf(client.numbers.list());
    // 400 + 400 + what is left of 1,000 (none, on a machine slow enough): never the four whole deadlines of before.
    expect(error).toMatchObject({ kind: 'timeout' });
    expect([2, 3]).toContain(error.attempts);
    expect(requests).toBe(error.attempts);
  });

  it('ends a call at once when the run it belongs to is cancelled (a job past its time limit), and tries no more', async () => {
    const client = await wavixWriting(() => {}, { timeoutMs: 60_000, retry: { maxRetries: 3 } });
    const run = new AbortController();
    const call = failureOf(cancellableBy(client, run.signal).numbers.list());
    await until(() => requests === 1);
    run.abort(new Error('the job run passed its time limit'));
    const error = await call;
    // Its own kind: smsops ended it, Wavix did not fail to answer.
    expect(error).toMatchObject({ kind: 'cancelled', attempts: 1 });
    expect(String(error.cause)).toContain('the job run passed its time limit');
    expect(error.userMessage).not.toContain('Wavix did not answer in time');
    await until(() => sockets.size === 0);
    expect(requests).toBe(1);
  });
});

describe('a send Wavix may have acted on', () => {
  it('is not tried again after a 503 (a proxy says it when the app behind is slow, and goes on): one POST, one SMS at most', async () => {
    const client = await wavixWriting((res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"message":"upstream timed out"}');
    });
    const error = await failureOf(
      client.messages.send({ from: '14155550100', to: '447400123456', message_body: { text: 'hi', media: null } }),
    );
    expect(error).toMatchObject({ kind: 'server', status: 503, attempts: 1 });
    expect(requests).toBe(1);
  });

  it('is tried again after a 429, refused before any work, and not after the 503 that follows', async () => {
    let calls = 0;
    const client = await wavixWriting((res) => {
      calls += 1;
      res.writeHead(calls === 1 ? 429 : 503, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end('{}');
    });
    await failureOf(client.messages.send({ from: '14155550100', to: '447400123456', message_body: { text: 'hi', media: null } }));
    expect(requests).toBe(2);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('a web page from a proxy or firewall instead of Wavix', () => {
  const page = (status: number) => (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end(`<html><body><h1>Access denied</h1><p>Generated by squid</p></body></html>`);
  };

  it('a proxy’s 403 page is told as the proxy, not as Wavix refusing the key, and its HTML is not quoted as Wavix’s words', async () => {
    const client = await wavixWriting(page(403));
    const error = await failureOf(client.numbers.list());
    expect(error.userMessage).toContain("A web page answered instead of Wavix's API (HTTP 403)");
    expect(error.userMessage).toContain('proxy, firewall or TLS-inspecting device');
    expect(error.userMessage).not.toContain("key's scopes");
    expect(error.userMessage).not.toContain('<html>');
    expect(error.wavixMessage).toBeUndefined();
  });

  it('a 407 says to put the proxy’s user and password in HTTPS_PROXY', async () => {
    const client = await wavixWriting(page(407));
    const error = await failureOf(client.numbers.list());
    expect(error.userMessage).toContain('put them in HTTPS_PROXY');
  });

  it('a TLS-inspecting box’s login page with a 200 is not "Wavix may have changed its API"', async () => {
    const client = await wavixWriting(page(200));
    const error = await failureOf(client.numbers.list());
    expect(error.userMessage).not.toContain('changed its API');
    expect(error.userMessage).toContain('web page answered');
  });

  it('a proxy’s 502 page on a send is not tried again: one POST, one SMS at most', async () => {
    const client = await wavixWriting(page(502));
    const error = await failureOf(
      client.messages.send({ from: '14155550100', to: '447400123456', message_body: { text: 'hi', media: null } }),
    );
    expect(error).toMatchObject({ kind: 'server', status: 502, attempts: 1 });
    expect(requests).toBe(1);
    expect(error.userMessage).toContain("or Wavix's own front end");
  });
});

describe('a redirect where Wavix answers (WAVIX_API_URL written with http://, an old host name)', () => {
  const redirect = (res: ServerResponse) => {
    res.writeHead(301, { location: 'https://api.wavix.com/v1/numbers?appid=leaked-token-123456' });
    res.end();
  };

  it('is told as WAVIX_API_URL redirecting, where it points, not as Wavix refusing; followed nowhere, asked once', async () => {
    const client = await wavixWriting(redirect);
    const error = await failureOf(client.numbers.list());
    expect(error.userMessage).toContain('WAVIX_API_URL answered with a redirect (HTTP 301) to https://api.wavix.com when');
    expect(error.userMessage).toContain('Set WAVIX_API_URL to the address it redirects to');
    expect(error.userMessage).not.toContain('Wavix refused');
    expect(error.userMessage).not.toContain('leaked-token-123456');
    expect(requests).toBe(1);
  });

  it('is told the same way by the message export (the traffic watch)', async () => {
    const client = await wavixWriting(redirect);
    const reading = (async () => {
      for await (const _event of client.messages.export(
        { type: 'outbound', sent_after: '2026-11-28T00:00:00' },
        { maxBytes: 1024 * 1024, maxMs: 5_000 },
      )) {
        // No line is expected.
      }
    })();
    const error = await failureOf(reading);
    expect(error.userMessage).toContain('WAVIX_API_URL answered with a redirect (HTTP 301)');
    expect(requests).toBe(1);
  });
});
