import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { option, postBody, serveUntilSignalled } from './benchServer.js';

/**
 * The durable floor: the least a relay that acknowledges a webhook only once it is stored must do, on the same SQLite
 * settings as smsops (WAL, synchronous=NORMAL, checkpoints in a worker thread every 500 ms). A plain node:http server stores
 * each body in a table with no index, commits (the webhooks of one event-loop turn share a commit), answers 200,
 * then POSTs the stored body to `--target` over the forwarder's keep-alive agent, at most `--concurrency` posts at
 * once (32, smsops' RELAY_CONCURRENCY), and records each 2xx in the next webhook's commit (or 5 ms later if none
 * comes, as smsops does). A failed post is tried again at once.
 * Nothing is validated, ordered per conversation, shown in Slack, counted or logged, and what a stop leaves unsent
 * stays unsent (it is on disk; sending it after a restart is not part of the floor): what smsops pays above this is
 * its own; what this pays above the non-durable forwarder (bench/forwarder.ts) is durability on this machine.
 *
 *   tsx bench/durableForwarder.ts --target http://127.0.0.1:PORT/path --db /tmp/x/floor.db [--port N] [--concurrency 32]
 *
 * Prints `{"msg":"durable floor listening","url":...}` when ready; stops on SIGTERM/SIGINT.
 */

const target = new URL(option('target', ''));
const port = Number(option('port', '0'));
const dbPath = option('db', join(process.cwd(), 'durable-floor.db'));
const concurrency = Number(option('concurrency', '32'));
const agent = new http.Agent({ keepAlive: true, scheduling: 'fifo' });
const OK = Buffer.from('{"ok":true}');

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
db.exec(
  'CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, content_type TEXT NOT NULL, body BLOB NOT NULL, delivered INTEGER NOT NULL DEFAULT 0)',
);
const insert = db.prepare('INSERT INTO messages (content_type, body) VALUES (?, ?)');
const markDelivered = db.prepare('UPDATE messages SET delivered = 1 WHERE id = ?');

// As smsops does (src/store/walCheckpointer.ts): PASSIVE checkpoints off the event loop, and past 64 MB of WAL the
// main connection finishes the copy so the WAL restarts.
const checkpointer = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const db = new (require(workerData.driver))(workerData.path);
   db.pragma('busy_timeout = 1000');
   setInterval(() => { const [done] = db.pragma('wal_checkpoint(PASSIVE)'); if (done && done.log > 16384) parentPort.postMessage('big'); }, 500);`,
  { eval: true, workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path: dbPath } },
);
checkpointer.on('message', () => db.pragma('wal_checkpoint(PASSIVE)'));
checkpointer.unref();

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

const commit = db.transaction((batch: typeof arrived, done: number[]) => {
  for (const id of done) markDelivered.run(id);
  return batch.map((item) => Number(insert.run(item.contentType, item.body).lastInsertRowid));
});

function flush(): void {
  flushScheduled = false;
  clearTimeout(lazyTimer);
  lazyTimer = undefined;
  const batch = arrived;
  const done = delivered;
  arrived = [];
  delivered = [];
  const ids = commit(batch, done);
  for (const [i, item] of batch.entries()) {
    item.res.writeHead(200, { 'content-type': 'application/json', 'content-length': OK.length });
    item.res.end(OK);
    toSend.push({ id: ids[i] ?? 0, contentType: item.contentType, body: item.body });
  }
  pump();
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
    db.close();
  },
});
