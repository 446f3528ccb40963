import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  fakeSlackSignatureHeaders,
  headersOnly,
  openFds,
  postOnce,
  rssMb,
  serverPid,
  slowHeaderFlood,
  type WebhookAnswer,
} from '../test/helpers/hostileClients.js';
import {
  cleanEnv,
  cleanup,
  fmt,
  freePort,
  latencyText,
  machineLine,
  makeTempDir,
  numberOption,
  out,
  PROJECT_DIR,
  sleep,
  startChild,
  startNoopServer,
  summarise,
} from './load.js';

/**
 * Slow and hostile clients against smsops as a real process under a descriptor limit (`ulimit -n`, 1,024 by
 * default, set in a bash that then execs tsx). Everything goes to 127.0.0.1, bounded in count and time.
 *
 *   npm run bench:slow-clients [-- --fd-limit 1024 --flood 2000 --reopen-ms 20 --webhooks 200 --bodies 200]
 *
 * 1. baseline: legit Wavix webhooks, one connection each (as Wavix sends them), nothing else going on;
 * 2. the same webhooks while `--flood` slowloris connections (a request line, then a header line a second, never
 *    finished; each one the server closes is reopened) are held open;
 * 3. `--bodies` clients on /slack/events announcing an unsigned 4 MB body: held (headers only), then sent in full;
 *    then as many signed-looking (fresh timestamp, wrong signature) 1 MiB bodies half sent and held. RSS of the
 *    server process before and after each.
 * Always exits 0 unless the benchmark itself fails.
 */

const fdLimit = numberOption('fd-limit', 1024);
const floodCount = numberOption('flood', 2000);
const webhookCount = numberOption('webhooks', 200);
const bodyCount = numberOption('bodies', 200);
/** How soon a flood connection the server closed is reopened (an attacker reopens at once). */
const reopenMs = numberOption('reopen-ms', 20);
const WEBHOOK_SECRET = 'bench_secret_0123456789abcdefgh';
const FOUR_MB = 4 * 1024 * 1024;
const ONE_MIB = 1024 * 1024;

function inboundBody(id: string): string {
  return JSON.stringify({
    message_id: id,
    message_type: 'sms',
    from: '447400123456',
    to: '14155550100',
    message_body: { text: 'hello', media: null },
    received_at: '2026-11-25T10:00:00Z',
  });
}

async function webhooks(url: string, prefix: string, onEach?: () => void): Promise<WebhookAnswer[]> {
  const answers: WebhookAnswer[] = [];
  for (let i = 0; i < webhookCount; i++) {
    answers.push(await postOnce(url, inboundBody(`${prefix}-${i}`), 5000));
    onEach?.();
    await sleep(10);
  }
  return answers;
}

function report(name: string, answers: WebhookAnswer[]): { rate: number; p99: number } {
  const ok = answers.filter((a) => a.status === 200);
  const summary = summarise(ok.map((a) => a.ms));
  const rate = ok.length / answers.length;
  out(`  ${name}: ${ok.length}/${answers.length} answered 200 (${fmt(rate * 100, 1)} %), ${latencyText(summary)}`);
  const failures = new Map<string, number>();
  for (const a of answers) {
    if (a.status === 200) continue;
    const kind = a.status ? `HTTP ${a.status}` : (a.error ?? 'no answer');
    failures.set(kind, (failures.get(kind) ?? 0) + 1);
  }
  if (failures.size > 0) out(`    not answered 200: ${[...failures].map(([kind, n]) => `${n} × ${kind}`).join(', ')}`);
  return { rate, p99: summary.p99 };
}

