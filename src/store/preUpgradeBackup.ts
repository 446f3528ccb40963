import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AppError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { type BackupMade, type BackupSeries, backupDatabase, backupFileName } from './backup.js';
import type { BackupRoom } from './backupRoom.js';
import { type Db, DEFAULT_MIGRATIONS_DIR, STARTUP_BUSY_TIMEOUT_MS } from './database.js';
import { checkDatabaseMode, type DatabaseMode } from './databaseMode.js';
import { acquireInstanceLease } from './instanceLease.js';
import { type AppliedRow, appliedMigrationsProblem, readMigrationFiles } from './migrate.js';

/**
 * The backup an upgrade takes before its first migration: an older smsops refuses the migrated database, so without
 * it a rollback has only the nightly backup (a day of SMS short). Taken with the backup job's code (partial file,
 * fsync, integrity check, rename), before the store opens: better-sqlite3's backup is asynchronous, while opening the
 * store migrates in one synchronous call.
 */

/** The variable that lets an upgrade migrate without this backup, named in the refusal and the README. */
export const SKIP_VARIABLE = 'SKIP_PRE_UPGRADE_BACKUP';

/**
 * Only the newest is kept: the next upgrade's replaces it. Scheduled backups (BACKUP_KEEP) never count or remove these,
 * so nightly rotation cannot take the way back out from under an upgrade.
 */
export const PRE_UPGRADE_KEEP = 1;

const PRE_UPGRADE_NAME = /^smsops-pre-upgrade-schema\d{3,}-\d{8}T\d{9}Z\.db$/;

/** `smsops-pre-upgrade-schema040-20261128T064300123Z.db`: the schema version it holds, then when it was taken. */
export const preUpgradeBackups = (schemaVersion: number): BackupSeries => ({
  fileName: (at) => backupFileName(at).replace(/^smsops-/, `smsops-pre-upgrade-schema${String(schemaVersion).padStart(3, '0')}-`),
  pattern: PRE_UPGRADE_NAME,
});

/** What a start would migrate: the schema version the database holds and the migrations it lacks. */
export interface PendingUpgrade {
  schemaVersion: number;
  pending: string[];
}

/**
 * The upgrade opening `db` would run, or null: none pending, a new database (nothing applied: nothing to lose), or
 * one the migrations would refuse anyway (a newer smsops', a changed file: refused in migrate()'s words, unchanged).
 */
export function pendingUpgrade(db: Db, migrationsDir: string = DEFAULT_MIGRATIONS_DIR): PendingUpgrade | null {
  const recorded = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!recorded) return null;
  const applied = db.prepare('SELECT version, name, checksum FROM schema_migrations').all() as AppliedRow[];
  if (applied.length === 0) return null;
  const files = readMigrationFiles(migrationsDir);
  if (appliedMigrationsProblem(applied, files, migrationsDir)) return null;
  const have = new Set(applied.map((row) => row.version));
  const pending = files.filter((file) => !have.has(file.version)).map((file) => file.file);
  if (pending.length === 0) return null;
  return { schemaVersion: Math.max(...have), pending };
}

export class PreUpgradeBackupError extends AppError {
  constructor(upgrade: PendingUpgrade, reason: string, options?: { cause?: unknown }) {
    const message =
      `smsops did not upgrade the database: the backup it takes first failed (${reason}). Nothing was migrated: the ` +
      `database still holds schema ${upgrade.schemaVersion}, which this version's ${upgrade.pending.length} pending ` +
      'migration(s) would change. Make BACKUP_DIR usable (free space on its disk, a folder smsops may write) and start ' +
      `again; or, knowingly, start with ${SKIP_VARIABLE}=1 to migrate without it (an older smsops then refuses the ` +
      'migrated database, and no copy is left to go back to)';
    super(message, message, options);
    this.name = 'PreUpgradeBackupError';
  }
}

/**
 * A stop (SIGTERM, SIGINT) asked while the backup before an upgrade was being taken: the start ends there, the database
 * not migrated. Without it the start went on to migrate after the stop was asked (a probe: SIGTERM 4 s into the backup
 * of a 1.4 GB database, and the 21 migrations ran 6 s later), so the operator who stopped an upgrade found a database
 * the earlier smsops refuses, or a supervisor's SIGKILL landed in the middle of the migrations.
 */
