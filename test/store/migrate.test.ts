import { appendFileSync, cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BUSY_TIMEOUT_MS, DEFAULT_MIGRATIONS_DIR, openDatabase, PAGE_CACHE_KIB } from '../../src/store/database.js';
import { EARLIER_CHECKSUMS } from '../../src/store/earlierChecksums.js';
import { MigrationError } from '../../src/store/migrate.js';
import { migrationsWithEarlier } from '../helpers/earlierMigrations.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'smsops-migrate-'));
  dirs.push(dir);
  const migrations = join(dir, 'migrations');
  cpSync(DEFAULT_MIGRATIONS_DIR, migrations, { recursive: true });
  return { dbPath: join(dir, 'data', 'smsops.db'), migrations };
}

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );

/** The project's migrations, in order: a new one is added here and every count below follows. */
const SHIPPED = [
  '001_settings_and_audit.sql',
  '002_sender_ids.sql',
  '003_inbound_relay.sql',
  '004_outbound_and_dlr.sql',
  '005_routes.sql',
  '006_alerts_and_jobs.sql',
  '007_slack_threads.sql',
  '008_deliveries_due_by_kind.sql',
  '009_deliveries_by_destination.sql',
  '010_traffic.sql',
  '011_ten_dlc.sql',
  '012_watch_baseline.sql',
  '013_delivery_retry_window.sql',
  '014_schema_warnings.sql',
  '015_slack_posts.sql',
  '016_delivery_deterministic_failures.sql',
  '017_retention_indexes.sql',
  '018_alert_facts.sql',
  '019_conversations.sql',
  '020_reply_status_line.sql',
  '021_slack_threads_by_ts.sql',
  '022_instance_lease.sql',
  '023_audit_unknown_outcome.sql',
  '024_job_run_summary.sql',
  '025_sender_id_announcements.sql',
  '026_alert_acknowledge_snooze_mute.sql',
  '027_doctor_ignored_numbers.sql',
  '028_slack_queue.sql',
  '029_traffic_triggers_without_temp_tables.sql',
  '030_sender_id_deletion_announced.sql',
  '031_delivery_attempt_destination.sql',
  '032_expired_slack_threads.sql',
  '033_route_updated_by.sql',
  '034_sender_id_requests.sql',
  '035_traffic_failure_reasons_rebuilt.sql',
  '036_delivery_report_bodies_dropped.sql',
  '037_delivery_released.sql',
  '038_forgotten_messages.sql',
  '039_reply_wavix_segments.sql',
  '040_delivery_retry_after.sql',
  '041_customer_number_indexes.sql',
  '042_deliveries_due_live_only.sql',
  '043_delivery_status_check_without_in.sql',
  '044_reply_lookups.sql',
  '045_sender_id_deleted_by.sql',
  '046_reply_report_checks.sql',
];

