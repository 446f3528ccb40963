import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { productionEnv, smsopsNodeArgs } from '../test/helpers/smsopsProcess.js';
import {
  cleanEnv,
  cleanup,
  closedLoop,
  fmt,
  freePort,
  getJson,
  getText,
  inboundBodies,
  type LatencySummary,
  type ManagedChild,
  machineLine,
  makeTempDir,
  numberOption,
  openLoop,
  out,
  PROJECT_DIR,
  postJson,
  sleep,
  startChild,
  startNoopServer,
  startPortsipSink,
  stringOption,
  TSX,
  table,
} from './load.js';
import {
  backlogGrew,
  metricValue,
  parseCpuTotals,
  parseProcStatTicks,
  parseProcStatus,
  parseSchedstat,
  parseWrkResult,
  type Spread,
  spread,
  type WrkResult,
} from './measure.js';

/**
 * smsops in production shape against the ceilings it is compared with, in one run on one machine:
 *
 *   npm run bench:production [-- --runs 3 --seconds 30 --latency-seconds 15 --rate 1000 --connections 32
 *                                --threads 1 --conversations 5000 --from dist|src --relay-concurrency N
 *                                --sample-ms 1000 --out bench/results/latest.json --cpu-prof-dir /tmp/prof --smsops-only]
 *
 * Production shape: `npm run build` (into a temp folder) started as `NODE_ENV=production node dist/main.js` with a
 * PortSIP route (PORTSIP_WEBHOOK_URL) and a Slack inbox channel, the Slack leg paced as by default, every other
 * setting at its default. The PortSIP sink (bench/portsipSink.ts) and the fake Slack API (bench/fakeSlackServer.ts)
 * each run in their own process; every request carries a unique Wavix message_id. Webhooks are authenticated by
 * the secret path segment (WEBHOOK_SECRET), as Wavix calls them; Wavix signs nothing.
 *
 * Each run (repeated `--runs` times, a fresh smsops and database each time) measures, with the same load generator
 * and settings on every server:
 *   a. ingest: acknowledged requests/s, closed loop (wrk -t1 -c32 for `--seconds`), smsops vs a no-op node:http
 *      server (bench/noopServer.ts);
 *   b. sustained relay: messages acknowledged and delivered to the sink per second over the same closed-loop run
 *      (counted at the sink: distinct ids, duplicates and order checked), vs a non-durable forwarder
 *      (bench/forwarder.ts: forwards each body to the same sink with keep-alive, then answers); the backlog at the
 *      end (acknowledged − delivered, and smsops' smsops_relay_backlog gauge) and its trend over the run; and vs the
 *      durable floor (bench/durableForwarder.ts: stores each body, answers, then forwards it: what durability itself
 *      costs here, so what smsops pays above it is its own);
 *   c. ack latency p50/p99 at a fixed `--rate` with both legs on (open loop, from each request's scheduled time), and
 *      the no-op server's and the durable floor's at the same rate;
 *   and smsops' RSS idle and during the run (/proc/<pid>/status VmRSS, VmHWM), its CPU use, and the time from
 *   spawn until /healthz answers 200.
 *
 * Load generators: wrk for the closed loops (C, one thread, so it takes less of the 2 cores from the servers than a
 * Node generator would; bench/wrk/inbound.lua gives each request its unique id). wrk cannot send at a fixed rate,
 * so (c) uses the open-loop generator of bench/load.ts: it sends on schedule whatever the answers do and measures
 * from the scheduled time (no coordinated omission). Without wrk (`apt-get install -y wrk`, `brew install wrk`)
 * the closed loops fall back to bench/load.ts' closed loop, which is said in the output and the JSON.
 *
 * smsops' CPU time per message (process CPU, every thread, from /proc) is reported for both phases: on a shared machine
 * it moves less from run to run than the latencies and rates do, so it is what to compare two builds by
 * (`--smsops-only` skips the baselines for that).
 *
 * `--floor-args "--schema smsops --store-thread worker"` measures another durable floor: smsops' own schema and
 * statements instead of one table, and the connection on a thread of its own (bench/floorStore.ts).
 *
 * `--answers-out DIR` writes every answer of smsops' fixed-rate phase to DIR/run<N>-answers.json, as
 * [ms since the measured phase began (scheduled), latency ms, generator's send lag ms]: when the slow ones came.
 *
 * `--cpu-prof-dir` starts smsops with `--cpu-prof`: one .cpuprofile per run (the whole life of the process, fixed rate
 * and closed loop), written when it stops.
 *
 * Prints a table with the targets of issue 16 beside each figure and writes the JSON to `--out`. Exits 0 whatever
 * the figures.
 */

const runs = numberOption('runs', 3);
const seconds = numberOption('seconds', 30);
const latencySeconds = numberOption('latency-seconds', 15);
const rate = numberOption('rate', 1000);
const connections = numberOption('connections', 32);
const threads = numberOption('threads', 1);
const conversations = numberOption('conversations', 5000);
const from = stringOption('from', 'dist') === 'src' ? 'src' : 'dist';
const relayConcurrency = numberOption('relay-concurrency', 0);
const sampleMs = numberOption('sample-ms', 1000);
const drainTimeoutSeconds = numberOption('drain-timeout', 180);
const cpuProfDir = stringOption('cpu-prof-dir', '');
// Passed on to bench/durableForwarder.ts, e.g. `--schema smsops --store-thread worker`: what the floor stores, and where.
const floorArgs = stringOption('floor-args', '').split(' ').filter(Boolean);
// For comparing two builds of smsops quickly: no no-op server or forwarder (their figures and the ratios are NaN).
const smsopsOnly = process.argv.includes('--smsops-only');
// Where each fixed-rate answer of smsops is written (its time and latency), for finding when the slow ones came.
const answersOutDir = stringOption('answers-out', '');
const outPath = stringOption('out', join(PROJECT_DIR, 'bench', 'results', 'latest.json'));

