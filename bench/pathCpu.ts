import { join } from 'node:path';
import type { DeliveryTarget, NewInboundMessage } from '../src/core/model/inboundMessage.js';
import { createLogger } from '../src/log.js';
import { createConcurrencyWindow } from '../src/relay/concurrencyWindow.js';
import { ingestInboundMessage } from '../src/relay/ingest.js';
import { startOutboxWorker } from '../src/relay/outbox.js';
import { closeDatabase, openDatabase } from '../src/store/database.js';
import { createRepositories } from '../src/store/openStore.js';
import { fmt, machineLine, makeTempDir, numberOption, out, removeTempDir, table } from './load.js';

/**
 * CPU time per message of smsops' two hot paths, in one process, over a fixed number of messages: what a change to
 * them saves, where the whole process (`bench:production`) cannot show a few µs of its ~150 on a shared machine.
 *
 *   npx tsx bench/pathCpu.ts [--messages 40000 --runs 3]   (not an npm script: package.json is left as it is)
 *
 * - ingest: Wavix inbound webhook bodies through `ingestInboundMessage` (the body's reading, routes, the consent check,
 *   the message and its PortSIP delivery leased as stored), 32 a transaction as the group commit stores them under
 *   load, each PortSIP outcome recorded in the next transaction;
 * - delivery: a backlog of pending PortSIP deliveries (5,000 conversations) drained by the PortSIP worker (claim,
 *   attempt, record) at concurrency 64, the sender answering 2xx on the next turn.
 *
 * `process.cpuUsage()` over the measured messages (after a warm-up for ingest), median and range of `--runs`. To compare
 * two builds, run it in a worktree of each, alternated (bench/README.md, the twentieth round). Exits 0.
 */

const messages = numberOption('messages', 40_000);
const runs = numberOption('runs', 3);
const BATCH = 32;
const WARM_UP = 8_000;
const PORTSIP: DeliveryTarget = { kind: 'portsip', destination: 'http://127.0.0.1:9/portsip' };

const body = (n: number) =>
  Buffer.from(
    `{"message_id":"m-${n}","message_type":"sms","from":"4474${String(n % 5000).padStart(8, '0')}","to":"14155550100",` +
      `"message_body":{"text":"hello","media":null},"received_at":"2026-11-25T10:00:00Z"}`,
  );

const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

function ingestRun(dir: string, run: number): number {
  const { db } = openDatabase(join(dir, `ingest-${run}.db`));
  const r = createRepositories(db, Date.now);
  const deps = {
    inbound: r.inbound,
    deliveryReports: r.deliveryReports,
    rejected: r.rejectedWebhooks,
    schemaWarnings: r.schemaWarnings,
    routes: r.routes,
    defaultPortsipUrl: PORTSIP.destination,
    inboxChannel: 'C0BENCHINBOX',
    now: Date.now,
    leaseNewHead: (_kind: string, isHead: () => boolean) => (isHead() ? Date.now() + 60_000 : null),
  };
  let outcomes: number[] = [];
  const turn = db.transaction((from: number) => {
    for (const id of outcomes) r.deliveries.markDelivered(id, 200);
    outcomes = [];
    for (let n = from; n < from + BATCH; n += 1) {
      const stored = ingestInboundMessage(deps, { route: 'inbound', body: body(n), contentType: 'application/json' });
      if (!stored.ok) throw stored.error;
      for (const delivery of stored.value.leased ?? []) outcomes.push(delivery.id);
    }
  });
  let n = 0;
  for (; n < WARM_UP; n += BATCH) turn(n);
  const since = process.cpuUsage();
  for (const end = n + messages; n < end; n += BATCH) turn(n);
  const micros = cpuMicros(since) / messages;
  closeDatabase(db);
  return micros;
}

async function deliveryRun(dir: string, run: number): Promise<number> {
  const { db } = openDatabase(join(dir, `delivery-${run}.db`));
  const r = createRepositories(db, Date.now);
  const store = db.transaction((from: number, count: number) => {
    for (let n = from; n < from + count; n += 1) {
      const message: NewInboundMessage = {
        wavixMessageId: `m-${n}`,
        fromNumber: `4474${String(n % 5000).padStart(8, '0')}`,
        toNumber: '14155550100',
        messageType: 'sms',
        text: 'hello',
        media: null,
        receivedAtText: '2026-11-25T10:00:00Z',
        receivedAt: null,
        contentType: 'application/json',
        rawBody: body(n),
      };
      r.inbound.insertWithDeliveries(message, [PORTSIP]);
    }
  });
  for (let n = 0; n < messages; n += 1_000) store(n, Math.min(1_000, messages - n));
  let delivered = 0;
  let since: NodeJS.CpuUsage | undefined;
  const micros = await new Promise<number>((resolve) => {
    const worker = startOutboxWorker({
      kind: 'portsip',
      deliveries: r.deliveries,
      inbound: r.inbound,
      concurrency: 64,
      window: createConcurrencyWindow({ floor: 8, ceiling: 64 }),
      prefetch: 32,
      retry: { baseDelayMs: 20, maxDelayMs: 100, deadAfterMs: 3_600_000 },
      idleMs: 20,
      logger: createLogger({ level: 'error', sink: () => {} }),
      onDelivered: () => {
        delivered += 1;
        if (delivered < messages) return;
        const spent = since ? cpuMicros(since) / messages : Number.NaN;
        void worker.stop().then(() => resolve(spent));
      },
      send: async (batch) => {
        since ??= process.cpuUsage();
        await new Promise((next) => setImmediate(next));
        return batch.map(() => ({ delivered: true, statusCode: 200 }));
      },
    });
    worker.wake();
  });
  closeDatabase(db);
  return micros;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const summary = (values: number[]) => `${fmt(median(values), 2)} (${fmt(Math.min(...values), 2)}–${fmt(Math.max(...values), 2)})`;

async function main() {
  out('smsops CPU per message of its hot paths, in-process');
  out(machineLine());
  out(`${messages} messages a run, ${runs} runs`);
  const dir = makeTempDir('smsops-path-cpu-');
  const ingest: number[] = [];
  const delivery: number[] = [];
  try {
    for (let run = 1; run <= runs; run += 1) {
      ingest.push(ingestRun(dir, run));
      delivery.push(await deliveryRun(dir, run));
      out(`  run ${run}: ingest ${fmt(ingest.at(-1) ?? Number.NaN, 2)} µs, delivery ${fmt(delivery.at(-1) ?? Number.NaN, 2)} µs`);
    }
  } finally {
    removeTempDir(dir);
  }
  out();
  out(
    table(
      ['path', 'CPU µs per message, median (range)'],
      [
        ['ingest: body, routes, consent, message and delivery stored, outcome recorded', summary(ingest)],
        ['delivery: claim, attempt (2xx next turn), outcome recorded', summary(delivery)],
      ],
    ),
  );
}

await main();
