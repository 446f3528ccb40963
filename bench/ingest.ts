import { join } from 'node:path';
import {
  type ClosedLoopResult,
  cleanup,
  closedLoop,
  fmt,
  getJson,
  getText,
  inboundBodies,
  type LoadTarget,
  latencyText,
  machineLine,
  makeTempDir,
  numberOption,
  type OpenLoopResult,
  openLoop,
  out,
  sleep,
  startNoopServer,
  startSmsops,
  stringOption,
  table,
} from './load.js';

/**
 * Ingest benchmark: Wavix's inbound webhook on smsops against a no-op HTTP server, each in its own process, measured
 * in the same run on the same machine. Closed loop (throughput) and open loop at a fixed rate (ack latency).
 *
 *   npm run bench:ingest [-- --seconds 5 --warmup 1 --concurrency 32 --rate 1000 --cpu-prof-dir /tmp/prof]
 *
 * PORTSIP_WEBHOOK_URL is unset: each message has only its Slack delivery, to a no-op Slack API (also its own
 * process), so this measures ingest, not delivery. The Slack leg is paced as in production (SLACK_RELAY_PACE_MS
 * 1000: coalesced posts once a second, as Slack allows about one message a second per channel). `--slack-pace-ms 0`
 * runs it flat out in the same process, a configuration real Slack would answer with 429s: there it competes with
 * ingest for the same core, and the faster it drains the more often it posts small batches. Targets: smsops/no-op throughput ≥ 0.3, ack p99 ≤ 5 ms at 1,000/s.
 * Always exits 0 unless the benchmark itself fails.
 */

const seconds = numberOption('seconds', 5);
const warmupSeconds = numberOption('warmup', 1);
const concurrency = numberOption('concurrency', 32);
const rate = numberOption('rate', 1000);
const conversations = numberOption('conversations', 5000);
const cpuProfDir = stringOption('cpu-prof-dir', '');
const slackPaceMs = numberOption('slack-pace-ms', 1000);

const WEBHOOK_SECRET = 'bench_secret_0123456789abcdefgh';
const ROUTE = `/webhooks/wavix/inbound/${WEBHOOK_SECRET}`;
const TARGET_RATIO = 0.3;
const TARGET_P99_MS = 5;

interface Measured {
  server: string;
  closed: ClosedLoopResult;
  open: OpenLoopResult;
}

function target(url: string, prefix: string): LoadTarget {
  const bodies = inboundBodies({ prefix, conversations });
  return { url, next: () => ({ path: ROUTE, body: bodies.next().body }) };
}

