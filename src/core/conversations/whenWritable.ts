import { isTransientStoreError, StoreUnavailableError } from '../ports/storeErrors.js';

/**
 * How long a reply's own writes (taking it in, marking it sending) wait for another process's write lock (an
 * operator's sqlite3 session, a backup tool): the store's busy_timeout is 100 ms, far shorter than such a lock, and
 * Slack, which got its 200 already, never sends the event again. Well within a stop's wait for replies (20 s).
 */
export const REPLY_WRITE_WAIT_MS = 10_000;

/**
 * The write, tried again off the event loop while the database is busy or full (as the relay's outbox records an
 * attempt's outcome, and group commit holds a webhook's write): a lock of a second or two must not lose a reply.
 * Past `forMs` it rejects with StoreUnavailableError, whose reason says why, so the caller tells the person.
 */
export async function whenWritable<T>(write: () => T, forMs: number): Promise<T> {
  const until = Date.now() + forMs;
  for (let tries = 0; ; tries += 1) {
    try {
      return write();
    } catch (error) {
      if (!isTransientStoreError(error)) throw error;
      const wait = Math.min(500, 25 * 2 ** tries);
      if (Date.now() + wait >= until) throw new StoreUnavailableError(error);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** The status line's words for a reply smsops could not record as being sent (the database stayed locked). */
export const notRecordedReason = (error: StoreUnavailableError) => `smsops could not record it (${error.reason}); post it again.`;
