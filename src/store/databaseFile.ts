import { statSync } from 'node:fs';
import { DATABASE_FILE_CUT, DATABASE_FILE_PROBLEM } from '../core/ports/storeErrors.js';
import type { Logger } from '../log.js';
import { type FileIdentity, openDescriptorOf } from './fileIdentity.js';
import { databaseFileBehind } from './fileKind.js';
import { type WalFileChange, walFileReason, watchWalFile } from './walFile.js';

/**
 * How the file at the database's path differs from the one smsops has open: gone from the path, or still there but cut
 * short (truncated, or overwritten in place) so that it no longer holds what was written to it.
 */
export type DatabaseFileChange = 'missing' | 'replaced' | 'unreadable' | 'cut';

/** What the WAL checkpointer saw: a file at a size no SQLite file has (./walCheckpointer.ts). */
export interface FileCut {
  bytes: number;
  pageSize: number;
}

/**
 * SQLite's smallest page: a database file in use holds at least its first page, so a shorter one (`truncate -s 0`,
 * `> smsops.db`) lost it, whatever else happens to it. Seen in the stat the watch already makes.
 */
export const MIN_DATABASE_FILE_BYTES = 512;

/**
 * What /healthz, the relay_stalled alert and refused webhooks say. It names the variable, not the path: /healthz and
 * the 503 body leave the machine (the path is in the error log line).
 */
export function databaseFileReason(change: DatabaseFileChange): string {
  if (change === 'cut')
    return (
      `${DATABASE_FILE_CUT} (truncated or overwritten) while smsops had it open: new webhooks are refused so that ` +
      'nothing is acknowledged that a restart would lose; take a backup (/sms jobs run backup, kept only if sound), ' +
      'then stop smsops and restore the newest backup with --replace-damaged (README, "The database file removed ' +
      'while smsops runs")'
    );
  const what =
    change === 'missing' ? 'was removed or moved' : change === 'replaced' ? 'was replaced by another file' : 'cannot be checked';
  return (
    `${DATABASE_FILE_PROBLEM} ${what} while smsops had it open: new webhooks are refused so that nothing is ` +
    'acknowledged that a restart would lose; put the file back, or save the open one before restarting smsops ' +
    '(README, "The database file removed while smsops runs")'
  );
}

/**
 * One stat of the path, compared with what was opened. SQLite goes on writing to a file that was unlinked or moved
 * (its descriptor still points at it), and a restart would then open, or create, whatever the path holds. The -wal
 * is watched apart (./walFile.ts): removed alone it stays open too and is copied into the main file every 0.5 s and at
 * a clean stop (only a crash loses what was not copied yet), while a lost main file loses everything. The same file cut
 * to a size no SQLite file has (under a page, or not a whole number of pages: SQLite sizes it a page at a time) goes on
 * answering from SQLite's cache and WAL, while a restart finds no database in it; the WAL checkpointer looks too,
 * before each copy (the copy writes whole pages and would re-extend it). A cut to a whole number of pages is not seen.
 * The file is never opened here: closing a descriptor of it would drop every SQLite lock this process holds on it.
 */
