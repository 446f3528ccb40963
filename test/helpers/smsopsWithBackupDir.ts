import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach } from 'vitest';
import { slowDiskUnder, timedFromOutside } from './slowDisk.js';
import { type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets } from './smsopsUnderTest.js';

export interface SmsopsWithBackupDir {
  t: SmsopsUnderTest;
  /** The test's own folder, removed after it; BACKUP_DIR is `backups` in it, not made yet. */
  scratch: string;
  backupDir: string;
}

/**
 * One in-process smsops per test whose BACKUP_DIR is in a fresh folder. Call it at a test file's top level: its
 * afterEach stops smsops, checking that no secret reached Slack or a log line, and then removes the folder.
 */
export function useSmsopsWithBackupDir(folderPrefix: string): { start(): Promise<SmsopsWithBackupDir> } {
  let t: SmsopsUnderTest | undefined;
  let scratch: string | undefined;
  afterEach(async () => {
    const [running, folder] = [t, scratch];
    t = scratch = undefined;
    try {
      if (running) await stopCheckingSecrets(running);
    } finally {
      if (folder) rmSync(folder, { recursive: true, force: true });
    }
  });
  return {
    start: async () => {
      if (t || scratch) throw new Error('useSmsopsWithBackupDir: one start per test');
      scratch = mkdtempSync(join(tmpdir(), folderPrefix));
      const backupDir = join(scratch, 'backups');
      t = await startSmsopsUnderTest({ BACKUP_DIR: backupDir });
      return { t, scratch, backupDir };
    },
  };
}

/**
 * `ask` run while every file call naming BACKUP_DIR takes 2 s (see slowDiskUnder; callers skip where strace cannot
 * trace), with `curlArgs` asked from another process all along: what `ask` answered, how long it took, and each
 * outside answer's time in milliseconds.
 */
export async function whileBackupDiskHangs(
  rig: Pick<SmsopsWithBackupDir, 'scratch' | 'backupDir'>,
  curlArgs: string,
  ask: () => Promise<string>,
): Promise<{ answer: string; tookMs: number; outsideMs: number[] }> {
  const disk = await slowDiskUnder(rig.backupDir, 2_000);
  const outside = timedFromOutside(curlArgs, join(rig.scratch, 'outside-times'));
  try {
    const began = performance.now();
    const answer = await ask();
    const tookMs = performance.now() - began;
    await sleep(200);
    return { answer, tookMs, outsideMs: outside.stop() };
  } finally {
    outside.stop();
    await disk.stop();
  }
}
