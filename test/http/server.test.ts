import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { healthRoute } from '../../src/http/health.js';
import { type HttpServer, sendJson, startHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { storeOn } from '../../src/store/openStore.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const healthOn = (temp: TempDb) => {
  const store = storeOn(temp.db, Date.now);
  return healthRoute({ ...store.repositories, migrationCount: store.migrationCount, now: Date.now });
};

let server: HttpServer | undefined;
let temp: TempDb | undefined;
afterEach(async () => {
  await server?.close();
  temp?.cleanup();
});

describe('HTTP listener', () => {
  it('routes by path and method, with parameters, and answers unknown paths and methods clearly', async () => {
    const lines: string[] = [];
    temp = createTempDb();
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ sink: (line) => lines.push(line) }),
      routes: [
        healthOn(temp),
        { method: 'POST', path: '/echo/:name', handler: (_req, res, params) => sendJson(res, 200, params) },
        {
          method: 'GET',
          path: '/broken',
          handler: async () => {
            throw new Error('boom');
          },
        },
      ],
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok' });

    expect(await (await fetch(`${server.url}/echo/Wavix%20-%20US`, { method: 'POST' })).json()).toEqual({ name: 'Wavix - US' });
    expect((await fetch(`${server.url}/echo/x`)).status).toBe(405);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${server.url}/echo/%E0%A4%A`, { method: 'POST' })).status).toBe(400);

    // HEAD wherever GET is (uptime monitors), with the head only.
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    // Absolute-form request targets (RFC 9112 §3.2.2), as some proxies send them: routed by their path.
    const absolute = await rawExchange(
      server.url,
      'POST http://example.com/echo/abs?x=1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
    );
    expect(absolute).toMatch(/^HTTP\/1\.1 200 /);
    expect(absolute).toContain('{"name":"abs"}');

    const broken = await fetch(`${server.url}/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ error: 'internal error' });
    expect(lines.some((l) => l.includes('http handler failed') && l.includes('boom'))).toBe(true);
  });
});

/** Sends raw bytes and reads until the server closes the connection. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

describe('requests Node cannot parse', () => {
  it('get a status with the reason in words, and are counted by code, on a fresh or a keep-alive connection', async () => {
    const refused: string[] = [];
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ sink: () => {} }),
      onMalformedRequest: (code) => refused.push(code),
      routes: [{ method: 'POST', path: '/in', handler: (_req, res) => sendJson(res, 200, { ok: true }) }],
    });

    const badChunk = await rawExchange(
      server.url,
      'POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    );
    expect(badChunk).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(badChunk.split('\r\n\r\n')[1] ?? '')).toEqual({
      error: expect.stringMatching(/^malformed HTTP request: .*chunk/i),
    });

    const hugeHeader = await rawExchange(server.url, `GET /in HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(hugeHeader).toMatch(/^HTTP\/1\.1 431 /);
    expect(hugeHeader).toContain('"error":"the request headers are too large"');

    // After a first answer on the connection (Node's own handler then answers nothing at all).
    const afterOne = await rawExchange(
      server.url,
      'POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}' +
        'POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    );
    expect(afterOne.match(/HTTP\/1\.1 /g)).toHaveLength(2);
    expect(afterOne).toMatch(/HTTP\/1\.1 400 Bad Request[\s\S]*malformed HTTP request/);

    expect(refused).toEqual(['HPE_INVALID_CHUNK_SIZE', 'HPE_HEADER_OVERFLOW', expect.stringMatching(/^HPE_/)]);
  });
});
