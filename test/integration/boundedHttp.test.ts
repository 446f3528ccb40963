import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fakeSlackSignatureHeaders,
  headersOnly,
  openFds,
  openSockets,
  postOnce,
  rssMb,
  serverPid,
  slowHeaderFlood,
} from '../helpers/hostileClients.js';
import { freePort, inboundWebhookBody, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The HTTP listener under hostile clients, on the real process: slow-header floods past the descriptor limit,
 * unsigned multi-megabyte bodies on /slack/events, and a slow client holding on at SIGTERM.
 */

const SECRET = 'whsec_test_0123456789abcdefghijkl';
const FOUR_MB = 4 * 1024 * 1024;
let dir: string;
let smsops: SmsopsProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smsops-bounded-http-'));
});

afterEach(() => {
  smsops?.kill();
  smsops = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: { extraEnv?: Record<string, string>; openFileLimit?: number } = {}) {
  const port = await freePort();
  smsops = spawnSmsops({
    cwd: dir,
    env: { ...productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: SECRET }), ...options.extraEnv },
    ...(options.openFileLimit ? { openFileLimit: options.openFileLimit } : {}),
  });
  await smsops.waitForLine(/smsops listening/);
  return { port, webhookUrl: `http://127.0.0.1:${port}/webhooks/wavix/inbound/${SECRET}`, process: smsops };
}

describe('a slow-header flood under a low descriptor limit', () => {
  it('300 slowloris connections with `ulimit -n 256`: 20 of 20 webhooks still answered 200, descriptors stay under the limit', async () => {
    const { port, webhookUrl, process: p } = await start({ openFileLimit: 256 });
    const pid = serverPid(p.pid);
    // Each connection the server closes is reopened after 200 ms: a steady flood over the cap. (bench/slowClients.ts
    // reopens after 20 ms, a connection storm, and reports the share of webhooks answered there.)
    const flood = slowHeaderFlood({ port, count: 300, reopenMs: 200 });
    try {
      // The cap (three quarters of 256) is reached: the server closes the oldest header-less connections.
      await waitUntil(() => flood.closedByServer() >= 50, 15_000, 'the server to shed flood connections');
      const answers = [];
      let maxFds = 0;
      for (let i = 0; i < 20; i++) {
        answers.push(await postOnce(webhookUrl, inboundWebhookBody(`flood-${i}`)));
        maxFds = Math.max(maxFds, openFds(pid));
      }
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      expect(maxFds).toBeLessThan(256);
      expect(flood.open()).toBeGreaterThan(150);
    } finally {
      flood.stop();
    }
    expect(p.hasExited()).toBe(false);
    expect(p.logs.join('\n')).toContain('HTTP connection cap reached');
    expect(p.logs.join('\n')).not.toMatch(/EMFILE/);
  }, 60_000);
});

