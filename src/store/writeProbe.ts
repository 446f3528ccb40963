import type { Db } from './database.js';

/**
 * Takes the write lock and gives it back (BEGIN IMMEDIATE, ROLLBACK), writing nothing: throws when another process
 * holds the lock for longer than the short busy timeout. A full disk shows only through real writes failing.
 */
export function createWriteProbe(db: Db): () => void {
  return () => {
    try {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };
}
