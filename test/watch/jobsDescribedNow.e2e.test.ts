import { rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { straceWorks } from '../helpers/slowDisk.js';
import { readable, runCommand } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithBackupDir, whileBackupDiskHangs } from '../helpers/smsopsWithBackupDir.js';

const smsops = useSmsopsWithBackupDir('smsops-jobs-described-');

describe('/sms jobs describes each job as it is now, not as it was at start', () => {
  it('a BACKUP_DIR replaced by a file after start is "Not usable" in /sms jobs, and usable again once fixed', async () => {
    const { t, backupDir } = await smsops.start();
    const backupLine = async () =>
      readable((await runCommand(t, 'jobs')).body)
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
      const rig = await smsops.start();
      const { t, backupDir } = rig;
      // /healthz asked from another process all along: this one's own timers would stall with smsops.
      const {
        answer,
        tookMs,
        outsideMs: healthzMs,
      } = await whileBackupDiskHangs(rig, `${t.smsops.url}/healthz`, async () => readable((await runCommand(t, 'jobs')).body));
      // The old code held the event loop for each of the three calls: /healthz waited 5.9 s, SMS acks alike.
      // Answers came all along (an empty list would make the bound below hold with none).
      expect(healthzMs.length).toBeGreaterThan(2);
      expect(Math.max(...healthzMs)).toBeLessThan(1_000);
      expect(tookMs).toBeLessThan(5_000);
      expect(answer).toContain(`BACKUP_DIR ${backupDir} cannot be used: its disk did not answer within 3 s`);
    },
    60_000,
  );
});