async function measure(server: string, url: string, prefix: string, beforeOpenLoop?: () => Promise<void>): Promise<Measured> {
  const load = target(url, prefix);
  out(`\n[${server}] closed loop: ${concurrency} concurrent, ${warmupSeconds} s warm-up + ${seconds} s …`);
  const closed = await closedLoop(load, { concurrency, seconds, warmupSeconds });
  out(`  ${fmt(closed.rps, 0)} req/s, ${closed.errors} errors${closed.firstError ? ` (first: ${closed.firstError})` : ''}`);
  out(`  latency under load: ${latencyText(closed.latency)}`);
  await beforeOpenLoop?.();
  out(`[${server}] open loop: ${rate} req/s, 1 s warm-up + ${seconds} s …`);
  const open = await openLoop(load, { rate, seconds, warmupSeconds: 1, maxSockets: 64 });
  out(
    `  ${open.ok}/${open.scheduled} ok, ${open.errors} errors${open.firstError ? ` (first: ${open.firstError})` : ''}, ${open.unanswered} unanswered, at most ${open.maxInFlight} in flight`,
  );
  out(`  from scheduled send: ${latencyText(open.latency)}`);
  out(`  from actual send:    ${latencyText(open.serviceLatency)}`);
  out(`  generator timer lag: p99 ${fmt(open.sendLagP99, 2)} ms, max ${fmt(open.sendLagMax, 2)} ms`);
  return { server, closed, open };
}

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((part) => l.includes(part)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Lets the Slack leg catch up after the closed loop, so the open loop starts from an empty outbox. */
async function waitForEmptyBacklog(url: string, maxMs: number): Promise<void> {
  const started = Date.now();
  let backlog = Number.NaN;
  while (Date.now() - started < maxMs) {
    backlog = (await getJson<{ backlog: number }>(`${url}/healthz`)).backlog;
    if (backlog === 0) break;
    await sleep(100);
  }
  out(`  (Slack leg backlog ${backlog} after ${fmt((Date.now() - started) / 1000, 1)} s of waiting before the open loop)`);
}

async function main(): Promise<void> {
  out('smsops ingest benchmark');
  out(machineLine());
  const dir = makeTempDir('smsops-bench-ingest-');

  const slack = await startNoopServer('slack-noop', dir, '{"ok":true,"ts":"1.1"}');

  const noop = await startNoopServer('noop', dir);
  const noopResult = await measure('no-op', noop.url, 'noop');
  await noop.child.stop();

  const smsops = await startSmsops({
    dir,
    slackApiUrl: `${slack.url}/`,
    webhookSecret: WEBHOOK_SECRET,
    extraEnv: { SLACK_RELAY_PACE_MS: String(slackPaceMs) },
    ...(cpuProfDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, 'ingest')}`] } : {}),
  });
  // At full speed (pace 0) the Slack leg catches up before the open loop; paced as in production, it is behind by
  // design after the closed loop (a storm is posted in coalesced batches over minutes), so there is nothing to wait for.
  const smsopsResult = await measure('smsops', smsops.url, 'ingest', () =>
    slackPaceMs === 0 ? waitForEmptyBacklog(smsops.url, 20_000) : Promise.resolve(),
  );
  const metrics = await getText(`${smsops.url}/metrics`);
  const stored = metric(metrics, 'smsops_webhooks_total', 'route="inbound",outcome="stored"');
  const rejected = metric(metrics, 'smsops_webhooks_total', 'route="inbound",outcome="rejected"');
  const slackDelivered = metric(metrics, 'smsops_relay_delivered_total', 'kind="slack"');
  out(`  smsops stored ${stored} messages (${rejected} rejected); Slack leg delivered ${slackDelivered} so far`);
  await smsops.child.stop();
  await slack.child.stop();

  const rows = [noopResult, smsopsResult].map((m) => [
    m.server,
    fmt(m.closed.rps, 0),
    fmt(m.closed.latency.p99, 2),
    fmt(m.open.latency.p50, 2),
    fmt(m.open.latency.p99, 2),
    fmt(m.open.latency.max, 2),
    String(m.closed.errors + m.open.errors + m.open.unanswered),
  ]);
  out('');
  out(`Results (closed loop: ${concurrency} concurrent, ${seconds} s; open loop: ${rate} req/s, ${seconds} s; latency in ms)`);
  out(machineLine());
  out(
    table(['server', 'req/s', `p99 @${concurrency} conc`, `p50 @${rate}/s`, `p99 @${rate}/s`, `max @${rate}/s`, 'errors'], rows),
  );
  const ratio = smsopsResult.closed.rps / noopResult.closed.rps;
  const p99 = smsopsResult.open.latency.p99;
  const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
  out('');
  out(`throughput ratio smsops/no-op: ${fmt(ratio, 3)}  (target ≥ ${TARGET_RATIO}) ${verdict(ratio >= TARGET_RATIO)}`);
  out(
    `smsops ack p99 at ${rate} req/s: ${fmt(p99, 2)} ms  (target ≤ ${TARGET_P99_MS} ms) ${verdict(p99 <= TARGET_P99_MS && smsopsResult.open.unanswered === 0)}`,
  );
}

try {
  await main();
} catch (error) {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
