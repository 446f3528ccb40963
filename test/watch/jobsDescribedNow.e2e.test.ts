import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

// A slow disk is made with strace's fault injection (every file call naming BACKUP_DIR takes 2 s): where strace cannot
// trace this process (not installed, no ptrace), the test is skipped.
const straceWorks = spawnSync('strace', ['-qq', '-o', '/dev/null', 'true']).status === 0;

describe('/sms jobs on a BACKUP_DIR whose disk hangs', () => {
  it.skipIf(!straceWorks)(
    'answers that the disk does not answer, while /healthz (and every SMS) goes on',
    async () => {
      scratch = mkdtempSync(join(tmpdir(), 'smsops-jobs-hung-'));
      const backupDir = join(scratch, 'backups');
      const curlOut = join(scratch, 'healthz-times');
      t = await startSmsopsUnderTest({ BACKUP_DIR: backupDir });
      const app = t;
      const tracer = spawn(
        'strace',
        [
          '-f',
          '-qq',
          '-p',
          String(process.pid),
          '-P',
          backupDir,
          '-e',
          'trace=%file',
          '-e',
          'inject=%file:delay_exit=2000000',
          '-o',
          '/dev/null',
        ],
        { stdio: 'ignore' },
      );
      // /healthz asked from another process all along: this one's own timers would stall with smsops.
      let curl: ReturnType<typeof spawn> | undefined;
      try {
        await sleep(1_500);
        curl = spawn(
          'bash',
          [
            '-c',
            `while :; do curl -s -o /dev/null -w '%{time_total}\\n' ${app.smsops.url}/healthz; sleep 0.05; done > ${curlOut}`,
          ],
          { stdio: 'ignore', detached: true },
        );
        const began = performance.now();
        const answer = readable((await runCommand(app, 'jobs')).body);
        const tookMs = performance.now() - began;
        await sleep(200);
        process.kill(-(curl.pid as number));
        curl = undefined;
        const healthzMs = readFileSync(curlOut, 'utf8')
          .trim()
          .split('\n')
          .map((s) => Number(s) * 1000);
        // The old code held the event loop for each of the three calls: /healthz waited 5.9 s, SMS acks alike.
        expect(Math.max(...healthzMs)).toBeLessThan(1_000);
        expect(tookMs).toBeLessThan(5_000);
        expect(answer).toContain(`BACKUP_DIR ${backupDir} cannot be used: its disk did not answer within 3 s`);
      } finally {
        if (curl) process.kill(-(curl.pid as number));
        tracer.kill('SIGINT');
        await sleep(300);
      }
    },
    60_000,
  );
});
