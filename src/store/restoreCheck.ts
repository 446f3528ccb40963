import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { integrityProblem } from './backup.js';
import { DEFAULT_MIGRATIONS_DIR } from './database.js';
import { type DatabaseMode, inspectDatabaseMode } from './databaseMode.js';
import { missingSchema } from './expectedSchema.js';
import { notRegularFile } from './fileKind.js';
import { type AppliedRow, appliedMigrationsProblem, type MigrationFile, readMigrationFiles } from './migrate.js';

/** Why the file named as a backup cannot be one, seen without opening it (restore copies it only once it passes). */
export function sourceRefusal(backup: string): string | null {
  const notFile = notRegularFile(backup);
  if (notFile) return `${notFile}: not a backup`;
  if (statSync(backup).size === 0) return `${backup} is empty (0 bytes): not a backup`;
  return null;
}

/**
 * Why a file must not replace smsops' database, or null when it may. Restoring replaces what runs with what was
 * copied, so anything that smsops would then start on empty (a 0-byte file, another program's SQLite file), or refuse
 * to start on (a sandbox database in production, a schema newer than this code, a migration changed or missing
 * here, a table its migrations made and that is gone), is refused before the current database is touched.
 *
 * `copy` is what is read: restore's own copy of `backup` (named in the words). SQLite opens a file written in WAL mode
 * (a `cp` of a running smsops' file) read-write to check it, which failed on a read-only mount ("unable to open
 * database file") and would have written beside the operator's file elsewhere.
 */
export function restoreRefusal(
  backup: string,
  copy: string,
  target: { path: string; mode: DatabaseMode },
  migrationsDir: string = DEFAULT_MIGRATIONS_DIR,
): string | null {
  const problem = integrityProblem(copy);
  if (problem) return `${backup} is not a sound SQLite database (${problem})`;

  const files = readMigrationFiles(migrationsDir);
  const highest = files.at(-1);
  const db = new Database(copy, { readonly: true, fileMustExist: true });
  let applied: AppliedRow[];
  try {
    const hasMigrations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!hasMigrations) return `${backup} is not an smsops database: it has no schema_migrations table`;
    applied = db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as AppliedRow[];
  } catch (error) {
    return `${backup} is not an smsops database: its schema_migrations table cannot be read (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    db.close();
  }

  // Every smsops that takes backups records its mode when it opens a database, so a file without the mark was not
  // made by one (or never opened by a current one): no telling whether it holds real traffic or made-up traffic.
  const found = inspectDatabaseMode(copy);
  if (found !== 'production' && found !== 'sandbox')
    return `${backup} is not an smsops database: it carries no smsops mode mark (settings.smsops_mode)`;
  if (found !== target.mode)
    return `${backup} is a ${found} database and ${target.path} is the ${target.mode} database: restore a ${target.mode} backup there (a ${found === 'sandbox' ? 'sandbox one holds made-up numbers, routes and messages' : 'production one holds real messages and would be relayed to stand-ins'})`;

  const newest = applied.at(-1);
  if (highest && newest && newest.version > highest.version)
    return `${backup} has a newer schema than this smsops knows: its migration ${newest.version} (${newest.name}) is above the highest shipped here, ${highest.version} (${highest.name}); restore it with the smsops version that made it, or upgrade this one first`;
  // What smsops' start would refuse (./migrate.ts), said now rather than after the current database was moved aside.
  const mismatch = appliedMigrationsProblem(applied, files, migrationsDir);
  if (mismatch) return `${backup} would not start: ${mismatch}`;
  return schemaProblem(backup, copy, applied, files);
}

/** Tables, columns, indexes and triggers the backup's own migrations made and that are gone from it (./expectedSchema.ts). */
function schemaProblem(backup: string, copy: string, applied: AppliedRow[], files: MigrationFile[]): string | null {
  const versions = new Set(applied.map((row) => row.version));
  const db = new Database(copy, { readonly: true, fileMustExist: true });
  let missing: string[];
  try {
    missing = missingSchema(
      db,
      files.filter((file) => versions.has(file.version)),
    );
  } finally {
    db.close();
  }
  if (missing.length === 0) return null;
  const shown = missing.length > 5 ? `${missing.slice(0, 5).join(', ')} and ${missing.length - 5} more` : missing.join(', ');
  return `${backup} lacks what its own migrations made: ${shown} (dropped or rebuilt by hand?); smsops would fail on it`;
}
