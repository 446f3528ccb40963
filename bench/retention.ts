import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRetentionJob } from '../src/jobs/retentionJob.js';
import { silentLogger } from '../src/log.js';
import { closeDatabase, type Db, openDatabase } from '../src/store/database.js';
import { createAuditRepository } from '../src/store/repositories/audit.js';
import { createDeliveryReportsRepository } from '../src/store/repositories/deliveryReports.js';
import { createInboundRepository } from '../src/store/repositories/inbound.js';
import { createJobRunsRepository } from '../src/store/repositories/jobRuns.js';
import { createRejectedWebhooksRepository } from '../src/store/repositories/rejectedWebhooks.js';
import { createSlackThreadsRepository } from '../src/store/repositories/slackThreads.js';
import { createTrafficRepository } from '../src/store/repositories/traffic.js';
import { createRetentionStore } from '../src/store/retention/retentionStore.js';
import { startWalCheckpointer } from '../src/store/walCheckpointer.js';
import { fmt, machineLine, makeTempDir, numberOption, out, percentile, removeTempDir, table } from './load.js';

/**
 * Retention benchmark: steady traffic over many simulated days, with the retention job run once a day, on two real
 * SQLite files in the same run: RETENTION_DAYS=30 and RETENTION_DAYS=0 (keep all, the baseline).
 *
 *   npm run bench:retention [-- --per-day 1000 --days 365 --retention-days 30]
 *
 * Each day, on a moving clock: `--per-day` inbound messages stored through the ingest path (a PortSIP and a Slack
 * delivery each, then delivered), half as many outbound messages with a delivery report, the traffic watch's
 * job runs (every 5 minutes), a few audit entries, rejected webhooks and Slack threads, and the 7-day rollup refresh.
 * Reports the database file size (after a WAL checkpoint) at days 30, 90, 180 and 365, the longest single batch
 * transaction and the longest event-loop stall while retention ran (what a webhook ack could wait), and, at the end,
 * what a one-off VACUUM would reclaim and how long it would hold the database.
 * Exits 0 whatever the figures.
 */

const DAY = 86_400_000;
const perDay = numberOption('per-day', 1000);
const days = numberOption('days', 365);
const retentionDays = numberOption('retention-days', 30);
const checkpoints = [30, 90, 180, 365].filter((d) => d <= days);
if (!checkpoints.includes(days)) checkpoints.push(days);

interface Checkpoint {
  day: number;
  bytes: number;
  freePages: number;
  messages: number;
}

interface VariantResult {
  label: string;
  checkpoints: Checkpoint[];
  longestBatchMs: number;
  longestBatchTable: string | null;
  /** Batch wall and CPU times (ms) per table. */
  batchMs: Map<string, { wall: number[]; cpu: number[] }>;
  longestStallMs: number;
  batches: number;
  retentionMs: number;
  deleted: number;
  seconds: number;
  vacuum?: { bytesAfter: number; ms: number };
  catchUp?: {
    deleted: number;
    batches: number;
    seconds: number;
    longestBatchMs: number;
    longestGapMs: number;
    freePages: number;
    bytes: number;
  };
}

const fileBytes = (db: Db) => {
  db.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(db.name).size;
};

/** The longest gap between two turns of the event loop while `work` runs: the longest a webhook would wait to be read. */
async function withGapProbe<T>(work: () => Promise<T>): Promise<{ value: T; longestGapMs: number }> {
  let ticking = true;
  let lastTick = performance.now();
  let longestGapMs = 0;
  const tick = () => {
    const at = performance.now();
    longestGapMs = Math.max(longestGapMs, at - lastTick);
    lastTick = at;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return { value: await work(), longestGapMs };
  } finally {
    ticking = false;
  }
}

