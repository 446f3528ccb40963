import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  cleanup,
  closedLoop,
  fixedCount,
  fmt,
  getJson,
  getText,
  inboundBodies,
  latencyText,
  machineLine,
  makeTempDir,
  numberOption,
  out,
  postJson,
  removeTempDir,
  sleep,
  startNoopServer,
  startPortsipSink,
  startSmsops,
  stringOption,
  table,
} from './load.js';

/**
 * Delivery benchmark: how fast smsops drains a backlog of inbound messages to PortSIP, against a plain keep-alive
 * POST loop to the same sink (the baseline), measured in the same run.
 *
 *   npm run bench:delivery [-- --seconds 5 --messages 20000 --conversations 1000 --pause both|503|hold
 *                             --timeout 600 --cpu-prof-dir /tmp/prof]
 *
 * 1. Baseline: 64 concurrent keep-alive POSTs of the same ~300-byte body from this process to the sink → msg/s.
 * 2. For each pause mode: start smsops (RELAY_CONCURRENCY=64, RELAY_RETRY_BASE_MS=10) with the sink paused, ingest
 *    N messages over many conversations, let the Slack leg drain, then switch the sink to 200 and time until it has
 *    received all N distinct message ids and smsops' PortSIP backlog is 0.
 *    - `503`: the sink answers 503 while paused, so smsops backs off; reported from the switch and from the first
 *      200-answered request (both include the backoff that conversation heads still wait out after the switch).
 *    - `hold`: the sink holds requests unanswered while paused (smsops' attempts stay in flight, no backoff grows), so
 *      the time from the switch is delivery work only.
 * Exits 0 whatever the figures.
 */

const seconds = numberOption('seconds', 5);
const messages = numberOption('messages', 20_000);
const conversations = numberOption('conversations', 1_000);
const relayConcurrency = numberOption('concurrency', 64);
const ingestConcurrency = numberOption('ingest-concurrency', 32);
const timeoutSeconds = numberOption('timeout', 600);
const pauseOption = stringOption('pause', 'both');
const cpuProfDir = stringOption('cpu-prof-dir', '');
const pauses = (pauseOption === 'both' ? ['503', 'hold'] : [pauseOption]) as Array<'503' | 'hold'>;

const WEBHOOK_SECRET = 'bench_secret_0123456789abcdefgh';
const INBOUND_ROUTE = `/webhooks/wavix/inbound/${WEBHOOK_SECRET}`;
const PORTSIP_PATH = '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const PORTSIP_PATH_ENCODED = PORTSIP_PATH.replaceAll(' ', '%20');
const TARGET_MSG_S = 5_000;

interface SinkStats {
  mode: string;
  held: number;
  requests: number;
  answered200: number;
  answered503: number;
  abandoned: number;
  distinct: number;
  duplicates: number;
  wrongPath: number;
  badBody: number;
  orderViolations: number;
  switchedAt: number | null;
  first200At: number | null;
  completeAt: number | null;
  heldAtSwitch: number;
  switchToCompleteMs: number | null;
  first200ToCompleteMs: number | null;
  bucketMs: number;
  timeline: number[];
}

interface RunResult {
  pause: '503' | 'hold';
  stats: SinkStats;
  complete: boolean;
  ingestRps: number;
  portsipBacklog: number;
  failedAttempts: number;
  /** Best delivery rate over any 1 s window after the switch (msg/s). */
  peak1s: number;
}

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

function peakWindow(timeline: number[], bucketMs: number, windowMs: number): number {
  const width = Math.max(1, Math.round(windowMs / bucketMs));
  let best = 0;
  let sum = 0;
  for (let i = 0; i < timeline.length; i += 1) {
    sum += timeline[i] ?? 0;
    if (i >= width) sum -= timeline[i - width] ?? 0;
    best = Math.max(best, sum);
  }
  return (best * 1000) / (Math.min(width, timeline.length) * bucketMs || 1);
}