describe('/slack/events before reading a body', () => {
  it('refuses an unsigned 4 MB body with 401 before a byte of it is sent; 200 of them at once leave RSS flat', async () => {
    const { port, process: p } = await start();
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(FOUR_MB) };

    const unsigned = await headersOnly({ port, path: '/slack/events', headers: form });
    expect(unsigned).toMatchObject({ status: 401, bodyBytesSent: 0 });
    const stale = await headersOnly({
      port,
      path: '/slack/events',
      headers: { ...form, ...fakeSlackSignatureHeaders(Date.now() - 10 * 60_000) },
    });
    expect(stale).toMatchObject({ status: 401, bodyBytesSent: 0 });
    // Signed-looking (fresh, well-formed) but over Slack's maximum: 413, still unread.
    const oversized = await headersOnly({ port, path: '/slack/events', headers: { ...form, ...fakeSlackSignatureHeaders() } });
    expect(oversized).toMatchObject({ status: 413, bodyBytesSent: 0 });

    const pid = serverPid(p.pid);
    const before = rssMb(pid);
    const many = await Promise.all(
      Array.from({ length: 200 }, () => headersOnly({ port, path: '/slack/events', headers: form, timeoutMs: 10_000 })),
    );
    expect(many.filter((a) => a.status === 401)).toHaveLength(200);
    const after = rssMb(pid);
    // Buffering them would be 800 MB; Bolt alone held 322 MB for 120. A few MB of sockets and answers is what remains.
    expect(after - before).toBeLessThan(40);
  }, 60_000);

  it('closes a connection that pipelines requests without reading the answers: 40 such clients leave RSS flat and cost one log line', async () => {
    const { port, process: p } = await start();
    const pid = serverPid(p.pid);
    const before = rssMb(pid);
    const socketsBefore = new Set(openSockets(pid));
    // 2,000 requests in 68 KB per connection: unread, their answers (several KB each for /metrics) would stay in memory.
    const pipelined = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(2000);
    let connected = 0;
    const sockets = Array.from({ length: 40 }, () => {
      const socket = connect(port, '127.0.0.1', () => {
        connected += 1;
        socket.write(pipelined);
      });
      socket.on('error', () => {});
      socket.pause();
      return socket;
    });
    // Closed by smsops while the clients read nothing (without that, they would stay until the request timeout).
    const warnings = () => p.logs.filter((l) => l.includes('pipelines requests without reading'));
    await waitUntil(
      () => connected === 40 && warnings().length > 0 && openSockets(pid).every((s) => socketsBefore.has(s)),
      20_000,
      'the 40 connections closed by smsops',
    );
    const after = rssMb(pid);
    // Once read, each connection delivers at most the few answers smsops wrote before closing it, then ends.
    const received = await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<number>((resolve) => {
            let bytes = 0;
            socket.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
            });
            socket.once('close', () => resolve(bytes));
            socket.resume();
          }),
      ),
    );
    expect(Math.max(...received)).toBeLessThan(100 * 1024);
    // RSS says only how late the collector ran: alone it grows 48–54 MB (V8's young generation, held at its start size
    // until the first load (src/youngGenerationAtStart.ts), grows to its full 32 MB meanwhile); with two busy loops on
    // the two cores, 160–170 MB, on this code and on the nineteenth round's alike (fresh-clone CI reached 155–161 MB,
    // 2026-11-28). So it bounds only a gross pile-up (every answer of every client kept, which adds about 200 MB); what
    // shows the answers were not piled up is what each client receives once it reads (under 100 KB, above).
    expect(after - before).toBeLessThan(220);
    // One line for all of them, counting them. Each closed connection once wrote ~1,984 lines (one per request parsed
    // from its last read): 62 KB from anyone, no secret needed, made 1,984 log lines.
    expect(warnings()).toHaveLength(1);
    expect(JSON.parse((warnings()[0] ?? '').replace(/^\[stderr\] /, ''))).toMatchObject({
      level: 'warn',
      maxUnanswered: 16,
      closedSinceLastWarning: 1,
    });
    // A client that reads its answers is served as before.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBeLessThan(600);
  }, 60_000);

  it('cuts a chunked body (no Content-Length) at the same maximum with 413', async () => {
    const { port } = await start();
    const status = await new Promise<number>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      let answer = '';
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 'a');
      socket.on('connect', () => {
        const headers = { ...fakeSlackSignatureHeaders(), 'content-type': 'application/x-www-form-urlencoded' };
        const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
        socket.write(
          `POST /slack/events HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n${lines.join('\r\n')}\r\n\r\n`,
        );
        const pump = () => {
          while (sent < 3 * 1024 * 1024 && !answer) {
            sent += chunk.length;
            if (!socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`)) {
              socket.once('drain', pump);
              return;
            }
          }
        };
        pump();
      });
      socket.on('data', (data: Buffer) => {
        answer += data.toString('latin1');
        const found = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
        if (found) {
          socket.destroy();
          resolve(Number(found));
        }
      });
      socket.on('error', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    });
    if (status === 0) {
      // The 413 was written, then the connection closed under a client still sending: its reset can reach the client
      // before the answer is read (a loaded CI machine). smsops' own count says whether it refused the body as too large.
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/smsops_slack_requests_refused_total\{reason="too_large"\} 1/);
    } else expect(status).toBe(413);
  }, 60_000);
});

describe('SIGTERM with slow clients connected', () => {
  it('exits once the grace period is over while a client dribbles a webhook body and another its headers', async () => {
    const graceMs = 2000;
    const { port, process: p } = await start({ extraEnv: { HTTP_SHUTDOWN_GRACE_MS: String(graceMs) } });
    const slowBody = connect({ port, host: '127.0.0.1' });
    const timers: NodeJS.Timeout[] = [];
    slowBody.on('error', () => {});
    // A webhook on its secret path (a Slack body not sent within 5 s is answered 408 and closed before the stop).
    const head = `POST /webhooks/wavix/inbound/${SECRET} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n`;
    slowBody.on('connect', () => {
      slowBody.write(head);
      timers.push(setInterval(() => slowBody.write('a'), 200));
    });
    const flood = slowHeaderFlood({ port, count: 5, dribbleMs: 200 });
    const slowBodyClosed = new Promise<void>((resolve) => slowBody.once('close', () => resolve()));
    try {
      await waitUntil(
        () => flood.open() === 5 && slowBody.bytesWritten > head.length + 5,
        15_000,
        'the slow clients to be sending',
      );
      const signalledAt = performance.now();
      p.child.kill('SIGTERM');
      const exit = await p.exited;
      const stopMs = performance.now() - signalledAt;
      expect(exit, p.logs.slice(-20).join('\n')).toEqual({ code: 0, signal: null });
      // The slow clients dribble for as long as they are let: held open by them, smsops would not exit before this
      // test's timeout. The rest of the stop takes ~60 ms on a quiet machine; under the whole suite on 2 cores it once
      // took 1.5 s (a bound of one second after the grace failed then), so the bound leaves room for that.
      expect(stopMs).toBeLessThan(graceMs + 5000);
      await slowBodyClosed;
      expect(p.logs.join('\n')).toContain('shutdown grace period over');
    } finally {
      for (const timer of timers) clearInterval(timer);
      flood.stop();
      slowBody.destroy();
    }
  }, 60_000);
});

describe('idle keep-alive connections', () => {
  it('keeps one idle for 7 s and answers the next webhook on it: a proxy keeping its connections 60 s closes first', async () => {
    const { webhookUrl } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (id: string) =>
      new Promise<{ status: number; reused: boolean; keepAlive?: string; error?: string }>((resolve) => {
        const body = inboundWebhookBody(id);
        const req = request(webhookUrl, {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.on('response', (res) => {
          res.resume();
          const keepAlive = String(res.headers['keep-alive']);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, keepAlive }));
        });
        req.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ status: 0, reused: req.reusedSocket, error: error.code ?? error.message }),
        );
        req.end(body);
      });
    try {
      const first = await post('keepalive-1');
      expect(first).toMatchObject({ status: 200, reused: false, keepAlive: 'timeout=65' });
      // Node's default (5 s) closed the connection after ~6 s; a request sent at that moment was reset and never handled.
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      expect(await post('keepalive-2')).toMatchObject({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });
});
