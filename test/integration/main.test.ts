import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { productionEnv, smsopsNodeArgs } from '../helpers/smsopsProcess.js';

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

describe('npm start with a misspelt variable', () => {
  it('warns of it, naming the variable meant, before the configuration error it causes', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-main-'));
    const result = spawnSync(process.execPath, smsopsNodeArgs(), {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, WAVIX_API_KEY: 'wavix-secret-key-123', SLACK_BOT_TOKN: 'xoxb-1' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(2);
    const [warning, ...later] = result.stderr
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(warning).toMatchObject({
      level: 'warn',
      msg: 'SLACK_BOT_TOKN is not a smsops setting; did you mean SLACK_BOT_TOKEN?',
    });
    expect(later.at(-1)).toMatchObject({
      level: 'error',
      problems: expect.arrayContaining([expect.stringMatching(/^SLACK_BOT_TOKEN is required/)]),
    });
  });
});

describe('npm start with a channel typed by its #name after "= " in .env', () => {
  it('says the line is read as empty and how to find the ID, before the "is required" it causes', () => {
    // `SLACK_ALERT_CHANNEL= #sms`: by the .env rule a comment, so smsops said SLACK_ALERT_CHANNEL "is required" of a
    // line visibly set; and `SLACK_INBOX_CHANNEL= #sms-inbox` posted every SMS in the alert channel without a word.
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-main-'));
    writeFileSync(
      join(cwd, '.env'),
      'SLACK_BOT_TOKEN=xoxb-1-2-abc\nSLACK_SIGNING_SECRET=signing-secret-0123456789\nWAVIX_API_KEY=wavix-secret-key-123\nSLACK_ALERT_CHANNEL= #sms\nSLACK_INBOX_CHANNEL= #sms-inbox\nDATABASE_PATH= # default\n',
      { mode: 0o600 },
    );
    const result = spawnSync(process.execPath, smsopsNodeArgs(), {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(2);
    const lines = result.stderr
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    const warnings = lines.filter((line) => line.level === 'warn').map((line) => line.msg);
    expect(warnings).toEqual([
      expect.stringMatching(/line 4: SLACK_ALERT_CHANNEL= #… is read as empty.*set by its ID, not its #name/),
      expect.stringMatching(/line 5: SLACK_INBOX_CHANNEL= #… is read as empty.*relayed SMS are posted in the alert channel/),
    ]);
    expect(result.stderr).not.toContain('sms-inbox');
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      problems: [expect.stringMatching(/^SLACK_ALERT_CHANNEL is required/)],
    });
  });
});

describe('npm start with a PortSIP URL pasted with something after it', () => {
  it.each([
    ['a channel after it', ' #sms-inbox', 'contains `#`'],
    ['a trailing space', ' ', 'ends with a space'],
    ['a fragment', '#inbox', 'contains `#`'],
  ])(
    'refuses PORTSIP_WEBHOOK_URL with %s (exit 2, the reason named), instead of posting to the ID with a space',
    (_name, suffix, reason) => {
      const cwd = mkdtempSync(join(tmpdir(), 'smsops-main-'));
      const result = spawnSync(process.execPath, smsopsNodeArgs(), {
        cwd,
        env: {
          ...productionEnv({ port: 9, databasePath: join(cwd, 'smsops.db'), webhookSecret: 'whsec_test_0123456789abcdefghijkl' }),
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          PORTSIP_WEBHOOK_URL: `https://pbx.example.com:8887/emc/Wavix - US/0d3c5f7e-1111-2222-3333-444455556666${suffix}`,
        },
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('PORTSIP_WEBHOOK_URL');
      expect(result.stderr).toContain(reason);
    },
  );
});
