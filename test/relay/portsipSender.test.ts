import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ROUTE_HELD } from '../../src/core/connectionFailure.js';
import { createGuardedLookup } from '../../src/core/destinationGuard.js';
import type { InboundMessage } from '../../src/core/model/inboundMessage.js';
import { createPortsipSender } from '../../src/relay/portsip.js';
import { waitUntil } from '../helpers/waitUntil.js';

describe('the PortSIP sender', () => {
  it('posts the stored bytes to the URL as copied (spaces encoded, query and credentials kept), request after request', async () => {
    const seen: Array<{ url: string | undefined; auth: string | undefined; type: string | undefined; body: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          url: req.url,
          auth: req.headers.authorization,
          type: req.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // The PBX's name resolves to this test's server (through the guard, as every PortSIP name does).
    const sender = createPortsipSender({
      deadlineMs: 2_000,
      lookup: createGuardedLookup((_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }])),
    });
    try {
      const destination = `http://pbx:secret@pbx.example.test:${port}/emc/Wavix - US/uuid?tenant=a b`;
      const message = (body: string) =>
        ({ rawBody: Buffer.from(body), contentType: 'application/json; charset=utf-8' }) as InboundMessage;
      const outcomes = [];
      for (const body of ['{"n":1}', '{"n":2}'])
        outcomes.push(...(await sender.send([{ delivery: { destination }, message: message(body) }])));
      expect(outcomes).toEqual([
        { delivered: true, statusCode: 200 },
        { delivered: true, statusCode: 200 },
      ]);
      const expected = {
        url: '/emc/Wavix%20-%20US/uuid?tenant=a%20b',
        auth: `Basic ${Buffer.from('pbx:secret').toString('base64')}`,
        type: 'application/json; charset=utf-8',
      };
      expect(seen).toEqual([
        { ...expected, body: '{"n":1}' },
        { ...expected, body: '{"n":2}' },
      ]);
    } finally {
      sender.close();
      server.close();
    }
  });

  /** A PBX on a local port answering as `answer` says; the sender resolves every name to it through the guard. */
  async function pbx(answer: (req: IncomingMessage, res: import('node:http').ServerResponse) => void) {
    const server = createServer(answer);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/emc/Wavix - US/uuid`,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }
  const json = (body = '{"n":1}') => ({ rawBody: Buffer.from(body), contentType: 'application/json' }) as InboundMessage;

  it('keeps a refusal with its status, the start of its answer and its Retry-After', async () => {
    const server = await pbx((_req, res) => {
      res.writeHead(503, { 'retry-after': '7' });
      res.end(`busy ${'x'.repeat(1_000)}`);
    });
    const sender = createPortsipSender({ deadlineMs: 2_000 });
    try {
      const [outcome] = await sender.send([{ delivery: { destination: server.url }, message: json() }]);
      expect(outcome).toMatchObject({ delivered: false, statusCode: 503, retryAfterMs: 7_000 });
      // The excerpt: 300 bytes of the answer, not the whole of it.
      expect(outcome?.error).toMatch(/^HTTP 503: busy x+$/);
      expect(outcome?.error?.length).toBeLessThan(320);
    } finally {
      sender.close();
      server.close();
    }
  });

  it("reads a Retry-After given as an HTTP-date against the answer's Date, capped at an hour; a date past asks no wait", async () => {
    // The PBX's clock is ten minutes ahead of ours: the wait it means is the 30 s between its Date and its Retry-After.
    const skewed = Math.floor(Date.now() / 1000) * 1000 + 600_000;
    const answers = [
      { date: skewed, retryAt: skewed + 30_000 },
      { date: skewed, retryAt: skewed + 2 * 3_600_000 },
      { date: skewed, retryAt: skewed - 60_000 },
    ];
    let n = 0;
    const server = await pbx((_req, res) => {
      const answer = answers[n++] ?? { date: skewed, retryAt: skewed };
      res.sendDate = false;
      res.writeHead(429, {
        date: new Date(answer.date).toUTCString(),
        'retry-after': new Date(answer.retryAt).toUTCString(),
      });
      res.end('slow down');
    });
    const sender = createPortsipSender({ deadlineMs: 2_000 });
    try {
      const outcomes = [];
      // A route apiece: a Retry-After holds its route (see the next test).
      for (let i = 0; i < answers.length; i++)
        outcomes.push(...(await sender.send([{ delivery: { destination: `${server.url}?n=${i}` }, message: json() }])));
      expect(outcomes.map((o) => o.retryAfterMs)).toEqual([30_000, 3_600_000, undefined]);
      expect(outcomes.every((o) => !o.delivered && o.statusCode === 429)).toBe(true);
    } finally {
      sender.close();
      server.close();
    }
  });

  it('holds the route while its Retry-After runs: one SMS every 5 s tries it, and its 2xx ends the wait', async () => {
    let posts = 0;
    let busy = true;
    const server = await pbx((_req, res) => {
      posts += 1;
      res.writeHead(busy ? 503 : 200, busy ? { 'retry-after': '120' } : {});
      res.end(busy ? 'busy' : 'ok');
    });
    let monotonic = 0;
    const sender = createPortsipSender({ deadlineMs: 2_000, monotonicNow: () => monotonic });
    const send = async (destination: string) => (await sender.send([{ delivery: { destination }, message: json() }]))[0];
    try {
      expect(await send(server.url)).toMatchObject({ statusCode: 503, retryAfterMs: 120_000 });
      // Before: every other SMS to the route was posted at once, each answered 503 (300 posts in 3 s in a probe).
      monotonic = 1_000;
      const held = await send(server.url);
      // Held with the route's own answer (503), not as an attempt PortSIP never answered.
      expect(held).toMatchObject({ delivered: false, statusCode: 503, held: true });
      expect(held?.error?.startsWith(`${ROUTE_HELD}, answering HTTP 503 to another SMS`)).toBe(true);
      expect(held?.retryAfterMs).toBeUndefined();
      expect(posts).toBe(1);
      // Another route (even on the same PBX) is its own.
      expect(await send(`${server.url}?tenant=b`)).toMatchObject({ statusCode: 503 });
      expect(posts).toBe(2);
      // 5 s on, one SMS tries the route: still busy, it waits; then one that is taken ends the wait for all.
      monotonic = 6_000;
      expect(await send(server.url)).toMatchObject({ statusCode: 503 });
      expect(await send(server.url)).toMatchObject({ held: true, statusCode: 503 });
      busy = false;
      monotonic = 11_000;
      expect(await send(server.url)).toMatchObject({ delivered: true });
      expect(await send(server.url)).toMatchObject({ delivered: true });
      expect(posts).toBe(5);
    } finally {
      sender.close();
      server.close();
    }
  });

  it('ends an attempt at the deadline: a 2xx whose body still trickles is delivered, a PBX that never answers is not', async () => {
    const trickling = await pbx((_req, res) => {
      res.writeHead(202);
      res.write('a');
    });
    const silent = await pbx(() => {});
    const sender = createPortsipSender({ deadlineMs: 300 });
    try {
      const started = Date.now();
      const [accepted, unanswered] = await sender.send([
        { delivery: { destination: trickling.url }, message: json() },
        { delivery: { destination: silent.url }, message: json() },
      ]);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(accepted).toEqual({ delivered: true, statusCode: 202 });
      expect(unanswered).toEqual({ delivered: false, statusCode: null, error: 'no complete answer within 300 ms' });
    } finally {
      sender.close();
      trickling.close();
      silent.close();
    }
  });

  it('takes a 200 with 80 KB of headers (a proxy’s cookies) as accepted: failed, the SMS was sent again at every retry', async () => {
    const heavy = await pbx((_req, res) => {
      res.writeHead(200, { 'set-cookie': 'a'.repeat(80 * 1024) });
      res.end('ok');
    });
    const sender = createPortsipSender({ deadlineMs: 2_000 });
    try {
      const [outcome] = await sender.send([{ delivery: { destination: heavy.url }, message: json() }]);
      expect(outcome).toEqual({ delivered: true, statusCode: 200 });
    } finally {
      sender.close();
      heavy.close();
    }
  });

  it('says in words that nothing listens at the address, and that an attempt was cut by the stop', async () => {
    const gone = await pbx(() => {});
    const goneUrl = gone.url;
    gone.close();
    const hung = await pbx(() => {});
    const sender = createPortsipSender({ deadlineMs: 5_000 });
    try {
      const [refused] = await sender.send([{ delivery: { destination: goneUrl }, message: json() }]);
      expect(refused).toMatchObject({ delivered: false, statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
      const cut = sender.send([{ delivery: { destination: hung.url }, message: json() }]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      sender.close();
      expect(await cut).toMatchObject([{ delivered: false, statusCode: null, error: 'smsops stopped before PortSIP answered' }]);
    } finally {
      hung.close();
    }
  });

  it('keeps no idle connection to any PortSIP host when the descriptor limit holds its pool below full size', async () => {
    const open = new Set<import('node:net').Socket>();
    // Connections each PBX still holds open once every post is answered: what the descriptors are spent on.
    const openAt = async (connections: number | undefined) => {
      const servers = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const server = createServer((_req, res) => res.end('ok'));
          server.on('connection', (socket) => {
            open.add(socket);
            socket.on('close', () => open.delete(socket));
          });
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          return server;
        }),
      );
      const sender = createPortsipSender({ deadlineMs: 2_000, ...(connections === undefined ? {} : { connections }) });
      try {
        for (const server of servers) {
          const { port } = server.address() as AddressInfo;
          const [outcome] = await sender.send([{ delivery: { destination: `http://127.0.0.1:${port}/sms` }, message: json() }]);
          expect(outcome).toEqual({ delivered: true, statusCode: 200 });
        }
        // A connection that ends with its post is closed as its answer is read: waited for, not assumed at once.
        if (connections !== undefined) await waitUntil(() => open.size === 0, 5_000, 'the connections closed').catch(() => {});
        return open.size;
      } finally {
        sender.close();
        for (const server of servers) {
          server.closeAllConnections();
          server.close();
        }
        open.clear();
      }
    };
    // The full pool keeps one connection alive per host, for the next post (a backlog drained is thousands).
    expect(await openAt(undefined)).toBe(6);
    // Held to 8 by the descriptor limit (`ulimit -n 256`): none is kept, whatever the number of hosts.
    expect(await openAt(8)).toBe(0);
  });
});
