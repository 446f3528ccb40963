import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger, registerSecret } from '../../src/log.js';
import { humanLogLine, resolveLogFormat } from '../../src/logFormat.js';
import { parseSandboxConfig } from '../../src/sandbox/mode.js';
import { productionEnv } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

const repo = join(import.meta.dirname, '..', '..');

describe('log format', () => {
  it('is human lines at a terminal and JSON anywhere else, unless LOG_FORMAT says', () => {
    expect(resolveLogFormat(undefined, true)).toBe('human');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('human', false)).toBe('human');
  });

  it('reads LOG_FORMAT=json, pretty and human (any case), and refuses anything else in the config error words', () => {
    const env = productionEnv({ port: 3000, databasePath: '/tmp/x.db', webhookSecret: 'whsec_logformat_0123456789abcdef' });
    const format = (value: string | undefined) => {
      const parsed = parseConfig({ ...env, LOG_FORMAT: value });
      return parsed.ok ? parsed.value.logFormat : parsed.error.message;
    };
    expect(format(undefined)).toBeUndefined();
    expect(format('')).toBeUndefined();
    expect(format('json')).toBe('json');
    expect(format('Pretty')).toBe('human');
    expect(format('human')).toBe('human');
    expect(format('yaml')).toMatch(
      /^smsops cannot start: 1 configuration problem:\n {2}- LOG_FORMAT must be one of json, pretty, human/,
    );
    const sandbox = parseSandboxConfig({ LOG_FORMAT: 'yaml' });
    expect(sandbox.ok ? '' : sandbox.error.problems).toEqual([
      expect.stringMatching(/^LOG_FORMAT must be one of json, pretty, human/),
    ]);
  });

  it('writes a human line from the redacted JSON: time, level, message, fields; no secret', () => {
    registerSecret('human-secret-0123456');
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', format: 'human', sink: (line) => lines.push(line) });
    log.warn('delivery failed', { attempt: 2, url: 'http://pbx.example/x y', key: 'human-secret-0123456' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARN {2}delivery failed attempt=2 url="http:\/\/pbx\.example\/x y" key=\[REDACTED\]$/,
    );
    expect(humanLogLine('not json')).toBe('not json');
    // The date and the zone, so that a line read on its own matches the Slack posts and the JSON logs of that moment.
    expect(humanLogLine('{"level":"warn","time":"2026-01-02T22:38:55.123Z","msg":"x"}')).toBe('2026-01-02T22:38:55Z WARN  x');
  });
  it("writes a field's terminal escape codes and bidi overrides escaped and quoted, so a Wavix message_id cannot move the cursor, erase lines or reverse the line", () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', format: 'human', sink: (line) => lines.push(line) });
    const hostile = '\u001b[1A\u001b[2K\u001b[32mALL-OK\u001b[0m';
    log.warn('relay attempts fail', { messageId: hostile, other: 'a\u202Egnp.exe', c1: '\u009b2J', ids: [hostile] });
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line).not.toMatch(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u);
    expect(line).toContain(String.raw`messageId="\u001b[1A\u001b[2K\u001b[32mALL-OK\u001b[0m"`);
    expect(line).toContain(String.raw`other="a\u202egnp.exe" c1="\u009b2J" ids=["\u001b[1A`);
    // Plain ids stay bare, as before.
    log.warn('relay attempts fail', { messageId: 'wvx-123' });
    expect(lines[1]).toMatch(/ messageId=wvx-123$/);
  });
});

describe('log format of a started process', () => {
  /** `npm start` in sandbox mode, through a pipe or on a pseudo-terminal (util-linux `script`), until its URL line. */
  const run = async (env: Record<string, string>, tty: boolean) => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-logformat-'));
    const main = [process.execPath, '--import', join(repo, 'node_modules/tsx/dist/loader.mjs'), join(repo, 'src/main.ts')];
    const [command, args] = tty ? ['script', ['-qec', main.join(' '), '/dev/null']] : [main[0] ?? '', main.slice(1)];
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, SMSOPS_SANDBOX_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // On a terminal stderr and stdout are the same stream: the summary line arrives on stdout there.
      await Promise.race([
        waitUntil(
          () => (/sandbox running: open /.test(stdout + stderr) && /sandbox mode: nothing reaches/.test(stdout)) || undefined,
          30_000,
          () => stdout + stderr,
        ),
        exited,
      ]);
      return { stdout, stderr, status: child.exitCode };
    } finally {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
      await exited;
      rmSync(cwd, { recursive: true, force: true });
    }
  };

  it('logs JSON through a pipe and human lines on a terminal; LOG_FORMAT overrides both', async () => {
    const piped = await run({}, false);
    expect(piped.stdout).toMatch(/^\{"level":"info",/m);
    const forcedHuman = await run({ LOG_FORMAT: 'pretty' }, false);
    expect(forcedHuman.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO {2}sandbox mode: nothing reaches Slack/m);
    expect(forcedHuman.stdout).not.toMatch(/^\{/m);
    const terminal = await run({}, true);
    expect(terminal.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO {2}sandbox mode: nothing reaches Slack/m);
    expect(terminal.stdout).not.toMatch(/^\{"level"/m);
    const forcedJson = await run({ LOG_FORMAT: 'json' }, true);
    expect(forcedJson.stdout).toMatch(/^\{"level":"info",/m);
  }, 120_000);

  it('refuses a bad LOG_FORMAT before starting, with exit code 2', async () => {
    const bad = await run({ LOG_FORMAT: 'colour' }, false);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('LOG_FORMAT must be one of json, pretty, human');
  }, 60_000);
});
