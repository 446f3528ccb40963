import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Logger } from '../log.js';
import { type FileIdentity, fileIdentity } from './fileIdentity.js';
import { type ModeFinding, prepareDatabasePath, tightenDatabaseFiles } from './fileModes.js';
import { type MigrationReport, migrate } from './migrate.js';

export type Db = Database.Database;

/** The project's migrations folder, found from this file so that smsops can start from any working directory. */
export const DEFAULT_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

/**
 * How long a write waits, blocking, for another process's write lock. better-sqlite3 is synchronous, so this is time
 * the whole event loop stands still (webhooks, /healthz, Slack): 5 s froze everything while a sqlite3 shell held a
 * transaction. smsops is the only writer on its own connection, so the lock is only ever held by someone else (an
 * operator's shell, a migration tool): a short wait absorbs their brief writes, and longer waits happen off the
 * event loop instead (group commit and the relay workers retry after a timer; webhooks get a 503 with Retry-After).
 */
export const BUSY_TIMEOUT_MS = 100;

/** The same wait while the database is being opened, before anything runs on the event loop. */
export const STARTUP_BUSY_TIMEOUT_MS = 5_000;

/**
 * SQLite's page cache for the connection, in KiB. better-sqlite3 builds SQLite with 16,000 KiB, which a sustained
 * inbound load fills within seconds (writes land all over the unique Wavix id and per-conversation indexes): that
 * much more RSS at the peak (the main malloc arena went from 9 to 31 MB in a 10 s closed loop; 13 MB with SQLite's
 * stock 2,000), for pages the OS' file cache holds anyway. 4,000 KiB measured the same ingest CPU per request as
 * 16,000 (wrk closed loops of 12-20 s, 4 runs each: 0.192 vs 0.198 ms).
 */
export const PAGE_CACHE_KIB = 4_000;

/**
 * PRAGMA synchronous in WAL mode. `normal`: a commit is in the WAL when it returns, synced at checkpoints: it survives
 * a crash of the process (kill -9), not a power loss, an OS crash or a file system error, which can take the last
 * commits (acknowledged SMS among them). `full`: the WAL is synced at every commit, so those survive too, for an fsync
 * per commit (the group commit makes that one per turn, not one per webhook).
 */
export type DatabaseSynchronous = 'normal' | 'full';

/**
 * PRAGMA secure_delete for every connection smsops opens on its database. better-sqlite3 leaves it off, and SQLite then
 * only unlinks a deleted row: retention's deleted SMS (text, numbers, Wavix's raw JSON) stayed readable in the file,
 * its free pages, and every backup taken after (SQLite's backup copies free pages too). ON zeroes a deleted row's
 * bytes and every page it frees; FAST zeroes neither freed pages nor overflow, which held 300 of 300 deleted texts.
 */
export const SECURE_DELETE_PRAGMA = 'secure_delete = ON';

/** Deleted rows' bytes are overwritten on this connection (a connection outside openDatabase: restore's). */
export function turnOnSecureDelete(db: Db): void {
  db.pragma(SECURE_DELETE_PRAGMA);
}

export interface OpenedDatabase {
  db: Db;
  migrations: MigrationReport;
  /** The file opened, taken right after the open (null in memory): what the path must still name (./databaseFile.ts). */
  file: FileIdentity | null;
}

/**
 * Opens (creating if needed) the SQLite file and brings its schema up to date.
 *
 * WAL lets the webhook route write while Slack handlers and jobs read. synchronous=NORMAL (the default) in WAL mode
 * keeps every committed transaction through a crash of the process (kill -9), which is what the relay's
 * store-then-ack promise needs; a power loss, OS crash or file system error can lose the last commits, a trade for
 * ingest speed stated in the README. `synchronous: 'full'` (DATABASE_SYNCHRONOUS) makes each commit durable.
 */
export function openDatabase(
  path: string,
  options: {
    migrationsDir?: string;
    now?: () => number;
    logger?: Logger;
    /** PRAGMA synchronous (see DatabaseSynchronous); `normal` unless told. */
    synchronous?: DatabaseSynchronous;
    /**
     * Runs before the migrations (the instance lease: a second smsops must be refused before it migrates). What it
     * returns is run if opening fails after it, before the close: the lease given back, so that the next start (a
     * rollback in another PID namespace, which cannot see that this process is gone) need not wait for it to expire.
     */
    beforeMigrate?: (db: Db) => (() => void) | undefined;
  } = {},
): OpenedDatabase {
  const onDisk = path !== ':memory:' && path !== '';
  const report = (findings: ModeFinding[]) => {
    for (const f of findings)
      options.logger?.warn(
        f.action === 'tightened'
          ? 'database file was readable by other local users; tightened to 0600'
          : 'database folder is open to other local users; its files are 0600, but consider chmod 700 on it',
        { path: f.path, mode: f.was },
      );
  };
  if (onDisk) report(prepareDatabasePath(path));
  // Set before the first statement: opening (WAL mode, the instance lease, the migrations) blocks nothing yet, so it
  // waits out another process's brief write instead of failing the start.
  const db = new Database(path, { timeout: STARTUP_BUSY_TIMEOUT_MS });
  let undo: (() => void) | undefined;
  try {
    const file = onDisk ? fileIdentity(path) : null;
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma(SECURE_DELETE_PRAGMA);
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    undo = options.beforeMigrate?.(db);
    // An upgrade's migrations run before the HTTP port opens (an index on millions of messages: 12 s for 3 million, a
    // probe), so the operator is told why nothing answers yet, and that going back needs the backup taken before.
    const migrations = migrate(db, options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR, options.now, (pending, newestApplied) =>
      options.logger?.info(
        'upgrading the database: webhooks and /healthz answer once these migrations are done (a large database can take a minute; let it finish). An older smsops refuses the database after this: going back needs a backup taken before this start',
        { migrations: pending, newestApplied },
      ),
    );
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // The -wal and -shm files exist from here on; SQLite gives them the database file's mode, checked all the same.
    if (onDisk) report(tightenDatabaseFiles(path));
    return { db, migrations, file };
  } catch (error) {
    undo?.();
    db.close();
    throw error;
  }
}

/** Puts everything committed into the main file and truncates the -wal, waiting out readers (the busy timeout). */
export function checkpointIntoMainFile(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/** Checkpoints the WAL into the main file, then closes. */
export function closeDatabase(db: Db): void {
  if (!db.open) return;
  checkpointIntoMainFile(db);
  db.close();
}
