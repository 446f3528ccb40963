import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/startSandbox.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const start = (databasePath: string): Promise<RunningSandbox> =>
  startSandbox({ host: '127.0.0.1', port: 0, databasePath, logger: silentLogger, logLevel: 'silent', scheduleJobs: false });

describe('the PortSIP stand-in across sandbox restarts', () => {
  it('keeps its port and webhook URL, so routes saved in the sandbox database still reach it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-sinkport-'));
    dirs.push(dir);
    const db = join(dir, 'sandbox.db');
    const first = await start(db);
    const firstUrl = first.sink.url;
    expect(first.sinkPort).toBe('first');
    const webhook = first.portsipWebhookUrl;
    await first.stop();

    const second = await start(db);
    try {
      expect(second.sink.url).toBe(firstUrl);
      expect(second.sinkPort).toBe('kept');
      expect(second.portsipWebhookUrl).toBe(webhook);
    } finally {
      await second.stop();
    }
  }, 30_000);

  it('takes another port and says so when the saved one is busy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-sinkport-'));
    dirs.push(dir);
    const db = join(dir, 'sandbox.db');
    const first = await start(db);
    const port = Number(new URL(first.sink.url).port);
    await first.stop();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const second = await start(db);
      try {
        expect(second.sinkPort).toEqual({ busy: port });
        expect(Number(new URL(second.sink.url).port)).not.toBe(port);
      } finally {
        await second.stop();
      }
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  }, 30_000);
});
