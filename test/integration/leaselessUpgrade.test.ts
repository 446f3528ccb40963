import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { closeDatabase, DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { markDatabaseMode } from '../../src/store/databaseMode.js';
import { readMigrationFiles } from '../../src/store/migrate.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, spawnSmsops, startSmsopsProcess } from '../helpers/smsopsProcess.js';

/**
 * Upgrading a database of an smsops from before instance leases (migrations up to 021) while that smsops still runs:
 * it takes no lease, so only the file being open tells it is there. The upgrade is refused in words, nothing changed,
 * and goes ahead once it is stopped.
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const BEFORE_LEASES = 21;
const NEWEST = readMigrationFiles(DEFAULT_MIGRATIONS_DIR).at(-1)?.version ?? 0;

describe('an upgrade from before instance leases (real process)', () => {
  const rig = useRealProcessRig('smsops-leaseless-');
  const dbPath = () => join(rig.dir, 'smsops.db');
  const env = () => ({
    ...productionEnv({ port: rig.port, databasePath: dbPath(), webhookSecret: WEBHOOK_SECRET }),
    SLACK_API_URL: rig.fakeSlack.url,
  });
  const schema = () => {
    const db = new Database(dbPath(), { readonly: true });
    try {
      return db.prepare('SELECT max(version) FROM schema_migrations').pluck().get();
    } finally {
      db.close();
    }
  };

  it('refuses to migrate while that smsops has the database open, and upgrades once it stopped', {
    timeout: 60_000,
  }, async () => {
    const older = join(rig.dir, 'migrations-021');
    cpSync(DEFAULT_MIGRATIONS_DIR, older, { recursive: true });
    for (const file of readdirSync(older)) if (Number(file.slice(0, 3)) > BEFORE_LEASES) rmSync(join(older, file));
    const { db } = openDatabase(dbPath(), { migrationsDir: older });
    markDatabaseMode(db, 'production');
    closeDatabase(db);

    // The earlier smsops, running: a connection kept open, as it keeps its own.
    const earlier = new Database(dbPath());
    earlier.prepare('SELECT count(*) FROM settings').get();
    try {
      const refused = rig.track(spawnSmsops({ cwd: rig.dir, env: env() }));
      expect((await refused.exited).code).toBe(1);
      const said = refused.logs.join('\n');
      expect(said).toContain('smsops did not upgrade the database: another process has it open');
      expect(said).toContain('Stop the earlier smsops');
      expect(said).not.toContain('upgrading the database:');
    } finally {
      earlier.close();
    }
    expect(schema()).toBe(BEFORE_LEASES);

    rig.track(await startSmsopsProcess(rig.dir, env()));
    expect(schema()).toBe(NEWEST);
  });
});
