import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HttpServer, sendJson, startHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { createSlackEventsGuard } from '../../src/slack/eventsGuard.js';
import { fakeSlackSignatureHeaders, headersOnly } from '../helpers/hostileClients.js';

/**
 * The checks /slack/events makes before reading a body, on a real listener: the route behind the guard reads the
 * body and answers 200 only once it has it all, so an answer to a request whose body was never sent is the guard's.
 */

let server: HttpServer;
let port: number;
let bodiesRead = 0;

beforeEach(async () => {
  const guard = createSlackEventsGuard();
  bodiesRead = 0;
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: createLogger({ level: 'silent' }),
    routes: [
      {
        method: 'POST',
        path: '/slack/events',
        handler: async (req, res) => {
          if (!guard.admit(req, res)) return;
          for await (const _ of req) {
            // read it all
          }
          bodiesRead += 1;
          sendJson(res, 200, { ok: true });
        },
      },
    ],
  });
  port = Number(new URL(server.url).port);
});

afterEach(async () => {
  await server.close();
});

const form = (length: number) => ({ 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(length) });

describe('/slack/events guard', () => {
  it('answers 401 without reading when a signature header is missing or malformed, or the timestamp is 5 minutes off either way', async () => {
    const now = Date.now();
    const cases: Array<Record<string, string>> = [
      form(5000),
      { ...form(5000), 'x-slack-request-timestamp': String(Math.floor(now / 1000)) },
      { ...form(5000), ...fakeSlackSignatureHeaders(now), 'x-slack-signature': 'v1=abc' },
      // A stale one over 64 KB (a small one is read, for its signature to tell Slack's own from a forgery).
      { ...form(70_000), ...fakeSlackSignatureHeaders(now - 6 * 60_000) },
      { ...form(70_000), ...fakeSlackSignatureHeaders(now + 6 * 60_000) },
    ];
    for (const headers of cases) {
      expect(await headersOnly({ port, path: '/slack/events', headers }), JSON.stringify(headers)).toMatchObject({
        status: 401,
      });
    }
    expect(bodiesRead).toBe(0);
  });

  it('lets a small unsigned form through (Slack’s ssl_check probe; Bolt then strips or refuses it)', async () => {
    const body = 'ssl_check=1&token=abc';
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(response.status).toBe(200);
    expect(bodiesRead).toBe(1);
  });

  it('refuses a declared body over 1 MiB with 413 before reading, and takes one just under it', async () => {
    expect(
      await headersOnly({ port, path: '/slack/events', headers: { ...form(1024 * 1024 + 1), ...fakeSlackSignatureHeaders() } }),
    ).toMatchObject({
      status: 413,
    });
    const body = 'a'.repeat(1024 * 1024);
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...fakeSlackSignatureHeaders() },
      body,
    });
    expect(response.status).toBe(200);
  });

  it('admits large bodies only within a 16 MB budget while they are read (503 with Retry-After past it); small ones always', async () => {
    const { connect } = await import('node:net');
    const held = Array.from({ length: 16 }, () => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.on('error', () => {});
      const lines = Object.entries({ host: '127.0.0.1', ...form(1024 * 1024), ...fakeSlackSignatureHeaders() }).map(
        ([k, v]) => `${k}: ${v}`,
      );
      socket.write(`POST /slack/events HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      return socket;
    });
    try {
      // Until the guard saw all 16, the 17th may still fit: wait for the budget to be full.
      const large = () =>
        headersOnly({
          port,
          path: '/slack/events',
          headers: { ...form(1024 * 1024), ...fakeSlackSignatureHeaders() },
          timeoutMs: 200,
        });
      let answer = await large();
      for (let i = 0; i < 50 && answer.status !== 503; i++) answer = await large();
      expect(answer.status).toBe(503);
      const small = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...fakeSlackSignatureHeaders() },
        body: 'command=%2Fsms&text=help',
      });
      expect(small.status).toBe(200);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});
