import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from './database.js';

export interface WalCheckpointer {
  /** Stops the worker; the caller's connection checkpoints itself from then on (and at close). */
  stop(): Promise<void>;
}

// Plain CommonJS run with `eval`, so the worker needs neither tsx nor a build step to start.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); }
  catch (error) { parentPort.postMessage({ error: String(error && error.message || error) }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit crosses
 * 1,000 WAL pages and copies them into the database file with an fsync: at a steady 1,000 webhooks/s that was a
 * several-millisecond stall every second or two in the ack path (most of the ingest p99). Here a worker thread with
 * its own connection runs PASSIVE checkpoints, which never take the write lock, so commits are not held up.
 * If the worker fails, automatic checkpoints come back on the main connection: the WAL never grows without bound.
 */
export function startWalCheckpointer(db: Db, options: { logger: Logger; intervalMs?: number }): WalCheckpointer {
  const { logger } = options;
  if (db.memory) return { stop: async () => {} };
  const autocheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  const restoreAutomatic = () => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
  };

  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path: db.name,
      intervalMs: options.intervalMs ?? 500,
    },
  });
  db.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  // Tried every interval: a disk full for an hour must not write two lines a second. A new error, or the same one a
  // minute later, is logged.
  let lastLogged = { error: '', at: Number.NEGATIVE_INFINITY };
  worker.on('message', (message: { error?: string }) => {
    const error = message.error ?? 'unknown';
    const at = Date.now();
    if (error === lastLogged.error && at - lastLogged.at < 60_000) return;
    lastLogged = { error, at };
    logger.warn('WAL checkpoint failed; it is retried', { error });
  });
  worker.on('error', (error) => {
    logger.error('WAL checkpointer stopped; checkpoints run on the main connection again', { error: describeError(error) });
    restoreAutomatic();
  });
  worker.on('exit', () => {
    if (!stopping) restoreAutomatic();
  });
  worker.unref();

  return {
    stop: async () => {
      if (stopping) return;
      stopping = true;
      // Referenced again while stopping: an unreferenced worker would let the process exit mid-shutdown.
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
      clearTimeout(timer);
      await worker.terminate();
      restoreAutomatic();
    },
  };
}
