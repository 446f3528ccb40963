import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { productionEnv, smsopsNodeArgs } from '../helpers/smsopsProcess.js';

/** smsops started in an empty folder (no .env) with only PATH, HOME and `env`. */
const runOnce = (env: Record<string, string>) =>
  spawnSync(process.execPath, smsopsNodeArgs(), {
    cwd: mkdtempSync(join(tmpdir(), 'smsops-envvalues-')),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });

describe('npm start with values it used to take wrongly', () => {
  it('SMSOPS_SANDBOX=off turns the sandbox off on a fresh clone: exit 2 asking for the real settings', () => {
    const result = runOnce({ SMSOPS_SANDBOX: 'off' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('SLACK_BOT_TOKEN is required');
  });

  it('refuses a PUBLIC_BASE_URL with a query (exit 2), which put the webhook secret in the query string', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-envvalues-'));
    const result = runOnce({
      ...productionEnv({ port: 9, databasePath: join(cwd, 'smsops.db'), webhookSecret: 'whsec_test_0123456789abcdefghijkl' }),
      PUBLIC_BASE_URL: 'https://smsops.example.com/?a=1',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('PUBLIC_BASE_URL must not hold a query');
  });
});
