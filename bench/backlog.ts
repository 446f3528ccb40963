import { deepStrictEqual } from 'node:assert';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import type { DestinationBacklog } from '../src/core/model/delivery.js';
import { createPollerCache } from '../src/relay/pollerCache.js';
import { closeDatabase, openDatabase } from '../src/store/database.js';
import { BACKLOG_SQL, createDeliveriesRepository } from '../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../src/store/repositories/inbound.js';
import { fmt, machineLine, makeTempDir, numberOption, out, removeTempDir, table } from './load.js';

/**
 * Backlog benchmark: what /metrics and /healthz pay to count the relay backlog, on one real SQLite file.
 *
 *   npm run bench:backlog [-- --messages 100000 --delivered 20000 --poll-seconds 2]
 *
 * Stores `--messages` inbound messages through the ingest path (a PortSIP and a Slack delivery each, 5,000
 * conversations), delivers `--delivered` of the PortSIP ones, and then, in the same run on the same file:
 * - the backlog statement as it was before issue 16 (the baseline, inlined below) against `deliveries.backlog()`,
 *   each the median of 7 reads after one warm-up, with a check that both give the same figures;
 * - the pollers' reader (src/relay/pollerCache.ts) polled back to back for `--poll-seconds`, an event-loop turn
 *   between polls (the worst a scraper can do): the share of that time spent reading the database, and how old the
 *   figures it gave were.
 * Exits 0 whatever the figures.
 */

// src/store/repositories/deliveries.ts before issue 16: min(created_at) read every pending row from the table.
const BASELINE = `
    WITH RECURSIVE dest(kind, name) AS (
      SELECT kinds.kind, (SELECT min(destination) FROM deliveries WHERE destination_kind = kinds.kind)
      FROM (SELECT 'portsip' AS kind UNION ALL SELECT 'slack') AS kinds
      UNION ALL
      SELECT kind, (SELECT min(destination) FROM deliveries WHERE destination_kind = dest.kind AND destination > dest.name)
      FROM dest WHERE name IS NOT NULL)
    SELECT kind AS destinationKind, name AS destination,
      (SELECT count(*) FROM deliveries
        WHERE destination_kind = kind AND destination = name AND status IN ('pending', 'in_flight')) AS pending,
      (SELECT min(created_at) FROM deliveries
        WHERE destination_kind = kind AND destination = name AND status IN ('pending', 'in_flight')) AS oldestPendingCreatedAt,
      (SELECT count(*) FROM deliveries WHERE destination_kind = kind AND destination = name AND status = 'dead') AS dead,
      (SELECT max(delivered_at) FROM deliveries
        WHERE destination_kind = kind AND destination = name AND status = 'delivered') AS lastDeliveredAt
    FROM dest WHERE name IS NOT NULL ORDER BY kind, name`;

const messages = numberOption('messages', 100_000);
const deliveredCount = numberOption('delivered', 20_000);
const pollSeconds = numberOption('poll-seconds', 2);
const PORTSIP_URL = 'http://127.0.0.1:9999/emc/Wavix%20-%20US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';

function medianMs(work: () => unknown, runs = 7): number {
  work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] ?? Number.NaN;
}

const dir = makeTempDir('smsops-bench-backlog-');
const { db } = openDatabase(join(dir, 'smsops.db'));
try {
  const inbound = createInboundRepository(db);
  const deliveries = createDeliveriesRepository(db);
  const rawBody = Buffer.from('x'.repeat(300));
  for (let start = 0; start < messages; start += 200) {
    db.transaction(() => {
      for (let i = start; i < Math.min(messages, start + 200); i++) {
        inbound.insertWithDeliveries(
          {
            wavixMessageId: `m${i}`,
            fromNumber: `4474${String(i % 5000).padStart(8, '0')}`,
            toNumber: '14155550100',
            messageType: 'sms',
            text: 'hello there '.repeat(20),
            media: null,
            receivedAtText: '2026-11-25T10:00:00Z',
            receivedAt: Date.now(),
            contentType: 'application/json',
            rawBody,
          },
          [
            { kind: 'portsip', destination: PORTSIP_URL },
            { kind: 'slack', destination: 'C0BENCH' },
          ],
        );
      }
    })();
  }
  for (let done = 0; done < deliveredCount; ) {
    const claimed = deliveries.claimDue('portsip', 50, 60_000);
    if (claimed.length === 0) break;
    deliveries.inTransaction(() => {
      for (const d of claimed) deliveries.markDelivered(d.id, 200);
    });
    done += claimed.length;
  }

  const baseline = db.prepare<[], DestinationBacklog>(BASELINE);
  const figures = deliveries.backlog();
  deepStrictEqual(figures, baseline.all(), 'the backlog statement and the baseline disagree');
  const baselineMs = medianMs(() => baseline.all());
  const currentMs = medianMs(() => deliveries.backlog());

  // Back to back polls: the reader decides, per poll, whether to read.
  let reads = 0;
  let readMs = 0;
  let polls = 0;
  let oldestMs = 0;
  const poll = createPollerCache(() => {
    const started = performance.now();
    const value = deliveries.backlog();
    readMs += performance.now() - started;
    reads += 1;
    return value;
  });
  const pollStarted = performance.now();
  while (performance.now() - pollStarted < pollSeconds * 1000) {
    oldestMs = Math.max(oldestMs, poll().ageMs);
    polls += 1;
    await turn();
  }
  const pollWallMs = performance.now() - pollStarted;

  const pending = figures.reduce((sum, b) => sum + b.pending, 0);
  out(machineLine());
  out(`backlog: ${pending} deliveries pending in ${figures.length} destinations, ${deliveredCount} delivered`);
  out();
  out(
    table(
      ['backlog read', 'ms (median of 7)', 'vs baseline'],
      [
        ['baseline (min(created_at), before issue 16)', fmt(baselineMs, 2), '1.00'],
        ['deliveries.backlog() now', fmt(currentMs, 2), fmt(currentMs / baselineMs, 2)],
      ],
    ),
  );
  out(
    `at one scrape a second: ${fmt(baselineMs / 10, 1)} % of the loop before, ${fmt(currentMs / 10, 1)} % now (without the pollers' reader)`,
  );
  out();
  out(
    `pollers' reader, polled back to back for ${fmt(pollWallMs / 1000, 1)} s: ${polls} polls, ${reads} database reads, ` +
      `${fmt((100 * readMs) / pollWallMs, 1)} % of the time reading (policy bound ~9 %), oldest figure given ${fmt(oldestMs, 0)} ms`,
  );
  out();
  out('plan of deliveries.backlog() (every figure a seek or a covering index range):');
  for (const row of db.prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN ${BACKLOG_SQL}`).all()) out(`  ${row.detail}`);
} finally {
  closeDatabase(db);
  removeTempDir(dir);
}