async function runPause(
  pause: '503' | 'hold',
  sinkUrl: string,
  slackUrl: string,
  configureSink: (config: object) => Promise<SinkStats>,
): Promise<RunResult> {
  out(`\n[smsops, sink paused with ${pause === '503' ? '503 answers' : 'held (unanswered) requests'}]`);
  const dir = makeTempDir('smsops-bench-delivery-');
  await configureSink({ reset: true, mode: pause, target: messages, expectedPath: PORTSIP_PATH_ENCODED });
  const smsops = await startSmsops({
    dir,
    slackApiUrl: `${slackUrl}/`,
    webhookSecret: WEBHOOK_SECRET,
    portsipWebhookUrl: `${sinkUrl}${PORTSIP_PATH}`,
    concurrency: relayConcurrency,
    retryBaseMs: 10,
    ...(cpuProfDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, `delivery-${pause}`)}`] } : {}),
  });
  try {
    const bodies = inboundBodies({ prefix: `del${pause}`, conversations });
    const ingest = await fixedCount(
      { url: smsops.url, next: () => ({ path: INBOUND_ROUTE, body: bodies.next().body }) },
      { count: messages, concurrency: ingestConcurrency },
    );
    out(
      `  ingested ${ingest.ok} messages over ${conversations} conversations in ${fmt(ingest.ms / 1000, 2)} s (${fmt(ingest.rps, 0)} msg/s), ${ingest.errors} errors${ingest.firstError ? ` (first: ${ingest.firstError})` : ''}`,
    );

    // The Slack leg drains first, so that what follows measures the PortSIP leg alone.
    const drainStarted = performance.now();
    let slackBacklog = Number.NaN;
    while (performance.now() - drainStarted < 60_000) {
      slackBacklog = metric(await getText(`${smsops.url}/metrics`), 'smsops_relay_backlog', 'kind="slack"');
      if (slackBacklog === 0) break;
      await sleep(100);
    }
    out(`  Slack leg backlog ${slackBacklog} after ${fmt((performance.now() - drainStarted) / 1000, 1)} s`);
    const before = await configureSink({});
    out(
      `  while paused the sink got ${before.requests} PortSIP requests (${before.answered503} answered 503, ${before.held} held, ${before.abandoned} given up by smsops)`,
    );

    out('  switching the sink to 200 …');
    await configureSink({ mode: '200' });
    const deadline = performance.now() + timeoutSeconds * 1000;
    let stats = await configureSink({});
    let portsipBacklog = Number.NaN;
    while (performance.now() < deadline) {
      stats = await getJson<SinkStats>(`${sinkUrl}/__sink/stats`);
      if (stats.distinct >= messages) {
        portsipBacklog = metric(await getText(`${smsops.url}/metrics`), 'smsops_relay_backlog', 'kind="portsip"');
        if (portsipBacklog === 0) break;
      }
      await sleep(50);
    }
    const metricsText = await getText(`${smsops.url}/metrics`);
    portsipBacklog = metric(metricsText, 'smsops_relay_backlog', 'kind="portsip"');
    const failedAttempts = metric(metricsText, 'smsops_relay_failed_attempts_total', 'kind="portsip"');
    const complete = stats.distinct >= messages;
    out(
      `  sink: ${stats.distinct}/${messages} distinct delivered, ${stats.duplicates} duplicates, ${stats.wrongPath} on a wrong path, ${stats.orderViolations} out of order, ${stats.heldAtSwitch} released at the switch; smsops PortSIP backlog ${portsipBacklog}, ${failedAttempts} failed attempts`,
    );
    if (!complete) out(`  NOT COMPLETE after ${timeoutSeconds} s`);
    return {
      pause,
      stats,
      complete,
      ingestRps: ingest.rps,
      portsipBacklog,
      failedAttempts,
      peak1s: peakWindow(stats.timeline, stats.bucketMs, 1_000),
    };
  } finally {
    await smsops.child.stop(10_000);
    removeTempDir(dir);
  }
}

async function main(): Promise<void> {
  out('smsops delivery benchmark (PortSIP leg)');
  out(machineLine());
  const dir = makeTempDir('smsops-bench-delivery-');

  const { child: sink, url: sinkUrl } = await startPortsipSink(dir);
  const configureSink = (config: object) => postJson<SinkStats>(`${sinkUrl}/__sink/config`, config);

  // Baseline: the same sink, the same path and body size, a plain keep-alive POST loop.
  await configureSink({ reset: true, mode: '200', target: 0, expectedPath: PORTSIP_PATH_ENCODED });
  out(`\n[baseline] closed loop to the sink: 64 concurrent, 1 s warm-up + ${seconds} s …`);
  const baseBodies = inboundBodies({ prefix: 'base', conversations });
  const sample = inboundBodies({ prefix: 'base', conversations }).next().body.length;
  const baseline = await closedLoop(
    { url: sinkUrl, next: () => ({ path: PORTSIP_PATH_ENCODED, body: baseBodies.next().body }) },
    { concurrency: 64, seconds, warmupSeconds: 1 },
  );
  const baseStats = await configureSink({});
  out(
    `  ${fmt(baseline.rps, 0)} msg/s (body ${sample} bytes), ${baseline.errors} errors; sink saw ${baseStats.distinct} distinct, ${baseStats.wrongPath} on a wrong path`,
  );
  out(`  latency: ${latencyText(baseline.latency)}`);

  const slack = await startNoopServer('slack-noop', dir, '{"ok":true,"ts":"1.1"}');
  const results: RunResult[] = [];
  for (const pause of pauses) results.push(await runPause(pause, sinkUrl, slack.url, configureSink));
  await slack.child.stop();
  await sink.stop();

  out('');
  out(
    `Results: ${messages} messages over ${conversations} conversations, RELAY_CONCURRENCY=${relayConcurrency}, RELAY_RETRY_BASE_MS=10`,
  );
  out(machineLine());
  const yes = (rate: number) => (rate >= TARGET_MSG_S ? 'PASS' : 'FAIL');
  const rows: string[][] = [['baseline POST loop (64 conc)', '', fmt(baseline.rps, 0), '1.000', '', yes(baseline.rps)]];
  for (const r of results) {
    const s = r.stats;
    const rate = (ms: number | null) => (ms !== null && ms > 0 && r.complete ? (messages * 1000) / ms : Number.NaN);
    const fromSwitch = rate(s.switchToCompleteMs);
    const fromFirst = rate(s.first200ToCompleteMs);
    const label = r.pause === '503' ? 'smsops, paused by 503' : 'smsops, paused by holding';
    rows.push([
      `${label}: switch → last`,
      fmt((s.switchToCompleteMs ?? Number.NaN) / 1000, 2),
      fmt(fromSwitch, 0),
      fmt(fromSwitch / baseline.rps, 3),
      fmt(r.peak1s, 0),
      yes(fromSwitch),
    ]);
    rows.push([
      `${label}: first 200 → last`,
      fmt((s.first200ToCompleteMs ?? Number.NaN) / 1000, 2),
      fmt(fromFirst, 0),
      fmt(fromFirst / baseline.rps, 3),
      '',
      yes(fromFirst),
    ]);
  }
  out(table(['run', 'seconds', 'msg/s', 'ratio to baseline', 'best 1 s msg/s', `≥ ${TARGET_MSG_S} msg/s`], rows));
}

try {
  await main();
} catch (error) {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
