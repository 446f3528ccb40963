import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { slowDiskUnder, straceWorks, timedFromOutside } from '../helpers/slowDisk.js';
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

// A slow disk is made with strace's fault injection (every file call naming BACKUP_DIR takes 2 s): where strace cannot
// trace this process (not installed, no ptrace), the test is skipped.
describe('/sms jobs on a BACKUP_DIR whose disk hangs', () => {
  it.skipIf(!straceWorks)(
    'answers that the disk does not answer, while /healthz (and every SMS) goes on',
    async () => {
      scratch = mkdtempSync(join(tmpdir(), 'smsops-jobs-hung-'));
      const backupDir = join(scratch, 'backups');
      t = await startSmsopsUnderTest({ BACKUP_DIR: backupDir });
      const app = t;
      const disk = await slowDiskUnder(backupDir, 2_000);
      // /healthz asked from another process all along: this one's own timers would stall with smsops.
      const healthz = timedFromOutside(`${app.smsops.url}/healthz`, join(scratch, 'healthz-times'));
      try {
        const began = performance.now();
        const answer = readable((await runCommand(app, 'jobs')).body);
        const tookMs = performance.now() - began;
        await sleep(200);
        const healthzMs = healthz.stop();
        // The old code held the event loop for each of the three calls: /healthz waited 5.9 s, SMS acks alike.
        expect(Math.max(...healthzMs)).toBeLessThan(1_000);
        expect(tookMs).toBeLessThan(5_000);
        expect(answer).toContain(`BACKUP_DIR ${backupDir} cannot be used: its disk did not answer within 3 s`);
      } finally {
        healthz.stop();
        await disk.stop();
      }
    },
    60_000,
  );
});