const WEBHOOK_SECRET = 'bench_secret_0123456789abcdefgh';
const INBOUND_ROUTE = `/webhooks/wavix/inbound/${WEBHOOK_SECRET}`;
const PORTSIP_PATH = '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const PORTSIP_PATH_ENCODED = PORTSIP_PATH.replaceAll(' ', '%20');
const INBOX_CHANNEL = 'C0BENCHINBOX';
const BODY_BYTES = 300;
const WRK_SCRIPT = join(PROJECT_DIR, 'bench', 'wrk', 'inbound.lua');
/** Linux reports process CPU time in clock ticks of 1/100 s (sysconf(_SC_CLK_TCK) on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

const TARGETS = {
  ingestRatio: 0.35,
  relayRatio: 0.6,
  ackP99Ms: 5,
  rssIdleMb: 150,
  rssLoadMb: 300,
  healthzSeconds: 2,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Load

const wrkAvailable = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).error === undefined;
const generator = wrkAvailable
  ? `wrk -t${threads} -c${connections} -d${seconds}s`
  : `bench/load.ts closed loop, ${connections} concurrent`;

/** Text padding so that a body is about BODY_BYTES long, as bench/load.ts' inboundBodies makes them. */
function paddingText(prefix: string): string {
  const probe = JSON.stringify({
    message_id: `${prefix}-t0-c${conversations - 1}-s99999`,
    message_type: 'sms',
    from: '447400000000',
    to: '14155550100',
    message_body: { text: '', media: null },
    received_at: '2026-11-25T10:00:00Z',
  }).length;
  const base = 'Hello from the smsops benchmark. ';
  const length = Math.max(0, BODY_BYTES - probe);
  return base.repeat(Math.ceil(length / base.length)).slice(0, length);
}

interface ClosedResult {
  generator: string;
  ok: number;
  okPerSecond: number;
  seconds: number;
  /** Answers other than 2xx plus socket errors and timeouts. */
  errors: number;
  latencyMs: { p50: number; p99: number; max: number };
}

function runWrk(url: string, path: string, prefix: string): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const args = [
      `-t${threads}`,
      `-c${connections}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      WRK_SCRIPT,
      `${url}${path}`,
      '--',
      prefix,
      String(conversations),
      paddingText(prefix),
    ];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve(parseWrkResult(stdout));
      } catch (error) {
        reject(new Error(`wrk exited ${code}: ${stderr}\n${error instanceof Error ? error.message : String(error)}`));
      }
    });
  });
}

async function closedLoad(url: string, prefix: string): Promise<ClosedResult> {
  if (wrkAvailable) {
    const r = await runWrk(url, INBOUND_ROUTE, prefix);
    const errors = r.errors.status + r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
    return { generator, ok: r.ok, okPerSecond: r.okPerSecond, seconds: r.seconds, errors, latencyMs: r.latencyMs };
  }
  const bodies = inboundBodies({ prefix, conversations, targetBytes: BODY_BYTES });
  const r = await closedLoop(
    { url, next: () => ({ path: INBOUND_ROUTE, body: bodies.next().body }) },
    { concurrency: connections, seconds, warmupSeconds: 0 },
  );
  return {
    generator,
    ok: r.ok,
    okPerSecond: r.rps,
    seconds,
    errors: r.errors,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
  };
}

interface FixedRateResult {
  rate: number;
  seconds: number;
  scheduled: number;
  ok: number;
  errors: number;
  unanswered: number;
  latencyMs: LatencySummary;
  generatorLagP99Ms: number;
}

async function fixedRate(url: string, prefix: string, answersFile?: string): Promise<FixedRateResult> {
  const bodies = inboundBodies({ prefix, conversations, targetBytes: BODY_BYTES });
  const r = await openLoop(
    { url, next: () => ({ path: INBOUND_ROUTE, body: bodies.next().body }) },
    { rate, seconds: latencySeconds, warmupSeconds: 1, maxSockets: 64, recordAnswers: answersFile !== undefined },
  );
  if (answersFile && r.answers) {
    mkdirSync(dirname(answersFile), { recursive: true });
    writeFileSync(answersFile, JSON.stringify(r.answers));
  }
  return {
    rate,
    seconds: latencySeconds,
    scheduled: r.scheduled,
    ok: r.ok,
    errors: r.errors,
    unanswered: r.unanswered,
    latencyMs: r.latency,
    generatorLagP99Ms: r.sendLagP99,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

interface SinkStats {
  requests: number;
  distinct: number;
  duplicates: number;
  wrongPath: number;
  badBody: number;
  orderViolations: number;
}

/** A bench server run through tsx, ready once it prints `{"msg":"<listening>","url":...}`. */
async function startBenchServer(
  dir: string,
  name: string,
  script: string,
  args: string[],
  listening: string,
): Promise<{ child: ManagedChild; url: string }> {
  let url = '';
  const ready = new RegExp(`"msg":"${listening}","url":"([^"]+)"`);
  const child = await startChild({
    name,
    command: TSX,
    args: [join(PROJECT_DIR, 'bench', script), ...args],
    env: cleanEnv(),
    cwd: dir,
    readyLine: (line) => {
      url = ready.exec(line)?.[1] ?? url;
      return url !== '';
    },
  });
  return { child, url };
}

