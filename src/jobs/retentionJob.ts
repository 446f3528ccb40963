import { performance } from 'node:perf_hooks';
import { hourStartOf } from '../core/model/traffic.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { TableDeleter, UnsentDeleted } from '../store/retention/batchDelete.js';
import type { RetentionStore } from '../store/retention/retentionStore.js';
import {
  EXPIRED_THREADS_KEPT_DAYS,
  RETENTION_TABLES,
  type RetentionTable,
  type RetentionWindow,
} from '../store/retention/tables.js';
import type { JobOutcome } from './scheduler.js';

const DAY_MS = 86_400_000;

/** Rows per transaction at most: 500 messages with two deliveries each cost about 3 ms of CPU (npm run bench:retention). */
export const RETENTION_BATCH_ROWS = 500;
/**
 * A batch holds the event loop (and so every webhook ack) for as long as it runs: one slower than this halves the
 * next batch, one well under it lets the size grow back, never above RETENTION_BATCH_ROWS.
 */
export const RETENTION_BATCH_TARGET_MS = 5;
const MIN_BATCH_ROWS = 10;
/**
 * Tries at cutting the WAL back after a run, and the wait between them: a reader holds it only for a moment (a
 * backup's step, the checkpointer's copy) unless it is a shell left in a transaction, which the next run meets again.
 */
export const WAL_CUT_TRIES = 3;
export const WAL_CUT_RETRY_MS = 200;

export interface RetentionSettings {
  /** RETENTION_DAYS: messages, traffic records, job runs, Slack threads. 0 keeps all. */
  days: number;
  /** AUDIT_RETENTION_DAYS. 0 keeps all. */
  auditDays: number;
}

export interface RetentionReport {
  /** Rows deleted per table (children included under their own table). */
  deleted: Record<string, number>;
  /** Dead deliveries deleted with their messages (SMS that never reached it), per destination kind. */
  unsent: Record<string, number>;
  /** Rows older than the limit that stayed, with why (e.g. a delivery still pending), per table. */
  kept: Record<string, { count: number; because: string }>;
  batches: number;
  /** The most rows one transaction deleted (its own table's rows; children come with them). */
  largestBatch: number;
  longestBatchMs: number;
  /** The table of the longest batch. */
  longestBatchTable: string | null;
  failures: string[];
  stopped: boolean;
  /** Free pages of an earlier version zeroed by this run (once per database: ../store/retention/freePageScrub.ts). */
  scrubbedPages: number;
  /**
   * The -wal file emptied after the deletes (`cut`), left for the next run because a reader held it (`busy`), or
   * nothing to cut (`none`: no row deleted, or the run stopped).
   */
  walCut: 'cut' | 'busy' | 'failed' | 'none';
}