export class UpgradeStoppedError extends AppError {
  constructor(upgrade: PendingUpgrade, backup: string) {
    const message =
      `smsops stopped before upgrading the database, as asked: nothing was migrated, the database still holds schema ` +
      `${upgrade.schemaVersion}, which the earlier smsops still opens (${backup}). Start this version again to upgrade`;
    super(message, message);
    this.name = 'UpgradeStoppedError';
  }
}

export interface PreUpgradeBackupOptions {
  mode: DatabaseMode;
  logger: Logger;
  now: () => number;
  /** BACKUP_DIR; undefined: no backup, said. */
  dir: string | undefined;
  /** SKIP_PRE_UPGRADE_BACKUP. */
  skip?: boolean;
  /** INSTANCE_LEASE_MS: held while the backup is taken, so a second smsops cannot start on the file meanwhile. */
  leaseMs?: number;
  migrationsDir?: string;
  /** The free space read on BACKUP_DIR's disk (statfs unless told: tests give a full disk). */
  room?: (dir: string, databasePath: string) => BackupRoom;
  /** Aborted when a stop is asked while smsops starts: the backup's copy stops, and nothing is migrated. */
  stopAsked?: AbortSignal;
}

/**
 * Backs the database up into BACKUP_DIR when this start is about to migrate it, and says what it did. Throws
 * PreUpgradeBackupError when the backup fails: the start stops there, the database unmigrated. Returns the backup
 * made, or null when none was (no upgrade, BACKUP_DIR unset, skipped, the sandbox).
 */
export async function backupBeforeUpgrade(path: string, options: PreUpgradeBackupOptions): Promise<BackupMade | null> {
  const { logger } = options;
  // The sandbox takes no backups; a path that is no database yet has nothing to lose; a file opening the store would
  // refuse (the other mode, not a regular file) is refused there, in its words, untouched here.
  if (options.mode === 'sandbox' || path === ':memory:' || path === '' || !existsSync(path)) return null;
  if (!statSync(path).isFile() || statSync(path).size === 0 || !checkDatabaseMode(path, options.mode).ok) return null;
  const db = new Database(path, { fileMustExist: true, timeout: STARTUP_BUSY_TIMEOUT_MS });
  try {
    const upgrade = pendingUpgrade(db, options.migrationsDir);
    if (!upgrade) return null;
    const fields = { schemaVersion: upgrade.schemaVersion, migrations: upgrade.pending };
    if (options.stopAsked?.aborted) throw new UpgradeStoppedError(upgrade, 'no backup was taken');
    if (options.skip) {
      logger.warn(
        `no backup taken before upgrading the database: ${SKIP_VARIABLE} is set. An older smsops refuses the migrated database; going back needs a copy made before this start`,
        fields,
      );
      return null;
    }
    if (!options.dir) {
      logger.warn(
        'no backup taken before upgrading the database: BACKUP_DIR is not set. An older smsops refuses the migrated database; going back needs a copy made before this start (stop smsops, copy DATABASE_PATH). Set BACKUP_DIR and every upgrade backs the database up first',
        fields,
      );
      return null;
    }
    // Taken as the start would take it (a second smsops refused in the same words), given back before the store opens.
    const lease = acquireInstanceLease(db, { leaseMs: options.leaseMs, logger, now: options.now });
    try {
      logger.info('backing up the database before upgrading it', { dir: options.dir, ...fields });
      const made = await backupDatabase(db, {
        dir: options.dir,
        keep: PRE_UPGRADE_KEEP,
        now: options.now,
        series: preUpgradeBackups(upgrade.schemaVersion),
        room: options.room,
        signal: options.stopAsked,
      }).catch((error: unknown) => {
        // The copy stopped by the stop: left out, as a failed copy is, and said as the stop it is.
        if (options.stopAsked?.aborted) throw new UpgradeStoppedError(upgrade, 'the backup was stopped and removed');
        throw new PreUpgradeBackupError(upgrade, error instanceof Error ? error.message : describeError(error), {
          cause: error,
        });
      });
      logger.info(`backed up the database before upgrading it: ${made.path}`, {
        path: made.path,
        bytes: made.bytes,
        seconds: Math.round(made.ms / 100) / 10,
        schemaVersion: upgrade.schemaVersion,
        ...(made.removed.length > 0 ? { replaced: made.removed } : {}),
      });
      if (options.stopAsked?.aborted) throw new UpgradeStoppedError(upgrade, `the backup is kept: ${made.path}`);
      return made;
    } finally {
      lease.release();
    }
  } finally {
    db.close();
  }
}