const startFakeSlackProcess = (dir: string) =>
  startBenchServer(dir, 'fake-slack', 'fakeSlackServer.ts', [], 'fake slack listening');

const startDurableFloor = (dir: string, target: string) =>
  startBenchServer(
    dir,
    'durable-floor',
    'durableForwarder.ts',
    ['--target', target, '--db', join(dir, `durable-floor-${Date.now()}.db`), ...floorArgs],
    'durable floor listening',
  );

const startForwarder = (dir: string, target: string) =>
  startBenchServer(dir, 'forwarder', 'forwarder.ts', ['--target', target], 'forwarder listening');

/** `npm run build` into `<dir>/app/dist`, next to links to the project's node_modules, migrations and assets. */
function buildApp(dir: string): { appDir: string; seconds: number } {
  const appDir = join(dir, 'app');
  mkdirSync(appDir, { recursive: true });
  const started = performance.now();
  const built = spawnSync(process.execPath, [join(PROJECT_DIR, 'scripts', 'build.mjs'), '--out-dir', join(appDir, 'dist')], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stdout}\n${built.stderr}`);
  copyFileSync(join(PROJECT_DIR, 'package.json'), join(appDir, 'package.json'));
  for (const name of ['node_modules', 'migrations', 'assets']) symlinkSync(join(PROJECT_DIR, name), join(appDir, name));
  return { appDir, seconds: (performance.now() - started) / 1000 };
}

interface SmsopsUnderLoad {
  child: ManagedChild;
  url: string;
  /** From spawn until /healthz first answered 200 (polled every 10 ms). */
  healthzSeconds: number;
}

async function startSmsopsProduction(options: {
  dir: string;
  appDir: string | null;
  slackApiUrl: string;
  sinkUrl: string;
  run: number;
}): Promise<SmsopsUnderLoad> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    NODE_ENV: 'production',
    ...productionEnv({ port, databasePath: join(options.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
    SLACK_API_URL: options.slackApiUrl,
    // Always set: without it smsops posts to SLACK_ALERT_CHANNEL, so there is no run without the Slack leg.
    SLACK_INBOX_CHANNEL: INBOX_CHANNEL,
    PORTSIP_WEBHOOK_URL: `${options.sinkUrl}${PORTSIP_PATH}`,
    ...(relayConcurrency ? { RELAY_CONCURRENCY: String(relayConcurrency) } : {}),
  };
  const profile = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, `run${options.run}`)}`] : [];
  const args = [...profile, ...(options.appDir ? [join(options.appDir, 'dist', 'main.js')] : smsopsNodeArgs())];
  const started = performance.now();
  // The node process itself (no tsx CLI in between), so that its pid is the one whose /proc files are read.
  const child = await startChild({
    name: 'smsops',
    command: process.execPath,
    args,
    env,
    cwd: options.dir,
    readyUrl: `${url}/healthz`,
    readyPollMs: 10,
  });
  return { child, url, healthzSeconds: (performance.now() - started) / 1000 };
}

function procStatus(pid: number): { rssMb: number; hwmMb: number } {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return { rssMb: Number.NaN, hwmMb: Number.NaN };
  }
}

