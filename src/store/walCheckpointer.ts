import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DATABASE_NOT_ON_DISK } from '../core/ports/storeErrors.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { type Db, SECURE_DELETE_PRAGMA } from './database.js';
import { type FileCut, MIN_DATABASE_FILE_BYTES } from './databaseFile.js';
import type { WriteGate } from './writeGate.js';

export interface WalCheckpointerStatus {
  /**
   * Whether the worker checkpoints off the event loop; false once it stopped (the main connection's commits do it);
   * undefined for a database in memory, which has no WAL.
   */
  running: boolean | undefined;
  /** Time the group commit was held while the worker finished a copy, since start. */
  heldMs: number;
  /** Copies the main connection finished itself, holding the event loop (no gate, or the worker's finishes missed). */
  mainCatchUps: number;
  /**
   * The worker connection's PRAGMA synchronous, as it said once open (undefined before): DATABASE_SYNCHRONOUS must
   * reach every connection, and this one is otherwise out of sight.
   */
  synchronous?: number;
}

export interface WalCheckpointer {
  /** Stops the worker; the caller's connection checkpoints itself from then on (and at close). */
  stop(): Promise<void>;
  status(): WalCheckpointerStatus;
  /**
   * Says a long read of smsops' own holds the WAL (a backup's copy: ./backupCopy.ts) until the returned function is
   * called. No restart can happen behind a read, so meanwhile the WAL is not finished: holding the commits for it
   * would only slow every webhook's answer.
   */
  readerHeld(): () => void;
}

/** The WAL's size before it is restarted. */
export const DEFAULT_WAL_LIMIT_BYTES = 64 << 20;
/**
 * What the WAL file is cut back to when it is restarted, as a multiple of the limit. Cut back to the limit itself, the
 * file was truncated at every restart, since a restart comes only past the limit: an ftruncate on the event loop of
 * 2.2-5.6 ms every ~2 s at 1,000 webhooks/s (perf trace, this project's VM). With room above the limit a steady flow
 * reuses the file as it is, and only a burst that grew it further is cut back.
 */
export const WAL_FILE_LIMIT_FACTOR = 2;

