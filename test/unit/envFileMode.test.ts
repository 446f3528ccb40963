import { chmodSync, linkSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envFileModeWarning, guardEnvFileMode } from '../../src/envFileMode.js';

const SECRETS = ['SLACK_BOT_TOKEN', 'WAVIX_API_KEY'];

function envFile(mode: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'smsops-envmode-')), '.env');
  writeFileSync(file, 'SLACK_BOT_TOKEN=xoxb-secret\n');
  chmodSync(file, mode);
  return file;
}

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);
const owner = (file: string) => statSync(file).uid;

describe('a .env holding secrets, readable by others', () => {
  it("leaves another user's file as it is and says how to close it", () => {
    const file = envFile(0o644);
    const finding = guardEnvFileMode(file, { SLACK_BOT_TOKEN: 'xoxb-secret' }, SECRETS, owner(file) + 1);
    expect(finding?.action).toBe('reported');
    expect(modeOf(file)).toBe('644');
    const words = envFileModeWarning(finding as NonNullable<typeof finding>);
    expect(words).toContain(`chmod o-rwx ${file}`);
    expect(words).not.toContain('xoxb-secret');
  });

  it("says nothing of another user's file open to its group only (root:smsops 0640 on purpose)", () => {
    const file = envFile(0o640);
    expect(guardEnvFileMode(file, { SLACK_BOT_TOKEN: 'xoxb-secret' }, SECRETS, owner(file) + 1)).toBeNull();
  });

  it('leaves its own .env open to its group as it is (chmod 640, as the warning advises), instead of taking the group out at every start', () => {
    const file = envFile(0o640);
    expect(guardEnvFileMode(file, { SLACK_BOT_TOKEN: 'xoxb-secret' }, SECRETS, owner(file))).toBeNull();
    expect(modeOf(file)).toBe('640');
  });

  it('never changes a shared secrets file that .env links to: reported naming that file', () => {
    const shared = envFile(0o644);
    const link = join(mkdtempSync(join(tmpdir(), 'smsops-envlink-')), '.env');
    symlinkSync(shared, link);
    const finding = guardEnvFileMode(link, { SLACK_BOT_TOKEN: 'xoxb-secret' }, SECRETS, owner(shared));
    expect(finding?.action).toBe('reported');
    expect(modeOf(shared)).toBe('644');
    const words = envFileModeWarning(finding as NonNullable<typeof finding>);
    expect(words).toContain(`${link} links to ${shared}`);
    expect(words).toContain(`chmod o-rwx ${shared}`);
  });

  it('never changes a shared secrets file that .env is a hard link of: reported, saying so', () => {
    const shared = envFile(0o644);
    const link = join(mkdtempSync(join(tmpdir(), 'smsops-envlink-')), '.env');
    linkSync(shared, link);
    const finding = guardEnvFileMode(link, { SLACK_BOT_TOKEN: 'xoxb-secret' }, SECRETS, owner(shared));
    expect(finding?.action).toBe('reported');
    expect(modeOf(shared)).toBe('644');
    const words = envFileModeWarning(finding as NonNullable<typeof finding>);
    expect(words).toContain(`${link} is one of 2 names of the same file (a hard link)`);
    expect(words).toContain(`chmod o-rwx ${link}`);
  });

  it('leaves a .env without secrets alone (PORT and LOG_LEVEL only)', () => {
    const file = envFile(0o644);
    expect(guardEnvFileMode(file, { PORT: '3000', SLACK_BOT_TOKEN: ' ' }, SECRETS, owner(file))).toBeNull();
    expect(modeOf(file)).toBe('644');
  });
});
