import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, productionEnv, type SmsopsProcess, spawnSmsops, startSmsopsProcess } from '../helpers/smsopsProcess.js';

/** A start that fails half-way (the port is taken) ends the process, and leaves nothing held. */
describe('npm start on a taken port', () => {
  const processes: SmsopsProcess[] = [];
  let blocker: Server | undefined;
  let dir = '';
  afterEach(async () => {
    for (const p of processes.splice(0)) p.kill();
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const takePort = async (): Promise<number> => {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(port, '127.0.0.1', resolve));
    return port;
  };
  const exitWithin = (p: SmsopsProcess, ms: number) =>
    Promise.race([p.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms).unref())]);

  it('exits 1 within seconds, its instance lease released, so a start on a free port succeeds at once', {
    timeout: 60_000,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-failed-start-'));
    const databasePath = join(dir, 'smsops.db');
    const env = {
      ...productionEnv({ port: await takePort(), databasePath, webhookSecret: 'failed-start-secret-0123456789' }),
      INSTANCE_LEASE_MS: '60000',
    };
    const failed = spawnSmsops({ cwd: dir, env });
    processes.push(failed);

    expect(await exitWithin(failed, 15_000)).toEqual({ code: 1, signal: null });
    expect(failed.logs.join('\n')).toMatch(
      /the port is taken by another process \(EADDRINUSE\); stop it or choose another port with PORT.*smsops could not start/,
    );
    const check = new Database(databasePath, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM instance_lease').get()).toEqual({ n: 0 });
    check.close();

    const second = await startSmsopsProcess(dir, { ...env, PORT: String(await freePort()) });
    processes.push(second);
    expect(second.logs.join('\n')).not.toContain('another smsops runs on this database');
  });

  it('exits 1 within seconds in sandbox mode too', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-failed-start-'));
    const failed = spawnSmsops({
      cwd: dir,
      env: { SMSOPS_SANDBOX: '1', SMSOPS_SANDBOX_PORT: String(await takePort()), DATABASE_PATH: join(dir, 'sandbox.db') },
    });
    processes.push(failed);
    expect(await exitWithin(failed, 15_000)).toEqual({ code: 1, signal: null });
    expect(failed.logs.join('\n')).toMatch(/the port is taken by another process \(EADDRINUSE\).*the sandbox could not start/);
    // Its own variable: `PORT=3001 npm start` would leave the sandbox and exit 2 asking for Slack and Wavix settings.
    expect(failed.logs.join('\n')).toContain('stop it or choose another port with SMSOPS_SANDBOX_PORT');
  });

  it('exits 1 with what to do when HOST names no address (a name that does not resolve)', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-failed-start-'));
    const env = productionEnv({
      port: await freePort(),
      databasePath: join(dir, 'smsops.db'),
      webhookSecret: 'failed-start-secret-0123456789',
    });
    const failed = spawnSmsops({ cwd: dir, env: { ...env, HOST: 'no-such-host.invalid' } });
    processes.push(failed);
    expect(await exitWithin(failed, 15_000)).toMatchObject({ code: 1 });
    expect(failed.logs.join('\n')).toMatch(
      /cannot listen on no-such-host\.invalid:\d+: the host name no-such-host\.invalid could not be resolved \((ENOTFOUND|EAI_AGAIN)\); use an IP address.*smsops could not start/,
    );
  });
});
