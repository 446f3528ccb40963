import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, productionEnv, type SmsopsProcess, spawnSmsops, startSmsopsProcess } from '../helpers/smsopsProcess.js';

/**
 * DATABASE_PATH naming something that is not a regular file (a device, a fifo, a symlink to one): smsops refuses it
 * with exit 2 and the variable's name, and leaves it exactly as it was. The device is made here with mknod (the real
 * /dev/null is never used: the old code chmod-ed it to 0600).
 */
describe('DATABASE_PATH that is not a regular file', () => {
  const processes: SmsopsProcess[] = [];
  let dir = '';
  afterEach(() => {
    for (const p of processes.splice(0)) p.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const exitWithin = (p: SmsopsProcess, ms: number) =>
    Promise.race([p.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms).unref())]);

  async function refused(databasePath: string) {
    const env = productionEnv({ port: await freePort(), databasePath, webhookSecret: 'not-a-file-secret-0123456789' });
    const p = spawnSmsops({ cwd: dir, env });
    processes.push(p);
    const exit = await exitWithin(p, 20_000);
    return { exit, output: p.logs.join('\n') };
  }

  const isRoot = process.getuid?.() === 0;

  it.runIf(isRoot)(
    'a character device: exit 2 naming DATABASE_PATH, the device keeps its mode and gets no -journal',
    {
      timeout: 30_000,
    },
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'smsops-dbpath-'));
      const device = join(dir, 'null');
      execFileSync('mknod', ['-m', '666', device, 'c', '1', '3']); // a /dev/null of our own
      const r = await refused(device);
      expect(r.exit, r.output).toEqual({ code: 2, signal: null });
      expect(r.output).toContain(`DATABASE_PATH ${device} is a character device, not a regular file`);
      expect(statSync(device).mode & 0o777).toBe(0o666);
      expect(statSync(device).isCharacterDevice()).toBe(true);
      expect(readdirSync(dir)).toEqual(['null']);
    },
  );

  it('a named pipe, and a symlink to one: exit 2, nothing created beside them', { timeout: 40_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-dbpath-'));
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', ['-m', '644', fifo]);
    symlinkSync(fifo, join(dir, 'link.db'));
    let r = await refused(fifo);
    expect(r.exit, r.output).toEqual({ code: 2, signal: null });
    expect(r.output).toContain(`DATABASE_PATH ${fifo} is a named pipe (fifo), not a regular file`);
    r = await refused(join(dir, 'link.db'));
    expect(r.exit, r.output).toEqual({ code: 2, signal: null });
    expect(r.output).toContain(`DATABASE_PATH ${join(dir, 'link.db')} is a named pipe (fifo) (through the symlink to ${fifo})`);
    expect(statSync(fifo).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir).sort()).toEqual(['link.db', 'pipe']);
  });

  it('a symlink to a regular file is used: SQLite keeps the -wal beside the file it points to, the link stays', {
    timeout: 40_000,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-dbpath-'));
    mkdirSync(join(dir, 'real'), { mode: 0o700 });
    const real = join(dir, 'real', 'smsops.db');
    const link = join(dir, 'smsops.db');
    symlinkSync(real, link);
    const env = productionEnv({ port: await freePort(), databasePath: link, webhookSecret: 'symlink-secret-0123456789' });
    const p = await startSmsopsProcess(dir, env);
    processes.push(p);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(real).isFile()).toBe(true);
    expect(statSync(real).mode & 0o777).toBe(0o600);
    expect(existsSync(`${real}-wal`)).toBe(true);
    expect(existsSync(`${link}-wal`)).toBe(false);
  });
});
