import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseMode } from '../../src/store/databaseMode.js';
import { EARLIER_CHECKSUMS } from '../../src/store/earlierChecksums.js';
import { markedSmsopsDatabase } from '../helpers/restoreDatabases.js';
import { runRestore } from '../helpers/runRestore.js';

const _root = join(import.meta.dirname, '..', '..');

const restore = runRestore;

const smsopsDatabase = (path: string, mode: DatabaseMode, marker: string) => markedSmsopsDatabase(path, marker, { mode });

/** Restore refuses, with exit 2 and the reason, anything smsops must not start on; the current database is kept as is. */
describe('restore refuses what must not replace the database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsops-restore-'));
  const target = join(dir, 'smsops.db');
  const sandboxTarget = join(dir, 'sandbox.db');
  let before: Buffer;
  beforeAll(async () => {
    await smsopsDatabase(target, 'production', 'current');
    await smsopsDatabase(join(dir, 'production-backup.db'), 'production', 'backup');
    await smsopsDatabase(join(dir, 'sandbox-backup.db'), 'sandbox', 'backup');
    await smsopsDatabase(sandboxTarget, 'sandbox', 'current');
    before = readFileSync(target);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const untouched = () => {
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('before-restore') || f.includes('.restoring'))).toEqual([]);
  };

  it('an empty file', { timeout: 30_000 }, async () => {
    writeFileSync(join(dir, 'empty.db'), '');
    const r = await restore(dir, ['--db', target, 'empty.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('empty.db is empty (0 bytes): not a backup; nothing was changed');
    untouched();
  });

  it('an SQLite file of another program, and one with a schema_migrations table but no smsops mark', {
    timeout: 30_000,
  }, async () => {
    const other = new Database(join(dir, 'other.db'));
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (1)');
    other.close();
    let r = await restore(dir, ['--db', target, 'other.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('other.db is not an smsops database: it has no schema_migrations table');
    untouched();

    const rails = new Database(join(dir, 'rails.db'));
    rails.exec("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101')");
    rails.close();
    r = await restore(dir, ['--db', target, 'rails.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('rails.db is not an smsops database: its schema_migrations table cannot be read');
    untouched();

    const unmarked = new Database(join(dir, 'unmarked.db'));
    unmarked.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, checksum TEXT, applied_at INTEGER); INSERT INTO schema_migrations VALUES (1, 'init', 'x', 0)",
    );
    unmarked.close();
    r = await restore(dir, ['--db', target, 'unmarked.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('unmarked.db is not an smsops database: it carries no smsops mode mark');
    untouched();
  });

  it('a sandbox backup into the production database, and a production one into the sandbox database', {
    timeout: 30_000,
  }, async () => {
    let r = await restore(dir, ['--db', target, 'sandbox-backup.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain(`sandbox-backup.db is a sandbox database and ${target} is the production database`);
    untouched();
    r = await restore(dir, ['--db', sandboxTarget, 'production-backup.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain(`production-backup.db is a production database and ${sandboxTarget} is the sandbox database`);
  });

  it('a backup with a newer schema than this code knows', { timeout: 30_000 }, async () => {
    copyFileSync(join(dir, 'production-backup.db'), join(dir, 'future.db'));
    const future = new Database(join(dir, 'future.db'));
    future
      .prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'from_the_future', 'x', 0)")
      .run();
    future.close();
    const r = await restore(dir, ['--db', target, 'future.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(
      /future\.db has a newer schema than this smsops knows: its migration 999 \(from_the_future\) is above the highest shipped here, \d+/,
    );
    untouched();
  });

  it('a backup smsops would refuse to start on: a migration checksum edited, or one applied but missing here', {
    timeout: 30_000,
  }, async () => {
    copyFileSync(join(dir, 'production-backup.db'), join(dir, 'edited.db'));
    const edited = new Database(join(dir, 'edited.db'));
    edited.prepare("UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 5").run();
    edited.close();
    let r = await restore(dir, ['--db', target, 'edited.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/edited\.db would not start: 005_\w+\.sql was changed after it was applied to this database/);
    untouched();

    copyFileSync(join(dir, 'production-backup.db'), join(dir, 'gap.db'));
    const gap = new Database(join(dir, 'gap.db'));
    gap.prepare("UPDATE schema_migrations SET version = 0, name = 'from_another_branch' WHERE version = 1").run();
    gap.close();
    r = await restore(dir, ['--db', target, 'gap.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain(
      'gap.db would not start: migration 000_from_another_branch was applied to this database but its file is missing',
    );
    untouched();
  });

  it('a backup missing a table or a column its migrations made', { timeout: 30_000 }, async () => {
    copyFileSync(join(dir, 'production-backup.db'), join(dir, 'dropped.db'));
    const dropped = new Database(join(dir, 'dropped.db'));
    dropped.pragma('foreign_keys = OFF');
    dropped.exec('DROP TABLE deliveries');
    dropped.exec('ALTER TABLE routes DROP COLUMN updated_at');
    dropped.close();
    const r = await restore(dir, ['--db', target, 'dropped.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('dropped.db lacks what its own migrations made: table deliveries, column routes.updated_at');
    untouched();
  });

  it('a backup that lost an index or a trigger its migrations made (duplicates let in, traffic counts no longer kept)', {
    timeout: 30_000,
  }, async () => {
    copyFileSync(join(dir, 'production-backup.db'), join(dir, 'unindexed.db'));
    const unindexed = new Database(join(dir, 'unindexed.db'));
    unindexed.exec('DROP INDEX opt_outs_in_force');
    unindexed.exec('DROP TRIGGER traffic_inbound_inserted');
    unindexed.close();
    const r = await restore(dir, ['--db', target, 'unindexed.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain(
      'unindexed.db lacks what its own migrations made: index opt_outs_in_force, trigger traffic_inbound_inserted',
    );
    untouched();
  });

  it('an option it does not know (a mistyped --replace-damaged), or a second backup file', { timeout: 30_000 }, async () => {
    const mistyped = await restore(dir, ['--db', target, '--replace-damage', 'production-backup.db']);
    expect(mistyped.code, mistyped.output).toBe(2);
    expect(mistyped.output).toContain('restore: unknown option "--replace-damage"; nothing was changed');
    expect(mistyped.output).toContain('usage: node dist/restore.js');
    const two = await restore(dir, ['--db', target, 'production-backup.db', 'sandbox-backup.db']);
    expect(two.code, two.output).toBe(2);
    expect(two.output).toContain('restore: one backup file at a time ("production-backup.db", then "sandbox-backup.db")');
    untouched();
  });

  it('no target named: neither --db nor DATABASE_PATH', { timeout: 30_000 }, async () => {
    const r = await restore(dir, ['production-backup.db']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('restore: which database? Pass --db <path>');
    untouched();
    expect(readdirSync(dir)).not.toContain('data');
  });

  it('restores a sound production backup into the database named by --db', { timeout: 30_000 }, async () => {
    const r = await restore(dir, ['--db', target, 'production-backup.db']);
    expect(r.code, r.output).toBe(0);
    const restored = new Database(target, { readonly: true });
    expect(restored.prepare("SELECT value FROM settings WHERE key = 'restore_test_marker'").get()).toEqual({ value: 'backup' });
    restored.close();
  });

  it('restores a backup migrated by 6b0d4ea, whose 029 differs from this one in its comment only', {
    timeout: 30_000,
  }, async () => {
    copyFileSync(join(dir, 'production-backup.db'), join(dir, 'at-6b0d4ea.db'));
    const old = new Database(join(dir, 'at-6b0d4ea.db'));
    const [shippedAt6b0d4ea] = EARLIER_CHECKSUMS['029_traffic_triggers_without_temp_tables.sql'] ?? [];
    old.prepare('UPDATE schema_migrations SET checksum = ? WHERE version = 29').run(shippedAt6b0d4ea);
    old.close();
    const r = await restore(dir, ['--db', target, 'at-6b0d4ea.db']);
    expect(r.code, r.output).toBe(0);
  });
});
