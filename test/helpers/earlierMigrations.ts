import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/store/database.js';

/**
 * Earlier shipped versions of migration files, kept for each checksum in src/store/earlierChecksums.ts: named
 * `<first 12 hex digits of the checksum>_<file name>`, the file's bytes as that release shipped them.
 */
export const EARLIER_MIGRATIONS_DIR = join(import.meta.dirname, '..', 'store', 'earlierMigrations');

export const earlierMigrationPath = (file: string, checksum: string) =>
  join(EARLIER_MIGRATIONS_DIR, `${checksum.slice(0, 12)}_${file}`);

/** A copy of the migrations folder at `into`, with `file` as the release whose checksum is `checksum` shipped it. */
export function migrationsWithEarlier(into: string, file: string, checksum: string): string {
  const earlier = earlierMigrationPath(file, checksum);
  if (!existsSync(earlier)) throw new Error(`no earlier version of ${file} is kept as ${earlier}`);
  cpSync(DEFAULT_MIGRATIONS_DIR, into, { recursive: true });
  cpSync(earlier, join(into, file));
  return into;
}
