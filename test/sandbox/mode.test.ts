import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSandboxMode, parseSandboxConfig } from '../../src/sandbox/mode.js';
import { smsopsNodeArgs } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

describe('choosing sandbox mode', () => {
  it('is the sandbox only where nothing of smsops is configured: no .env, none of its variables (its own SMSOPS_SANDBOX_* aside)', () => {
    expect(isSandboxMode({ PATH: '/usr/bin', HOME: '/root', SMSOPS_SANDBOX_PORT: '0' })).toBe(true);
    expect(isSandboxMode({}, { envFileExists: true })).toBe(false);
  });

  it('is not the sandbox as soon as any smsops variable is present, even empty or unrelated to credentials', () => {
    for (const name of [
      'DATABASE_PATH',
      'PORT',
      'HOST',
      'PUBLIC_BASE_URL',
      'WEBHOOK_SECRET',
      'PORTSIP_WEBHOOK_URL',
      'LOG_LEVEL',
      'HTTP_MAX_CONNECTIONS',
    ]) {
      expect(isSandboxMode({ [name]: 'x' }), name).toBe(false);
    }
    expect(isSandboxMode({ SLACK_BOT_TOKEN: '', WAVIX_API_KEY: '' })).toBe(false);
  });

  it('is the sandbox when SMSOPS_SANDBOX=1 asks for it, whatever else is set; SMSOPS_SANDBOX=0 turns it off', () => {
    expect(isSandboxMode({ SLACK_BOT_TOKEN: 'xoxb-1', WAVIX_API_KEY: 'abcdefgh12', SMSOPS_SANDBOX: '1' })).toBe(true);
    expect(isSandboxMode({ SMSOPS_SANDBOX: '1' }, { envFileExists: true })).toBe(true);
    expect(isSandboxMode({ SMSOPS_SANDBOX: '0' })).toBe(false);
  });

  it('listens on loopback port 3000 with ./data/sandbox.db unless told otherwise, ignores HOST, and reports a bad port', () => {
    const parsed = parseSandboxConfig({ HOST: '0.0.0.0' });
    expect(parsed.ok && parsed.value).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      databasePath: './data/sandbox.db',
      logLevel: 'info',
      requireToken: false,
    });
    const bad = parseSandboxConfig({ SMSOPS_SANDBOX_PORT: 'eighty' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain('SMSOPS_SANDBOX_PORT must be a whole number between 1 and 65535');
  });

  it('wants the console token on any address but loopback, or when SMSOPS_SANDBOX_REQUIRE_TOKEN=1', () => {
    const token = (env: Record<string, string>) => {
      const parsed = parseSandboxConfig(env);
      return parsed.ok ? parsed.value.requireToken : undefined;
    };
    expect(token({ SMSOPS_SANDBOX_HOST: '0.0.0.0' })).toBe(true);
    expect(token({ SMSOPS_SANDBOX_HOST: '192.168.1.10' })).toBe(true);
    expect(token({ SMSOPS_SANDBOX_HOST: '::' })).toBe(true);
    expect(token({ SMSOPS_SANDBOX_HOST: '127.0.0.1' })).toBe(false);
    expect(token({ SMSOPS_SANDBOX_HOST: '::1' })).toBe(false);
    expect(token({ SMSOPS_SANDBOX_HOST: 'localhost' })).toBe(false);
    expect(token({ SMSOPS_SANDBOX_HOST: '127.0.0.1', SMSOPS_SANDBOX_REQUIRE_TOKEN: '1' })).toBe(true);
  });
});

describe('npm start with no credentials', () => {
  it('starts the sandbox, says so with the console URL, serves it, and stops cleanly on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-fresh-clone-'));
    let started: ReturnType<typeof spawn> | undefined;
    try {
      // A fresh clone: no .env in the working directory, nothing in the environment but PATH (and the sandbox's own
      // port variable, 0 for a free port).
      // `node --import tsx src/main.ts`, as `npm start` runs it (not the tsx CLI, which SIGKILLs a child slow to
      // acknowledge a SIGTERM on a loaded machine: exit 143 instead of a clean stop).
      const child = spawn(process.execPath, smsopsNodeArgs(), {
        cwd,
        env: { PATH: process.env.PATH ?? '', SMSOPS_SANDBOX_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started = child;
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

      const url = await waitUntil(
        () => /sandbox mode: nothing reaches Slack, Wavix or PortSIP; open (http:\/\/localhost:\d+\/sandbox)/.exec(output)?.[1],
        25_000,
        () => `the sandbox URL in the output:\n${output}`,
      );

      // For the person at the terminal: the console URL first, then what runs and what is missing; smsops' own
      // listener is internal and said to be.
      await waitUntil(
        () => /"msg":"no \.env and no smsops variable set/.test(output),
        25_000,
        () => `the sandbox summary in the output:\n${output}`,
      );
      // Log lines like every other (they were plain text beside the JSON).
      const said = output
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(
        /^sandbox running: open (\S+) in a browser$/.exec(said.find((msg) => msg.startsWith('sandbox running')) ?? '')?.[1],
      ).toBe(url);
      expect(said.some((msg) => msg.startsWith('runs smsops for real against stand-ins'))).toBe(true);
      expect(
        said.some((msg) => msg.startsWith('no .env and no smsops variable set, so no Slack, Wavix or PortSIP credentials')),
      ).toBe(true);
      expect(output).toContain('"msg":"smsops listening behind the sandbox console"');
      // The sandbox takes no backups: its start does not tell anyone to set BACKUP_DIR.
      expect(output).not.toContain('database backups are off');
      expect(output).not.toMatch(/"url":"http:\/\/127\.0\.0\.1:\d+"/);

      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('SANDBOX');
      expect(existsSync(join(cwd, 'data/sandbox.db'))).toBe(true);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('"msg":"stopped"');
    } finally {
      // A failed assertion before the SIGTERM left the sandbox running after the test run.
      if (started?.exitCode === null) started.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 40_000);
});
