import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('npm start with a bad configuration', () => {
  it('exits with code 2 and one message naming every bad variable, without a stack trace', () => {
    // An empty working directory, so no .env is picked up; only PATH and HOME from the real environment.
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-main-'));
    const result = spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'src/main.ts')], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, WAVIX_API_KEY: 'wavix-secret-key-123', SLACK_BOT_TOKEN: 'bad' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/configuration problems/);
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_ALERT_CHANNEL']) {
      expect(result.stderr).toContain(name);
    }
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr + result.stdout).not.toContain('wavix-secret-key-123');
  });
});
