import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { err, ok, type Result } from '../errors.js';
import { STARTUP_BUSY_TIMEOUT_MS } from './database.js';
import { DatabaseModeError } from './databaseMode.js';
import { notRegularFile } from './fileKind.js';

const sqliteCode = (error: unknown) => String((error as { code?: unknown } | null)?.code ?? '');

/** Why the file or its folder cannot be written (a read-only mount, or permissions), or null when they can be. */
function readOnlyReason(path: string): string | null {
  for (const target of [path, dirname(path)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return 'it is on a read-only file system (a read-only mount or volume)';
      if (code === 'EACCES' || code === 'EPERM')
        return `${target === path ? 'the file' : 'its folder'} cannot be written by this user (its permissions)`;
    }
  }
  return null;
}

/**
 * Why the file cannot be created (the nearest existing folder on its way is on a read-only mount or not writable by
 * this user), or null. Checked here because Node's recursive mkdir reports a read-only file system as
 * ENOENT, "no such file or directory", which points at the wrong cause.
 */
function cannotCreateReason(path: string): string | null {
  let folder = dirname(resolve(path));
  while (!existsSync(folder)) {
    const parent = dirname(folder);
    if (parent === folder) return null;
    folder = parent;
  }
  try {
    accessSync(folder, constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS')
      return `it does not exist yet, and ${folder}, where it would be created, is on a read-only file system (a read-only mount or volume, or systemd's ProtectSystem)`;
    if (code === 'EACCES' || code === 'EPERM')
      return `it does not exist yet, and ${folder}, where it would be created, cannot be written by this user (its permissions)`;
    return null;
  }
}

/** The path as given, with where it resolves to when relative (a service's working folder is not the operator's). */
const named = (path: string) => (isAbsolute(path) ? path : `${path}, that is ${resolve(path)}`);

/**
 * Whether smsops can write the database at `path` now, checked before anything starts: a file it cannot write, or
 * whose write lock another process holds past `waitMs`, is refused with what to do, naming DATABASE_PATH. Without this
 * a read-only mount read as "not an SQLite database it can read", and a lock held for a moment ended the start with
 * a bare "database is locked".
 */
export function checkDatabaseWritable(path: string, waitMs = STARTUP_BUSY_TIMEOUT_MS): Result<void, DatabaseModeError> {
  if (path === ':memory:' || path === '') return ok(undefined);
  const exists = existsSync(path);
  // Not a regular file (a device, a fifo): never opened here; the mode check refuses it, touching nothing.
  if (exists && notRegularFile(path)) return ok(undefined);
  const readOnly = exists ? readOnlyReason(path) : cannotCreateReason(path);
  if (readOnly)
    return err(
      new DatabaseModeError(
        `smsops cannot start: DATABASE_PATH (${named(path)}) is read-only: ${readOnly}. smsops must write its database (and the -wal and -shm files beside it): mount it read-write, or point DATABASE_PATH at a writable file.`,
      ),
    );
  if (!exists) return ok(undefined);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true, timeout: waitMs });
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return ok(undefined);
  } catch (error) {
    if (!/^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(error))) return ok(undefined); // not ours to judge: the mode check or the open says it
    return err(
      new DatabaseModeError(
        `smsops cannot start: another process holds the write lock of DATABASE_PATH (${path}) and kept it over ${Math.round(waitMs / 1000)} s (an sqlite3 shell or a tool in a transaction, a copy in progress). End that transaction or process, then start smsops again.`,
        // A lock ends when its transaction does: systemd's RestartPreventExitStatus=2 must not keep smsops down for it.
        { passesByItself: true },
      ),
    );
  } finally {
    db?.close();
  }
}
