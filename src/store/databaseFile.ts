import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { DATABASE_FILE_PROBLEM } from '../core/ports/storeErrors.js';
import type { Logger } from '../log.js';

/** Which file a path named when it was opened: a file removed, moved or replaced meanwhile has another, or none. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
}

export function fileIdentity(path: string): FileIdentity {
  const s = statSync(path, { bigint: true });
  return { dev: s.dev, ino: s.ino };
}

/** How the file at the database's path differs from the one smsops has open. */
export type DatabaseFileChange = 'missing' | 'replaced' | 'unreadable';

/**
 * What /healthz, the relay_stalled alert and refused webhooks say. It names the variable, not the path: /healthz and
 * the 503 body leave the machine (the path is in the error log line).
 */
export function databaseFileReason(change: DatabaseFileChange): string {
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
 * (its descriptor still points at it), and a restart would then open, or create, whatever the path holds. Only the
 * main file is watched: a -wal removed alone stays open too and is copied into the main file every 0.5 s and at a
 * clean stop (only a crash loses what was not copied yet), while a lost main file loses everything.
 */
export function checkDatabaseFile(path: string, opened: FileIdentity): DatabaseFileChange | null {
  let now: ReturnType<typeof statSync>;
  try {
    now = statSync(path, { bigint: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // ENOTDIR: a file now stands where a folder of the path was.
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
  }
  return now.dev === opened.dev && now.ino === opened.ino ? null : 'replaced';
}

/**
 * Where this process still holds the file open (`/proc/<pid>/fd/<n>`), and what that descriptor names now (the new
 * path of a moved file, or the old one followed by " (deleted)"). Read only when the file went away, never per tick:
 * it stats every descriptor of the process. Null where there is no /proc (not Linux) or nothing matches.
 */
export function openDescriptorOf(opened: FileIdentity): { heldAt: string; names: string } | null {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  for (const fd of fds) {
    const link = `/proc/self/fd/${fd}`;
    try {
      const s = statSync(link, { bigint: true });
      if (s.dev !== opened.dev || s.ino !== opened.ino) continue;
      return { heldAt: `/proc/${process.pid}/fd/${fd}`, names: readlinkSync(link) };
    } catch {
      // A descriptor closed meanwhile (readdir's own, a socket that ended).
    }
  }
  return null;
}

export interface DatabaseFileWatch {
  /** Null while the path still names the open file; else why not (databaseFileReason). Logs when that changes. */
  check(): string | null;
}

/**
 * Watches the path of an open database. When the file goes, says so once, loudly: what was acknowledged into it is
 * only in the file smsops still holds open, and stopping smsops loses it. `onGone` runs first (the store copies the
 * WAL into the open file, so that a copy of it holds every message) and what it returns is logged. A file put back as
 * it was (renamed back: the same inode) ends it.
 */
export function watchDatabaseFile(
  path: string,
  opened: FileIdentity,
  options: { logger?: Logger; onGone?: () => string } = {},
): DatabaseFileWatch {
  const { logger } = options;
  let last: DatabaseFileChange | null = null;
  return {
    check: () => {
      const change = checkDatabaseFile(path, opened);
      if (change !== last) {
        if (change) {
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
      return change ? databaseFileReason(change) : null;
    },
  };
}
