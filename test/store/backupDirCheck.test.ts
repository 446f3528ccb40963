import { describe, expect, it } from 'vitest';
import { createBackupDirCheck } from '../../src/store/backupDirProbe.js';

describe('BACKUP_DIR checked while smsops runs (/sms jobs, /sms doctor)', () => {
  it('answers within its limit when the disk hangs, and asks the disk once however often it is asked', async () => {
    let checks = 0;
    let answer: ((problem: string | null) => void) | undefined;
    const hung = () => {
      checks += 1;
      return new Promise<string | null>((resolve) => {
        answer = resolve;
      });
    };
    const check = createBackupDirCheck('/mnt/nfs/backups', { limitMs: 50, check: hung });
    const began = performance.now();
    const [first, second] = await Promise.all([check(), check()]);
    expect(performance.now() - began).toBeLessThan(1_000);
    expect(first).toBe(
      'BACKUP_DIR /mnt/nfs/backups cannot be used: its disk did not answer within 0.05 s (a slow or hung mount), so a backup would wait on it too',
    );
    expect(second).toBe(first);
    // Asked again while the disk still hangs: the same check, not another thread of libuv's pool held.
    await check();
    expect(checks).toBe(1);

    // Once the disk answers, the next ask checks it again.
    answer?.(null);
    await new Promise((resolve) => setImmediate(resolve));
    const after = check();
    answer?.(null);
    expect(await after).toBeNull();
    expect(checks).toBe(2);
  });
});
