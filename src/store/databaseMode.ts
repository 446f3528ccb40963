import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AppError, err, ok, type Result } from '../errors.js';
import type { Db } from './database.js';
import { databaseFileBehind, notRegularFile } from './fileKind.js';
import { createSettingsRepository } from './repositories/settings.js';

/**
 * Which kind of smsops a database belongs to, recorded in `settings` the first time smsops opens it. The sandbox
 * relays made-up traffic to stand-ins and accepts commands from a console without login: on a production file it
 * would mark real pending deliveries as delivered, post others to the real PortSIP, and let anyone rewrite routes.
 */
export type DatabaseMode = 'production' | 'sandbox';

const MODE_KEY = 'smsops_mode';

type Found = 'new' | 'unmarked' | 'unreadable' | DatabaseMode;

/** Reads the mark without changing the file (no migration, no write). */
export function inspectDatabaseMode(path: string): Found {
  if (path === ':memory:' || !existsSync(path)) return 'new';
  // Never opened: SQLite on a device or a fifo blocks, or writes a -journal beside it (./fileKind.ts).
  if (notRegularFile(path)) return 'unreadable';
  if (statSync(path).size === 0) return 'new';
  let db: Db | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    if (tables.length === 0) return 'new';
    if (!tables.some((t) => t.name === 'settings')) return 'unmarked';
    const row = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(MODE_KEY);
    if (row?.value === 'production' || row?.value === 'sandbox') return row.value;
    return 'unmarked';
  } catch {
    return 'unreadable';
  } finally {
    db?.close();
  }
}

export class DatabaseModeError extends AppError {
  /** A refusal the next start may not meet (a write lock another process holds): exit 1, so a supervisor tries again. */
  readonly passesByItself: boolean;

  constructor(message: string, options: { passesByItself?: boolean } = {}) {
    super(message, message);
    this.name = 'DatabaseModeError';
    this.passesByItself = options.passesByItself ?? false;
  }
}

/** Whether smsops in `mode` may open the file at `path`; the error names the file and what to do. */
export function checkDatabaseMode(path: string, mode: DatabaseMode): Result<void, DatabaseModeError> {
  const notFile = path === ':memory:' ? null : notRegularFile(path);
  if (notFile)
    return err(
      new DatabaseModeError(
        `smsops cannot start: DATABASE_PATH ${notFile}. SQLite keeps its database in a regular file: point DATABASE_PATH at the database file, or at a path where smsops may create one (a symlink to a file is fine). Nothing was changed.`,
      ),
    );
  // Through a symlink, the file it names (a dangling one: where SQLite creates it): restore copies into
  // `<that file>.restoring`, so a restore killed through a link left it there, not beside the link (a probe).
  const file = path === ':memory:' ? path : databaseFileBehind(path);
  const found = inspectDatabaseMode(file);
  // A restore stopped (killed) before its copy was renamed into place: a new, empty database here would hide it.
  if (found === 'new' && file !== ':memory:' && existsSync(`${file}.restoring`)) {
    const link = file === path ? '' : ` (DATABASE_PATH ${path} is a symlink to it)`;
    return err(
      new DatabaseModeError(
        `smsops cannot start: ${file}${link} is missing and ${file}.restoring is beside it: a restore into DATABASE_PATH was cut short. Run the restore again (npm run restore, or node dist/restore.js, as before), or delete ${file}.restoring to start on a new, empty database; a database restore kept aside is at ${file}.before-restore-*. Nothing was changed.`,
      ),
    );
  }
  if (found === 'new' || found === mode) return ok(undefined);
  // A database from before the mark existed is production's: only production may adopt it.
  if (found === 'unmarked' && mode === 'production') return ok(undefined);
  if (found === 'unreadable') {
    return err(new DatabaseModeError(`smsops cannot start: ${path} is not an SQLite database it can read.`));
  }
  if (mode === 'sandbox') {
    const why =
      found === 'production'
        ? 'it was created by smsops in production mode (real messages, deliveries and routes)'
        : 'it was created by an smsops that did not record whether it was production or the sandbox, so it may hold real data';
    return err(
      new DatabaseModeError(
        `The sandbox refuses to open ${path}: ${why}. The sandbox keeps its own file: unset DATABASE_PATH (it then uses ./data/sandbox.db) or point it at a new file${
          found === 'unmarked' ? ' (or delete this one if it is an old sandbox database)' : ''
        }. To run smsops for real on it, set the Slack and Wavix variables (see .env.example) and leave SMSOPS_SANDBOX unset.`,
      ),
    );
  }
  return err(
    new DatabaseModeError(
      `smsops refuses to open ${path}: it belongs to the sandbox (made-up numbers, routes and messages). Point DATABASE_PATH at the production database (default ./data/smsops.db), or delete ${path} to start afresh.`,
    ),
  );
}

/** Records the mode on first open (never overwrites: checkDatabaseMode refused a mismatch before). */
export function markDatabaseMode(db: Db, mode: DatabaseMode): void {
  createSettingsRepository(db).getOrCreate(MODE_KEY, () => mode);
}