/** Sends headers and the whole body at once, then waits for the answer (or the connection to close). */
function blastBody(port: number, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let answer = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
    };
    const timer = setTimeout(done, 15_000);
    socket.on('connect', () => {
      const lines = Object.entries({ host: '127.0.0.1', ...headers }).map(([k, v]) => `${k}: ${v}`);
      socket.write(`POST /slack/events HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      socket.write(body);
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (/^HTTP\/1\.1 \d{3}/.test(answer)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
  });
}

async function main(): Promise<void> {
  out('smsops slow-clients benchmark');
  out(machineLine());
  out(
    `server under \`ulimit -n ${fdLimit}\`; flood ${floodCount} connections (reopened ${reopenMs} ms after the server closes one); ${webhookCount} webhooks per phase; ${bodyCount} bodies`,
  );

  const dir = makeTempDir('smsops-bench-slow-');
  const slack = await startNoopServer('slack-noop', dir, '{"ok":true,"ts":"1.1"}');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = cleanEnv();
  for (const key of Object.keys(env)) if (key.startsWith('HTTP_') || key.startsWith('SMSOPS_')) delete env[key];
  const child = await startChild({
    name: 'smsops',
    command: 'bash',
    // As `npm start` runs it (node --import tsx), under the descriptor limit set by the bash it execs from.
    args: [
      '-c',
      `ulimit -n ${fdLimit} && exec "$0" "$@"`,
      process.execPath,
      '--import',
      pathToFileURL(join(PROJECT_DIR, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
      join(PROJECT_DIR, 'src', 'main.ts'),
    ],
    env: {
      ...env,
      SLACK_BOT_TOKEN: 'xoxb-bench-0000',
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_ALERT_CHANNEL: 'C0BENCH001',
      SLACK_API_URL: `${slack.url}/api/`,
      WAVIX_API_KEY: 'bench-wavix-key-0000',
      WAVIX_API_URL: 'http://127.0.0.1:9',
      WEBHOOK_SECRET,
      DATABASE_PATH: join(dir, 'smsops.db'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    cwd: dir,
    readyUrl: `${base}/healthz`,
  });
  const pid = serverPid(child.pid);
  const webhookUrl = `${base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`;

  out('\n[1] legit webhooks, no flood (baseline)');
  const baseline = report('baseline', await webhooks(webhookUrl, 'base'));

  out(`\n[2] the same webhooks while ${floodCount} slow-header connections are held`);
  const flood = slowHeaderFlood({ port, count: floodCount, reopenMs });
  const deadline = performance.now() + 20_000;
  while (flood.closedByServer() < Math.min(100, floodCount / 4) && performance.now() < deadline) await sleep(50);
  await sleep(2000);
  let maxFds = 0;
  const underFlood = report(
    'under flood',
    await webhooks(webhookUrl, 'flood', () => {
      maxFds = Math.max(maxFds, openFds(pid));
    }),
  );
  out(
    `  flood: ${flood.open()} connections open on the client side, ${flood.closedByServer()} closed by the server (and reopened); server descriptors at most ${maxFds} of ${fdLimit}`,
  );
  flood.stop();
  out(
    `  ratio under flood / baseline: success ${fmt(underFlood.rate / baseline.rate, 3)}, p99 latency ${fmt(underFlood.p99 / baseline.p99, 2)}×`,
  );
  await sleep(1000);

  out(`\n[3] ${bodyCount} unsigned 4 MB bodies on /slack/events`);
  const form = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(FOUR_MB) };
  let before = rssMb(pid);
  const held = await Promise.all(
    Array.from({ length: bodyCount }, () => headersOnly({ port, path: '/slack/events', headers: form, timeoutMs: 15_000 })),
  );
  out(
    `  headers only, body held back: ${held.filter((a) => a.status === 401).length}/${bodyCount} answered 401 before any body byte; RSS ${fmt(before, 1)} → ${fmt(rssMb(pid), 1)} MB`,
  );
  before = rssMb(pid);
  const body = Buffer.alloc(FOUR_MB, 'a');
  const blasted = [];
  for (let i = 0; i < bodyCount; i += 20) {
    blasted.push(...(await Promise.all(Array.from({ length: Math.min(20, bodyCount - i) }, () => blastBody(port, form, body)))));
  }
  out(
    `  whole body sent at once (20 at a time): ${blasted.filter((s) => s === 401).length}/${bodyCount} answered 401; RSS ${fmt(before, 1)} → ${fmt(rssMb(pid), 1)} MB`,
  );

  out(`\n[4] ${bodyCount} signed-looking 1 MiB bodies (fresh timestamp, wrong signature), half sent and held`);
  before = rssMb(pid);
  const sockets = Array.from({ length: bodyCount }, () => {
    const socket = connect({ port, host: '127.0.0.1' });
    const state = { socket, status: 0 };
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      state.status ||= Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 0);
    });
    socket.on('connect', () => {
      const headers = {
        ...fakeSlackSignatureHeaders(),
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(ONE_MIB),
      };
      const lines = Object.entries({ host: '127.0.0.1', ...headers }).map(([k, v]) => `${k}: ${v}`);
      socket.write(`POST /slack/events HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      socket.write(Buffer.alloc(ONE_MIB / 2, 'a'));
    });
    return state;
  });
  await sleep(3000);
  const refused = sockets.filter((s) => s.status === 503).length;
  out(
    `  ${refused}/${bodyCount} answered 503 at once (over the 16 MB budget for large bodies being read), the rest held; RSS ${fmt(before, 1)} → ${fmt(rssMb(pid), 1)} MB`,
  );
  for (const s of sockets) s.socket.destroy();

  await cleanup();
}

main().catch(async (error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await cleanup();
  process.exitCode = 1;
});