describe('migration runner', () => {
  it('creates the database file and applies every migration on a fresh file', () => {
    const { dbPath, migrations } = workspace();
    const { db, migrations: report } = openDatabase(dbPath, { migrationsDir: migrations });
    expect(report.applied).toEqual(SHIPPED);
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'settings',
        'audit_log',
        'sender_ids',
        'sender_id_countries',
        'inbound_messages',
        'deliveries',
        'rejected_webhooks',
        'outbound_messages',
        'delivery_reports',
        'routes',
        'alerts',
        'alert_settings',
        'job_runs',
        'schema_warnings',
        'slack_posts',
        'slack_post_messages',
        'schema_migrations',
      ]),
    );
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
    expect(db.pragma('cache_size', { simple: true })).toBe(-PAGE_CACHE_KIB);
    const recorded = db.prepare('SELECT version, name, length(checksum) AS len FROM schema_migrations ORDER BY version').all();
    expect(recorded).toHaveLength(SHIPPED.length);
    expect(recorded[0]).toEqual({ version: 1, name: 'settings_and_audit', len: 64 });
    db.close();
  });

  it('applies nothing again on a second start, and only the new file when one is added', () => {
    const { dbPath, migrations } = workspace();
    openDatabase(dbPath, { migrationsDir: migrations }).db.close();
    const second = openDatabase(dbPath, { migrationsDir: migrations });
    expect(second.migrations).toEqual({ applied: [], alreadyApplied: SHIPPED.length });
    second.db.close();

    writeFileSync(join(migrations, '999_add_notes.sql'), 'ALTER TABLE routes ADD COLUMN note TEXT;');
    const third = openDatabase(dbPath, { migrationsDir: migrations });
    expect(third.migrations).toEqual({ applied: ['999_add_notes.sql'], alreadyApplied: SHIPPED.length });
    third.db.close();
  });

  it('says before an upgrade runs its migrations what it runs and that going back needs an earlier backup', () => {
    const { dbPath, migrations } = workspace();
    const lines: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
    const record = (msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields });
    const logger = { debug: record, info: record, warn: record, error: record, enabled: () => true } as never;
    openDatabase(dbPath, { migrationsDir: migrations, logger }).db.close();
    expect(lines.filter((l) => l.msg.startsWith('upgrading'))).toEqual([]); // a first install is no upgrade

    writeFileSync(join(migrations, '999_add_notes.sql'), 'ALTER TABLE routes ADD COLUMN note TEXT;');
    openDatabase(dbPath, { migrationsDir: migrations, logger }).db.close();
    const upgrade = lines.find((l) => l.msg.startsWith('upgrading the database'));
    expect(upgrade?.msg).toContain('going back needs a backup taken before this start');
    expect(upgrade?.fields).toEqual({ migrations: ['999_add_notes.sql'], newestApplied: Number(SHIPPED.at(-1)?.slice(0, 3)) });
  });

  it('refuses to start when an applied migration file was changed', () => {
    const { dbPath, migrations } = workspace();
    openDatabase(dbPath, { migrationsDir: migrations }).db.close();
    appendFileSync(join(migrations, '003_inbound_relay.sql'), '\n-- an innocent-looking edit\n');
    expect(() => openDatabase(dbPath, { migrationsDir: migrations })).toThrowError(
      /003_inbound_relay\.sql was changed after it was applied.*immutable.*add a new migration instead/,
    );
  });

  it('opens a database that ran 029 as 6b0d4ea shipped it (only its comment changed since), keeping its record', () => {
    const { dbPath, migrations } = workspace();
    const file = '029_traffic_triggers_without_temp_tables.sql';
    const [shippedAt6b0d4ea] = EARLIER_CHECKSUMS[file] ?? [];
    if (!shippedAt6b0d4ea) throw new Error(`no earlier checksum of ${file}`);
    const then = migrationsWithEarlier(join(migrations, '..', 'migrations-6b0d4ea'), file, shippedAt6b0d4ea);
    openDatabase(dbPath, { migrationsDir: then }).db.close();

    const reopened = openDatabase(dbPath, { migrationsDir: migrations });
    expect(reopened.migrations).toEqual({ applied: [], alreadyApplied: SHIPPED.length });
    // Left as recorded: the release that migrated it still opens it after a rollback.
    expect(reopened.db.prepare('SELECT checksum FROM schema_migrations WHERE version = 29').pluck().get()).toBe(shippedAt6b0d4ea);
    reopened.db.close();
  });

  it('accepts an earlier checksum only for its own file', () => {
    const { dbPath, migrations } = workspace();
    const [earlier029] = EARLIER_CHECKSUMS['029_traffic_triggers_without_temp_tables.sql'] ?? [];
    const { db } = openDatabase(dbPath, { migrationsDir: migrations });
    db.prepare('UPDATE schema_migrations SET checksum = ? WHERE version = 28').run(earlier029);
    db.close();
    expect(() => openDatabase(dbPath, { migrationsDir: migrations })).toThrowError(/028_slack_queue\.sql was changed/);
  });

  it('says a changed or missing migration will not pass by itself, and a failed one may', () => {
    const { dbPath, migrations } = workspace();
    openDatabase(dbPath, { migrationsDir: migrations }).db.close();
    const refusal = (act: () => void) => {
      act();
      try {
        openDatabase(dbPath, { migrationsDir: migrations }).db.close();
      } catch (error) {
        return error;
      }
      return null;
    };
    const changed = refusal(() => appendFileSync(join(migrations, '005_routes.sql'), '\n-- edited\n'));
    expect(changed).toMatchObject({ name: 'MigrationError', passesByItself: false });
    expect((changed as Error).message).toMatch(/Start the smsops version that migrated it, or put the file back/);
    cpSync(join(DEFAULT_MIGRATIONS_DIR, '005_routes.sql'), join(migrations, '005_routes.sql'));

    const db = new Database(dbPath);
    db.prepare(
      "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'from_the_future', 'x', 0)",
    ).run();
    db.close();
    const newer = refusal(() => undefined);
    expect(newer).toMatchObject({ name: 'MigrationError', passesByItself: false });
    expect((newer as Error).message).toMatch(
      /999_from_the_future was applied .* a newer smsops migrated this database \(the newest migration here is \d{3}_\w+\.sql\)\. Start that version or a later one/,
    );
    const fresh = workspace();
    writeFileSync(join(fresh.migrations, '998_broken.sql'), 'INSERT INTO no_such_table VALUES (1);');
    let failed: unknown;
    try {
      openDatabase(fresh.dbPath, { migrationsDir: fresh.migrations });
    } catch (error) {
      failed = error;
    }
    // The stored data or the SQL: every start would fail alike, so a supervisor must stop (exit 2), not loop.
    expect(failed).toMatchObject({ name: 'MigrationError', passesByItself: false });
    expect((failed as Error).message).toMatch(/fail the same way at every start: .* start the smsops version that ran on it/);

    // A full database (here its page limit, as a full disk would) may pass once space is made: tried again (exit 1).
    const full = workspace();
    openDatabase(full.dbPath, { migrationsDir: full.migrations }).db.close();
    writeFileSync(
      join(full.migrations, '998_grows.sql'),
      'CREATE TABLE filler (x BLOB);\nINSERT INTO filler SELECT randomblob(4096) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT i FROM n);',
    );
    const capped = new Database(full.dbPath);
    const pages = (capped.pragma('page_count', { simple: true }) as number) + 5;
    capped.close();
    let disk: unknown;
    try {
      openDatabase(full.dbPath, {
        migrationsDir: full.migrations,
        beforeMigrate: (db) => {
          db.pragma(`max_page_count = ${pages}`);
          return undefined;
        },
      });
    } catch (error) {
      disk = error;
    }
    expect(disk).toMatchObject({ name: 'MigrationError', passesByItself: true });
    // How much room to make, not only that the disk is full: a supervisor restarting smsops meets it again otherwise.
    expect((disk as Error).message).toMatch(
      /998_grows.sql failed and was rolled back: database or disk is full \(the upgrade copies a table whole before dropping the old one: free up to the database's own size, \d+ MB, on its disk, then start again\)$/,
    );
  });

  it('refuses a database that has a migration this code does not know', () => {
    const { dbPath, migrations } = workspace();
    openDatabase(dbPath, { migrationsDir: migrations }).db.close();
    rmSync(join(migrations, '006_alerts_and_jobs.sql'));
    expect(() => openDatabase(dbPath, { migrationsDir: migrations })).toThrowError(
      /006_alerts_and_jobs was applied.*file is missing/,
    );
  });

  it('refuses badly named and duplicate-numbered files', () => {
    const { dbPath, migrations } = workspace();
    writeFileSync(join(migrations, '7-oops.sql'), 'SELECT 1;');
    expect(() => openDatabase(dbPath, { migrationsDir: migrations })).toThrowError(/"7-oops.sql" is not named like/);
    renameSync(join(migrations, '7-oops.sql'), join(migrations, '006_second.sql'));
    expect(() => openDatabase(dbPath, { migrationsDir: migrations })).toThrowError(/share the number 6/);
  });

  it('rolls back a migration that fails midway, leaving neither its tables nor its record', () => {
    const { dbPath, migrations } = workspace();
    openDatabase(dbPath, { migrationsDir: migrations }).db.close();
    writeFileSync(
      join(migrations, '998_broken.sql'),
      'CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);',
    );
    let error: unknown;
    try {
      openDatabase(dbPath, { migrationsDir: migrations });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toMatch(/998_broken.sql failed and was rolled back: no such table: no_such_table/);
    const db = new Database(dbPath);
    expect(tables(db)).not.toContain('half_done');
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({
      v: Number(SHIPPED.at(-1)?.slice(0, 3)),
    });
    db.close();
  });

  it('rolls an upgrade stopped partway back whole, so the earlier release still opens the database', () => {
    const { dbPath, migrations } = workspace();
    // The earlier release: every shipped migration but the last two.
    const earlier = join(dbPath, '..', '..', 'migrations-earlier');
    cpSync(migrations, earlier, { recursive: true });
    for (const file of SHIPPED.slice(-2)) rmSync(join(earlier, file));
    openDatabase(dbPath, { migrationsDir: earlier }).db.close();
    // This release's two, then one that fails (as a start killed or a disk filled during the third would).
    writeFileSync(join(migrations, '998_broken.sql'), 'INSERT INTO no_such_table VALUES (1);');
    let error: unknown;
    try {
      openDatabase(dbPath, { migrationsDir: migrations });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toContain(
      `998_broken.sql failed and was rolled back, with the 2 this start ran before it (${SHIPPED.slice(-2).join(', ')})`,
    );
    const db = new Database(dbPath);
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({
      v: Number(SHIPPED.at(-3)?.slice(0, 3)),
    });
    db.close();
    // The earlier release opens it as it left it.
    expect(() => openDatabase(dbPath, { migrationsDir: earlier }).db.close()).not.toThrow();
  });
});
