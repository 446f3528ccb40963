import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type CopyOptions, copyInWorker } from './backupCopy.js';
import { type BackupRoom, backupRoomOf, backupRoomProblem, copyBytes } from './backupRoom.js';
import type { Db } from './database.js';
import { checkDatabaseFile } from './databaseFile.js';
import { type FileIdentity, fileIdentity } from './fileIdentity.js';
import { DATABASE_DIR_MODE, DATABASE_FILE_MODE } from './fileModes.js';

/**
 * Online backups with SQLite's backup API while smsops runs: the pages are copied, the copy checked, flushed and
 * renamed into place in a worker thread with its own read-only connection (./backupCopy.ts), so webhooks keep being
 * answered and stored meanwhile. The copy is the database as of the worker's read transaction: everything committed
 * before the backup began.
 */
export interface BackupMade {
  path: string;
  bytes: number;
  ms: number;
  /** Older backups deleted to keep BACKUP_KEEP. */
  removed: string[];
}

export class BackupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
  }
}

const BACKUP_NAME = /^smsops-\d{8}T\d{9}Z\.db$/;

/**
 * A kind of backup kept in BACKUP_DIR: how one is named, and which files are its own. Each kind is pruned to its own
 * `keep` and cleans up its own partial files only, so one kind never rotates another's backups out.
 */
export interface BackupSeries {
  fileName(at: number): string;
  pattern: RegExp;
}

const PARTIAL_SUFFIX = '.partial';
const JOURNAL_SUFFIX = '-journal';

/** `smsops-20261126T033000123Z.db`: sorts by time as text; milliseconds so that a manual run never overwrites one. */
export const backupFileName = (at: number) => `smsops-${new Date(at).toISOString().replace(/[-:.]/g, '')}.db`;

/** The scheduled (and `/sms jobs run backup`) backups: the ones BACKUP_KEEP counts. */
export const SCHEDULED_BACKUPS: BackupSeries = { fileName: backupFileName, pattern: BACKUP_NAME };

/** The backups in `dir`, oldest first. */
export function listBackups(dir: string, series: BackupSeries = SCHEDULED_BACKUPS): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => series.pattern.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * `PRAGMA integrity_check` on a database file, opened on its own connection. Returns null when it is sound, else
 * what SQLite found (or why it could not be opened).
 */
export function integrityProblem(path: string): string | null {
  let copy: Database.Database | undefined;
  try {
    copy = new Database(path, { fileMustExist: true });
    const rows = copy.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const found = rows.map((r) => r.integrity_check).filter((line) => line !== 'ok');
    return found.length === 0 ? null : found.slice(0, 5).join('; ');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    copy?.close();
  }
}

/** Creates BACKUP_DIR (0700) when it is missing; throws when it cannot be created, or written and searched. */
function ensureBackupDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: DATABASE_DIR_MODE });
    chmodSync(dir, DATABASE_DIR_MODE);
  }
  if (!statSync(dir).isDirectory()) throw new Error('it is not a folder');
  accessSync(dir, constants.W_OK | constants.X_OK);
}

/**
 * Why backups into `dir` cannot work (it cannot be created, is not a folder, or cannot be written), or null. Checked at
 * start so that a wrong BACKUP_DIR is said at once, not at the first scheduled backup hours later.
 */
export function backupDirProblem(dir: string): string | null {
  try {
    ensureBackupDir(dir);
    return null;
  } catch (error) {
    return unusableDir(dir, error);
  }
}

function sizeOrUnknown(db: Db): number | undefined {
  try {
    return copyBytes(db);
  } catch {
    return undefined;
  }
}

/** A disk whose free space cannot be read (statfs unsupported) is left to the copy itself, as before. */
function roomOrUnknown(read: () => BackupRoom): BackupRoom {
  try {
    return read();
  } catch {
    return { freeBytes: Number.POSITIVE_INFINITY, sameDiskAsDatabase: false };
  }
}

/** With its rollback journal: SQLite leaves it beside a copy whose write failed (a full disk), a 1 KB file per run. */
async function removePartial(partial: string): Promise<void> {
  await rm(partial, { force: true });
  await rm(`${partial}${JOURNAL_SUFFIX}`, { force: true });
}

/**
 * Whether the file at the database's path is not what smsops' connection reads: removed, moved, replaced or cut short
 * under it (./databaseFile.ts). The worker opens the path, and would copy another database, or an empty one, kept as
 * sound and pruning good backups; smsops' own connection still reads the open file, its cache and WAL, which is the
 * README's rescue for a cut file.
 */
function pathIsNotTheOpenFile(db: Db, opened: FileIdentity | undefined): boolean {
  try {
    return (
      checkDatabaseFile(db.name, opened ?? fileIdentity(db.name), db.pragma('page_size', { simple: true }) as number) !== null
    );
  } catch {
    return true;
  }
}

