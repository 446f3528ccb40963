import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/freePort.js';

/**
 * Shared pieces of the benchmarks: child processes that are always cleaned up, a keep-alive HTTP load generator
 * (closed loop, open loop, fixed count), percentiles and a few printing helpers. Everything here uses node: modules
 * only; the servers under test always run in their own processes.
 */

export const PROJECT_DIR = fileURLToPath(new URL('..', import.meta.url));
export const TSX = join(PROJECT_DIR, 'node_modules', '.bin', 'tsx');
export const NOOP_SERVER = join(PROJECT_DIR, 'bench', 'noopServer.ts');

// ---------------------------------------------------------------------------------------------------------------
// Output (Biome forbids console.log: results go to stdout directly)

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function machineLine(): string {
  const cpus = os.cpus();
  return `machine: ${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** A plain text table, columns padded to their widest cell; numbers are right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** `--name value` from argv, as a number; the fallback when absent or not a positive number. */
export function numberOption(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const raw = at >= 0 ? process.argv[at + 1] : undefined;
  const value = Number(raw);
  return raw !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

export function stringOption(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Percentiles

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((q / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarise(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
  };
}

export const latencyText = (s: LatencySummary) =>
  `p50 ${fmt(s.p50, 2)} ms, p90 ${fmt(s.p90, 2)} ms, p99 ${fmt(s.p99, 2)} ms, max ${fmt(s.max, 2)} ms (n=${s.count})`;

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: every child is killed and every temp dir removed, on a normal end, an error, Ctrl-C or SIGTERM.

const children = new Set<ManagedChild>();
const tempDirs = new Set<string>();
let cleanupInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Children are started detached (own process group): the group also holds the node process tsx starts.
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function removeTempDirs(): void {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
    tempDirs.delete(dir);
  }
}

/** Stops every child still running (SIGTERM, then SIGKILL after `graceMs`) and removes the temp dirs. */
export async function cleanup(graceMs = 3_000): Promise<void> {
  await Promise.all([...children].map((child) => child.stop(graceMs)));
  removeTempDirs();
}

export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  // Last resort (process.exit, an uncaught error): synchronous only.
  process.on('exit', () => {
    for (const child of children) killGroup(child.pid, 'SIGKILL');
    removeTempDirs();
  });
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the servers and removing temp dirs…\n`);
    cleanup(2_000).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}

export function makeTempDir(prefix: string): string {
  installCleanup();
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

export interface ManagedChild {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Resolves with the exit code (or the signal name) when the process has exited. */
  exited: Promise<number | string>;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  recentOutput(): string;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** A stdout line that means ready (e.g. a log line). */
  readyLine?: (line: string) => boolean;
  /** Or a URL that answers 2xx once the process is ready (polled every 50 ms). */
  readyUrl?: string;
  readyTimeoutMs?: number;
  /** How often readiness is checked (50 ms). */
  readyPollMs?: number;
  /** Every output line, e.g. to pick the URL out of a log line. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

function httpGetOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Starts a process in its own process group and waits until it is ready; it is registered for cleanup. */
export async function startChild(options: ChildOptions): Promise<ManagedChild> {
  installCleanup();
  const proc = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) {
    await new Promise((resolve) => proc.once('error', resolve));
    throw new Error(`${options.name} could not be started (${options.command})`);
  }
  const pid = proc.pid;
  const recent: string[] = [];
  let readySeen = false;
  const watch = (stream: NodeJS.ReadableStream | null, which: 'stdout' | 'stderr') => {
    if (!stream) return;
    // Always drained: a full pipe would block the child.
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(`[${which}] ${line}`);
      if (recent.length > 40) recent.shift();
      if (which === 'stdout' && options.readyLine?.(line)) readySeen = true;
      options.onLine?.(line, which);
    });
  };
  watch(proc.stdout, 'stdout');
  watch(proc.stderr, 'stderr');

  let hasExited = false;
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      hasExited = true;
      resolve(code ?? signal ?? 'unknown');
    });
  });

  let stopping: Promise<number | string> | undefined;
  const child: ManagedChild = {
    name: options.name,
    pid,
    process: proc,
    exited,
    recentOutput: () => recent.join('\n'),
    stop: (graceMs = 5_000) => {
      stopping ??= (async () => {
        if (!hasExited) {
          killGroup(pid, 'SIGTERM');
          const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        // tsx has exited; make sure nothing it started is left behind in the group.
        killGroup(pid, 'SIGKILL');
        children.delete(child);
        return exited;
      })();
      return stopping;
    },
  };
  children.add(child);

  const deadline = performance.now() + (options.readyTimeoutMs ?? 30_000);
  while (true) {
    if (hasExited) {
      children.delete(child);
      throw new Error(`${options.name} exited before it was ready (${await exited}):\n${child.recentOutput()}`);
    }
    if (readySeen || (options.readyUrl && (await httpGetOk(options.readyUrl)))) return child;
    if (performance.now() > deadline) {
      await child.stop(1_000);
      throw new Error(`${options.name} was not ready within ${options.readyTimeoutMs ?? 30_000} ms:\n${child.recentOutput()}`);
    }
    await sleep(options.readyPollMs ?? 50);
  }
}