function cpuSeconds(pid: number): number {
  try {
    return parseProcStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

function schedstat(pid: number): { runNs: number; waitNs: number } {
  try {
    return parseSchedstat(readFileSync(`/proc/${pid}/schedstat`, 'utf8'));
  } catch {
    return { runNs: Number.NaN, waitNs: Number.NaN };
  }
}

function machineCpu(): { busy: number; total: number; steal: number } {
  try {
    return parseCpuTotals(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return { busy: Number.NaN, total: Number.NaN, steal: Number.NaN };
  }
}

/** smsops' /metrics text, or '' when the scrape failed or timed out (an overloaded machine): its figures are then NaN. */
async function scrape(url: string): Promise<string> {
  try {
    return await getText(`${url}/metrics`);
  } catch {
    return '';
  }
}

const configureSink = (sinkUrl: string, config: object) => postJson<SinkStats>(`${sinkUrl}/__sink/config`, config);
const sinkStats = (sinkUrl: string) => getJson<SinkStats>(`${sinkUrl}/__sink/stats`);
const backlogOf = (metrics: string, kind: string) => metricValue(metrics, 'smsops_relay_backlog', { kind });

// ---------------------------------------------------------------------------------------------------------------
// One run

interface BaselineResult {
  noop: { closed: ClosedResult; fixedRate: FixedRateResult };
  forwarder: { closed: ClosedResult; delivered: number; duplicates: number; relayPerSecond: number };
  /** bench/durableForwarder.ts: stores each webhook (no index), answers, then forwards; what durability costs here. */
  durableFloor: {
    closed: ClosedResult;
    delivered: number;
    duplicates: number;
    relayPerSecond: number;
    fixedRate: FixedRateResult;
  };
}

interface SmsopsResult {
  healthzSeconds: number;
  rssIdleMb: number;
  /** 12 s after /healthz: past V8's memory reducer, which runs ~8 s after start-up's last full collection. */
  rssSettledMb: number;
  fixedRate: FixedRateResult & {
    portsipBacklogAfter: number;
    secondsToDrainAfter: number;
    cpuMicrosPerMessage: number;
    /** From smsops' /metrics over the phase: its group commits, per message scheduled and the writes each carried. */
    commitsPerMessage: number;
    writesPerCommit: number;
    /** Time the commits were held while the WAL was restarted (smsops_store_wal_gate_held_seconds). */
    walGateHeldMs: number;
  };
  /** 0 unless the backlog of the fixed-rate phase did not drain in time (then the sink's counts include it). */
  portsipBacklogBeforeClosedLoop: number;
  closed: ClosedResult;
  delivered: number;
  relayPerSecond: number;
  duplicates: number;
  orderViolations: number;
  wrongPath: number;
  backlogAtEnd: { ackedMinusDelivered: number; portsipGauge: number; slackGauge: number };
  backlogTrend: { grew: boolean; slopePerSecond: number; samples: Array<{ t: number; value: number }> };
  rssDuringRunMaxMb: number;
  vmHwmMb: number;
  cpuPercentDuringRun: number;
  /** smsops' CPU time (all threads) in the closed loop per message delivered to the sink. */
  cpuMicrosPerMessage: number;
  /** How busy all the machine's cores were during the closed loop (every process, this benchmark's and others'). */
  machineBusyPercent: number;
  /**
   * Share of the machine's CPU time the hypervisor gave to other guests during the closed loop (/proc/stat steal):
   * on a shared VM the figures of a run with much of it are the neighbours' as much as smsops'.
   */
  stealPercent: number;
  /** Share of the closed loop smsops' main (JavaScript) thread was ready to run but waited for a CPU (schedstat). */
  mainThreadWaitingPercent: number;
  drain: { seconds: number; complete: boolean; distinct: number; duplicates: number; acked: number };
}

interface RunResult {
  run: number;
  loadAverage: number[];
  baseline: BaselineResult;
  smsops: SmsopsResult;
}

async function measureBaselines(dir: string, sinkUrl: string, run: number): Promise<BaselineResult> {
  const noop = await startNoopServer('noop', dir);
  out(`  no-op server: closed loop (${generator}) …`);
  const noopClosed = await closedLoad(noop.url, `r${run}-noop`);
  out(`    ${fmt(noopClosed.okPerSecond, 0)} req/s, ${noopClosed.errors} errors`);
  out(`  no-op server: ${rate}/s for ${latencySeconds} s …`);
  const noopFixed = await fixedRate(noop.url, `r${run}-noopfix`);
  out(`    p50 ${fmt(noopFixed.latencyMs.p50, 2)} ms, p99 ${fmt(noopFixed.latencyMs.p99, 2)} ms`);
  await noop.child.stop();

  const forwarder = await startForwarder(dir, `${sinkUrl}${PORTSIP_PATH_ENCODED}`);
  await configureSink(sinkUrl, { reset: true, mode: '200', target: 0, expectedPath: PORTSIP_PATH_ENCODED });
  out(`  non-durable forwarder: closed loop (${generator}) …`);
  const fwdClosed = await closedLoad(forwarder.url, `r${run}-fwd`);
  const fwdSink = await sinkStats(sinkUrl);
  await forwarder.child.stop();
  const relayPerSecond = fwdSink.distinct / fwdClosed.seconds;
  out(
    `    ${fmt(fwdClosed.okPerSecond, 0)} req/s acknowledged, ${fmt(relayPerSecond, 0)} msg/s at the sink, ${fwdSink.duplicates} duplicates, ${fwdClosed.errors} errors`,
  );

  const floor = await startDurableFloor(dir, `${sinkUrl}${PORTSIP_PATH_ENCODED}`);
  await configureSink(sinkUrl, { reset: true, mode: '200', target: 0, expectedPath: PORTSIP_PATH_ENCODED });
  out(`  durable floor (stores, answers, then forwards): closed loop (${generator}) …`);
  const floorClosed = await closedLoad(floor.url, `r${run}-floor`);
  const floorSink = await sinkStats(sinkUrl);
  const floorPerSecond = floorSink.distinct / floorClosed.seconds;
  out(
    `    ${fmt(floorClosed.okPerSecond, 0)} req/s acknowledged, ${fmt(floorPerSecond, 0)} msg/s at the sink, ${floorSink.duplicates} duplicates, ${floorClosed.errors} errors`,
  );
  out(`  durable floor: ${rate}/s for ${latencySeconds} s …`);
  const floorFixed = await fixedRate(floor.url, `r${run}-floorfix`);
  out(`    p50 ${fmt(floorFixed.latencyMs.p50, 2)} ms, p99 ${fmt(floorFixed.latencyMs.p99, 2)} ms`);
  await floor.child.stop();
  return {
    noop: { closed: noopClosed, fixedRate: noopFixed },
    forwarder: { closed: fwdClosed, delivered: fwdSink.distinct, duplicates: fwdSink.duplicates, relayPerSecond },
    durableFloor: {
      closed: floorClosed,
      delivered: floorSink.distinct,
      duplicates: floorSink.duplicates,
      relayPerSecond: floorPerSecond,
      fixedRate: floorFixed,
    },
  };
}

function skippedBaselines(): BaselineResult {
  const closed: ClosedResult = {
    generator,
    ok: Number.NaN,
    okPerSecond: Number.NaN,
    seconds: Number.NaN,
    errors: 0,
    latencyMs: { p50: Number.NaN, p99: Number.NaN, max: Number.NaN },
  };
  const none = Number.NaN;
  const latencyMs: LatencySummary = { count: 0, mean: none, p50: none, p90: none, p99: none, max: none };
  const fixedRate: FixedRateResult = {
    rate,
    seconds: latencySeconds,
    scheduled: 0,
    ok: 0,
    errors: 0,
    unanswered: 0,
    latencyMs,
    generatorLagP99Ms: Number.NaN,
  };
  return {
    noop: { closed, fixedRate },
    forwarder: { closed, delivered: Number.NaN, duplicates: 0, relayPerSecond: Number.NaN },
    durableFloor: { closed, delivered: Number.NaN, duplicates: 0, relayPerSecond: Number.NaN, fixedRate },
  };
}

async function measureSmsops(
  dir: string,
  appDir: string | null,
  slackApiUrl: string,
  sinkUrl: string,
  run: number,
): Promise<SmsopsResult> {
  await configureSink(sinkUrl, { reset: true, mode: '200', target: 0, expectedPath: PORTSIP_PATH_ENCODED });
  const smsops = await startSmsopsProduction({ dir, appDir, slackApiUrl, sinkUrl, run });
  const pid = smsops.child.pid;
  try {
    out(`  smsops: /healthz 200 after ${fmt(smsops.healthzSeconds, 2)} s`);
    await sleep(2_000);
    const rssIdleMb = procStatus(pid).rssMb;
    // The target is judged 2 s after start (start-up's young generation still at full size); an idle process settles
    // lower once V8's memory reducer has run, and both are reported so that neither is mistaken for the other.
    await sleep(10_000);
    const rssSettledMb = procStatus(pid).rssMb;
    out(
      `  smsops: idle RSS ${fmt(rssIdleMb, 0)} MB at 2 s, ${fmt(rssSettledMb, 0)} MB at 12 s; ${rate}/s for 1 s warm-up + ${latencySeconds} s …`,
    );
    const commitsOf = (metrics: string) => ({
      commits: metricValue(metrics, 'smsops_store_commits_total', {}),
      writes: metricValue(metrics, 'smsops_store_committed_writes_total', {}),
      gateHeldSeconds: metricValue(metrics, 'smsops_store_wal_gate_held_seconds', {}),
    });
    const commits0 = commitsOf(await scrape(smsops.url));
    const fixedCpu0 = cpuSeconds(pid);
    const fixed = await fixedRate(
      smsops.url,
      `r${run}-fix`,
      answersOutDir ? join(answersOutDir, `run${run}-answers.json`) : undefined,
    );
    // The warm-up second is sent too, and counted in fixed.ok only past it: CPU per request scheduled.
    const fixedCpuMicrosPerMessage = ((cpuSeconds(pid) - fixedCpu0) * 1e6) / Math.max(1, fixed.scheduled);
    const metricsAfterFixed = await scrape(smsops.url);
    const portsipBacklogAfter = backlogOf(metricsAfterFixed, 'portsip');
    const commits1 = commitsOf(metricsAfterFixed);
    const fixedCommitsPerMessage = (commits1.commits - commits0.commits) / Math.max(1, fixed.scheduled);
    const fixedWritesPerCommit = (commits1.writes - commits0.writes) / Math.max(1, commits1.commits - commits0.commits);
    const fixedGateHeldMs = (commits1.gateHeldSeconds - commits0.gateHeldSeconds) * 1000;
    out(
      `    p50 ${fmt(fixed.latencyMs.p50, 2)} ms, p99 ${fmt(fixed.latencyMs.p99, 2)} ms, max ${fmt(fixed.latencyMs.max, 1)} ms; ${fixed.errors} errors, ${fixed.unanswered} unanswered, generator timer lag p99 ${fmt(fixed.generatorLagP99Ms, 2)} ms; PortSIP backlog after: ${portsipBacklogAfter}; smsops CPU ${fmt(fixedCpuMicrosPerMessage, 0)} µs per message; ${fmt(fixedCommitsPerMessage, 2)} commits per message, ${fmt(fixedWritesPerCommit, 1)} writes per commit; commits held ${fmt(fixedGateHeldMs, 0)} ms for WAL restarts`,
    );

    // The closed loop starts from an empty PortSIP backlog and a sink that counts from zero.
    const drainedFrom = performance.now();
    let backlogBefore = backlogOf(await scrape(smsops.url), 'portsip');
    while (backlogBefore !== 0 && performance.now() - drainedFrom < drainTimeoutSeconds * 1000) {
      await sleep(100);
      backlogBefore = backlogOf(await scrape(smsops.url), 'portsip');
    }
    const secondsToDrainAfter = (performance.now() - drainedFrom) / 1000;
    if (backlogBefore !== 0)
      out(
        `    WARNING: PortSIP backlog still ${backlogBefore} after ${drainTimeoutSeconds} s: the sink's counts below include it`,
      );
    await configureSink(sinkUrl, { reset: true });

    out(`  smsops: closed loop (${generator}), both legs on …`);
    const samples: Array<{ t: number; value: number }> = [];
    let rssMax = 0;
    let sampling = true;
    const t0 = performance.now();
    const cpu0 = cpuSeconds(pid);
    const machine0 = machineCpu();
    const sched0 = schedstat(pid);
    const sampler = (async () => {
      while (sampling) {
        await sleep(sampleMs);
        if (!sampling) break;
        rssMax = Math.max(rssMax, procStatus(pid).rssMb);
        const value = backlogOf(await scrape(smsops.url), 'portsip');
        if (Number.isFinite(value)) samples.push({ t: performance.now() - t0, value });
      }
    })();
    const closed = await closedLoad(smsops.url, `r${run}-smsops`);
    const sink = await sinkStats(sinkUrl);
    const cpu1 = cpuSeconds(pid);
    const machine1 = machineCpu();
    const sched1 = schedstat(pid);
    const mainThreadWaitingPercent = ((sched1.waitNs - sched0.waitNs) / 1e9 / closed.seconds) * 100;
    const machineBusyPercent = ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100;
    const stealPercent = ((machine1.steal - machine0.steal) / (machine1.total - machine0.total)) * 100;
    sampling = false;
    await sampler;
    const metrics = await scrape(smsops.url);
    const status = procStatus(pid);
    rssMax = Math.max(rssMax, status.rssMb);
    const relayPerSecond = sink.distinct / closed.seconds;
    const trend = backlogGrew(samples, relayPerSecond, Math.min(5_000, (seconds * 1000) / 6));
    const backlogAtEnd = {
      ackedMinusDelivered: closed.ok - sink.distinct,
      portsipGauge: backlogOf(metrics, 'portsip'),
      slackGauge: backlogOf(metrics, 'slack'),
    };
    out(
      `    ${fmt(closed.okPerSecond, 0)} req/s acknowledged, ${fmt(relayPerSecond, 0)} msg/s delivered to PortSIP (${sink.duplicates} duplicates, ${sink.orderViolations} out of order), ${closed.errors} errors`,
    );
    out(
      `    backlog at the end: ${backlogAtEnd.ackedMinusDelivered} acknowledged − delivered, gauge PortSIP ${backlogAtEnd.portsipGauge} / Slack ${backlogAtEnd.slackGauge}; PortSIP trend ${fmt(trend.slopePerSecond, 0)} msg/s (${trend.grew ? 'growing' : 'not growing'})`,
    );
    out(
      `    RSS max ${fmt(rssMax, 0)} MB, VmHWM ${fmt(status.hwmMb, 0)} MB, CPU ${fmt(((cpu1 - cpu0) / closed.seconds) * 100, 0)} % of a core, ${fmt(((cpu1 - cpu0) * 1e6) / Math.max(1, sink.distinct), 0)} µs per message delivered (the machine's ${os.cpus().length} cores ${fmt(machineBusyPercent, 0)} % busy, ${fmt(stealPercent, 0)} % taken by the hypervisor; smsops' main thread waiting for a CPU ${fmt(mainThreadWaitingPercent, 0)} % of the run)`,
    );

    // Every acknowledged message must reach the sink once: wait for the rest of the backlog.
    const drainStart = performance.now();
    let after = sink;
    while (after.distinct < closed.ok && performance.now() - drainStart < drainTimeoutSeconds * 1000) {
      await sleep(250);
      after = await sinkStats(sinkUrl).catch(() => after);
    }
    const drain = {
      seconds: (performance.now() - drainStart) / 1000,
      complete: after.distinct >= closed.ok,
      distinct: after.distinct,
      duplicates: after.duplicates,
      acked: closed.ok,
    };
    out(
      `    drained: ${drain.distinct} of ${drain.acked} acknowledged at the sink after ${fmt(drain.seconds, 1)} s more${drain.complete ? '' : ' (NOT COMPLETE)'}, ${drain.duplicates} duplicates`,
    );
    return {
      healthzSeconds: smsops.healthzSeconds,
      rssIdleMb,
      rssSettledMb,
      fixedRate: {
        ...fixed,
        portsipBacklogAfter,
        secondsToDrainAfter,
        cpuMicrosPerMessage: fixedCpuMicrosPerMessage,
        commitsPerMessage: fixedCommitsPerMessage,
        writesPerCommit: fixedWritesPerCommit,
        walGateHeldMs: fixedGateHeldMs,
      },
      portsipBacklogBeforeClosedLoop: backlogBefore,
      closed,
      delivered: sink.distinct,
      relayPerSecond,
      duplicates: after.duplicates,
      orderViolations: after.orderViolations,
      wrongPath: after.wrongPath,
      backlogAtEnd,
      backlogTrend: { ...trend, samples },
      rssDuringRunMaxMb: rssMax,
      vmHwmMb: status.hwmMb,
      cpuPercentDuringRun: ((cpu1 - cpu0) / closed.seconds) * 100,
      cpuMicrosPerMessage: ((cpu1 - cpu0) * 1e6) / Math.max(1, sink.distinct),
      machineBusyPercent,
      stealPercent,
      mainThreadWaitingPercent,
      drain,
    };
  } finally {
    await smsops.child.stop(10_000);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Summary

const range = (s: Spread, digits: number) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

function summarise(results: RunResult[]) {
  const of = (pick: (r: RunResult) => number) => spread(results.map(pick));
  const summary = {
    ingest: {
      smsopsPerSecond: of((r) => r.smsops.closed.okPerSecond),
      noopPerSecond: of((r) => r.baseline.noop.closed.okPerSecond),
      ratio: of((r) => r.smsops.closed.okPerSecond / r.baseline.noop.closed.okPerSecond),
    },
    relay: {
      smsopsPerSecond: of((r) => r.smsops.relayPerSecond),
      forwarderPerSecond: of((r) => r.baseline.forwarder.relayPerSecond),
      ratio: of((r) => r.smsops.relayPerSecond / r.baseline.forwarder.relayPerSecond),
      floorPerSecond: of((r) => r.baseline.durableFloor.relayPerSecond),
      floorRatio: of((r) => r.baseline.durableFloor.relayPerSecond / r.baseline.forwarder.relayPerSecond),
      smsopsToFloor: of((r) => r.smsops.relayPerSecond / r.baseline.durableFloor.relayPerSecond),
      backlogAtEnd: of((r) => r.smsops.backlogAtEnd.ackedMinusDelivered),
      backlogGauge: of((r) => r.smsops.backlogAtEnd.portsipGauge),
      backlogSlopePerSecond: of((r) => r.smsops.backlogTrend.slopePerSecond),
      runsWhereBacklogGrew: results.filter((r) => r.smsops.backlogTrend.grew).length,
      duplicates: results.reduce((sum, r) => sum + r.smsops.duplicates, 0),
      orderViolations: results.reduce((sum, r) => sum + r.smsops.orderViolations, 0),
      runsNotDrained: results.filter((r) => !r.smsops.drain.complete).length,
      runsStartedWithABacklog: results.filter((r) => r.smsops.portsipBacklogBeforeClosedLoop !== 0).length,
    },
    ack: {
      p50Ms: of((r) => r.smsops.fixedRate.latencyMs.p50),
      p99Ms: of((r) => r.smsops.fixedRate.latencyMs.p99),
      noopP99Ms: of((r) => r.baseline.noop.fixedRate.latencyMs.p99),
      floorP99Ms: of((r) => r.baseline.durableFloor.fixedRate.latencyMs.p99),
      portsipBacklogAfter: of((r) => r.smsops.fixedRate.portsipBacklogAfter),
      unanswered: results.reduce((sum, r) => sum + r.smsops.fixedRate.unanswered + r.smsops.fixedRate.errors, 0),
    },
    rss: {
      idleMb: of((r) => r.smsops.rssIdleMb),
      settledMb: of((r) => r.smsops.rssSettledMb),
      peakMb: of((r) => r.smsops.vmHwmMb),
    },
    healthzSeconds: of((r) => r.smsops.healthzSeconds),
    cpuPercent: of((r) => r.smsops.cpuPercentDuringRun),
    cpuMicrosPerMessage: {
      closedLoop: of((r) => r.smsops.cpuMicrosPerMessage),
      fixedRate: of((r) => r.smsops.fixedRate.cpuMicrosPerMessage),
    },
    machineBusyPercent: of((r) => r.smsops.machineBusyPercent),
    stealPercent: of((r) => r.smsops.stealPercent),
    mainThreadWaitingPercent: of((r) => r.smsops.mainThreadWaitingPercent),
    loadAverage1m: of((r) => r.loadAverage[0] ?? Number.NaN),
  };
  const pass = {
    ingest: summary.ingest.ratio.median >= TARGETS.ingestRatio,
    relay:
      summary.relay.ratio.median >= TARGETS.relayRatio &&
      summary.relay.runsWhereBacklogGrew === 0 &&
      summary.relay.duplicates === 0 &&
      summary.relay.runsNotDrained === 0,
    ack: summary.ack.p99Ms.median <= TARGETS.ackP99Ms && summary.ack.unanswered === 0,
    rssIdle: summary.rss.idleMb.max <= TARGETS.rssIdleMb,
    rssLoad: summary.rss.peakMb.max <= TARGETS.rssLoadMb,
    healthz: summary.healthzSeconds.max <= TARGETS.healthzSeconds,
  };
  return { summary, pass };
}

function printSummary(s: ReturnType<typeof summarise>['summary'], pass: ReturnType<typeof summarise>['pass']): void {
  const rows = [
    [
      'a. ingest, req/s acknowledged',
      range(s.ingest.smsopsPerSecond, 0),
      `no-op ${range(s.ingest.noopPerSecond, 0)}`,
      range(s.ingest.ratio, 3),
      `≥ ${TARGETS.ingestRatio}×`,
      verdict(pass.ingest),
    ],
    [
      'b. sustained relay, msg/s at the sink',
      range(s.relay.smsopsPerSecond, 0),
      `forwarder ${range(s.relay.forwarderPerSecond, 0)}`,
      range(s.relay.ratio, 3),
      `≥ ${TARGETS.relayRatio}×, backlog flat`,
      verdict(pass.relay),
    ],
    [
      '   durable floor (stores, then forwards), msg/s',
      range(s.relay.floorPerSecond, 0),
      `smsops / floor ${range(s.relay.smsopsToFloor, 3)}`,
      range(s.relay.floorRatio, 3),
      'a durable relay with nothing else to do',
      '',
    ],
    [
      '   backlog at end: acked − delivered',
      range(s.relay.backlogAtEnd, 0),
      `gauge ${range(s.relay.backlogGauge, 0)}`,
      '',
      `grew in ${s.relay.runsWhereBacklogGrew}/${s.relay.backlogAtEnd.values.length} runs`,
      `trend ${range(s.relay.backlogSlopePerSecond, 0)}/s`,
    ],
    [
      `c. ack latency at ${rate}/s, p50 / p99 ms`,
      `${range(s.ack.p50Ms, 2)} / ${range(s.ack.p99Ms, 2)}`,
      `no-op p99 ${range(s.ack.noopP99Ms, 2)}; durable floor p99 ${range(s.ack.floorP99Ms, 2)}`,
      '',
      `p99 ≤ ${TARGETS.ackP99Ms} ms`,
      verdict(pass.ack),
    ],
    ['RSS idle, MB (VmRSS, 2 s after start)', range(s.rss.idleMb, 0), '', '', `≤ ${TARGETS.rssIdleMb} MB`, verdict(pass.rssIdle)],
    ['RSS idle, MB (VmRSS, 12 s after start)', range(s.rss.settledMb, 0), '', '', '', ''],
    ['RSS peak, MB (VmHWM, start + runs)', range(s.rss.peakMb, 0), '', '', `≤ ${TARGETS.rssLoadMb} MB`, verdict(pass.rssLoad)],
    ['spawn → /healthz 200, s', range(s.healthzSeconds, 2), '', '', `≤ ${TARGETS.healthzSeconds} s`, verdict(pass.healthz)],
    [
      'smsops CPU in the closed loop, % of a core',
      range(s.cpuPercent, 0),
      `machine busy ${range(s.machineBusyPercent, 0)} %, steal ${range(s.stealPercent, 0)} %`,
      '',
      '',
      '',
    ],
    [
      'smsops CPU per message, µs: closed loop / fixed rate',
      `${range(s.cpuMicrosPerMessage.closedLoop, 0)} / ${range(s.cpuMicrosPerMessage.fixedRate, 0)}`,
      '',
      '',
      '',
      '',
    ],
    ['smsops main thread waiting for a CPU, %', range(s.mainThreadWaitingPercent, 0), '', '', 'near 0 on a quiet machine', ''],
  ];
  out(table(['figure (median (min–max) of runs)', 'smsops', 'baseline', 'ratio', 'target', 'verdict'], rows));
  out(
    `load average (1 min) before each run: ${range(s.loadAverage1m, 1)}; duplicates at the sink: ${s.relay.duplicates}; out of order: ${s.relay.orderViolations}; runs not drained: ${s.relay.runsNotDrained}; runs that started with a backlog: ${s.relay.runsStartedWithABacklog}; fixed-rate errors or unanswered: ${s.ack.unanswered}; PortSIP backlog after the fixed-rate phase: ${range(s.ack.portsipBacklogAfter, 0)}`,
  );
}

async function main(): Promise<void> {
  const command = `npm run bench:production${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  out('smsops in production shape: ingest, sustained relay, ack latency');
  out(machineLine());
  out(
    `load average at start: ${os
      .loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}`,
  );
  if (!wrkAvailable)
    out('wrk not found (apt-get install -y wrk / brew install wrk): closed loops use bench/load.ts instead, in Node.');
  const dir = makeTempDir('smsops-bench-production-');
  let appDir: string | null = null;
  let buildSeconds = Number.NaN;
  if (from === 'dist') {
    out('building (npm run build) into a temp folder …');
    const built = buildApp(dir);
    appDir = built.appDir;
    buildSeconds = built.seconds;
    out(`  built in ${fmt(buildSeconds, 1)} s`);
  }
  const sink = await startPortsipSink(dir);
  const slack = await startFakeSlackProcess(dir);

  const results: RunResult[] = [];
  const failedRuns: Array<{ run: number; loadAverage: number[]; error: string }> = [];
  for (let run = 1; run <= runs; run += 1) {
    out(
      `\nrun ${run} of ${runs} (load average ${os
        .loadavg()
        .map((l) => fmt(l, 2))
        .join(' ')})`,
    );
    const loadAverage = os.loadavg();
    try {
      const baseline = smsopsOnly ? skippedBaselines() : await measureBaselines(dir, sink.url, run);
      const runDir = join(dir, `run${run}`);
      mkdirSync(runDir);
      const smsops = await measureSmsops(runDir, appDir, slack.url, sink.url, run);
      results.push({ run, loadAverage, baseline, smsops });
    } catch (error) {
      // One failed run (a scrape or a server that timed out on an overloaded machine) leaves the others standing.
      const reason = error instanceof Error ? error.message : String(error);
      failedRuns.push({ run, loadAverage, error: reason });
      out(`  run ${run} FAILED: ${reason}`);
    }
  }
  if (results.length === 0) throw new Error(`every run failed: ${failedRuns.map((f) => f.error).join('; ')}`);
  await slack.child.stop();
  await sink.child.stop();

  const { summary, pass } = summarise(results);
  out('');
  out(
    `Results: ${results.length} of ${runs} runs${failedRuns.length ? ` (${failedRuns.length} failed, see above)` : ''}; closed loops ${generator}; fixed rate ${rate}/s for ${latencySeconds} s; smsops from ${from}`,
  );
  out(machineLine());
  printSummary(summary, pass);

  const json = {
    date: new Date().toISOString(),
    machine: machineLine(),
    cpus: os.cpus().length,
    command,
    options: {
      runs,
      seconds,
      latencySeconds,
      rate,
      connections,
      threads,
      conversations,
      from,
      relayConcurrency: relayConcurrency || 'default',
      sampleMs,
      generator,
      bodyBytes: BODY_BYTES,
    },
    buildSeconds,
    targets: TARGETS,
    pass,
    summary,
    runs: results,
    failedRuns,
  };
  mkdirSync(join(outPath, '..'), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(json, null, 2)}\n`);
  out(`\nwrote ${outPath}`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