/**
 * The pages through smsops' own connection, on the event loop as before the worker (a step of 100 pages each turn):
 * only for a rescue, when the path no longer names the open file. The copy's file is created 0600 before SQLite writes
 * a page into it (SQLite keeps an existing file's mode), and closed only once SQLite let go of it: closing any
 * descriptor of a file drops the process's locks on it.
 */
async function copyThroughOpenConnection(db: Db, partial: string): Promise<void> {
  const fd = openSync(partial, 'wx', DATABASE_FILE_MODE);
  try {
    await db.backup(partial);
  } finally {
    closeSync(fd);
  }
}

const unusableDir = (dir: string, error: unknown) =>
  `BACKUP_DIR ${dir} cannot be used: ${error instanceof Error ? error.message : String(error)}`;

export async function backupDatabase(
  db: Db,
  options: {
    dir: string;
    keep: number;
    now?: () => number;
    room?: (dir: string, databasePath: string) => BackupRoom;
    /** Scheduled backups unless told (the one taken before an upgrade: ./preUpgradeBackup.ts). */
    series?: BackupSeries;
    /** The file smsops' connection opened (openStore's): a path naming another file is not copied from. */
    opened?: FileIdentity;
  } & Pick<CopyOptions, 'stallLimitMs' | 'signal' | 'hold' | 'readerHeld'>,
): Promise<BackupMade> {
  const now = options.now ?? Date.now;
  const series = options.series ?? SCHEDULED_BACKUPS;
  const room = options.room ?? backupRoomOf;
  const startedAt = Date.now();
  try {
    ensureBackupDir(options.dir);
    for (const left of partialsIn(options.dir, series)) await rm(left, { force: true }); // off the event loop, as old backups
  } catch (error) {
    throw new BackupError(unusableDir(options.dir, error), { cause: error });
  }
  // Before a page is copied: a copy that does not fit filled the disk until it failed, smsops' database with it.
  const bytes = sizeOrUnknown(db);
  // A database SQLite cannot size (a file cut short under it) is left to the copy, whose failure says why.
  const noRoom =
    bytes === undefined
      ? null
      : backupRoomProblem(
          options.dir,
          bytes,
          roomOrUnknown(() => room(options.dir, db.name)),
        );
  if (noRoom) throw new BackupError(`the backup was ${noRoom}`);
  const final = join(options.dir, series.fileName(now()));
  const partial = `${final}${PARTIAL_SUFFIX}`;
  const onOpenConnection = pathIsNotTheOpenFile(db, options.opened);
  if (onOpenConnection) {
    try {
      await copyThroughOpenConnection(db, partial);
    } catch (error) {
      await removePartial(partial);
      throw new BackupError(`the backup to ${options.dir} failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
  const copied = await copyInWorker({
    source: db.name,
    partial,
    final,
    pagesCopied: onOpenConnection,
    stallLimitMs: options.stallLimitMs,
    signal: options.signal,
    hold: options.hold,
    readerHeld: options.readerHeld,
  });
  if (!copied.made) {
    await removePartial(partial);
    if (copied.kind === 'integrity') throw new BackupError(`the copy failed its integrity check: ${copied.problem}`);
    throw new BackupError(`the backup to ${options.dir} failed: ${copied.problem}`, { cause: copied.cause });
  }
  const removed = beyondKeep(listBackups(options.dir, series), final, options.keep);
  // Off the event loop: unlinking a backup of 326 MB took 180 ms (this project's VM).
  for (const old of removed) await rm(old, { force: true });
  return { path: final, bytes: copied.bytes, ms: Date.now() - startedAt, removed };
}

/**
 * The backups to delete so that `keep` are left, `made` (the copy just written) never among them. Names are times by
 * the clock that made them, so by name alone a backup named after `made` (a clock that was once ahead: 2099) outlives
 * every new one, and with BACKUP_KEEP of them the newest copy was deleted as soon as made. Whatever the clock did, a
 * file named after `made` was written before it, under a clock ahead of today's: such files are ranked the oldest,
 * newest name first among them; the rest newest name first. Deleted from the oldest end.
 */
function beyondKeep(all: string[], made: string, keep: number): string[] {
  const others = all.filter((path) => path !== made);
  const later = others.filter((path) => path > made).reverse();
  const earlier = others.filter((path) => path < made).reverse();
  return [...earlier, ...later].slice(Math.max(0, keep - 1));
}

/** Left by a backup that crashed (or a process killed) mid-copy: the copy, and SQLite's journal of its last write. */
const partialsIn = (dir: string, series: BackupSeries): string[] =>
  readdirSync(dir)
    .filter((name) => {
      const copy = name.endsWith(JOURNAL_SUFFIX) ? name.slice(0, -JOURNAL_SUFFIX.length) : name;
      return copy.endsWith(PARTIAL_SUFFIX) && series.pattern.test(copy.slice(0, -PARTIAL_SUFFIX.length));
    })
    .map((name) => join(dir, name));
