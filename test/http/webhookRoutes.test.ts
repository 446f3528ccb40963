import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/core/ports/storeErrors.js';
import { err, ok } from '../../src/errors.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { webhookRoutes } from '../../src/http/webhookRoutes.js';
import { silentLogger } from '../../src/log.js';
import { WebhookRejection } from '../../src/relay/ingest.js';
import { createRejectedWebhooksRepository } from '../../src/store/repositories/rejectedWebhooks.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

const SECRET = 'whsec_test_0123456789abcdefghijkl';
let server: HttpServer | undefined;
let temp: TempDb | undefined;
afterEach(async () => {
  await server?.close();
  temp?.cleanup();
  temp = undefined;
});

type Ingest = Parameters<typeof webhookRoutes>[0]['ingest']['inbound'];

/** smsops' webhook routes on a real HTTP server, storing rejections in a real SQLite file, with `ingest` for both kinds. */
async function serveWebhooks(ingest: Ingest, hooks: Partial<Parameters<typeof webhookRoutes>[0]> = {}): Promise<HttpServer> {
  temp ??= createTempDb();
  return startHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    routes: webhookRoutes({
      secret: SECRET,
      rejected: createRejectedWebhooksRepository(temp.db),
      ingest: { inbound: ingest, dlr: ingest },
      ...hooks,
    }),
  });
}

describe('webhook answers', () => {
  it('answers 503 with Retry-After when the store is unavailable, 500 when storing threw, and counts every status', async () => {
    temp = createTempDb();
    const statuses: Array<number | 'aborted'> = [];
    const storeErrors: unknown[] = [];
    let next: 'busy' | 'bug' | 'ok' | 'bad' = 'busy';
    const ingest = async () => {
      if (next === 'busy')
        throw new StoreUnavailableError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
      if (next === 'bug') throw new TypeError('cannot read properties of undefined');
      if (next === 'bad') return err(new WebhookRejection('malformed JSON'));
      return ok({ id: 1, duplicate: false });
    };
    server = await serveWebhooks(ingest, {
      onAnswered: (_route, status) => statuses.push(status),
      onStoreError: (_route, error) => storeErrors.push(error),
    });
    const post = (secret = SECRET) => fetch(`${server?.url}/webhooks/wavix/inbound/${secret}`, { method: 'POST', body: '{}' });

    const busy = await post();
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(await busy.json()).toEqual({ error: 'not stored, try again: the database is locked by another process' });

    next = 'bug';
    const bug = await post();
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({ error: 'internal error: not stored, try again' });

    next = 'bad';
    expect((await post()).status).toBe(400);
    next = 'ok';
    expect((await post()).status).toBe(200);
    expect((await post('wrong-secret')).status).toBe(404);

    // Counted when the response is finished, which the client may see a moment before the server does.
    await waitUntil(
      () => statuses.length >= 5,
      1000,
      () => `5 responses counted (${statuses.join(', ')})`,
    );
    expect(statuses).toEqual([503, 500, 400, 200, 404]);
    expect(storeErrors).toHaveLength(2);
  });

  it('does not read an endless body sent to a wrong secret: 404, then the connection closes; a small one keeps it', async () => {
    server = await serveWebhooks(async () => ok({ id: 1, duplicate: false }));
    const { port } = new URL(server.url);
    const sent = await new Promise<{ answer: string; bytes: number }>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      let bytes = 0;
      let open = true;
      socket.on('data', (chunk) => {
        answer += chunk.toString('latin1');
      });
      const done = () => {
        if (!open) return;
        open = false;
        resolve({ answer, bytes });
      };
      socket.on('close', done);
      socket.on('error', done);
      socket.write('POST /webhooks/wavix/inbound/wrong HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = `10000\r\n${'a'.repeat(0x10000)}\r\n`;
      const pump = () => {
        // Endless unless smsops closes the connection; 64 MB at most so that the test ends either way.
        while (open && bytes < 64 * 1024 * 1024) {
          bytes += 0x10000;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        if (open) socket.end();
      };
      pump();
    });
    expect(sent.answer).toMatch(/^HTTP\/1\.1 404/);
    expect(sent.bytes).toBeLessThan(64 * 1024 * 1024);

    // A wrong secret with a small body (a misconfigured sender) is answered on a connection that stays usable.
    const small = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString('latin1');
        if ((answer.match(/HTTP\/1\.1 /g) ?? []).length === 2 && answer.endsWith('}')) {
          socket.destroy();
          resolve(answer);
        }
      });
      const request = 'POST /webhooks/wavix/inbound/wrong HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}';
      socket.write(request + request);
    });
    expect(small.match(/HTTP\/1\.1 404/g)).toHaveLength(2);
  });

  it('answers 503 with Retry-After, unread, past 8 MB of large webhook bodies being read; small SMS still pass', async () => {
    const ingested: string[] = [];
    const busy: number[] = [];
    server = await serveWebhooks(
      async (request) => {
        ingested.push(request.body.subarray(0, 20).toString());
        return ok({ id: ingested.length, duplicate: false });
      },
      { onBusy: (_route, bytes) => busy.push(bytes) },
    );
    const { port } = new URL(server.url);
    const path = `/webhooks/wavix/inbound/${SECRET}`;
    const bodyOf = (id: string, bytes: number) => {
      const head = `{"message_id":"${id}","pad":"`;
      return Buffer.from(`${head}${'p'.repeat(bytes - head.length - 2)}"}`);
    };
    // 33 webhooks of 250 KB (8.06 MB), each held one byte short of its end: a burst of large bodies, or one client.
    const held = Array.from({ length: 33 }, (_, i) => {
      const body = bodyOf(`held-${i}`, 250 * 1024);
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => {
        answer += d;
      });
      socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
      socket.write(body.subarray(0, body.length - 1));
      const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(answer)));
      return { socket, body, closed };
    });
    await new Promise((resolve) => setTimeout(resolve, 300));

    const large = await fetch(`${server.url}${path}`, { method: 'POST', body: bodyOf('large', 250 * 1024) });
    expect(large.status).toBe(503);
    expect(large.headers.get('retry-after')).toBe('5');
    expect(await large.json()).toEqual({ error: 'not stored, try again: smsops is reading too many large webhooks at once' });
    expect(busy).toEqual([32 * 250 * 1024, 32 * 250 * 1024]);
    // Wavix's usual SMS (about 1 KB) never wait for the budget.
    const small = await fetch(`${server.url}${path}`, { method: 'POST', body: bodyOf('small', 1024) });
    expect(small.status).toBe(200);
    // Sent chunked, as a proxy or tunnel forwarding the body as it comes does: a usual SMS took 256 KB of the budget up
    // front (refused here), a large one is held to the budget once read past a usual SMS's size.
    const chunked = (body: Buffer) =>
      fetch(`${server?.url}${path}`, { method: 'POST', body: new Blob([body]).stream(), duplex: 'half' } as RequestInit);
    expect((await chunked(bodyOf('small-chunked', 1024))).status).toBe(200);
    expect((await chunked(bodyOf('large-chunked', 250 * 1024))).status).toBe(503);

    for (const h of held) h.socket.end(h.body.subarray(h.body.length - 1));
    const answers = await Promise.all(held.map((h) => h.closed));
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 200'))).toHaveLength(32);
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 503'))).toHaveLength(1);
    // The budget is given back once answered: a large one is taken again.
    const again = await fetch(`${server.url}${path}`, { method: 'POST', body: bodyOf('again', 250 * 1024) });
    expect(again.status).toBe(200);
    expect(ingested).not.toContain('{"message_id":"large');
  });
});
