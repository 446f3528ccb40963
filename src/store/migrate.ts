import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { AppError } from '../errors.js';
import { checksumMatches } from './earlierChecksums.js';

/**
 * Applies the pending `NNN_name.sql` files in order, each with its record in `schema_migrations`, all in one
 * transaction: an upgrade is applied whole or not at all. A file is immutable once applied: its checksum is kept and checked on every start, because a
 * changed file means the database no longer matches what the code expects (earlier checksums of files whose comments
 * alone changed are accepted too: ./earlierChecksums.ts).
 */
export class MigrationError extends AppError {
  /**
   * False for a refusal that the same start would meet again (a file changed or missing, a database from a newer
   * smsops, a migrations folder that is not as shipped): smsops exits 2 so that a supervisor stops restarting it.
   * True for a migration that failed to run (a full disk, a lock held past the wait), which may pass by itself.
   */
  readonly passesByItself: boolean;

  constructor(message: string, options?: { cause?: unknown; passesByItself?: boolean }) {
    super(message, `The database could not be prepared: ${message}`, options);
    this.name = 'MigrationError';
    this.passesByItself = options?.passesByItself ?? false;
  }
}

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

const FILE_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

export function readMigrationFiles(dir: string): MigrationFile[] {
  if (!existsSync(dir)) throw new MigrationError(`the migrations folder ${dir} does not exist`);
  const files: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError(`"${file}" is not named like 001_create_things.sql (a number, an underscore, lowercase words)`);
    }
    const version = Number(match[1]);
    const other = seen.get(version);
    if (other) throw new MigrationError(`"${file}" and "${other}" share the number ${version}; give each migration its own`);
    seen.set(version, file);
    const bytes = readFileSync(join(dir, file));
    files.push({
      version,
      name: match[2] ?? file,
      file,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return files.sort((a, b) => a.version - b.version);
}

export interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Why the migrations recorded in a database do not match the files here (one applied but missing here, or changed
 * since), or null. What migrate() refuses at every start; restore checks a backup with it before putting it in place.
 */
export function appliedMigrationsProblem(applied: AppliedRow[], files: MigrationFile[], dir: string): string | null {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  const newestHere = files.at(-1);
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (!file) {
      const missing = `migration ${String(row.version).padStart(3, '0')}_${row.name} was applied to this database but its file is missing from ${dir}`;
      if (!newestHere || row.version > newestHere.version)
        return (
          `${missing}: a newer smsops migrated this database (the newest migration here is ${newestHere?.file ?? 'none'}). ` +
          'Start that version or a later one; going back to this one needs a backup taken before the upgrade (restore it)'
        );
      return `${missing}: put the file back as shipped, or start the smsops version that migrated this database`;
    }
    if (!checksumMatches(file, row.checksum))
      return (
        `${file.file} was changed after it was applied to this database (checksum differs): the file here is not the ` +
        'one that migrated it. Start the smsops version that migrated it, or put the file back as that version ' +
        'shipped it; migrations are immutable once applied, so a developer must add a new migration instead'
      );
  }
  return null;
}

/**
 * SQLite's result codes of a failed run that a later start may not meet: the disk or the database was full, a lock
 * was held past the wait, the disk failed, memory ran out. Any other (a constraint the stored data breaks, an SQL
 * error) comes from the database and the migration themselves and fails the same way every time, so a supervisor
 * restarting smsops (exit 1) would loop forever with the relay down; exit 2 stops it.
 */
const TRANSIENT_CODES = /^SQLITE_(FULL|BUSY|LOCKED|IOERR|NOMEM|CANTOPEN|PROTOCOL|INTERRUPT)/;
const passesByItself = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code !== 'string' || TRANSIENT_CODES.test(code);
};

/**
 * What a disk that filled during an upgrade needs: a migration that rebuilds a table (043's deliveries) copies it whole
 * before dropping the old one, so up to the database's own size again. "database or disk is full" alone left an
 * operator, and a supervisor restarting smsops, to guess how much (a probe).
 */
function roomNeeded(db: BetterSqlite3.Database): string {
  try {
    const bytes = Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
    return ` (the upgrade copies a table whole before dropping the old one: free up to the database's own size, ${Math.ceil(bytes / 1_048_576)} MB, on its disk, then start again)`;
  } catch {
    return '';
  }
}

export function migrate(
  db: BetterSqlite3.Database,
  dir: string,
  now: () => number = Date.now,
  /** Told the migrations about to run on a database that had some already (an upgrade), before the first runs. */
  onUpgrade?: (pending: string[], newestApplied: number) => void,
): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const files = readMigrationFiles(dir);
  const applied = new Map(
    (db.prepare('SELECT version, name, checksum FROM schema_migrations').all() as AppliedRow[]).map((row) => [row.version, row]),
  );
  const problem = appliedMigrationsProblem([...applied.values()], files, dir);
  if (problem) throw new MigrationError(problem);

  const pending = files.filter((f) => !applied.has(f.version)).map((f) => f.file);
  if (pending.length > 0 && applied.size > 0) onUpgrade?.(pending, Math.max(...applied.keys()));
  const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
  const report: MigrationReport = { applied: [], alreadyApplied: applied.size };
  const toApply = files.filter((file) => !applied.has(file.version));
  // One transaction for all of them: with one each, an upgrade stopped or failing partway (killed during 041's index build, a full disk) left the database at a schema no release runs on, which the
  // earlier release refuses, and the next start's pre-upgrade backup, of that schema, replaced the one it could restore.
  let running: MigrationFile | undefined;
  const applyAll = db.transaction(() => {
    for (const file of toApply) {
      running = file;
      db.exec(file.sql);
      record.run(file.version, file.name, file.checksum, now());
      report.applied.push(file.file);
    }
  });
  try {
    applyAll();
  } catch (error) {
    const passes = passesByItself(error);
    const before = report.applied;
    const full = (error as { code?: unknown } | null)?.code === 'SQLITE_FULL' ? roomNeeded(db) : '';
    throw new MigrationError(
      `${running?.file ?? 'a migration'} failed and was rolled back${
        before.length > 0 ? `, with the ${before.length} this start ran before it (${before.join(', ')})` : ''
      }: ${error instanceof Error ? error.message : String(error)}${full}${
        passes
          ? ''
          : '. It would fail the same way at every start: the database is as it was, so start the smsops version that ran on it until this is fixed (the README, Upgrades and migrations)'
      }`,
      { cause: error, passesByItself: passes },
    );
  }
  return report;
}
