import { mkdtempSync, rmSync } from 'node:fs';
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
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest | undefined;
let scratch: string | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  t = undefined;
  scratch = undefined;
});

// Every file call naming BACKUP_DIR takes 2 s (strace's fault injection; skipped where strace cannot trace). The run
// asked is the scheduled job's own run, the one BACKUP_CRON starts.
describe('the backup job on a BACKUP_DIR whose disk hangs', () => {
  it.skipIf(!straceWorks)(
    'fails within 3 s saying the disk does not answer, while Wavix webhooks are answered all along',
    async () => {
      scratch = mkdtempSync(join(tmpdir(), 'smsops-backup-hung-'));
      const backupDir = join(scratch, 'backups');
      t = await startSmsopsUnderTest({ BACKUP_DIR: backupDir });
      const app = t;
      const disk = await slowDiskUnder(backupDir, 2_000);
      // Inbound SMS posted as Wavix posts them, from another process, each its own message.
      const body = `'{"message_id":"hung-disk-'$i'","message_type":"sms","from":"447400123456","to":"14155550100","message_body":{"text":"hi","media":null},"received_at":"2026-11-25T10:00:00Z"}'`;
      const webhooks = timedFromOutside(
        `-X POST -H 'content-type: application/json' --data ${body} ${app.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`,
        join(scratch, 'webhook-times'),
      );
      try {
        const began = performance.now();
        const answer = readable((await runCommand(app, 'jobs run backup')).body);
        const tookMs = performance.now() - began;
        await sleep(200);
        const webhookMs = webhooks.stop();
        expect(webhookMs.length).toBeGreaterThan(5);
        // The run's synchronous checks (exists, stat, access: 2 s each) held every webhook 6 s.
        expect(Math.max(...webhookMs)).toBeLessThan(1_000);
        expect(tookMs).toBeLessThan(5_000);
        expect(answer).toContain(`BACKUP_DIR ${backupDir} cannot be used: its disk did not answer within 3 s`);
      } finally {
        webhooks.stop();
        await disk.stop();
      }
    },
    60_000,
  );
});
