import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/log.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/startSandbox.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const start = (databasePath: string, logger = silentLogger): Promise<RunningSandbox> =>
  startSandbox({ host: '127.0.0.1', port: 0, databasePath, logger, logLevel: 'debug', scheduleJobs: false });

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
      // Its webhook path is what the stand-in accepts: not for other local users to read.
      expect(statSync(`${db}.portsip-sink.json`).mode & 0o777).toBe(0o600);
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

  it.skipIf(process.platform === 'win32')(
    'saves its port in a database folder it made 0700, as the store makes it, and does not warn about that folder',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'smsops-sinkport-'));
      dirs.push(dir);
      const db = join(dir, 'new', 'sandbox.db');
      const logs: string[] = [];
      const sandbox = await start(db, createLogger({ level: 'debug', sink: (line) => logs.push(line) }));
      try {
        expect((statSync(join(dir, 'new')).mode & 0o777).toString(8)).toBe('700');
        expect(JSON.parse(readFileSync(`${db}.portsip-sink.json`, 'utf8')).port).toBe(Number(new URL(sandbox.sink.url).port));
        expect(logs.filter((line) => line.includes('database folder'))).toEqual([]);
      } finally {
        await sandbox.stop();
      }
    },
    30_000,
  );

  it('starts, and warns, when its port cannot be saved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-sinkport-'));
    dirs.push(dir);
    const db = join(dir, 'sandbox.db');
    mkdirSync(`${db}.portsip-sink.json`);
    const logs: string[] = [];
    const sandbox = await start(db, createLogger({ level: 'debug', sink: (line) => logs.push(line) }));
    try {
      expect((await fetch(`${sandbox.url}/healthz`)).status).toBe(200);
      expect(logs.filter((line) => line.includes('could not be saved for the next run'))).toHaveLength(1);
    } finally {
      await sandbox.stop();
    }
  }, 30_000);
});
