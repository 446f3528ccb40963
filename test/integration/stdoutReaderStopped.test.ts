import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, inboundWebhookBody, productionEnv, smsopsNodeArgs } from '../helpers/smsopsProcess.js';
import { sleep } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

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

  it('does not stop the webhooks or the relay', async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-stdout-stopped-'));
    sink = await startWebhookSink();
    const port = await freePort();
    const secret = 'whsec_test_stdout_stopped_0123456789';
    const fifo = join(dir, 'stdout.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'ignore', 'ignore'], detached: true });
    started.push(reader);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      ...productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: secret }),
      PORTSIP_WEBHOOK_URL: `${sink.url}/emc/inbound`,
      LOG_LEVEL: 'debug',
    };
    const smsops = spawn(process.execPath, smsopsNodeArgs(), {
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
    expect(answers.filter((status) => status !== 200)).toEqual([]);
    for (let i = 0; i < 50 && sink.received.length < 300; i++) await sleep(200);
    expect(sink.received.length).toBe(300);
    expect(readFileSync(join(dir, 'stderr.log'), 'utf8')).not.toMatch(/uncaught/i);
  }, 60_000);
});