export function checkDatabaseFile(path: string, opened: FileIdentity, pageSize = 0): DatabaseFileChange | null {
  let now: ReturnType<typeof statSync>;
  try {
    now = statSync(path, { bigint: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // ENOTDIR: a file now stands where a folder of the path was.
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
  }
  if (now.dev !== opened.dev || now.ino !== opened.ino) return 'replaced';
  const size = Number(now.size);
  return size < MIN_DATABASE_FILE_BYTES || (pageSize > 0 && size % pageSize !== 0) ? 'cut' : null;
}

export interface DatabaseFileWatch {
  /**
   * Null while the path still names the open file, whole, and `<path>-wal` the WAL SQLite has open; else why not
   * (databaseFileReason, walFileReason). Logs when that changes.
   */
  check(): string | null;
  /** The WAL checkpointer found the file cut short: said at the next check, and for as long as smsops runs. */
  cut(found: FileCut): void;
}

/**
 * Watches the path of an open database. When the file goes, says so once, loudly: what was acknowledged into it is
 * only in the file smsops still holds open, and stopping smsops loses it. `onGone` runs first (the store copies the
 * WAL into the open file, so that a copy of it holds every message) and what it returns is logged. A file put back as
 * it was (renamed back: the same inode) ends it. A file cut short never ends it: what it lost is not coming back (the
 * checkpoints that go on write pages into it and may re-extend it, which makes it no sounder). A backup through
 * smsops' connection reads the pages still in its cache or WAL: sound for a database that fits in the cache.
 */
export function watchDatabaseFile(
  path: string,
  opened: FileIdentity,
  options: { logger?: Logger; onGone?: () => string; pageSize?: number } = {},
): DatabaseFileWatch {
  const { logger } = options;
  let last: DatabaseFileChange | null = null;
  // Beside the file a symlink at the path points to, where SQLite keeps it (./fileKind.ts).
  const walPath = `${databaseFileBehind(path)}-wal`;
  const walChange = watchWalFile(walPath);
  let lastWal: WalFileChange | null = null;
  /** The main file whole: is its WAL still the one at the path? Said once when that changes, with a copy of it first. */
  const checkWal = (): string | null => {
    const change = walChange();
    if (change !== lastWal) {
      if (change) {
        // Copied at once: a crash from now on loses only what is written after this.
        const walCopied = lastWal === null ? options.onGone?.() : undefined;
        logger?.error(
          "the database's -wal file was removed or replaced while smsops had it open: webhooks are refused (503) from " +
            'now on. What was acknowledged since the last checkpoint is only in the WAL smsops still holds open, lost ' +
            'if it crashes or is killed: stop smsops cleanly (SIGTERM; it copies that WAL into the database file ' +
            'before closing) and start it again; see the README',
          { path: walPath, found: change, ...(walCopied === undefined ? {} : { walCopied }) },
        );
      } else logger?.warn("the database's -wal file is back at its path: webhooks are accepted again", { path: walPath });
    }
    lastWal = change;
    return change ? walFileReason(change) : null;
  };
  let cut: Partial<FileCut> | null = null;
  const sizesNow = (): Partial<FileCut> => {
    try {
      return { bytes: statSync(path).size, pageSize: options.pageSize ?? 0 };
    } catch {
      return {};
    }
  };
  const saidCut = () =>
    logger?.error(
      'the database file was cut short (truncated or overwritten) while smsops had it open: webhooks are refused (503) ' +
        'from now on. What it held is gone from disk; smsops answers from its cache and WAL. Take a backup now (/sms ' +
        'jobs run backup: kept only if its check passes, as it does while the cache holds every page), then stop ' +
        'smsops, restore the newest backup with --replace-damaged and start it again; see the README',
      { path, found: 'cut', ...cut },
    );
  return {
    cut: (found) => {
      cut ??= found;
    },
    check: () => {
      const seen = checkDatabaseFile(path, opened, options.pageSize);
      if (seen === 'cut') cut ??= sizesNow();
      const change = cut ? 'cut' : seen;
      if (change !== last) {
        if (change === 'cut') saidCut();
        else if (change) {
          const walCopied = last === null ? options.onGone?.() : undefined;
          const open = openDescriptorOf(opened);
          logger?.error(
            'the database file was removed or replaced while smsops had it open: webhooks are refused (503) from now on. ' +
              'Everything acknowledged so far is only in the file smsops still holds open and is lost when smsops stops: ' +
              'do not stop or restart smsops before putting the file back or saving it (/sms jobs run backup, or copy the ' +
              'open file from openFileAt); see the README',
            {
              path,
              found: change,
              openFileAt: open?.heldAt ?? 'unknown (no /proc entry matched)',
              openFileNamed: open?.names ?? null,
              ...(walCopied === undefined ? {} : { walCopied }),
            },
          );
        } else logger?.warn('the database file is back at its path: webhooks are accepted again', { path });
      }
      last = change;
      return change ? databaseFileReason(change) : checkWal();
    },
  };
}
