import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A stand-in for PortSIP's inbound SMS webhook, run as its own process (`tsx bench/portsipSink.ts [--port N]`). It
 * counts what it receives and can be paused in two ways:
 *
 * - mode `503`: answers 503 at once (smsops records a failed attempt and retries with backoff);
 * - mode `hold`: keeps the requests unanswered (a PBX that has stopped answering; smsops' attempts stay in flight);
 * - mode `200`: answers 200 at once; switching to it answers every held request with 200 too.
 *
 * Controlled over HTTP: `POST /__sink/config` with `{mode?, target?, expectedPath?, reset?}`, `GET /__sink/stats`.
 * Times in the stats are this process' `performance.now()` in ms, so durations are measured on one clock.
 */

type Mode = '200' | '503' | 'hold';

const port = Number(process.argv[process.argv.indexOf('--port') + 1] ?? 0) || 0;
const OK_BODY = Buffer.from('{"ok":true}');
const PAUSED_BODY = Buffer.from('{"error":"paused by the benchmark"}');
const BUCKET_MS = 100;

interface Held {
  res: ServerResponse;
  path: string;
  body: Buffer;
}

let mode: Mode = '200';
let target = 0;
let expectedPath: string | null = null;
let held = new Set<Held>();
let stats = freshStats();
let seen = new Set<string>();
let lastSeq = new Map<string, number>();
let timeline: number[] = [];

function freshStats() {
  return {
    requests: 0,
    answered200: 0,
    answered503: 0,
    abandoned: 0,
    distinct: 0,
    duplicates: 0,
    wrongPath: 0,
    badBody: 0,
    orderViolations: 0,
    switchedAt: null as number | null,
    first200At: null as number | null,
    last200At: null as number | null,
    completeAt: null as number | null,
    heldAtSwitch: 0,
  };
}

function answer200({ res, path, body }: Held): void {
  const now = performance.now();
  stats.answered200 += 1;
  stats.first200At ??= now;
  stats.last200At = now;
  if (expectedPath !== null && path !== expectedPath) stats.wrongPath += 1;
  let id: string | undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message_id?: unknown };
    if (typeof parsed.message_id === 'string') id = parsed.message_id;
  } catch {
    // counted below
  }
  if (id === undefined) stats.badBody += 1;
  else if (seen.has(id)) stats.duplicates += 1;
  else {
    seen.add(id);
    stats.distinct += 1;
    if (stats.distinct === target) stats.completeAt = now;
    if (stats.switchedAt !== null) {
      const bucket = Math.floor((now - stats.switchedAt) / BUCKET_MS);
      while (timeline.length <= bucket) timeline.push(0);
      timeline[bucket] = (timeline[bucket] ?? 0) + 1;
    }
    // `<prefix>-c<conversation>-s<seq>`: each conversation must arrive in order.
    const match = /^(.*-c\d+)-s(\d+)$/.exec(id);
    if (match?.[1] && match[2]) {
      const seq = Number(match[2]);
      if (seq < (lastSeq.get(match[1]) ?? -1)) stats.orderViolations += 1;
      lastSeq.set(match[1], seq);
    }
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': OK_BODY.length });
  res.end(OK_BODY);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function snapshot() {
  const now = performance.now();
  const span = (from: number | null, to: number | null) => (from !== null && to !== null ? to - from : null);
  return {
    mode,
    target,
    held: held.size,
    ...stats,
    now,
    switchToCompleteMs: span(stats.switchedAt, stats.completeAt),
    first200ToCompleteMs: span(stats.first200At, stats.completeAt),
    bucketMs: BUCKET_MS,
    timeline,
  };
}

const server = createServer((req, res) => {
  const path = req.url ?? '/';
  readBody(req).then(
    (body) => {
      if (path === '/__sink/stats') {
        sendJson(res, 200, snapshot());
        return;
      }
      if (path === '/__sink/config') {
        const config = JSON.parse(body.toString('utf8') || '{}') as {
          mode?: Mode;
          target?: number;
          expectedPath?: string;
          reset?: boolean;
        };
        if (config.reset) {
          stats = freshStats();
          seen = new Set();
          lastSeq = new Map();
          timeline = [];
        }
        if (config.target !== undefined) target = config.target;
        if (config.expectedPath !== undefined) expectedPath = config.expectedPath;
        if (config.mode !== undefined && config.mode !== mode) {
          mode = config.mode;
          if (mode === '200') {
            stats.switchedAt = performance.now();
            stats.heldAtSwitch = held.size;
            const waiting = held;
            held = new Set();
            for (const h of waiting) answer200(h);
          }
        }
        sendJson(res, 200, snapshot());
        return;
      }
      stats.requests += 1;
      if (mode === '200') answer200({ res, path, body });
      else if (mode === '503') {
        stats.answered503 += 1;
        res.writeHead(503, { 'content-type': 'application/json', 'content-length': PAUSED_BODY.length });
        res.end(PAUSED_BODY);
      } else {
        const entry: Held = { res, path, body };
        held.add(entry);
        res.on('close', () => {
          if (held.delete(entry)) stats.abandoned += 1;
        });
      }
    },
    () => res.destroy(),
  );
});
server.keepAliveTimeout = 60_000;
server.requestTimeout = 0;

server.listen(port, '127.0.0.1', () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'sink listening', url: `http://127.0.0.1:${address.port}` })}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
