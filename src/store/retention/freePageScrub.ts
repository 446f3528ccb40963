import type { Db } from '../database.js';

/** The settings key saying this database's free pages were zeroed once (its value: when). */
export const FREE_PAGES_SCRUBBED_KEY = 'free_pages_scrubbed_at';
/** Created for the scrub and dropped at its end; a stop halfway leaves it for the next run, which goes on with it. */
export const SCRUB_TABLE = 'smsops_free_page_scrub';
/** Free pages taken (or given back) per transaction: 1 MB at 4 KiB pages, a few ms of writes into the WAL. */
export const SCRUB_BATCH_PAGES = 256;

export type ScrubStep = { kind: 'took' | 'gave back'; pages: number } | { kind: 'done' };

export interface FreePageScrub {
  /** Whether this database's free pages are known clean: scrubbed once, and deleted with secure_delete since. */
  done(): boolean;
  /** One small transaction of the scrub, `done` (and the flag set) once every free page was taken and given back. */
  step(): ScrubStep;
}

/**
 * Zeroes the free pages a database kept from before smsops turned secure_delete on (../database.ts): those pages still
 * held the rows deleted then (SMS text, numbers). SQLite hands out free pages before growing the file, so rows of
 * zeroes in a scratch table take every free page and write zeroes over it, a batch per transaction (no long write
 * lock); then the rows are deleted a batch at a time and the pages go back to the free list, zero. Once per database
 * (a settings flag); a restored backup from before it is scrubbed again.
 */
export function createFreePageScrub(db: Db, now: () => number = Date.now): FreePageScrub {
  const flag = db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck();
  const setFlag = db.prepare('INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, ?)');
  const freePages = () => db.pragma('freelist_count', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  let scratchReady = false;
  // Within a run: take until none is free, then give back. Pages freed meanwhile (ingest, retention) are zeroed by
  // secure_delete, so taking stops at the first empty free list; a cap guards a free list that never empties.
  let giving = false;
  let takes = 0;
  let takeCap = Number.POSITIVE_INFINITY;

  const scratch = () => {
    if (!scratchReady) db.exec(`CREATE TABLE IF NOT EXISTS ${SCRUB_TABLE} (id INTEGER PRIMARY KEY, fill BLOB NOT NULL)`);
    scratchReady = true;
  };
  const take = (pages: number) => {
    // A row spills into overflow pages of pageSize - 4 bytes each: about `pages` of them.
    db.prepare(`INSERT INTO ${SCRUB_TABLE} (fill) VALUES (zeroblob(?))`).run(pages * (pageSize - 4));
  };
  const giveBack = db.transaction(() => {
    const before = freePages();
    const row = db.prepare(`SELECT min(id) FROM ${SCRUB_TABLE}`).pluck().get() as number | null;
    if (row === null) {
      db.exec(`DROP TABLE ${SCRUB_TABLE}`);
      setFlag.run(FREE_PAGES_SCRUBBED_KEY, new Date(now()).toISOString(), now());
      return null;
    }
    db.prepare(`DELETE FROM ${SCRUB_TABLE} WHERE id = ?`).run(row);
    return freePages() - before;
  });

  return {
    done: () => flag.get(FREE_PAGES_SCRUBBED_KEY) !== undefined,
    step: () => {
      scratch();
      if (!giving) {
        const free = freePages();
        if (takeCap === Number.POSITIVE_INFINITY) takeCap = Math.ceil(free / SCRUB_BATCH_PAGES) + 10;
        if (free > 0 && takes < takeCap) {
          takes += 1;
          take(Math.min(free, SCRUB_BATCH_PAGES));
          return { kind: 'took', pages: free - freePages() };
        }
        giving = true;
      }
      const given = giveBack();
      if (given === null) {
        scratchReady = false;
        giving = false;
        takes = 0;
        takeCap = Number.POSITIVE_INFINITY;
        return { kind: 'done' };
      }
      return { kind: 'gave back', pages: given };
    },
  };
}
