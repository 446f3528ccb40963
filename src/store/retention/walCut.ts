import { describeError } from '../../errors.js';
import type { Db } from '../database.js';

/** What cutting the WAL back came to: done, held by a reader (tried again later), or failed with SQLite's words. */
export type WalCut = { outcome: 'cut' } | { outcome: 'busy' } | { outcome: 'failed'; error: string };

/**
 * Copies the whole WAL into the database file and truncates the -wal file to nothing (wal_checkpoint(TRUNCATE)).
 * The WAL file is reused from its start, never cut back below its size limit, so pages written before a delete (an
 * SMS's text as it was stored) stayed readable in it until smsops stopped: 201 of 300 deleted texts in a 14 MB WAL.
 *
 * On the main connection, the only writer, so no write of smsops' own can be in the way; with no busy wait, so a reader
 * holding the WAL (a backup's step, the checkpointer's copy, an sqlite3 shell) makes it `busy` at once instead of
 * holding the event loop for the busy timeout. Otherwise it costs the copy of what the checkpointer has not copied yet
 * and the fsyncs, a few milliseconds.
 */
export function cutWal(db: Db): WalCut {
  if (!db.open || db.memory) return { outcome: 'cut' };
  const waitMs = db.pragma('busy_timeout', { simple: true }) as number;
  try {
    db.pragma('busy_timeout = 0');
    const [done] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    return done && done.busy !== 0 ? { outcome: 'busy' } : { outcome: 'cut' };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return { outcome: 'busy' };
    return { outcome: 'failed', error: describeError(error) };
  } finally {
    if (db.open) db.pragma(`busy_timeout = ${waitMs}`);
  }
}
