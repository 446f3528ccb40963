import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smsopsNodeArgs } from '../helpers/smsopsProcess.js';

/**
 * An install that runs (its database there) restarted with a rotated value mistyped: the start stops with the
 * variable named, and no lead towards the sandbox, which it told every refused configuration it "did not start".
 */
const NEW_SECRET_TYPO = 'whsec-new-typo';
const start = (cwd: string) =>
  spawnSync(process.execPath, smsopsNodeArgs(), {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLACK_BOT_TOKEN: 'xoxb-1-2-restartwithtypo',
      SLACK_SIGNING_SECRET: 'signing-secret-restart-typo-0123',
      SLACK_ALERT_CHANNEL: 'C0ALERTS01',
      WAVIX_API_KEY: 'wavix-key-restart-typo-0123',
      WEBHOOK_SECRET: NEW_SECRET_TYPO,
      DATABASE_PATH: './data/smsops.db',
    },
    encoding: 'utf8',
    timeout: 20_000,
  });

describe('a restart with a rotated value mistyped', () => {
  it('names the variable, exit 2, never the value, and says nothing of the sandbox once smsops has a database', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-typo-'));
    mkdirSync(join(cwd, 'data'));
    writeFileSync(join(cwd, 'data', 'smsops.db'), '');
    const result = start(cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('WEBHOOK_SECRET must be at least 24 characters');
    expect(result.stderr).not.toContain('sandbox');
    expect(result.stderr + result.stdout).not.toContain(NEW_SECRET_TYPO);
  });

  it('still points a first start (no database yet) at the sandbox', () => {
    const result = start(mkdtempSync(join(tmpdir(), 'smsops-typo-')));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('SMSOPS_SANDBOX=1 runs it on purpose');
  });
});
