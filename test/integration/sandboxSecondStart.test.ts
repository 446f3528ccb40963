import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';

/**
 * A second sandbox started on a database one already runs on is refused by the instance lease. It must leave the
 * PortSIP stand-in's saved port alone: routes saved in that database name it, and the next run listens where it says.
 */

let dir: string;
const running: SmsopsProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smsops-sandbox-second-'));
});

afterEach(() => {
  for (const p of running.splice(0)) p.kill();
  rmSync(dir, { recursive: true, force: true });
});

function sandbox(databasePath: string): SmsopsProcess {
  const p = spawnSmsops({ cwd: dir, env: { SMSOPS_SANDBOX: '1', DATABASE_PATH: databasePath, SMSOPS_SANDBOX_PORT: '0' } });
  running.push(p);
  return p;
}

async function stop(p: SmsopsProcess): Promise<void> {
  p.child.kill('SIGTERM');
  expect((await p.exited).code, p.logs.join('\n')).toBe(0);
}

it('a second start refused because one runs on the database keeps the saved stand-in port, so the next run keeps it too', async () => {
  const db = join(dir, 'sandbox.db');
  const placeFile = `${db}.portsip-sink.json`;
  const first = sandbox(db);
  await first.waitForLine(/sandbox mode: nothing reaches/);
  const saved = readFileSync(placeFile, 'utf8');

  const second = sandbox(db);
  expect((await second.exited).code).not.toBe(0);
  expect(second.logs.join('\n')).toContain('another smsops runs on this database');
  expect(readFileSync(placeFile, 'utf8')).toBe(saved);
  await stop(first);

  const third = sandbox(db);
  expect(await third.waitForLine(/PortSIP stand-in at/)).toContain('same port as last run');
  expect(readFileSync(placeFile, 'utf8')).toBe(saved);
  await stop(third);
}, 90_000);
