import { AppError } from '../../errors.js';

/*
 * How a repository call says "not now": part of the store port, so that the use cases (core/access.ts) and the
 * relay can tell a busy or full database from a bug without knowing which store answers. The store is SQLite and its
 * driver's errors carry SQLite's result codes; the store also throws StoreUnavailableError after waiting in vain.
 */

/**
 * SQLite result codes that say "not now" rather than "never": another process holds the write lock (BUSY, LOCKED),
 * the disk or the page limit is full (FULL), or the file system failed an I/O (IOERR). The same write can succeed
 * later, so a caller retries or answers "try again" instead of treating it as a bug or as bad input.
 */
const TRANSIENT_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR)(_|$)/;

export function isTransientStoreError(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.test(code);
}

/** A short reason for a transient store error, fit for a log line or a 503 body (no SQL, no data). */
export function storeErrorReason(error: unknown): string {
  if (error instanceof StoreUnavailableError) return error.reason;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'the database is locked by another process';
  if (code.startsWith('SQLITE_FULL')) return 'the database or its disk is full';
  if (code.startsWith('SQLITE_IOERR')) return 'the database file could not be written (I/O error)';
  return error instanceof Error ? error.message : String(error);
}

/** A write that could not be stored for a transient reason, after waiting for it as long as its caller can. */
export class StoreUnavailableError extends AppError {
  readonly reason: string;

  constructor(cause: unknown) {
    const reason = storeErrorReason(cause);
    super(`store unavailable: ${reason}`, `smsops cannot write its database right now (${reason}); try again shortly.`, {
      cause,
    });
    this.name = 'StoreUnavailableError';
    this.reason = reason;
  }
}

/**
 * How a problem about the database file itself is worded (removed or replaced while open, store/databaseFile.ts): the
 * relay_stalled alert then says not to restart, instead of that acknowledged SMS are kept.
 */
export const DATABASE_FILE_PROBLEM = 'the database file (DATABASE_PATH)';
/**
 * The database's WAL taken from its path while SQLite holds it open (store/walFile.ts): unlike the main file, a clean
 * stop saves what it holds, so the relay_stalled alert says to stop smsops cleanly.
 */
export const DATABASE_WAL_PROBLEM = "the database's -wal file (DATABASE_PATH-wal)";
/** The file still at its path but cut short: no file to put back, so the alert says to restore a backup instead. */
export const DATABASE_FILE_CUT = `${DATABASE_FILE_PROBLEM} was cut short`;

/**
 * How a disk failing to sync or read back the database is worded (store/walCheckpointer.ts): the relay_stalled alert
 * then says to look at the disk, not that acknowledged SMS are kept.
 */
export const DATABASE_NOT_ON_DISK = 'SMS acknowledged since may not be on disk';
