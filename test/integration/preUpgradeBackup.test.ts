import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { closeDatabase, DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { markDatabaseMode } from '../../src/store/databaseMode.js';
import { readMigrationFiles } from '../../src/store/migrate.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, spawnSmsops, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * An upgrade start on the real process: smsops backs the database up into BACKUP_DIR before migrating it and says
 * so, or, when that backup cannot be written, exits without migrating, saying why and how to skip it knowingly.
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const SHIPPED = readMigrationFiles(DEFAULT_MIGRATIONS_DIR);
const OLDER = SHIPPED.at(-2)?.version ?? 0;
const NEWEST = SHIPPED.at(-1)?.version ?? 0;

describe('an upgrade start (real process)', () => {
  const rig = useRealProcessRig('smsops-pre-upgrade-');
  const dbPath = () => join(rig.dir, 'smsops.db');
  const env = (extra: Record<string, string>) => ({
    ...productionEnv({ port: rig.port, databasePath: dbPath(), webhookSecret: WEBHOOK_SECRET }),
    SLACK_API_URL: rig.fakeSlack.url,
    ...extra,
  });

  /** The database the previous release left: every shipped migration but the newest (`padMb`: that much more data). */
  const olderDatabase = (padMb = 0) => {
    const older = join(rig.dir, 'migrations-older');
    cpSync(DEFAULT_MIGRATIONS_DIR, older, { recursive: true });
    rmSync(join(older, SHIPPED.at(-1)?.file ?? 'none'));
    const { db } = openDatabase(dbPath(), { migrationsDir: older });
    markDatabaseMode(db, 'production');
    db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)').run('kept_before_upgrade', 'yes', 1);
    if (padMb > 0) {
      db.exec('CREATE TABLE pad (b BLOB)');
      db.prepare(
        'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) INSERT INTO pad SELECT randomblob(1048576) FROM n',
      ).run(padMb);
    }
    closeDatabase(db);
  };
  const schemaOf = (path: string) => {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return {
        version: db.prepare('SELECT max(version) FROM schema_migrations').pluck().get(),
        kept: db.prepare("SELECT value FROM settings WHERE key = 'kept_before_upgrade'").pluck().get(),
      };
    } finally {
      db.close();
    }
  };

  it('backs the database up before migrating and says where, how big and how long', { timeout: 60_000 }, async () => {
    olderDatabase();
    const backups = join(rig.dir, 'backups');
    const running = rig.track(await startSmsopsProcess(rig.dir, env({ BACKUP_DIR: backups })));
    const said = running.logs.join('\n');
    const [name] = readdirSync(backups);
    expect(name).toMatch(new RegExp(`^smsops-pre-upgrade-schema${String(OLDER).padStart(3, '0')}-\\d{8}T\\d{9}Z\\.db$`));
    expect(said).toContain(`backed up the database before upgrading it: ${join(backups, name ?? '')}`);
    expect(said).toMatch(/"bytes":\d+/);
    expect(said).toMatch(/"seconds":[\d.]+/);
    expect(said.indexOf('backed up the database before upgrading it')).toBeLessThan(said.indexOf('upgrading the database:'));
    expect(schemaOf(join(backups, name ?? ''))).toEqual({ version: OLDER, kept: 'yes' });
    expect(schemaOf(dbPath())).toEqual({ version: NEWEST, kept: 'yes' });
  });

  it('exits without migrating when the backup cannot be written, saying why and how to skip it', {
    timeout: 60_000,
  }, async () => {
    olderDatabase();
    const notAFolder = join(rig.dir, 'a-file');
    writeFileSync(notAFolder, 'not a folder');
    const refused = rig.track(spawnSmsops({ cwd: rig.dir, env: env({ BACKUP_DIR: join(notAFolder, 'backups') }) }));
    const exit = await refused.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const said = refused.logs.join('\n');
    expect(said).toContain('smsops did not upgrade the database: the backup it takes first failed');
    expect(said).toContain('SKIP_PRE_UPGRADE_BACKUP=1');
    expect(said).not.toContain('smsops listening');
    expect(schemaOf(dbPath())).toEqual({ version: OLDER, kept: 'yes' });

    // Skipped knowingly: the same start migrates.
    const skipped = rig.track(
      await startSmsopsProcess(rig.dir, env({ BACKUP_DIR: join(notAFolder, 'backups'), SKIP_PRE_UPGRADE_BACKUP: '1' })),
    );
    expect(skipped.logs.join('\n')).toContain('no backup taken before upgrading the database: SKIP_PRE_UPGRADE_BACKUP is set');
    expect(schemaOf(dbPath())).toEqual({ version: NEWEST, kept: 'yes' });
  });

  it('stops without migrating when SIGTERM comes while the backup before the upgrade is taken', {
    timeout: 60_000,
  }, async () => {
    // Big enough that the copy is still running when the signal arrives (about a second here).
    olderDatabase(160);
    const backups = join(rig.dir, 'backups');
    const starting = rig.track(spawnSmsops({ cwd: rig.dir, env: env({ BACKUP_DIR: backups }) }));
    await starting.waitForLine(/backing up the database before upgrading it/);
    process.kill(starting.pid, 'SIGTERM');
    const exit = await starting.exited;
    // Its last stderr line may still be on its way through the pipe when the exit is seen.
    await waitUntil(
      () => starting.logs.some((line) => line.includes('smsops stopped before upgrading')),
      5_000,
      () => 'the stop said',
    );
    const said = starting.logs.join('\n');
    expect(said).toContain('smsops stopped before upgrading the database, as asked: nothing was migrated');
    expect(said).not.toContain('upgrading the database:');
    expect(said).not.toContain('smsops listening');
    expect(exit).toEqual({ code: 0, signal: null });
    // The earlier release still opens it; no half-written copy is left taking BACKUP_DIR's room (on a loaded machine
    // the copy may be finished when the signal is handled: then it is kept, whole, and said).
    expect(schemaOf(dbPath())).toEqual({ version: OLDER, kept: 'yes' });
    expect(readdirSync(backups).filter((name) => !/^smsops-pre-upgrade-schema\d{3}-\d{8}T\d{9}Z\.db$/.test(name))).toEqual([]);
  });

  it('exits 0 on a second signal while the upgrade is being stopped, saying the database is as it was', {
    timeout: 60_000,
  }, async () => {
    olderDatabase(160);
    const backups = join(rig.dir, 'backups');
    const starting = rig.track(spawnSmsops({ cwd: rig.dir, env: env({ BACKUP_DIR: backups }) }));
    await starting.waitForLine(/backing up the database before upgrading it/);
    // Another signal than the first is a second one at once (a repeat of the same within half a second is not); node
    // may handle the two in either order.
    process.kill(starting.pid, 'SIGTERM');
    process.kill(starting.pid, 'SIGINT');
    const exit = await starting.exited;
    await waitUntil(
      () => starting.logs.some((line) => /second SIG\w+ while stopping|smsops stopped before upgrading/.test(line)),
      5_000,
      () => `the stop said: ${JSON.stringify(exit)} ${starting.logs.join(' | ')}`,
    );
    const said = starting.logs.join('\n');
    expect(said).not.toContain('deliveries still in flight are sent again');
    // On a loaded machine the first stop may be over before the second signal is handled: then it is the first's words.
    if (/second SIG\w+ while stopping/.test(said))
      expect(said).toContain('nothing was migrated or relayed, the database is as it was');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(schemaOf(dbPath())).toEqual({ version: OLDER, kept: 'yes' });
  });
});
