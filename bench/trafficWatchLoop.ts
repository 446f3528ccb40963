import { performance } from 'node:perf_hooks';
import { readThresholds } from '../src/core/alertRules.js';
import { trafficReport } from '../src/core/traffic.js';
import { evaluateWatch, type WatchSnapshot } from '../src/core/watchRules.js';
import { readInboundHabits } from '../src/jobs/inboundHabits.js';
import { closeDatabase, openDatabase } from '../src/store/database.js';
import { createRepositories } from '../src/store/openStore.js';
import { fmt, makeTempDir, numberOption, out, removeTempDir, table } from './load.js';

/**
 * Where the traffic watch's time goes with many numbers, on a real SQLite file:
 *
 *   npx tsx bench/trafficWatchLoop.ts [-- --numbers 20000]
 *
 * Seeds `--numbers` distinct numbers each getting an inbound SMS every 8 hours over the last 7 days (the hostile
 * shape: random `to` numbers, each its own traffic_hourly rows), and 3,000 sending numbers with 3 outbound SMS each in
 * the last hour, one failed. Then runs the watch's reads one by one as the job does (the stepped refresh, the backlog,
 * the last hour's failures, the inbound habits, the rules, the digest's report) and prints for each its wall time and
 * the longest stretch the event loop was held (see `measure`). Exits 0 whatever the figures.
 */

const numbers = numberOption('numbers', 20_000);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const dir = makeTempDir('smsops-watch-loop-');
const { db } = openDatabase(`${dir}/smsops.db`);
const now = Date.parse('2026-11-28T12:30:00Z');
const repos = createRepositories(db, () => now);

const seedStart = performance.now();
db.exec(`
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${numbers - 1}),
    k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 20)
  INSERT INTO inbound_messages (wavix_message_id, from_number, to_number, message_type, received_at_text, ingested_at,
    content_type, raw_body)
  SELECT 'in-' || i || '-' || j, '447911100000', printf('1415%07d', i), 'sms', '', ${now} - j * ${8 * HOUR} - (i % 3600) * 1000,
    'application/json', x'7b7d'
  FROM n, k;
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2999),
    k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 2)
  INSERT INTO outbound_messages (wavix_message_id, from_number, to_number, status, error_message, submitted_at, updated_at)
  SELECT 'out-' || i || '-' || j, printf('1415%07d', i), '447911100000', CASE j WHEN 0 THEN 'undelivered' ELSE 'delivered' END,
    CASE j WHEN 0 THEN 'carrier rejected' END, ${now} - 50 * 60000 + j * 1000, ${now}
  FROM n, k;
`);
repos.traffic.rebuild(now - 8 * DAY, now + HOUR);
out(`seeded ${numbers} numbers (${fmt(numbers * 21)} inbound SMS) in ${fmt(performance.now() - seedStart)} ms`);

/**
 * Runs `step`, a timer firing every millisecond meanwhile: its wall time, the longest gap between firings, and the
 * most CPU time spent between two firings (the loop held by work: on a busy machine a gap also counts the time the
 * process waited for a CPU, or for the disk).
 */
async function measure<T>(step: () => T | Promise<T>): Promise<{ value: T; wallMs: number; longestMs: number; cpuMs: number }> {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let longest = 0;
  let cpu = 0;
  let ticking = true;
  const tick = () => {
    const at = performance.now();
    const spent = process.cpuUsage(lastCpu);
    longest = Math.max(longest, at - last);
    cpu = Math.max(cpu, (spent.user + spent.system) / 1000);
    last = at;
    lastCpu = process.cpuUsage();
    if (ticking) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  const start = performance.now();
  last = start;
  lastCpu = process.cpuUsage();
  const value = await step();
  const end = performance.now();
  ticking = false;
  const spent = process.cpuUsage(lastCpu);
  longest = Math.max(longest, end - last);
  cpu = Math.max(cpu, (spent.user + spent.system) / 1000);
  return { value, wallMs: end - start, longestMs: longest, cpuMs: cpu };
}

const rows: string[][] = [];
const record = async <T>(name: string, step: () => T | Promise<T>): Promise<T> => {
  const m = await measure(step);
  rows.push([name, fmt(m.wallMs), fmt(m.longestMs), fmt(m.cpuMs)]);
  return m.value;
};

// Every hour of the week stale, as after a restore or the first run on a copied file.
db.exec(`INSERT OR IGNORE INTO traffic_stale_hours SELECT DISTINCT hour_start FROM traffic_hourly`);
const whole = await measure(async () => {
  await record('refreshInSteps (8 days, every hour stale)', () => repos.traffic.refreshInSteps(now - 8 * DAY, now + HOUR));
  const snapshot: WatchSnapshot = { now, backlog: await record('deliveries.backlog', () => repos.deliveries.backlog()) };
  snapshot.lastHour = await record('outboundFinished (last hour)', () => repos.traffic.outboundFinished(now - HOUR, now));
  const thresholds = readThresholds(repos.alerts);
  snapshot.inbound = await record(
    'readInboundHabits',
    async () => await readInboundHabits(repos.traffic, repos.alerts.open(), now, (thresholds.inbound_silence_hours ?? 6) * HOUR),
  );
  const held = Array.from({ length: 3000 }, (_, i) => `1415${String(i).padStart(7, '0')}`);
  snapshot.account = {
    numbers: [],
    accountPointsAtSmsops: true,
    accountSeenPointingAtSmsops: true,
    baselines: [],
    heldNumbers: held,
    balanceUsd: 100,
  };
  const verdict = await record('evaluateWatch', () => evaluateWatch(snapshot, thresholds));
  out(
    `alerts firing: ${verdict.firing.length} (${verdict.firing
      .map((a) => a.rule)
      .filter((r, i, a) => a.indexOf(r) === i)
      .join(', ')})`,
  );
  await record("digest's trafficReport (24h)", () => trafficReport({ traffic: repos.traffic, now: () => now }, '24h'));
});
rows.push(['the whole', fmt(whole.wallMs), fmt(whole.longestMs), fmt(whole.cpuMs)]);
out(table(['step', 'wall ms', 'longest gap ms', 'most CPU in a gap ms'], rows));
closeDatabase(db);
removeTempDir(dir);