export interface RetentionJob {
  run(): Promise<JobOutcome>;
  /** Like run, with the figures (tests, the benchmark). */
  runWithReport(): Promise<RetentionReport>;
  /** Makes a run in progress stop after its current batch (shutdown must not wait for a year of backlog). */
  stop(): void;
  describe(): string;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes what has aged out, table by table (src/store/retention/tables.ts), in small transactions with a turn of
 * the event loop between them, so webhooks keep being stored and acknowledged while it runs. A table that fails is
 * logged and skipped; the run then reports failure and the next run starts over (nothing is half-done: each batch is
 * one transaction). Logs counts only, never what a row held.
 */
export function createRetentionJob(deps: {
  store: RetentionStore;
  settings: RetentionSettings;
  logger: Logger;
  now: () => number;
  tables?: readonly RetentionTable[];
  batchRows?: number;
  targetMs?: number;
  /**
   * Each batch's table, rows, wall time and the process' CPU time during it (the benchmark's distribution: on a
   * loaded machine the wall time includes waiting for a core).
   */
  onBatch?: (table: string, rows: number, ms: number, cpuMs: number) => void;
  /**
   * Dead SMS the run deleted unsent, per destination: the relay's dead-letter alert says so rather than resolving as
   * if they had been replayed. Called once, after the run's deletions.
   */
  onUnsentDeleted?: (unsent: readonly UnsentDeleted[]) => void;
}): RetentionJob {
  const { store, settings, logger, now } = deps;
  const tables = deps.tables ?? RETENTION_TABLES;
  const batchRows = deps.batchRows ?? RETENTION_BATCH_ROWS;
  const targetMs = deps.targetMs ?? RETENTION_BATCH_TARGET_MS;
  // Prepared on first use, so a table missing from the schema fails its own step of a run, not smsops' start.
  const deleters = new Map<string, TableDeleter>();
  const deleterFor = (spec: RetentionTable) => {
    let deleter = deleters.get(spec.table);
    if (!deleter) {
      deleter = store.deleter(spec);
      deleters.set(spec.table, deleter);
    }
    return deleter;
  };
  let stopping = false;
  let runs = 0;
  // A cut a reader kept from happening is owed by the next run, even one that deletes nothing.
  let walCutOwed = false;
  let walCutsMissed = 0;

  const windowDays: Record<RetentionWindow, number> = {
    data: settings.days,
    audit: settings.auditDays,
    expiredThreads: settings.days + EXPIRED_THREADS_KEPT_DAYS,
  };

  const runWithReport = async (): Promise<RetentionReport> => {
    runs += 1;
    stopping = false;
    const startedAt = now();
    // Whole hours: a traffic hour is then either kept with all its messages or deleted with its rollup rows.
    const ageCutoff = (window: RetentionWindow) => {
      const days = windowDays[window];
      return days === 0 ? null : hourStartOf(startedAt - days * DAY_MS);
    };
    const report: RetentionReport = {
      deleted: {},
      unsent: {},
      kept: {},
      batches: 0,
      largestBatch: 0,
      longestBatchMs: 0,
      longestBatchTable: null,
      failures: [],
      stopped: false,
      walCut: 'none',
      scrubbedPages: 0,
    };
    const unsent = new Map<string, UnsentDeleted>();
    const count = (table: string, rows: number) => {
      if (rows > 0) report.deleted[table] = (report.deleted[table] ?? 0) + rows;
    };

    // Before the deletions: their pages are zeroed by secure_delete as they are freed. After them, a first run took and
    // gave back those too, 303,126 pages (1.2 GB) instead of the 19,878 an earlier version left, and the WAL grew to
    // 1.29 GB beside a 1.5 GB database, enough to fill a disk that had room for the database twice over (a probe).
    // Awaited only while owed: a run's first batch then starts at once, as a stop right after start expects.
    if (!store.freePageScrub.done()) await scrubFreePages(report);
    for (const spec of tables) {
      if (stopping) break;
      try {
        const deleter = deleterFor(spec);
        const cutoff = deleter.cutoff(ageCutoff(spec.window));
        if (cutoff === null) continue;
        let limit = batchRows;
        let from: number | null = null;
        for (;;) {
          const began = performance.now();
          const cpu = deps.onBatch ? process.cpuUsage() : undefined;
          const batch = deleter.deleteBatch(cutoff, limit, from);
          from = batch.lastAt ?? from;
          const ms = performance.now() - began;
          report.batches += 1;
          if (deps.onBatch && cpu) {
            const used = process.cpuUsage(cpu);
            deps.onBatch(spec.table, batch.rows, ms, (used.user + used.system) / 1000);
          }
          report.largestBatch = Math.max(report.largestBatch, batch.rows);
          if (ms > report.longestBatchMs) {
            report.longestBatchMs = ms;
            report.longestBatchTable = spec.table;
          }
          count(spec.table, batch.rows);
          for (const [child, rows] of Object.entries(batch.children)) count(child, rows);
          if (batch.unsent) for (const u of batch.unsent) addUnsent(report, unsent, u);
          if (batch.rows < limit) break;
          if (ms > targetMs) limit = Math.max(MIN_BATCH_ROWS, Math.floor(limit / 2));
          else if (ms < targetMs / 2) limit = Math.min(batchRows, limit * 2);
          await yieldToEventLoop();
          if (stopping) break;
        }
        if (spec.keptBecause && !stopping) {
          const left = deleter.olderThan(cutoff);
          if (left > 0) report.kept[spec.table] = { count: left, because: spec.keptBecause };
        }
      } catch (error) {
        const failure = `${spec.table}: ${describeError(error)}`;
        report.failures.push(failure);
        logger.warn('retention: a batch failed; the table is left for the next run', {
          table: spec.table,
          error: describeError(error),
        });
      }
      await yieldToEventLoop();
    }
    // Once a run, stopped or not (what its batches deleted is gone either way): told per batch, 500 dead letters spread
    // over a year of SMS were hundreds of edits of one alert within a second, past Slack's rate limit.
    if (unsent.size > 0) tellUnsent([...unsent.values()]);
    report.stopped = stopping;
    if (!stopping && (walCutOwed || report.scrubbedPages > 0 || Object.keys(report.deleted).length > 0)) await cutWalBack(report);
    report.longestBatchMs = Math.round(report.longestBatchMs * 100) / 100;
    logger.info('retention run finished', {
      deleted: report.deleted,
      unsent: report.unsent,
      kept: Object.fromEntries(Object.entries(report.kept).map(([table, k]) => [table, k.count])),
      batches: report.batches,
      longestBatchMs: report.longestBatchMs,
      longestBatchTable: report.longestBatchTable,
      // Deleted rows' pages stay in the file as free pages that new rows reuse (see README: Retention).
      freePages: store.freePages(),
      failures: report.failures.length,
      stopped: report.stopped,
      walCut: report.walCut,
      walCutsMissed,
      scrubbedPages: report.scrubbedPages,
      run: runs,
    });
    return report;
  };

  const addUnsent = (report: RetentionReport, byDestination: Map<string, UnsentDeleted>, u: UnsentDeleted) => {
    report.unsent[u.kind] = (report.unsent[u.kind] ?? 0) + u.n;
    const key = `${u.kind}\n${u.destination}`;
    const seen = byDestination.get(key);
    byDestination.set(key, { ...u, n: (seen?.n ?? 0) + u.n });
  };

  const tellUnsent = (unsent: readonly UnsentDeleted[]) => {
    try {
      deps.onUnsentDeleted?.(unsent);
    } catch (error) {
      logger.warn('retention: the dead-letter alert could not be told of the SMS deleted unsent', {
        error: describeError(error),
      });
    }
  };

  /** Zeroes an earlier version's free pages, once per database, a small transaction per turn of the event loop. */
  const scrubFreePages = async (report: RetentionReport) => {
    const scrub = store.freePageScrub;
    try {
      if (scrub.done()) return;
      for (;;) {
        const step = scrub.step();
        if (step.kind === 'done') break;
        if (step.kind === 'took') report.scrubbedPages += Math.max(0, step.pages);
        await yieldToEventLoop();
        if (stopping) return;
      }
      logger.info('retention: free pages left by an earlier version are zeroed (once per database)', {
        pages: report.scrubbedPages,
      });
    } catch (error) {
      report.failures.push(`zeroing free pages: ${describeError(error)}`);
      logger.warn('retention: zeroing free pages failed; the next run goes on with it', { error: describeError(error) });
    }
  };

  /** Empties the WAL of the deleted rows' old pages (./walCut.ts); a reader in the way leaves it owed, not failed. */
  const cutWalBack = async (report: RetentionReport) => {
    for (let attempt = 1; ; attempt++) {
      const cut = store.cutWal();
      if (cut.outcome === 'cut') {
        walCutOwed = false;
        report.walCut = 'cut';
        return;
      }
      if (cut.outcome === 'failed') {
        walCutOwed = true;
        report.walCut = 'failed';
        report.failures.push(`cutting the WAL back: ${cut.error}`);
        logger.warn('retention: the WAL could not be cut back; the next run tries again', { error: cut.error });
        return;
      }
      if (attempt >= WAL_CUT_TRIES || stopping) break;
      await new Promise((resolve) => setTimeout(resolve, WAL_CUT_RETRY_MS));
    }
    walCutOwed = true;
    walCutsMissed += 1;
    report.walCut = 'busy';
    logger.warn(
      "retention: a reader held the WAL, so the database's files may still hold old pages of deleted rows until the next run cuts it back",
      {
        tries: WAL_CUT_TRIES,
        walCutsMissed,
      },
    );
  };

  return {
    runWithReport,
    run: async () => {
      const report = await runWithReport();
      const summary = summarise(report);
      if (report.failures.length > 0) return { outcome: 'failed', error: `${report.failures.join('; ')} (${summary})` };
      if (report.stopped) return { outcome: 'failed', error: `stopped by shutdown before the end (${summary})` };
      return { outcome: 'ok', summary };
    },
    stop: () => {
      stopping = true;
    },
    describe: () => {
      const days = (n: number) => (n === 0 ? 'never (0 keeps all)' : `after ${n} days`);
      return (
        `Deletes inbound messages whose deliveries all finished, their deliveries, delivery reports, outbound and ` +
        `hourly traffic records, job runs and Slack threads ${days(settings.days)}; the audit log ` +
        `${days(settings.auditDays)}. In small batches that never hold up ingest.`
      );
    },
  };
}

/** Counts only: what a run deleted and kept, fit for a log line and a Slack reply. */
export function summarise(report: RetentionReport): string {
  const deleted = Object.entries(report.deleted).map(([table, rows]) => `${rows} ${table}`);
  const unsent = Object.entries(report.unsent).map(([kind, n]) => `${kind === 'slack' ? 'Slack' : 'PortSIP'}: ${n}`);
  const unsentCount = Object.values(report.unsent).reduce((sum, n) => sum + n, 0);
  const kept = Object.entries(report.kept).map(([table, k]) => `${k.count} older ${table} kept (${k.because})`);
  const parts = [
    deleted.length > 0 ? `deleted ${deleted.join(', ')}` : 'nothing to delete',
    // Dead letters past RETENTION_DAYS: deleted without ever reaching their destination, past any replay.
    ...(unsentCount > 0
      ? [`${unsentCount} dead SMS deleted unsent (${unsent.join(', ')}), older than RETENTION_DAYS and never replayed`]
      : []),
    ...kept,
    `${report.batches} batches, longest ${report.longestBatchMs} ms`,
    ...(report.scrubbedPages > 0 ? [`zeroed ${report.scrubbedPages} free pages an earlier version left`] : []),
    ...(report.walCut === 'busy'
      ? ["the WAL was in use, so the database's files may still hold deleted rows until the next run"]
      : []),
  ];
  return parts.join('; ');
}
