import { fstatSync, statSync } from 'node:fs';
import { DATABASE_WAL_PROBLEM } from '../core/ports/storeErrors.js';
import { type FileIdentity, openDescriptorOf } from './fileIdentity.js';

/** How the path `<database>-wal` differs from the WAL SQLite has open: nothing there, or another file. */
export type WalFileChange = 'missing' | 'replaced';

/**
 * What /healthz, the relay_stalled alert and refused webhooks say. Checked on SQLite 3 (better-sqlite3) by hand:
 * SQLite keeps writing to the WAL it holds open after the path lost it; a checkpoint copies its frames into the
 * database file through that descriptor, and smsops' clean stop checkpoints (wal_checkpoint(TRUNCATE)) before it
 * closes, so a SIGTERM keeps everything; a crash or kill -9 loses what was written since the last checkpoint. Another
 * connection opening the database meanwhile failed with "disk I/O error" (SQLITE_IOERR_SHORT_READ: the shared index
 * names frames the new, empty -wal at the path does not hold) and left that empty -wal there. SQLite's docs say
 * nothing of a -wal removed under an open connection (https://sqlite.org/howtocorrupt.html only warns against deleting
 * a hot journal), so this says what was seen, no more.
 */
export function walFileReason(change: WalFileChange): string {
  const what = change === 'missing' ? 'was removed or moved' : 'was replaced by another file';
  return (
    `${DATABASE_WAL_PROBLEM} ${what} while smsops had it open: SMS acknowledged since the last checkpoint (every ` +
    '0.5 s) are only in the open file, lost if smsops crashes or is killed, and another program opening the database ' +
    'meanwhile gets "disk I/O error"; new webhooks are refused. Stop smsops cleanly (SIGTERM: it copies the open WAL ' +
    'into the database file before it closes) and start it again (README, "The database file removed while smsops runs")'
  );
}

/** A descriptor of this process and the file it was seen to name: SQLite's own, never opened or closed here. */
interface HeldWal {
  fd: number;
  id: FileIdentity;
}

const sameFile = (a: FileIdentity, b: FileIdentity) => a.dev === b.dev && a.ino === b.ino;

function identityAt(path: string): FileIdentity | null {
  try {
    const s = statSync(path, { bigint: true });
    return { dev: s.dev, ino: s.ino };
  } catch {
    // ENOENT, or a folder of the path gone (the main file's check says that one).
    return null;
  }
}

/** The file descriptor `fd` names now, or null when it is closed (SQLite closed its WAL). */
function identityOfDescriptor(fd: number): FileIdentity | null {
  try {
    const s = fstatSync(fd, { bigint: true });
    return { dev: s.dev, ino: s.ino };
  } catch {
    return null;
  }
}

/**
 * Watches `<database>-wal` against the WAL SQLite holds open, found once in /proc/self/fd (the descriptor whose file is
 * the one at the path) and then followed by one fstat and one stat a check. The inode is what counts, not the size:
 * SQLite restarts and truncates its WAL in place (the same inode). A -wal missing while SQLite holds none is no alarm
 * (before the first read, after the last close). A descriptor closed or reused (fstat names another file) is replaced
 * by another of the same WAL (each connection, the checkpointer's worker too, has its own), else dropped and looked for
 * again when the file at the path changes. Without /proc (not Linux) no descriptor is ever found
 * and nothing is said: a -wal missing could not be told from one SQLite deleted at a close.
 */
export function watchWalFile(walPath: string): () => WalFileChange | null {
  let held: HeldWal | null = null;
  let lookedFor: FileIdentity | null = null;
  const check = () => {
    if (held) {
      const now = identityOfDescriptor(held.fd);
      if (!now || !sameFile(now, held.id)) {
        // That connection closed (the checkpointer's worker stopping); another may still hold the same WAL.
        const other = openDescriptorOf(held.id);
        held = other ? { fd: other.fd, id: held.id } : null;
      }
    }
    const atPath = identityAt(walPath);
    if (!held) {
      if (!atPath || (lookedFor && sameFile(lookedFor, atPath))) return null;
      lookedFor = atPath;
      const open = openDescriptorOf(atPath);
      if (open) held = { fd: open.fd, id: atPath };
      return null;
    }
    if (!atPath) return 'missing';
    return sameFile(atPath, held.id) ? null : 'replaced';
  };
  // Looked for at once, while the WAL the open made is surely at its path: one removed before the first check (a
  // second later) would otherwise never be tied to SQLite's descriptor.
  check();
  return check;
}
