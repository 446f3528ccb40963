import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, type Db, openDatabase } from '../../src/store/database.js';

/** A real SQLite file in a fresh temporary folder, with a controllable clock; `reopen` simulates a restart. */
export interface TempDb {
  db: Db;
  path: string;
  dir: string;
  clock: { now: () => number; set(ms: number): void; advance(ms: number): void };
  reopen(): Db;
  cleanup(): void;
}

export function createTempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'smsops-db-'));
  const path = join(dir, 'smsops.db');
  let current = Date.UTC(2026, 10, 25, 12, 0, 0);
  const clock = {
    now: () => current,
    set: (ms: number) => {
      current = ms;
    },
    advance: (ms: number) => {
      current += ms;
    },
  };
  const handle: TempDb = {
    db: openDatabase(path, { now: clock.now }).db,
    path,
    dir,
    clock,
    reopen: () => {
      // No checkpoint: the point is to read back only what WAL kept, as after a crash.
      handle.db.close();
      handle.db = openDatabase(path, { now: clock.now }).db;
      return handle.db;
    },
    cleanup: () => {
      if (handle.db.open) closeDatabase(handle.db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
