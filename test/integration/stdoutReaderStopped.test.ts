import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, inboundWebhookBody, productionEnv, smsopsNodeArgs } from '../helpers/smsopsProcess.js';
import { sleep } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/** util-linux's `script`, which runs a command with a terminal (a pty) as its stdout and stderr. */
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * smsops' stdout is a FIFO (as under Docker) whose reader is SIGSTOPped: a log driver or journald that stopped reading.
 * Once the pipe's 64 KiB were full, pino's destination slept and retried for ever and the process stood still.
 */
describe('a stdout nobody reads any more', () => {
  const started: ChildProcess[] = [];
  let sink: WebhookSink | undefined;
  let dir = '';
  afterEach(async () => {
    for (const child of started.splice(0)) {
      try {
        process.kill(child.pid ?? 0, 'SIGCONT');
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // gone
      }
    }
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * smsops started with its stdout (a FIFO, or a terminal whose output `script` writes to that FIFO) read by `cat`
   * into a file, the reader stopped once smsops answers, 300 webhooks posted, and the reader let go again.
   */
  async function webhooksWithReaderStopped(stdout: 'fifo' | 'terminal') {
    dir = mkdtempSync(join(tmpdir(), 'smsops-stdout-stopped-'));
    const receiver = await startWebhookSink();
    sink = receiver;
    const port = await freePort();
    const secret = 'whsec_test_stdout_stopped_0123456789';
    const fifo = join(dir, 'stdout.fifo');
    execFileSync('mkfifo', [fifo]);
    const read = join(dir, 'stdout.read');
    const reader = spawn('cat', [fifo], { stdio: ['ignore', openSync(read, 'w'), 'ignore'], detached: true });
    started.push(reader);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      ...productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: secret }),
      PORTSIP_WEBHOOK_URL: `${receiver.url}/emc/inbound`,
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
    };
    const node = [process.execPath, ...smsopsNodeArgs()];
    const [command, args] =
      stdout === 'fifo' ? [node[0], node.slice(1)] : ['script', ['-qfc', node.map((arg) => `'${arg}'`).join(' '), '/dev/null']];
    const smsops = spawn(command ?? '', args, {
      cwd: dir,
      env,
      stdio: ['ignore', openSync(fifo, 'w'), openSync(join(dir, 'stderr.log'), 'w')],
      detached: true,
    });
    started.push(smsops);
    const base = `http://127.0.0.1:${port}`;
    for (
      let i = 0;
      i < 100 &&
      !(await fetch(`${base}/healthz`).then(
        () => true,
        () => false,
      ));
      i++
    )
      await sleep(200);
    process.kill(reader.pid ?? 0, 'SIGSTOP');

    const answers: number[] = [];
    for (let i = 0; i < 300; i++) {
      const answer = await fetch(`${base}/webhooks/wavix/inbound/${secret}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: inboundWebhookBody(`stopped-reader-${i}`),
        signal: AbortSignal.timeout(3_000),
      }).then(
        (r) => r.status,
        () => 0,
      );
      answers.push(answer);
    }
    for (let i = 0; i < 50 && receiver.received.length < 300; i++) await sleep(200);
    const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(3_000) }).then(
      (r) => r.status,
      () => 0,
    );
    process.kill(reader.pid ?? 0, 'SIGCONT');
    return { answers, relayed: receiver.received.length, health, read, stderr: join(dir, 'stderr.log'), base, secret };
  }

  it('does not stop the webhooks or the relay', async () => {
    const run = await webhooksWithReaderStopped('fifo');
    expect(run.answers.filter((status) => status !== 200)).toEqual([]);
    expect(run.relayed).toBe(300);
    expect(readFileSync(run.stderr, 'utf8')).not.toMatch(/uncaught/i);

    // What the operator sees of the lost lines: a count in /metrics, and one line once the reader is back.
    const droppedNow = async () => {
      const text = await (await fetch(`${run.base}/metrics`)).text();
      return Number(/^smsops_log_lines_dropped_total\{stream="stdout"\} (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
    };
    const said = () =>
      readFileSync(run.read, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"dropped"'))
        .map((line) => JSON.parse(line) as { level: string; dropped: number; msg: string });
    for (let i = 0; i < 50 && said().length === 0; i++) {
      await fetch(`${run.base}/healthz`);
      await sleep(200);
    }
    const total = await droppedNow();
    await sleep(300);
    expect(total).toBeGreaterThan(0);
    expect(said()[0]).toMatchObject({ level: 'warn', msg: expect.stringMatching(/log lines dropped/) });
    expect(said().reduce((sum, line) => sum + line.dropped, 0)).toBe(total);
  }, 60_000);

  // Node sets a terminal's descriptor blocking: writing smsops' lines to it waited with the terminal, and the process
  // stood still (187 of 300 relayed, /healthz unanswered in a probe's run).
  it.skipIf(!hasScript)(
    'does not stop them either when stdout is a terminal whose output stalled',
    async () => {
      const run = await webhooksWithReaderStopped('terminal');
      expect(run.answers.filter((status) => status !== 200)).toEqual([]);
      expect(run.relayed).toBe(300);
      expect(run.health).toBe(200);
      // Once the terminal's reader is back, one more line brings the count of those lost.
      await fetch(`${run.base}/webhooks/wavix/inbound/${run.secret}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: inboundWebhookBody('after-the-reader-is-back'),
      });
      let read = '';
      for (let i = 0; i < 50 && !read.includes('"dropped"'); i++) {
        await sleep(200);
        read = readFileSync(run.read, 'utf8');
      }
      expect(read).toMatch(/"dropped":\d+/);
    },
    60_000,
  );
});
