/**
 * Checksums of earlier shipped versions of migration files whose SQL is the same as today's, by file name. A database
 * records the sha256 of every byte of the file it ran, comments included, and a start refuses a database whose file
 * changed since (./migrate.ts): a comment reworded after a release would otherwise lock every database that release
 * migrated out of every later one, with nothing the operator could do but roll back.
 *
 * Add the old checksum here only when the SQL is unchanged (comments, blank lines); a change to what the SQL does goes
 * in a new migration, since databases that ran the old file do not have it. test/store/migrationChecksums.test.ts pins
 * every file's checksum and says which one to add.
 */
export const EARLIER_CHECKSUMS: Readonly<Record<string, readonly string[]>> = {
  // As first committed (6b0d4ea); 618ec89 rewrote its comment on what was measured, and databases migrated in between
  // hold this one.
  '029_traffic_triggers_without_temp_tables.sql': ['9cf19898ffab8c414ff615a2dadabc7bf9f413ac084187a5f1e2e134e70842ba'],
};

/** Whether `recorded` (a database's schema_migrations.checksum) names this file as it is here or as it shipped before. */
export function checksumMatches(file: { file: string; checksum: string }, recorded: string): boolean {
  return recorded === file.checksum || (EARLIER_CHECKSUMS[file.file]?.includes(recorded) ?? false);
}
