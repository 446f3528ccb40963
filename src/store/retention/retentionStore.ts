import type { Db } from '../database.js';
import { createTableDeleter, type TableDeleter } from './batchDelete.js';
import { createFreePageScrub, type FreePageScrub } from './freePageScrub.js';
import type { RetentionTable } from './tables.js';
import { cutWal, type WalCut } from './walCut.js';

/**
 * What the retention job needs of the database: a deleter per table, how much space the deletes freed, the WAL
 * emptied of the deleted rows' old pages, and the free pages of earlier versions zeroed.
 */
export interface RetentionStore {
  deleter(spec: RetentionTable): TableDeleter;
  /** Pages on SQLite's free list; null once the database is closed (a run cut short by shutdown). */
  freePages(): number | null;
  /** Empties the -wal file, so that no copy of a deleted row stays in it (./walCut.ts). */
  cutWal(): WalCut;
  /** Zeroes, once per database, the free pages left by versions that deleted without secure_delete. */
  freePageScrub: FreePageScrub;
}

export function createRetentionStore(db: Db, now?: () => number): RetentionStore {
  return {
    freePageScrub: createFreePageScrub(db, now),
    deleter: (spec) => createTableDeleter(db, spec),
    freePages: () => (db.open ? (db.pragma('freelist_count', { simple: true }) as number) : null),
    cutWal: () => cutWal(db),
  };
}
