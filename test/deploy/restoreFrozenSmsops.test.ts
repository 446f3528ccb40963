import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { expiredHolderStillRuns, pidNamespaceId } from '../../src/store/instanceLease.js';
import { markedSmsopsDatabase, restoreMarker } from '../helpers/restoreDatabases.js';
import { runRestore } from '../helpers/runRestore.js';
import { freePort, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';

/**
 * smsops frozen (SIGSTOP, a debugger, a hung host) past its instance lease: restore took the expired lease and
 * replaced the file under it, and on SIGCONT the SMS it had acknowledged were only in the .before-restore copy (89 in
 * a probe's run). Restore now refuses while that process still runs here; a start still takes over (not tested here).
 */
describe.runIf(process.platform === 'linux')('restore while smsops is frozen past its lease (real processes)', () => {
  let dir = '';
  const processes: SmsopsProcess[] = [];
  afterEach(() => {
    for (const p of processes.splice(0)) {
      try {
        process.kill(p.pid, 'SIGCONT');
      } catch {
        // gone already
      }
      p.kill();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused naming the frozen process and how to stop it; once it is stopped, restore goes through', {
    timeout: 120_000,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-restore-frozen-'));
    const target = join(dir, 'smsops.db');
    const backup = join(dir, 'backup.db');
    await markedSmsopsDatabase(target, 'current');
    await markedSmsopsDatabase(backup, 'backup');

    const smsops = spawnSmsops({
      cwd: dir,
      env: {
        ...productionEnv({ port: await freePort(), databasePath: target, webhookSecret: 'restore-frozen-secret-0123456789' }),
        INSTANCE_LEASE_MS: '1500',
      },
    });
    processes.push(smsops);
    await smsops.waitForLine(/smsops listening/, 60_000);
    process.kill(smsops.pid, 'SIGSTOP');
    await sleep(2_500); // past its 1.5 s lease, with no heartbeat since

    const refused = await runRestore(dir, ['--db', target, backup]);
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toContain(`another smsops still runs on this database though its lease expired`);
    expect(refused.output).toContain(`host ${hostname()}, pid ${smsops.pid}`);
    expect(refused.output).toContain(`Stop smsops first (kill ${smsops.pid})`);
    expect(restoreMarker(target)).toBe('current');
    expect(readdirSync(dir).filter((f) => f.includes('before-restore'))).toEqual([]);

    process.kill(smsops.pid, 'SIGCONT');
    smsops.kill();
    await smsops.exited;
    const done = await runRestore(dir, ['--db', target, backup]);
    expect(done.code, done.output).toBe(0);
    expect(restoreMarker(target)).toBe('backup');
  });

  it('takes the expired lease of a pid given since to a process that started after the lease (not its holder)', async () => {
    const here = { host: hostname(), pid: process.pid, namespace: pidNamespaceId() };
    const other = spawn('sleep', ['30']);
    try {
      await sleep(1_500);
      const pid = other.pid as number;
      const row = { host: here.host, pid, namespace: here.namespace };
      // Its lease taken after it started: it is the holder.
      expect(expiredHolderStillRuns({ ...row, started_at: Date.now() }, here)).toBe(true);
      // A lease taken a minute before this process existed: its pid was reused.
      expect(expiredHolderStillRuns({ ...row, started_at: Date.now() - 60_000 }, here)).toBe(false);
      // Another host or namespace cannot be told from here.
      expect(expiredHolderStillRuns({ ...row, host: 'elsewhere', started_at: Date.now() }, here)).toBe(false);
      expect(expiredHolderStillRuns({ ...row, namespace: 'pid:[1]@other-boot', started_at: Date.now() }, here)).toBe(false);
    } finally {
      other.kill();
    }
    await sleep(200);
    expect(
      expiredHolderStillRuns(
        { host: here.host, pid: other.pid as number, namespace: here.namespace, started_at: Date.now() },
        here,
      ),
    ).toBe(false);
  });
});
