import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DATABASE_DIR_MODE, DATABASE_FILE_MODE } from './fileModes.js';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Why a backup into `dir` would fail now, or null: it is made as a backup would make it (0700) when missing, must be a
 * folder, and takes a real file (written, then removed), since permissions alone miss a read-only mount or a full
 * disk. Off the event loop: a slow disk holds only this check. For `/sms doctor`, which a folder replaced or made
 * read-only after start would otherwise pass until the next backup failed.
 */
export async function backupDirProblemNow(dir: string): Promise<string | null> {
  const unusable = (why: string) => `BACKUP_DIR ${dir} cannot be used: ${why}`;
  try {
    await mkdir(dir, { recursive: true, mode: DATABASE_DIR_MODE });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') return unusable(messageOf(error));
  }
  try {
    if (!(await stat(dir)).isDirectory()) return unusable('it is not a folder');
  } catch (error) {
    return unusable(messageOf(error));
  }
  const probe = join(dir, `.smsops-probe-${randomBytes(6).toString('hex')}`);
  try {
    const file = await open(probe, 'wx', DATABASE_FILE_MODE);
    try {
      await file.write('smsops');
    } finally {
      await file.close();
    }
  } catch (error) {
    return unusable(`a file cannot be written there (${messageOf(error)})`);
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
  return null;
}

/** How long `/sms jobs` and doctor wait for BACKUP_DIR's check before saying the disk does not answer. */
export const BACKUP_DIR_CHECK_LIMIT_MS = 3_000;

/**
 * backupDirProblemNow for whoever asks while smsops runs (`/sms jobs`, `/sms doctor`): one check at a time, later asks
 * sharing it, and an answer within `limitMs` whatever the disk does. A hung mount (NFS) holds a thread of libuv's small
 * pool until it answers: asked again and again, unshared checks would take every thread, and with them DNS look-ups.
 */
export function createBackupDirCheck(
  dir: string,
  options: { limitMs?: number; check?: (dir: string) => Promise<string | null> } = {},
): () => Promise<string | null> {
  const { limitMs = BACKUP_DIR_CHECK_LIMIT_MS, check = backupDirProblemNow } = options;
  let inFlight: Promise<string | null> | undefined;
  return () => {
    inFlight ??= check(dir).finally(() => {
      inFlight = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<string>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            `BACKUP_DIR ${dir} cannot be used: its disk did not answer within ${limitMs / 1000} s (a slow or hung mount), so a backup would wait on it too`,
          ),
        limitMs,
      );
      timer.unref();
    });
    return Promise.race([inFlight, slow]).finally(() => clearTimeout(timer));
  };
}