export { freePort };

/** The environment of the bench minus every smsops variable, so nothing from the caller's shell leaks into a run. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const smsopsVariables =
    /^(SLACK_|WAVIX_|PUBLIC_BASE_URL$|WEBHOOK_SECRET$|PORTSIP_|PORT$|HOST$|DATABASE_PATH$|SENDER_ID_|TRAFFIC_WATCH_|RELAY_|LOG_LEVEL$)/;
  for (const key of Object.keys(env)) if (smsopsVariables.test(key)) delete env[key];
  return env;
}

/** The PortSIP stand-in (bench/portsipSink.ts) in its own process, once it listens. */
export async function startPortsipSink(dir: string): Promise<{ child: ManagedChild; url: string }> {
  let url = '';
  const child = await startChild({
    name: 'portsip-sink',
    command: TSX,
    args: [join(PROJECT_DIR, 'bench', 'portsipSink.ts'), '--port', '0'],
    env: cleanEnv(),
    cwd: dir,
    readyLine: (line) => {
      url = /"msg":"sink listening","url":"([^"]+)"/.exec(line)?.[1] ?? url;
      return url !== '';
    },
  });
  return { child, url };
}

/** The no-op server in its own process; `body` is what it answers (e.g. Slack's `{"ok":true,"ts":"1.1"}`). */
export async function startNoopServer(
  name: string,
  cwd: string,
  body = '{"ok":true}',
): Promise<{ child: ManagedChild; url: string }> {
  let url = '';
  const child = await startChild({
    name,
    command: TSX,
    args: [NOOP_SERVER, '--host', '127.0.0.1', '--port', '0', '--body', body],
    env: cleanEnv(),
    cwd,
    readyLine: (line) => {
      const match = /"msg":"noop listening","url":"([^"]+)"/.exec(line);
      if (match?.[1]) url = match[1];
      return url !== '';
    },
  });
  return { child, url };
}

export interface SmsopsOptions {
  dir: string;
  slackApiUrl: string;
  webhookSecret: string;
  portsipWebhookUrl?: string;
  concurrency?: number;
  retryBaseMs?: number;
  /** Extra node flags, e.g. `--cpu-prof`, passed through tsx. */
  nodeFlags?: string[];
  extraEnv?: Record<string, string>;
}

/** smsops as a real process: `tsx src/main.ts`, configured through its environment, run from a temp dir (no .env). */
export async function startSmsops(options: SmsopsOptions): Promise<{ child: ManagedChild; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    SLACK_BOT_TOKEN: 'xoxb-bench-0000',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_ALERT_CHANNEL: 'C0BENCH001',
    SLACK_API_URL: options.slackApiUrl,
    WAVIX_API_KEY: 'bench-wavix-key-0000',
    WAVIX_API_URL: 'http://127.0.0.1:9',
    WEBHOOK_SECRET: options.webhookSecret,
    DATABASE_PATH: join(options.dir, 'smsops.db'),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RELAY_CONCURRENCY: String(options.concurrency ?? 8),
    SLACK_RELAY_PACE_MS: '0',
    ...(options.retryBaseMs ? { RELAY_RETRY_BASE_MS: String(options.retryBaseMs) } : {}),
    ...(options.portsipWebhookUrl ? { PORTSIP_WEBHOOK_URL: options.portsipWebhookUrl } : {}),
    ...options.extraEnv,
  };
  const child = await startChild({
    name: 'smsops',
    command: TSX,
    args: [...(options.nodeFlags ?? []), join(PROJECT_DIR, 'src', 'main.ts')],
    env,
    cwd: options.dir,
    // "smsops listening" is an info line: at LOG_LEVEL=warn it is not printed, so /healthz answering is the signal.
    readyLine: (line) => line.includes('smsops listening'),
    readyUrl: `${url}/healthz`,
  });
  return { child, url };
}

