import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { duration } from '../core/wording.js';
import { SECURE_DELETE_PRAGMA } from './database.js';
import { DATABASE_FILE_MODE } from './fileModes.js';

/**
 * Pages copied per step (better-sqlite3's own default, said here since the progress callback must return it). In the
 * worker a step holds no event loop; steps of this size keep its progress (and the stall limit's clock) moving.
 */
const PAGES_PER_STEP = 100;
/** Steps between two flushes of the copy: 16 MB at SQLite's 4 KB pages, so that the last commit's fsync is short. */
const STEPS_PER_FLUSH = 40;
/**
 * How long the worker may go without a word (a step's progress, or its result) before it is stopped and the run fails.
 * A step is 100 pages (a cold read of them took 61-173 ms); the longest silence is the copy's integrity check, 3.1 s
 * per GB. Ten minutes is far beyond both, and far below the job's time limit (1 h).
 */
export const BACKUP_STALL_LIMIT_MS = 10 * 60_000;

/** How long a stopped worker is waited for before the run ends anyway. */
const STOP_WAIT_MS = 5_000;

/** How the copy ended, as the worker said it (./backupCopyWorker.cjs). */
export type CopyResult =
  | { made: true; bytes: number }
  | { made: false; problem: string; kind: 'integrity' }
  | { made: false; problem: string; kind: 'failed'; cause?: unknown };

export interface CopyOptions {
  /** The database file to copy (opened read-only on the worker's own connection). */
  source: string;
  /** Where the copy is written, then renamed to `final` once checked and on disk. */
  partial: string;
  final: string;
  /**
   * The pages are already in `partial` (copied through smsops' own connection): the worker readies, checks and
   * publishes it only.
   */
  pagesCopied?: boolean;
  stallLimitMs?: number;
  /** Stops the worker (the scheduler's time limit passed, or smsops stops). */
  signal?: AbortSignal;
  /**
   * Tests: the worker waits after its first page-copy step until this buffer's first Int32 is set and notified (or
   * it is stopped), and `onHeld` is called meanwhile.
   */
  hold?: { buffer: SharedArrayBuffer; onHeld: () => void };
  /**
   * Says the worker's read holds the WAL (the checkpointer's readerHeld), until the thread is gone: a thread stopped
   * while blocked on a disk that does not answer outlives the run, its read still held.
   */
  readerHeld?: () => () => void;
}

type WorkerSaid =
  | { progress: { totalPages: number; remainingPages: number } }
  | { held: true }
  | { done: { bytes: number } }
  | { problem: string }
  | { failed: string; code?: string };

const WORKER_FILE = new URL('./backupCopyWorker.cjs', import.meta.url);

/**
 * Copies, checks, flushes and renames the database into place in a worker thread; the event loop only waits. A worker
 * that crashes, goes silent past `stallLimitMs` or is cancelled is stopped and said as a failure: the next run starts
 * afresh (the caller removes the `.partial` left behind).
 */
export function copyInWorker(options: CopyOptions): Promise<CopyResult> {
  const stallLimitMs = options.stallLimitMs ?? BACKUP_STALL_LIMIT_MS;
  // Set to stop the copy: the worker reads it between its steps. Never worker.terminate(): a thread terminated inside
  // SQLite (a write a hung disk held) aborted the whole process as SQLite's error was thrown into it (V8's fatal
  // 'ToLocalChecked Empty MaybeLocal'), smsops and its relay gone with it.
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_FILE, {
      // Plain CommonJS: no TypeScript loader (`node --import tsx`, inherited by default) to start in the thread.
      execArgv: [],
      workerData: {
        backupCopy: {
          driver: createRequire(import.meta.url).resolve('better-sqlite3'),
          source: options.source,
          partial: options.partial,
          final: options.final,
          pagesCopied: options.pagesCopied === true,
          pagesPerStep: PAGES_PER_STEP,
          stepsPerFlush: STEPS_PER_FLUSH,
          fileMode: DATABASE_FILE_MODE,
          secureDeletePragma: SECURE_DELETE_PRAGMA,
          hold: options.hold?.buffer,
          stop: stopFlag.buffer,
        },
      },
    });
    const readDone = options.readerHeld?.();
    worker.once('exit', () => readDone?.());
    let settled = false;
    let stall: NodeJS.Timeout | undefined;
    const finish = (result: CopyResult, stop: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(stall);
      options.signal?.removeEventListener('abort', onAbort);
      if (!stop) return resolve(result);
      // Resolved once the thread is gone, so that the caller removes a .partial no longer written; but within
      // STOP_WAIT_MS whatever happens: a thread blocked in a read from a disk that does not answer stops only when the
      // read returns, and the run must end (a .partial left behind is removed by the next run).
      // Kept referenced: with the worker unreferenced it is all that keeps a start-up stop (the pre-upgrade backup,
      // before the HTTP server holds the loop) from ending in Node's exit 13 (a top-level await left unsettled).
      const waited = setTimeout(() => resolve(result), STOP_WAIT_MS);
      worker.once('exit', () => {
        clearTimeout(waited);
        resolve(result);
      });
      Atomics.store(stopFlag, 0, 1);
      if (options.hold) {
        const held = new Int32Array(options.hold.buffer);
        Atomics.store(held, 0, 1);
        Atomics.notify(held, 0);
      }
      worker.unref();
    };
    const failed = (problem: string, cause?: unknown, stop = true) =>
      finish({ made: false, kind: 'failed', problem, cause }, stop);
    const watchStall = () => {
      clearTimeout(stall);
      stall = setTimeout(
        () =>
          failed(
            `the copy made no progress for ${duration(stallLimitMs)} (a disk that does not answer?), so it was stopped; the next run starts afresh`,
          ),
        stallLimitMs,
      );
    };
    const onAbort = () => failed(`the copy was stopped: ${describeReason(options.signal?.reason)}`, options.signal?.reason);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    watchStall();
    worker.on('message', (said: WorkerSaid) => {
      if ('progress' in said) return watchStall();
      // A worker held by a test is stalled like a hung one: the stall clock runs on.
      if ('held' in said) return options.hold?.onHeld();
      if ('done' in said) return finish({ made: true, bytes: said.done.bytes }, false);
      if ('problem' in said) return finish({ made: false, kind: 'integrity', problem: said.problem }, false);
      const cause = Object.assign(new Error(said.failed), said.code ? { code: said.code } : {});
      failed(said.failed, cause, false);
    });
    worker.once('error', (error) => failed(`its worker thread failed: ${describeReason(error)}`, error, false));
    worker.once('exit', (code) => failed(`its worker thread stopped before it finished (exit code ${code})`, undefined, false));
  });
}

const describeReason = (reason: unknown) => (reason instanceof Error ? reason.message : String(reason));
