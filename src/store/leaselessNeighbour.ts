import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AppError } from '../errors.js';

/**
 * An smsops from before instance leases (migration 022) takes none, so the start that upgrades its database found the
 * lease free, migrated the database under it, and both relayed the same SMS (a probe: 029ddef and this version on one
 * database, schema 21 to 42, both answering /healthz). Such a process keeps its database open, and a connection to a
 * WAL database holds a shared lock on the file for as long as it is open: a connection asking for the file alone
 * (exclusive locking mode) is refused while any other process has it open. Checked only on a database of that era,
 * before smsops opens it itself, and not on one Litestream replicates (it keeps the database open too: its tables
 * say so), where the check cannot tell the two apart.
 */

export class LeaselessProcessError extends AppError {
  constructor() {
    const message =
      'smsops did not upgrade the database: another process has it open, and this database is from before instance ' +
      'leases (migration 022), so an smsops of that version running on it cannot be told from here. Migrating under ' +
      'it would leave two smsops relaying the same SMS. Stop the earlier smsops (and anything else holding the file: ' +
      'sqlite3, a backup tool) and start again; nothing was changed';
    super(message, message);
    this.name = 'LeaselessProcessError';
  }
}

/** 022_instance_lease.sql: the first smsops that takes a lease runs it. */
const LEASE_MIGRATION = 22;

const tableNames = (db: Database.Database): Set<string> =>
  new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => r.name),
  );

/** Whether the database at `path` is of the leaseless era and another process has it open; false when it cannot tell. */
export function leaselessProcessHoldsDatabase(path: string): boolean {
  if (path === '' || path === ':memory:' || !existsSync(path)) return false;
  if (!statSync(path).isFile() || statSync(path).size === 0) return false;
  let newest: number | undefined;
  let tables: Set<string>;
  try {
    const look = new Database(path, { readonly: true, fileMustExist: true, timeout: 1_000 });
    try {
      tables = tableNames(look);
      if (tables.has('schema_migrations'))
        newest = look.prepare<[], number | null>('SELECT max(version) FROM schema_migrations').pluck().get() ?? undefined;
    } finally {
      look.close();
    }
  } catch {
    return false; // Not a database smsops can read: opening the store refuses it in its own words.
  }
  // By the migrations applied, not by the lease table: a start of this version that stopped before migrating (or the
  // backup it took first, restored) leaves the table in a database an earlier smsops runs on again.
  const leaseless = newest !== undefined && newest < LEASE_MIGRATION;
  if (!leaseless || tables.has('_litestream_seq')) return false;
  const alone = new Database(path, { fileMustExist: true, timeout: 0 });
  try {
    alone.pragma('locking_mode = EXCLUSIVE');
    alone.prepare('SELECT count(*) FROM sqlite_master').get();
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'SQLITE_BUSY';
  } finally {
    alone.close();
  }
}
