import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, productionEnv, type SmsopsProcess, smsopsNodeArgs, startSmsopsProcess } from '../helpers/smsopsProcess.js';

/** A working folder whose `.env` holds a production configuration (HOST last, so a test can move it). */
function folderWithEnv(lines: (env: Record<string, string>) => string, port = 9): string {
  const cwd = mkdtempSync(join(tmpdir(), 'smsops-envfile-'));
  const env = productionEnv({ port, databasePath: join(cwd, 'smsops.db'), webhookSecret: 'whsec_test_0123456789abcdefghijkl' });
  writeFileSync(join(cwd, '.env'), lines(env));
  return cwd;
}

const asLines = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([name, value]) => `${name}=${value}\n`)
    .join('');

/** smsops started in `cwd` with only PATH and HOME: everything else from its .env. */
const runOnce = (cwd: string) =>
  spawnSync(process.execPath, smsopsNodeArgs(), {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
    timeout: 15_000,
  });

let running: SmsopsProcess | undefined;
afterEach(() => running?.kill());

describe('npm start reading .env', () => {
  it('listens where HOST in a .env saved with a byte-order mark says, not on every interface', async () => {
    const port = await freePort();
    const cwd = folderWithEnv(({ HOST, ...rest }) => `\uFEFFHOST=${HOST}\n${asLines(rest)}`, port);
    running = await startSmsopsProcess(cwd, {});
    expect(running.logs.find((line) => line.includes('smsops listening'))).toContain(`127.0.0.1:${port}`);
  });

  it('refuses a line that is not NAME=value (exit 2, the file and line named, not its content) instead of losing the next line', () => {
    const cwd = folderWithEnv((env) => `# smsops\nSLACK_ADMIN_USERS U0ADMIN01\n${asLines(env)}`);
    const result = runOnce(cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${join(cwd, '.env')} line 2 is not NAME=value`);
    expect(result.stderr).not.toContain('U0ADMIN01');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('reads a PortSIP URL with a # whole, and refuses it as the real environment does, instead of posting to the part before it', () => {
    const url = 'https://pbx.example.com:8887/api/sms/Wavix#2 - US/0d3c5f7e-1111-2222-3333-444455556666';
    const result = runOnce(folderWithEnv((env) => `${asLines(env)}PORTSIP_WEBHOOK_URL=${url}\n`));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/PORTSIP_WEBHOOK_URL .*contains `#`/);
  });

  it('reads a .env whose lines end \\r\\r\\n (converted to CRLF twice) and starts, instead of refusing every name', async () => {
    const port = await freePort();
    const cwd = folderWithEnv((env) => asLines(env).replaceAll('\n', '\r\r\n'), port);
    running = await startSmsopsProcess(cwd, {});
    expect(running.logs.find((line) => line.includes('smsops listening'))).toContain(`127.0.0.1:${port}`);
  });

  it('refuses a .env whose lines end with CR alone (exit 2, naming the CR), instead of reading it as one comment', () => {
    const cwd = folderWithEnv((env) => `# smsops\r${asLines(env).replaceAll('\n', '\r')}`);
    const result = runOnce(cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${join(cwd, '.env')} line 1 holds a carriage return (CR) inside the line`);
  });

  it('refuses a .env that links to a missing file (exit 2, in words), instead of starting the sandbox', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-envfile-'));
    symlinkSync('/nonexistent/smsops/production.env', join(cwd, '.env'));
    const result = runOnce(cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${join(cwd, '.env')} is a link to /nonexistent/smsops/production.env, which does not exist`);
    expect(result.stderr).toContain('The sandbox did not start');
  });

  it('says what to do with a .env that is a folder (exit 2, one line, no stack trace)', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-envfile-'));
    mkdirSync(join(cwd, '.env'));
    const result = runOnce(cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${join(cwd, '.env')} is a folder, not a file`);
    expect(result.stderr).not.toMatch(/EISDIR|^\s+at /m);
  });

  it('takes a .env that cp made readable by every user (0644, holding the tokens) down to 0600 and says so, values unnamed', async () => {
    const port = await freePort();
    const cwd = folderWithEnv(asLines, port);
    const file = join(cwd, '.env');
    chmodSync(file, 0o644);
    running = await startSmsopsProcess(cwd, {});
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    const line = running.logs.find((l) => l.includes('was readable by other users')) ?? '';
    expect(line).toContain(`${file} was readable by other users of this machine (mode 644`);
    expect(line).toContain('SLACK_BOT_TOKEN');
    expect(line).not.toContain('whsec_test_0123456789abcdefghijkl');
  });
});