/** GET a URL and parse its JSON body. */
export function getJson<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

export function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

export function postJson<T>(url: string, body: unknown): Promise<T> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        timeout: 5_000,
        headers: { 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Load generator

export interface RequestSpec {
  path: string;
  body: Buffer;
}

export interface LoadTarget {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  /** Called once per request: each call should give a new body (unique message ids). */
  next: () => RequestSpec;
  /** Status that counts as success; anything else is an error. */
  expectStatus?: number;
}

interface SendResult {
  status: number;
  error?: string;
}

function sender(target: LoadTarget, maxSockets: number) {
  const base = new URL(target.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
  const send = (spec: RequestSpec): Promise<SendResult> =>
    new Promise((resolve) => {
      const req = http.request(
        {
          host: base.hostname,
          port: base.port,
          path: spec.path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': spec.body.length },
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('error', (error) => resolve({ status: 0, error: error.message }));
        },
      );
      req.on('error', (error) => resolve({ status: 0, error: error.message }));
      req.end(spec.body);
    });
  return { send, close: () => agent.destroy() };
}

export interface ClosedLoopResult {
  concurrency: number;
  seconds: number;
  /** Successful requests completed inside the measured window. */
  ok: number;
  errors: number;
  firstError?: string;
  /** Successful requests per second in the measured window. */
  rps: number;
  latency: LatencySummary;
}

/** `concurrency` workers, each sending its next request as soon as the previous answer arrived. */
export async function closedLoop(
  target: LoadTarget,
  options: { concurrency: number; seconds: number; warmupSeconds?: number },
): Promise<ClosedLoopResult> {
  const { send, close } = sender(target, options.concurrency);
  const expect = target.expectStatus ?? 200;
  const start = performance.now();
  const measureFrom = start + (options.warmupSeconds ?? 0) * 1000;
  const end = measureFrom + options.seconds * 1000;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const worker = async () => {
    while (performance.now() < end) {
      const sentAt = performance.now();
      const result = await send(target.next());
      const doneAt = performance.now();
      if (doneAt < measureFrom || doneAt > end) continue;
      if (result.status === expect) {
        ok += 1;
        latencies.push(doneAt - sentAt);
      } else {
        errors += 1;
        firstError ??= result.error ?? `HTTP ${result.status}`;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  close();
  return {
    concurrency: options.concurrency,
    seconds: options.seconds,
    ok,
    errors,
    ...(firstError ? { firstError } : {}),
    rps: ok / options.seconds,
    latency: summarise(latencies),
  };
}

export interface OpenLoopResult {
  rate: number;
  seconds: number;
  /** Requests scheduled in the measured window. */
  scheduled: number;
  ok: number;
  errors: number;
  firstError?: string;
  /** Requests with no answer `drainMs` after the last send (counted in `latency` at their age at that moment). */
  unanswered: number;
  /** From the scheduled send time to the end of the answer: what a caller sending at that rate sees. */
  latency: LatencySummary;
  /** From the moment the request was actually handed to node:http: excludes the generator's own timer lateness. */
  serviceLatency: LatencySummary;
  /** How late the generator's timer fired the sends (its own jitter), p99 and max in ms. */
  sendLagP99: number;
  sendLagMax: number;
  maxInFlight: number;
  /** With `recordAnswers`: each answered request as [scheduled ms since the measured phase began, latency ms, send lag ms]. */
  answers?: Array<[number, number, number]>;
}

/**
 * Sends at a fixed rate whatever the answers do (no coordinated omission): request i is due at t0 + i/rate, a timer
 * sends whatever is due, and latency is measured from the due time. `maxSockets` bounds the connections (requests
 * beyond it wait in the agent's queue, and that wait is part of their latency).
 */
export async function openLoop(
  target: LoadTarget,
  options: {
    rate: number;
    seconds: number;
    warmupSeconds?: number;
    maxSockets?: number;
    drainMs?: number;
    recordAnswers?: boolean;
  },
): Promise<OpenLoopResult> {
  const { send, close } = sender(target, options.maxSockets ?? 64);
  const expect = target.expectStatus ?? 200;
  const interval = 1000 / options.rate;
  const warmupCount = Math.round((options.warmupSeconds ?? 0) * options.rate);
  const total = warmupCount + Math.round(options.seconds * options.rate);
  const latencies: number[] = [];
  const service: number[] = [];
  const lags: number[] = [];
  const outstanding = new Map<number, number>(); // index → scheduled time (measured requests only)
  const answers: Array<[number, number, number]> | undefined = options.recordAnswers ? [] : undefined;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  let maxInFlight = 0;

  const fire = (index: number, scheduledAt: number) => {
    const sentAt = performance.now();
    const measured = index >= warmupCount;
    if (measured) {
      lags.push(sentAt - scheduledAt);
      outstanding.set(index, scheduledAt);
    }
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    send(target.next()).then((result) => {
      const doneAt = performance.now();
      inFlight -= 1;
      if (!measured || !outstanding.delete(index)) return;
      if (result.status === expect) {
        ok += 1;
        latencies.push(doneAt - scheduledAt);
        service.push(doneAt - sentAt);
        answers?.push([scheduledAt - measuredFrom, doneAt - scheduledAt, sentAt - scheduledAt]);
      } else {
        errors += 1;
        firstError ??= result.error ?? `HTTP ${result.status}`;
      }
    });
  };

  const t0 = performance.now() + 5;
  const measuredFrom = t0 + warmupCount * interval;
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) {
        fire(next, t0 + next * interval);
        next += 1;
      }
      if (next >= total) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    };
    setTimeout(tick, 5);
  });

  const drainUntil = performance.now() + (options.drainMs ?? 30_000);
  while (outstanding.size > 0 && performance.now() < drainUntil) await sleep(5);
  const cutoff = performance.now();
  const unanswered = outstanding.size;
  for (const scheduledAt of outstanding.values()) latencies.push(cutoff - scheduledAt);
  close();
  const lagSummary = summarise(lags);
  return {
    rate: options.rate,
    seconds: options.seconds,
    scheduled: total - warmupCount,
    ok,
    errors,
    ...(firstError ? { firstError } : {}),
    unanswered,
    latency: summarise(latencies),
    serviceLatency: summarise(service),
    sendLagP99: lagSummary.p99,
    sendLagMax: lagSummary.max,
    maxInFlight,
    ...(answers ? { answers } : {}),
  };
}

/** Sends exactly `count` requests with `concurrency` workers; returns how long it took. */
export async function fixedCount(
  target: LoadTarget,
  options: { count: number; concurrency: number },
): Promise<{ ok: number; errors: number; firstError?: string; ms: number; rps: number }> {
  const { send, close } = sender(target, options.concurrency);
  const expect = target.expectStatus ?? 200;
  let issued = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const worker = async () => {
    while (issued < options.count) {
      issued += 1;
      const result = await send(target.next());
      if (result.status === expect) ok += 1;
      else {
        errors += 1;
        firstError ??= result.error ?? `HTTP ${result.status}`;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const ms = performance.now() - start;
  close();
  return { ok, errors, ...(firstError ? { firstError } : {}), ms, rps: (ok / ms) * 1000 };
}

// ---------------------------------------------------------------------------------------------------------------
// Wavix InboundMessage bodies

export interface InboundBodies {
  /** The next body: a unique message_id, `from` cycling over `conversations` numbers. */
  next(): { body: Buffer; messageId: string };
  /** How many bodies were made so far. */
  count(): number;
}

/**
 * Wavix InboundMessage JSON bodies of about `targetBytes` (the text is padded). The message id encodes the
 * conversation and its sequence number (`<prefix>-c<conversation>-s<seq>`), so a sink can check per-conversation order.
 */
export function inboundBodies(options: { prefix: string; conversations: number; targetBytes?: number }): InboundBodies {
  let made = 0;
  const seqs = new Uint32Array(options.conversations);
  const make = (text: string, conversation: number, seq: number) => {
    const messageId = `${options.prefix}-c${conversation}-s${seq}`;
    const from = `4474${String(conversation).padStart(8, '0')}`;
    const body = {
      message_id: messageId,
      message_type: 'sms',
      from,
      to: '14155550100',
      message_body: { text, media: null },
      received_at: '2026-11-25T10:00:00Z',
    };
    return { messageId, json: JSON.stringify(body) };
  };
  // Size the padding once, on a representative body.
  const probe = make('', options.conversations - 1, 9_999_999).json.length;
  const baseText = 'Hello from the smsops benchmark. ';
  const padding = Math.max(0, (options.targetBytes ?? 300) - probe);
  const text = baseText.repeat(Math.ceil(padding / baseText.length)).slice(0, padding);
  return {
    next: () => {
      const conversation = made % options.conversations;
      made += 1;
      const seq = seqs[conversation] ?? 0;
      seqs[conversation] = seq + 1;
      const { messageId, json } = make(text, conversation, seq);
      return { body: Buffer.from(json), messageId };
    },
    count: () => made,
  };
}
