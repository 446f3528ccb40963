import http from 'node:http';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { option, postBody, serveUntilSignalled } from './benchServer.js';
import { type FloorBatch, type FloorSchema, openFloorStore } from './floorStore.js';

/**
 * The durable floor: the least a relay that acknowledges a webhook only once it is stored must do, on the same SQLite
 * settings as smsops (WAL, synchronous=NORMAL, checkpoints in a worker thread every 500 ms). A plain node:http server stores
 * each body in a table with no index, commits (the webhooks of one event-loop turn share a commit), answers 200,
 * then POSTs the stored body to `--target` over the forwarder's keep-alive agent, at most `--concurrency` posts at
 * once (64, smsops' default RELAY_CONCURRENCY), and records each 2xx in the next webhook's commit (or 5 ms later if none
 * comes, as smsops does). A failed post is tried again at once.
 * Nothing is validated, ordered per conversation, shown in Slack, counted or logged, and what a stop leaves unsent
 * stays unsent (it is on disk; sending it after a restart is not part of the floor): what smsops pays above this is
 * its own; what this pays above the non-durable forwarder (bench/forwarder.ts) is durability on this machine.
 *
 * Two options measure what the store costs and where it runs (bench/floorStore.ts):
 * - `--schema smsops` stores with smsops' own schema and statements (the message and its PortSIP and Slack deliveries,
 *   then the outcome) instead of one table with no index; `smsops-portsip` without the Slack delivery;
 * - `--store-thread worker` runs the connection on a thread of its own: the event loop answers and forwards, and sends
 *   each turn's batch to that thread, answering once its commit is back (one batch at a time).
 *
 *   tsx bench/durableForwarder.ts --target http://127.0.0.1:PORT/path --db /tmp/x/floor.db [--port N] [--concurrency 64]
 *     [--schema floor|smsops|smsops-portsip] [--store-thread main|worker]
 *
 * Prints `{"msg":"durable floor listening","url":...}` when ready; stops on SIGTERM/SIGINT.
 */

const target = new URL(option('target', ''));
const port = Number(option('port', '0'));
const dbPath = option('db', join(process.cwd(), 'durable-floor.db'));
const concurrency = Number(option('concurrency', '64'));
const agent = new http.Agent({ keepAlive: true, scheduling: 'fifo' });
const OK = Buffer.from('{"ok":true}');
const cleanups: Array<() => void> = [];

const SCHEMAS: readonly FloorSchema[] = ['floor', 'smsops', 'smsops-portsip'];
const schema = SCHEMAS.find((known) => known === option('schema', 'floor')) ?? 'floor';
const storeThread = option('store-thread', 'main') === 'worker' ? 'worker' : 'main';
/** Commits one batch (outcomes, then webhooks) and gives the webhooks' ids: on this thread, or on the store's own. */
const commitBatch = ((): ((batch: FloorBatch, done: (ids: number[]) => void) => void) => {
  if (storeThread === 'main') {
    const store = openFloorStore(schema, dbPath, target.href);
    cleanups.push(() => void store.close());
    return (batch, done) => done(store.commit(batch));
  }
  // tsx's loader does not reach a worker started from a .ts file: the worker registers it, then loads the store.
  // Both resolved here: the worker's bare specifiers would resolve from the working directory (the bench's temp folder).
  const entry = new URL('./floorStoreWorker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const worker = new Worker(
    `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
    { eval: true, workerData: { schema, path: dbPath, portsipUrl: target.href } },
  );
  cleanups.push(() => worker.postMessage('close'));
  // One batch at a time: what arrives meanwhile waits for the next, as the group commit's turn does on one thread.
  const replies: Array<(ids: number[]) => void> = [];
  worker.on('message', (ids: number[]) => replies.shift()?.(ids));
  worker.on('error', (error) => {
    process.stderr.write(`store thread failed: ${error.message}\n`);
    process.exit(1);
  });
  return (batch, done) => {
    replies.push(done);
    worker.postMessage(batch);
  };
})();

interface Stored {
  id: number;
  contentType: string;
  body: Buffer;
}
let arrived: Array<{ contentType: string; body: Buffer; res: http.ServerResponse }> = [];
let delivered: number[] = [];
const toSend: Stored[] = [];
let sending = 0;
let flushScheduled = false;
/** Recorded deliveries ride with the next webhook's commit, or are committed after LAZY_MS if none comes (as smsops'). */
let lazyTimer: NodeJS.Timeout | undefined;
const LAZY_MS = 5;
let forwarded = 0;
let failed = 0;

const scheduleFlush = () => {
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flush);
};

/** A batch is with the store thread: what arrives meanwhile goes with the next. */
let committing = false;

function flush(): void {
  flushScheduled = false;
  clearTimeout(lazyTimer);
  lazyTimer = undefined;
  if (committing) return;
  const batch = arrived;
  const done = delivered;
  if (batch.length === 0 && done.length === 0) return;
  arrived = [];
  delivered = [];
  committing = true;
  // A store thread gets copies without the responses (which cannot cross threads); this thread reads the items as they are.
  const items = storeThread === 'worker' ? batch.map(({ contentType, body }) => ({ contentType, body })) : batch;
  commitBatch({ items, delivered: done }, (ids) => {
    committing = false;
    for (const [i, item] of batch.entries()) {
      item.res.writeHead(200, { 'content-type': 'application/json', 'content-length': OK.length });
      item.res.end(OK);
      toSend.push({ id: ids[i] ?? 0, contentType: item.contentType, body: item.body });
    }
    pump();
    if (arrived.length > 0 || delivered.length > 0) scheduleFlush();
  });
}

function pump(): void {
  while (sending < concurrency && toSend.length > 0) {
    const next = toSend.shift() as Stored;
    sending += 1;
    postBody(target, agent, next.contentType, next.body, (ok) => settle(next, ok));
  }
}

function settle(message: Stored, ok: boolean): void {
  sending -= 1;
  if (ok) {
    forwarded += 1;
    delivered.push(message.id);
    if (!flushScheduled && lazyTimer === undefined) lazyTimer = setTimeout(scheduleFlush, LAZY_MS);
  } else {
    failed += 1;
    toSend.push(message);
  }
  pump();
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    arrived.push({ contentType: req.headers['content-type'] ?? 'application/json', body: Buffer.concat(chunks), res });
    scheduleFlush();
  });
});
serveUntilSignalled(server, {
  name: 'durable floor',
  host: '127.0.0.1',
  port,
  counts: () => ({ forwarded, failed, waiting: toSend.length }),
  cleanup: () => {
    agent.destroy();
    for (const cleanup of cleanups) cleanup();
  },
});