// Plain CommonJS run with `eval`, so the worker needs neither tsx nor a build step to start.
/** The first wait before a checkpointer thread that ended is started again, and the longest (doubling between). */
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 60_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, openSync, readSync, statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
db.pragma('${SECURE_DELETE_PRAGMA}');
db.pragma('synchronous = ' + workerData.synchronous);
parentPort.postMessage({ synchronous: db.pragma('synchronous', { simple: true }) });
const pageSize = db.pragma('page_size', { simple: true });
const limitFrames = Math.ceil(workerData.walLimitBytes / pageSize);
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
// The database file's size, while the path names the file opened (else the main thread's watch says so).
const opened = statSync(workerData.path, { bigint: true });
const fileBytes = () => {
  try {
    const now = statSync(workerData.path, { bigint: true });
    return now.dev === opened.dev && now.ino === opened.ino ? Number(now.size) : null;
  } catch { return null; }
};
// A size no SQLite file has: under its first page, or not a whole number of pages (SQLite grows and shrinks it a page
// at a time). Looked at before each copy, which writes whole pages and would re-extend a cut file to a whole number of
// them, hiding the cut from a stat. Only the file's own size is judged: comparing it with the database's page count
// took a VACUUM run from outside for a cut whenever new pages came in before the next look (a probe, 2026-11-27).
const checkCut = () => {
  const bytes = fileBytes();
  if (bytes !== null && (bytes < ${MIN_DATABASE_FILE_BYTES} || bytes % pageSize !== 0))
    parentPort.postMessage({ cut: { bytes, pageSize } });
};
// The WAL header's checkpoint sequence number (bytes 12-15): SQLite adds one each time it restarts the WAL. Unreadable,
// -1 every time: each report then counts as a miss, and the main connection restarts the WAL.
const header = Buffer.alloc(16);
const restarts = () => {
  try {
    const fd = openSync(workerData.path + '-wal', 'r');
    try { readSync(fd, header, 0, 16, 0); } finally { closeSync(fd); }
    return header.readUInt32BE(12);
  } catch { return -1; }
};
// A failed checkpoint is reported with SQLite's code (an I/O error is the disk failing its fsync), and the first one
// that passes after it is reported too, so that the main thread can end what it said.
let failing = false;
const failed = (error) => {
  failing = true;
  parentPort.postMessage({ error: String(error && error.message || error), code: String(error && error.code || '') });
};
const passed = () => {
  if (!failing) return;
  failing = false;
  parentPort.postMessage({ synced: true });
};
const tick = () => {
  try {
    checkCut();
    const done = checkpoint();
    passed();
    if (done && done.log > limitFrames) parentPort.postMessage({ walFrames: done.log, restarts: restarts() });
  }
  catch (error) { failed(error); }
};
let timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'finish') {
    // The next checkpoint a whole interval later: one running while the main connection makes its next write would
    // hold a read lock that write needs to restart the WAL, and the restart would be missed.
    clearInterval(timer);
    timer = setInterval(tick, workerData.intervalMs);
    try { checkCut(); checkpoint(); passed(); }
    catch (error) { failed(error); }
    parentPort.postMessage({ finished: true });
    return;
  }
  clearInterval(timer); db.close(); parentPort.close();
});
`;
/**
 * What the worker posts: its PRAGMA synchronous, a checkpoint past the WAL limit, a finish done, a cut file, an error,
 * or a checkpoint passing again after an error.
 */
interface WorkerMessage {
  synchronous?: number;
  error?: string;
  /** SQLite's code of the error (SQLITE_IOERR_FSYNC, SQLITE_BUSY...). */
  code?: string;
  /** A checkpoint passed after one failed. */
  synced?: boolean;
  walFrames?: number;
  restarts?: number;
  finished?: boolean;
  cut?: FileCut;
}

/**
 * How long the group commit's writes may be held while the worker finishes a copy (an fsync of the WAL and one of the
 * database file: 4-10 ms on this project's VM). On a disk slower than this every finish misses, and after
 * MISSES_BEFORE_MAIN of them the main connection restarts the WAL itself.
 */
const FINISH_WAIT_MS = 250;
/**
 * Finishes in a row after which the WAL did not restart (another write came, or the wait ran out) before the main
 * connection finishes the copy itself, holding the event loop as it does.
 */
const MISSES_BEFORE_MAIN = 3;

/**
 * What /healthz says while WAL checkpoints fail because of the disk, or null for an error that says nothing of it (a
 * reader holding the WAL: SQLITE_BUSY). With DATABASE_SYNCHRONOUS=normal a checkpoint is where the WAL and the database
 * file are synced: every commit, the write probe and the lease's heartbeat passed while every fsync failed, and
 * /healthz said ok (a probe with a FUSE file system failing fsync). After a failed fsync Linux may drop the pages it
 * could not write and report success at the next fsync ("fsyncgate"); SQLite only reports the error
 * (SQLITE_IOERR_FSYNC) and copies the same WAL frames again at the next checkpoint. A WAL the disk cannot read back
 * fails the checkpoint as SQLITE_CORRUPT (the same probe, reads of the -wal failing with EIO): commits pass while
 * nothing reaches the database file.
 */
export function checkpointFailureReason(code: string | undefined): string | null {
  if (code?.startsWith('SQLITE_IOERR'))
    return (
      `the disk failed to sync the database (I/O error in a WAL checkpoint): ${DATABASE_NOT_ON_DISK}; ` +
      "check the disk (dmesg), and the file system's health"
    );
  if (code === 'SQLITE_CORRUPT' || code?.startsWith('SQLITE_CORRUPT_') || code === 'SQLITE_NOTADB')
    return (
      `a WAL checkpoint could not read the database or its WAL (database disk image is malformed): ${DATABASE_NOT_ON_DISK}; ` +
      "check the disk (dmesg), and the file system's health"
    );
  return null;
}

/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit crosses
 * 1,000 WAL pages and copies them into the database file with an fsync: at a steady 1,000 webhooks/s that was a
 * several-millisecond stall every second or two in the ack path (most of the ingest p99). Here a worker thread with
 * its own connection runs PASSIVE checkpoints, which never take the write lock, so commits are not held up.
 * If the worker fails, automatic checkpoints come back on the main connection: the WAL never grows without bound.
 */
export function startWalCheckpointer(
  db: Db,
  options: {
    logger: Logger;
    intervalMs?: number;
    walLimitBytes?: number;
    gate?: WriteGate;
    /** The database file found at a size no SQLite file has (./databaseFile.ts). */
    onFileCut?: (found: FileCut) => void;
    /** Checkpoints fail with an I/O error (checkpointFailureReason), with the reason; null once one passes again. */
    onSyncFailed?: (reason: string | null) => void;
  },
): WalCheckpointer {
  const { logger } = options;
  if (db.memory)
    return {
      stop: async () => {},
      status: () => ({ running: undefined, heldMs: 0, mainCatchUps: 0 }),
      readerHeld: () => () => {},
    };
  const walLimitBytes = options.walLimitBytes ?? DEFAULT_WAL_LIMIT_BYTES;
  /**
   * SQLite restarts the WAL from its start only at a write that finds every frame already copied; under writes that
   * never pause the worker's checkpoints are always a few commits behind, and the WAL grew to 1.1 GB in a 30 s flood.
   * Past the limit the copy is finished with no write coming in meanwhile, so the next write restarts the WAL:
   * - with a gate (the group commit's, ./writeGate.ts): the group commit holds its writes while the worker finishes
   *   the copy. The event loop goes on (answers, PortSIP posts, /healthz); only commits wait. On the main connection
   *   the same copy held the whole process for its two fsyncs, 4-10 ms every ~1.5 s at 1,000 webhooks/s;
   * - without one, or when finishing in the worker failed MISSES_BEFORE_MAIN times in a row, the main connection
   *   finishes the copy itself, between two transactions (nothing new can come in meanwhile: it is the only writer).
   * At most once per interval.
   */
  const intervalMs = options.intervalMs ?? 500;
  const counts = { heldMs: 0, mainCatchUps: 0 };
  let running = true;
  let syncFailing = false;
  const syncOutcome = (code: string | undefined) => {
    const reason = checkpointFailureReason(code);
    // Only a checkpoint that passed ends it: one a reader held up (SQLITE_BUSY) proves nothing of the disk.
    if (reason === null && (!syncFailing || code !== undefined)) return;
    syncFailing = reason !== null;
    options.onSyncFailed?.(reason);
  };
  const catchUp = () => {
    counts.mainCatchUps += 1;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      syncOutcome(undefined);
    } catch (error) {
      syncOutcome((error as { code?: string }).code);
      logger.warn('WAL checkpoint on the main connection failed; it is retried', { error: describeError(error) });
    }
  };
  const gate = options.gate;
  let finishing: NodeJS.Timeout | undefined;
  /** Reports over the limit in a row with no restart of the WAL in between. */
  let misses = 0;
  let lastRestarts = -1;
  let closedAt = 0;
  // The fallback holds the event loop for the copy's fsyncs: said in the log (at most once a minute, with the count
  // since the last line), not only counted in /metrics.
  let fallbackLoggedAt = Number.NEGATIVE_INFINITY;
  let fallbacksUnlogged = 0;
  const fellBack = () => {
    fallbacksUnlogged += 1;
    if (Date.now() - fallbackLoggedAt < 60_000) return;
    logger.warn('WAL restart missed off the event loop; the main connection finished the copy itself', {
      missesInARow: MISSES_BEFORE_MAIN,
      fallbacks: fallbacksUnlogged,
    });
    fallbackLoggedAt = Date.now();
    fallbacksUnlogged = 0;
  };
  /** Ends a finish: the held commits go ahead, and the first of them restarts the WAL if nothing else wrote. */
  const release = () => {
    if (!finishing) return;
    clearTimeout(finishing);
    finishing = undefined;
    counts.heldMs += performance.now() - closedAt;
    gate?.open();
  };
  // Judged by whether the WAL did restart since the last report, not by the finish's own result: a write made outside
  // the group commit meanwhile (the gate holds only its writes) leaves the copy behind all the same.
  let readers = 0;
  const overLimit = (restarts: number) => {
    if (!db.open || finishing || readers > 0 || Date.now() - lastCatchUp < intervalMs) return;
    lastCatchUp = Date.now();
    misses = restarts === lastRestarts ? misses + 1 : 0;
    lastRestarts = restarts;
    if (!gate || misses >= MISSES_BEFORE_MAIN) {
      if (gate) fellBack();
      misses = 0;
      catchUp();
      return;
    }
    gate.close();
    closedAt = performance.now();
    finishing = setTimeout(release, FINISH_WAIT_MS);
    worker.postMessage('finish');
  };
  const autocheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  const restoreAutomatic = () => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
  };

  const startWorker = () =>
    new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: db.name,
        intervalMs,
        walLimitBytes,
        // The main connection's (DATABASE_SYNCHRONOUS): a checkpoint's syncs are then the same on both connections.
        synchronous: Number(db.pragma('synchronous', { simple: true })),
      },
    });
  let worker = startWorker();
  db.pragma('wal_autocheckpoint = 0');
  // SQLite cuts the WAL file back to this size when it restarts the WAL (else it keeps its largest size for good).
  db.pragma(`journal_size_limit = ${WAL_FILE_LIMIT_FACTOR * walLimitBytes}`);
  let stopping = false;
  // Tried every interval: a disk full for an hour must not write two lines a second. A new error, or the same one a
  // minute later, is logged.
  let lastLogged = { error: '', at: Number.NEGATIVE_INFINITY };
  let lastCatchUp = Number.NEGATIVE_INFINITY;
  let synchronous: number | undefined;
  // A thread that ended (an error, or an exit of its own) is started again, 1 s then doubling to a minute while it
  // keeps ending before it said it opened the database: without it, the checkpoints (and the disk's fsync failures
  // they are the only ones to see) were left to the commits for good, with no line said when it just exited.
  let restartDelayMs = RESTART_FIRST_MS;
  let restartTimer: NodeJS.Timeout | undefined;
  let alive = true;
  const onMessage = (message: WorkerMessage) => {
    if (message.synchronous !== undefined) {
      synchronous = message.synchronous;
      if (!running) logger.info('WAL checkpointer started again; checkpoints run off the event loop');
      running = true;
      restartDelayMs = RESTART_FIRST_MS;
      if (db.open && !stopping) db.pragma('wal_autocheckpoint = 0');
      return;
    }
    if (message.cut) {
      options.onFileCut?.(message.cut);
      return;
    }
    if (message.walFrames !== undefined) {
      overLimit(message.restarts ?? -1);
      return;
    }
    if (message.finished) {
      release();
      return;
    }
    if (message.synced) {
      syncOutcome(undefined);
      if (lastLogged.error) logger.info('WAL checkpoint passed again', { after: lastLogged.error });
      lastLogged = { error: '', at: Number.NEGATIVE_INFINITY };
      return;
    }
    syncOutcome(message.code);
    const error = message.error ?? 'unknown';
    const at = Date.now();
    if (error === lastLogged.error && at - lastLogged.at < 60_000) return;
    lastLogged = { error, at };
    logger.warn('WAL checkpoint failed; it is retried', { error, code: message.code });
  };
  const watch = (thread: Worker) => {
    let failure: string | undefined;
    thread.on('message', onMessage);
    thread.on('error', (error) => {
      failure = describeError(error);
    });
    thread.on('exit', (code) => {
      alive = false;
      const wasRunning = running;
      running = false;
      release();
      if (stopping) return;
      restoreAutomatic();
      if (wasRunning || failure)
        logger.error('WAL checkpointer stopped; checkpoints run on the main connection until it starts again', {
          error: failure ?? `its thread exited (code ${code})`,
          retryInSeconds: restartDelayMs / 1000,
        });
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (stopping) return;
        worker = startWorker();
        alive = true;
        watch(worker);
      }, restartDelayMs);
      restartTimer.unref();
      restartDelayMs = Math.min(restartDelayMs * 2, RESTART_MAX_MS);
    });
    thread.unref();
  };
  watch(worker);

  return {
    status: () => ({ running, ...counts, synchronous }),
    readerHeld: () => {
      readers += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        readers -= 1;
      };
    },
    stop: async () => {
      if (stopping) return;
      stopping = true;
      clearTimeout(restartTimer);
      if (!alive) {
        release();
        restoreAutomatic();
        return;
      }
      // Referenced again while stopping: an unreferenced worker would let the process exit mid-shutdown.
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
      clearTimeout(timer);
      await worker.terminate();
      release();
      restoreAutomatic();
    },
  };
}
