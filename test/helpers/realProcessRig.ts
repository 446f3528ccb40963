import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { type FakeSlack, startFakeSlack } from './fakeSlack.js';
import { freePort } from './freePort.js';
import type { SmsopsProcess } from './smsopsProcess.js';
import { sleep } from './waitUntil.js';
import { startWebhookSink, type WebhookSink } from './webhookSink.js';

/** What a test of the real process stands on, fresh for each test: a folder, a port, a PortSIP sink and a fake Slack. */
export interface RealProcessRig {
  readonly dir: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly sink: WebhookSink;
  readonly fakeSlack: FakeSlack;
  /** Registers a started smsops: killed (the whole group) after the test, and waited for. */
  track(process: SmsopsProcess): SmsopsProcess;
}

/** Registers the rig's beforeEach/afterEach in the calling describe block; read its fields inside tests and hooks. */
export function useRealProcessRig(folderPrefix: string): RealProcessRig {
  let current: { dir: string; port: number; sink: WebhookSink; fakeSlack: FakeSlack } | undefined;
  const processes: SmsopsProcess[] = [];
  const now = () => {
    if (!current) throw new Error('the rig is read outside a test');
    return current;
  };

  beforeEach(async () => {
    current = {
      dir: mkdtempSync(join(tmpdir(), folderPrefix)),
      port: await freePort(),
      sink: await startWebhookSink(),
      fakeSlack: await startFakeSlack(),
    };
  });

  afterEach(async () => {
    for (const p of processes) p.kill();
    await Promise.all(processes.map((p) => Promise.race([p.exited, sleep(5_000)])));
    processes.length = 0;
    const { dir, sink, fakeSlack } = now();
    await Promise.all([sink.close(), fakeSlack.close()]);
    rmSync(dir, { recursive: true, force: true });
    current = undefined;
  });

  return {
    get dir() {
      return now().dir;
    },
    get port() {
      return now().port;
    },
    get base() {
      return `http://127.0.0.1:${now().port}`;
    },
    get sink() {
      return now().sink;
    },
    get fakeSlack() {
      return now().fakeSlack;
    },
    track: (process) => {
      processes.push(process);
      return process;
    },
  };
}
