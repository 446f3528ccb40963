import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest | undefined;
let scratch: string | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  t = undefined;
  scratch = undefined;
});

describe('/sms jobs describes each job as it is now, not as it was at start', () => {
  it('a BACKUP_DIR replaced by a file after start is "Not usable" in /sms jobs, and usable again once fixed', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'smsops-jobs-described-'));
    const backupDir = join(scratch, 'backups');
    t = await startSmsopsUnderTest({ BACKUP_DIR: backupDir });
    const backupLine = async () =>
      readable((await runCommand(t as SmsopsUnderTest, 'jobs')).body)
        .split('\n')
        .filter((line) => line.includes(backupDir))
        .join('\n');
    expect(await backupLine()).toContain(`Copies the database to ${backupDir}`);

    rmSync(backupDir, { recursive: true });
    writeFileSync(backupDir, 'not a folder');
    const broken = await backupLine();
    expect(broken).toContain('Not usable');
    expect(broken).toContain('not a folder');
    expect(broken).not.toContain('Copies the database to');

    rmSync(backupDir);
    expect(await backupLine()).toContain(`Copies the database to ${backupDir}`);
  });
});
