import { describe, expect, it } from 'vitest';
import { straceWorks } from '../helpers/slowDisk.js';
import { readable, runCommand, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithBackupDir, whileBackupDiskHangs } from '../helpers/smsopsWithBackupDir.js';

const smsops = useSmsopsWithBackupDir('smsops-backup-hung-');

// Every file call naming BACKUP_DIR takes 2 s (strace's fault injection; skipped where strace cannot trace). The run
// asked is the scheduled job's own run, the one BACKUP_CRON starts.
describe('the backup job on a BACKUP_DIR whose disk hangs', () => {
  it.skipIf(!straceWorks)(
    'fails within 3 s saying the disk does not answer, while Wavix webhooks are answered all along',
    async () => {
      const rig = await smsops.start();
      const { t, backupDir } = rig;
      // Inbound SMS posted as Wavix posts them, from another process, each its own message.
      const body = `'{"message_id":"hung-disk-'$i'","message_type":"sms","from":"447400123456","to":"14155550100","message_body":{"text":"hi","media":null},"received_at":"2026-11-25T10:00:00Z"}'`;
      const {
        answer,
        tookMs,
        outsideMs: webhookMs,
      } = await whileBackupDiskHangs(
        rig,
        `-X POST -H 'content-type: application/json' --data ${body} ${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`,
        async () => readable((await runCommand(t, 'jobs run backup')).body),
      );
      expect(webhookMs.length).toBeGreaterThan(5);
      // The run's synchronous checks (exists, stat, access: 2 s each) held every webhook 6 s.
      expect(Math.max(...webhookMs)).toBeLessThan(1_000);
      expect(tookMs).toBeLessThan(5_000);
      expect(answer).toContain(`BACKUP_DIR ${backupDir} cannot be used: its disk did not answer within 3 s`);
    },
    60_000,
  );
});
