import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isSandboxMode, parseSandboxConfig } from '../../src/sandbox/mode.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describe('choosing sandbox mode', () => {
  it('is the sandbox when neither Slack nor Wavix credentials are set (empty values count as unset)', () => {
    expect(isSandboxMode({})).toBe(true);
    expect(isSandboxMode({ SLACK_BOT_TOKEN: '', WAVIX_API_KEY: '  ' })).toBe(true);
  });

  it('is the real thing as soon as either credential is set, unless SMSOPS_SANDBOX=1 asks for the sandbox', () => {
    expect(isSandboxMode({ SLACK_BOT_TOKEN: 'xoxb-1' })).toBe(false);
    expect(isSandboxMode({ WAVIX_API_KEY: 'abcdefgh12' })).toBe(false);
    expect(isSandboxMode({ SLACK_BOT_TOKEN: 'xoxb-1', WAVIX_API_KEY: 'abcdefgh12', SMSOPS_SANDBOX: '1' })).toBe(true);
    expect(isSandboxMode({ SMSOPS_SANDBOX: '0' })).toBe(false);
  });

  it('listens on loopback port 3000 with ./data/sandbox.db unless told otherwise, and reports a bad PORT', () => {
    expect(parseSandboxConfig({})).toEqual({
      ok: true,
      value: { host: '127.0.0.1', port: 3000, databasePath: './data/sandbox.db', logLevel: 'info' },
    });
    const bad = parseSandboxConfig({ PORT: 'eighty' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain('PORT');
  });
});

describe('npm start with no credentials', () => {
  it('starts the sandbox, says so with the console URL, serves it, and stops cleanly on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-fresh-clone-'));
    try {
      // A fresh clone: no .env in the working directory, nothing in the environment but PATH (and PORT 0 for a free port).
      const child = spawn(process.execPath, [join(repo, 'node_modules/tsx/dist/cli.mjs'), join(repo, 'src/main.ts')], {
        cwd,
        env: { PATH: process.env.PATH ?? '', PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

      const deadline = Date.now() + 25_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline) {
        url = /sandbox mode: nothing reaches Slack, Wavix or PortSIP; open (http:\/\/localhost:\d+\/sandbox)/.exec(output)?.[1];
        if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(url, output).toBeDefined();

      const page = await fetch(url ?? '');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('SANDBOX');
      expect(existsSync(join(cwd, 'data/sandbox.db'))).toBe(true);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('"msg":"stopped"');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 40_000);
});