async function simulate(
  label: string,
  settings: { days: number; auditDays: number },
  dir: string,
  catchUpDays?: number,
): Promise<VariantResult> {
  const started = performance.now();
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const db = openDatabase(join(dir, `${label.replace(/\W+/g, '-')}.db`), { now: clock }).db;
  const result: VariantResult = {
    label,
    checkpoints: [],
    longestBatchMs: 0,
    longestBatchTable: null,
    batchMs: new Map(),
    longestStallMs: 0,
    batches: 0,
    retentionMs: 0,
    deleted: 0,
    seconds: 0,
  };
  // As in production: checkpoints in a worker thread, not inside whichever commit crosses 1,000 WAL pages.
  const checkpointer = startWalCheckpointer(db, { logger: silentLogger });
  const inbound = createInboundRepository(db, clock);
  const reports = createDeliveryReportsRepository(db, clock);
  const audit = createAuditRepository(db, clock);
  const jobRuns = createJobRunsRepository(db, clock);
  const rejected = createRejectedWebhooksRepository(db, { now: clock });
  const threads = createSlackThreadsRepository(db, clock);
  const traffic = createTrafficRepository(db, clock);
  const retention = createRetentionJob({
    store: createRetentionStore(db),
    settings,
    logger: silentLogger,
    now: clock,
    onBatch: (table, rows, ms, cpuMs) => {
      if (rows === 0) return;
      const list = result.batchMs.get(table) ?? { wall: [], cpu: [] };
      list.wall.push(ms);
      list.cpu.push(cpuMs);
      result.batchMs.set(table, list);
    },
  });
  const deliverAll = db.prepare(
    "UPDATE deliveries SET status = 'delivered', attempts = 1, delivered_at = ?, last_attempt_at = ? WHERE status = 'pending'",
  );
  const countMessages = db.prepare('SELECT count(*) FROM inbound_messages').pluck();
  const text = 'Your appointment is confirmed for Tuesday at 10:30. Reply C to cancel or R to reschedule. Thanks!';
  let seq = 0;

  const oneDay = db.transaction((dayStart: number) => {
    for (let i = 0; i < perDay; i++) {
      now = dayStart + Math.floor((i * DAY) / perDay);
      const id = `in-${++seq}`;
      const from = `4474001${String(seq % 200).padStart(5, '0')}`;
      const body = JSON.stringify({
        message_id: id,
        message_type: 'sms',
        from,
        to: '14155550100',
        message_body: { text, media: null },
        received_at: new Date(now).toISOString(),
      });
      inbound.insertWithDeliveries(
        {
          wavixMessageId: id,
          fromNumber: from,
          toNumber: '14155550100',
          messageType: 'sms',
          text,
          media: null,
          receivedAtText: new Date(now).toISOString(),
          receivedAt: now,
          contentType: 'application/json',
          rawBody: Buffer.from(body),
        },
        [
          { kind: 'portsip', destination: 'https://pbx.example.com/emc/Wavix - US/a558d635' },
          { kind: 'slack', destination: 'C0INBOX001' },
        ],
      );
      if (i % 2 === 0) {
        const out = `out-${seq}`;
        reports.upsertOutbound({
          wavixMessageId: out,
          fromNumber: '14155550100',
          toNumber: from,
          status: 'sent',
          errorMessage: null,
          segments: 1,
          charge: '0.0075',
          tag: null,
          submittedAt: now,
          sentAt: now,
          deliveredAt: null,
        });
        reports.recordReport({
          wavixMessageId: out,
          fromNumber: '14155550100',
          toNumber: from,
          status: 'delivered',
          error: null,
          segments: 1,
        });
      }
      if (i % 20 === 0) threads.set('C0INBOX001', `${from}→14155550100`, new Date(now).toISOString().slice(0, 10), `${seq}.0001`);
      if (i % 100 === 0)
        rejected.record({ route: 'inbound', reason: 'bad json', contentType: 'text/plain', body: Buffer.from('{') });
    }
    deliverAll.run(now, now);
    for (let run = 0; run < 288; run++) jobRuns.finish(jobRuns.start('traffic-watch'), 'ok');
    for (let entry = 0; entry < 5; entry++)
      audit.record({ actor: 'U0ADMIN001', action: 'route.set', target: '+14155550100', outcome: 'ok' });
  });

  for (let day = 1; day <= days; day++) {
    const dayStart = Date.UTC(2026, 0, 1) + (day - 1) * DAY;
    oneDay(dayStart);
    now = dayStart + DAY - 1;
    traffic.refresh(now - 7 * DAY, now);

    now = dayStart + DAY;
    const began = performance.now();
    const { value: report, longestGapMs } = await withGapProbe(() => retention.runWithReport());
    result.retentionMs += performance.now() - began;
    result.longestStallMs = Math.max(result.longestStallMs, longestGapMs);
    if (report.failures.length > 0) throw new Error(`retention failed: ${report.failures.join('; ')}`);
    if (report.longestBatchMs > result.longestBatchMs) {
      result.longestBatchMs = report.longestBatchMs;
      result.longestBatchTable = report.longestBatchTable;
    }
    result.batches += report.batches;
    result.deleted += Object.values(report.deleted).reduce((a, b) => a + b, 0);

    if (checkpoints.includes(day)) {
      result.checkpoints.push({
        day,
        bytes: fileBytes(db),
        freePages: db.pragma('freelist_count', { simple: true }) as number,
        messages: countMessages.get() as number,
      });
    }
  }
  if (catchUpDays !== undefined) {
    // Turning retention on for a file that kept everything: the whole backlog in one run.
    const catchUp = createRetentionJob({
      store: createRetentionStore(db),
      settings: { days: catchUpDays, auditDays: 365 },
      logger: silentLogger,
      now: clock,
    });
    const began = performance.now();
    const { value: report, longestGapMs } = await withGapProbe(() => catchUp.runWithReport());
    result.catchUp = {
      deleted: Object.values(report.deleted).reduce((a, b) => a + b, 0),
      batches: report.batches,
      seconds: (performance.now() - began) / 1000,
      longestBatchMs: report.longestBatchMs,
      longestGapMs,
      bytes: fileBytes(db),
      freePages: db.pragma('freelist_count', { simple: true }) as number,
    };
  }
  await checkpointer.stop();
  if (settings.days > 0) {
    const began = performance.now();
    db.exec('VACUUM');
    result.vacuum = { ms: performance.now() - began, bytesAfter: fileBytes(db) };
  }
  closeDatabase(db);
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

const mb = (bytes: number) => fmt(bytes / 2 ** 20, 1);

async function main() {
  out(machineLine());
  out(`${perDay} inbound messages/day (2 deliveries each), ${perDay / 2} outbound + reports/day, ${days} days`);
  const dir = makeTempDir('smsops-bench-retention-');
  try {
    const kept = await simulate(`RETENTION_DAYS=${retentionDays}`, { days: retentionDays, auditDays: 365 }, dir);
    const baseline = await simulate('RETENTION_DAYS=0', { days: 0, auditDays: 365 }, dir, retentionDays);
    out();
    out(
      table(
        [
          'day',
          `MB (${retentionDays} d)`,
          'MB (keep all)',
          'ratio',
          `messages (${retentionDays} d)`,
          'messages (keep all)',
          `free pages (${retentionDays} d)`,
        ],
        kept.checkpoints.map((c, i) => {
          const b = baseline.checkpoints[i];
          return [
            String(c.day),
            mb(c.bytes),
            b ? mb(b.bytes) : 'n/a',
            b ? fmt(c.bytes / b.bytes, 2) : 'n/a',
            String(c.messages),
            b ? String(b.messages) : 'n/a',
            String(c.freePages),
          ];
        }),
      ),
    );
    out();
    for (const r of [kept, baseline]) {
      out(
        `${r.label}: ${r.batches} batches, ${r.deleted} rows deleted; longest batch transaction ${fmt(r.longestBatchMs, 2)} ms ` +
          `(${r.longestBatchTable ?? 'none'}), ` +
          `longest gap between event-loop turns during retention ${fmt(r.longestStallMs, 1)} ms; retention ${fmt(r.retentionMs / days, 1)} ms/day ` +
          `(wall, with yields); simulation ${fmt(r.seconds, 0)} s`,
      );
    }
    out();
    out(`batch transactions that deleted rows (${kept.label}), ms of wall time (what ingest waits) and of CPU time:`);
    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return [fmt(percentile(sorted, 50), 2), fmt(percentile(sorted, 99), 2), fmt(sorted.at(-1) ?? Number.NaN, 2)];
    };
    out(
      table(
        ['table', 'batches', 'wall p50', 'p99', 'max', 'CPU p50', 'p99', 'max'],
        [...kept.batchMs.entries()].map(([name, list]) => [
          name,
          String(list.wall.length),
          ...stats(list.wall),
          ...stats(list.cpu),
        ]),
      ),
    );
    const c = baseline.catchUp;
    if (c) {
      out(
        `catch-up: RETENTION_DAYS=${retentionDays} turned on for the keep-all file at day ${days}: ${c.deleted} rows in ` +
          `${c.batches} batches over ${fmt(c.seconds, 1)} s; longest batch ${fmt(c.longestBatchMs, 2)} ms, longest gap between ` +
          `event-loop turns ${fmt(c.longestGapMs, 1)} ms; the file stays ${mb(c.bytes)} MB, ${c.freePages} pages free for new rows`,
      );
    }
    if (kept.vacuum) {
      const last = kept.checkpoints.at(-1);
      out(
        `one-off VACUUM of the ${retentionDays}-day file at day ${days}: ${last ? mb(last.bytes) : 'n/a'} → ${mb(kept.vacuum.bytesAfter)} MB, ` +
          `holding the database for ${fmt(kept.vacuum.ms, 0)} ms (no ingest meanwhile)`,
      );
    }
  } finally {
    if (process.argv.includes('--keep-files')) out(`files kept in ${dir}`);
    else removeTempDir(dir);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
