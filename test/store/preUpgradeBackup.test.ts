import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { backupDatabase } from '../../src/store/backup.js';
import { closeDatabase, DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { markDatabaseMode } from '../../src/store/databaseMode.js';
import { readMigrationFiles } from '../../src/store/migrate.js';
import { backupBeforeUpgrade, PreUpgradeBackupError } from '../../src/store/preUpgradeBackup.js';

/**
 * The backup a start takes before migrating an existing database (an upgrade), on real files: a database left at
 * the shipped migrations but the last (an older smsops), then started with every migration.
 */

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

const SHIPPED = readMigrationFiles(DEFAULT_MIGRATIONS_DIR);
const NEWEST = SHIPPED.at(-1)?.version ?? 0;
const OLDER = SHIPPED.at(-2)?.version ?? 0;
const ROWS = 200;

interface Line {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'smsops-pre-upgrade-'));
  dirs.push(dir);
  const lines: Line[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), enabled: () => true } as never;
  return { dir, dbPath: join(dir, 'data', 'smsops.db'), backupDir: join(dir, 'backups'), lines, logger };
}

/** A production database as the release before this one left it: every migration but the newest, and some rows. */
function olderDatabase(dir: string, dbPath: string): void {
  const older = join(dir, 'migrations-older');
  cpSync(DEFAULT_MIGRATIONS_DIR, older, { recursive: true });
  rmSync(join(older, SHIPPED.at(-1)?.file ?? 'none'));
  const { db } = openDatabase(dbPath, { migrationsDir: older });
  markDatabaseMode(db, 'production');
  const insert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) insert.run(`kept_${i}`, `value ${i}`, i);
  })();
  closeDatabase(db);
}

const schemaVersion = (path: string) => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT max(version) FROM schema_migrations').pluck().get();
  } finally {
    db.close();
  }
};

/** The start's order: the backup, then the store's open, which migrates. */
async function start(w: ReturnType<typeof workspace>, options: { dir?: string; skip?: boolean } = {}) {
  const made = await backupBeforeUpgrade(w.dbPath, {
    mode: 'production',
    logger: w.logger,
    now: () => Date.parse('2026-11-28T06:43:00.123Z'),
    dir: options.dir,
    skip: options.skip,
  });
  closeDatabase(openDatabase(w.dbPath, { logger: w.logger }).db);
  return made;
}

describe('the backup an upgrade takes before migrating', () => {
  it('backs an older database up into BACKUP_DIR, named for the schema it holds, then migrates it', async () => {
    const w = workspace();
    olderDatabase(w.dir, w.dbPath);
    const made = await start(w, { dir: w.backupDir });

    const name = `smsops-pre-upgrade-schema${String(OLDER).padStart(3, '0')}-20261128T064300123Z.db`;
    expect(made?.path).toBe(join(w.backupDir, name));
    expect(readdirSync(w.backupDir)).toEqual([name]); // no partial file left
    const copy = new Database(join(w.backupDir, name), { readonly: true, fileMustExist: true });
    try {
      expect(copy.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(OLDER);
      expect(copy.prepare("SELECT count(*) FROM settings WHERE key LIKE 'kept_%'").pluck().get()).toBe(ROWS);
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      copy.close();
    }
    expect(schemaVersion(w.dbPath)).toBe(NEWEST);

    // Said before the migrations, with where, how big and how long.
    const said = w.lines.findIndex((l) => l.msg.startsWith('backed up the database before upgrading it'));
    const upgrading = w.lines.findIndex((l) => l.msg.startsWith('upgrading the database'));
    expect(said).toBeGreaterThanOrEqual(0);
    expect(said).toBeLessThan(upgrading);
    expect(w.lines[said]?.msg).toContain(join(w.backupDir, name));
    expect(w.lines[said]?.fields).toMatchObject({ bytes: made?.bytes, schemaVersion: OLDER });
    expect(typeof w.lines[said]?.fields?.seconds).toBe('number');
    expect(made?.bytes).toBeGreaterThan(0);
  });

  it('does not migrate when the backup cannot be written, and says why and how to go on without it', async () => {
    const w = workspace();
    olderDatabase(w.dir, w.dbPath);
    const notAFolder = join(w.dir, 'a-file');
    writeFileSync(notAFolder, 'not a folder');

    const refused = await backupBeforeUpgrade(w.dbPath, {
      mode: 'production',
      logger: w.logger,
      now: Date.now,
      dir: join(notAFolder, 'backups'),
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PreUpgradeBackupError);
    const words = (refused as Error).message;
    expect(words).toContain('smsops did not upgrade the database: the backup it takes first failed');
    expect(words).toContain(`BACKUP_DIR ${join(notAFolder, 'backups')} cannot be used`);
    expect(words).toContain(`still holds schema ${OLDER}`);
    expect(words).toContain('SKIP_PRE_UPGRADE_BACKUP=1');
    expect(schemaVersion(w.dbPath)).toBe(OLDER);
    // The lease taken for the backup was given back: the next start is not kept waiting.
    const db = new Database(w.dbPath, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM instance_lease').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('does not migrate when the backup would fill the disk, and says how much room it needs', async () => {
    const w = workspace();
    olderDatabase(w.dir, w.dbPath);
    const refused = await backupBeforeUpgrade(w.dbPath, {
      mode: 'production',
      logger: w.logger,
      now: Date.now,
      dir: w.backupDir,
      room: () => ({ freeBytes: 4096, sameDiskAsDatabase: false }),
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PreUpgradeBackupError);
    expect((refused as Error).message).toMatch(
      /the backup it takes first failed \(the backup was not started: BACKUP_DIR .* free/,
    );
    expect((refused as Error).message).toContain('SKIP_PRE_UPGRADE_BACKUP=1');
    expect(readdirSync(w.backupDir)).toEqual([]); // not a page written
    expect(schemaVersion(w.dbPath)).toBe(OLDER);
  });

  it('migrates without the backup when SKIP_PRE_UPGRADE_BACKUP is set, and says so', async () => {
    const w = workspace();
    olderDatabase(w.dir, w.dbPath);
    expect(await start(w, { dir: w.backupDir, skip: true })).toBeNull();
    expect(existsSync(w.backupDir) ? readdirSync(w.backupDir) : []).toEqual([]);
    expect(schemaVersion(w.dbPath)).toBe(NEWEST);
    expect(w.lines.find((l) => l.level === 'warn')?.msg).toContain(
      'no backup taken before upgrading the database: SKIP_PRE_UPGRADE_BACKUP is set',
    );
  });

  it('migrates as before when BACKUP_DIR is not set, saying no backup was taken and how to have one', async () => {
    const w = workspace();
    olderDatabase(w.dir, w.dbPath);
    expect(await start(w)).toBeNull();
    expect(schemaVersion(w.dbPath)).toBe(NEWEST);
    const warned = w.lines.find((l) => l.level === 'warn')?.msg ?? '';
    expect(warned).toContain('no backup taken before upgrading the database: BACKUP_DIR is not set');
    expect(warned).toContain('Set BACKUP_DIR and every upgrade backs the database up first');
  });

  it('takes no backup of a new database, nor of one already up to date', async () => {
    const w = workspace();
    expect(await start(w, { dir: w.backupDir })).toBeNull(); // a first install
    const made = new Database(w.dbPath);
    markDatabaseMode(made, 'production');
    made.close();
    expect(await start(w, { dir: w.backupDir })).toBeNull(); // a restart
    expect(existsSync(w.backupDir)).toBe(false);
    expect(w.lines.filter((l) => l.msg.includes('before upgrading'))).toEqual([]);
  });

  it('takes none in the sandbox, which takes no backups whatever BACKUP_DIR says', async () => {
    const w = workspace();
    olderDatabase(w.dir, w.dbPath);
    const db = new Database(w.dbPath);
    db.prepare("UPDATE settings SET value = 'sandbox' WHERE key = 'smsops_mode'").run();
    db.close();
    const made = await backupBeforeUpgrade(w.dbPath, { mode: 'sandbox', logger: w.logger, now: Date.now, dir: w.backupDir });
    expect(made).toBeNull();
    expect(existsSync(w.backupDir)).toBe(false);
  });

  it('is never rotated out by scheduled backups; the next upgrade replaces it', async () => {
    const w = workspace();
    olderDatabase(w.dir, w.dbPath);
    const first = await start(w, { dir: w.backupDir });
    const { db } = openDatabase(w.dbPath);
    try {
      for (let i = 0; i < 3; i++) await backupDatabase(db, { dir: w.backupDir, keep: 1, now: () => 1_800_000_000_000 + i });
    } finally {
      closeDatabase(db);
    }
    const names = readdirSync(w.backupDir).sort();
    expect(names).toEqual(['smsops-20270115T080000002Z.db', first?.path.split('/').at(-1)]);

    // The next upgrade: a migration this version did not have.
    const next = join(w.dir, 'migrations-next');
    cpSync(DEFAULT_MIGRATIONS_DIR, next, { recursive: true });
    writeFileSync(join(next, '999_next_release.sql'), 'CREATE TABLE next_release (id INTEGER PRIMARY KEY);');
    const second = await backupBeforeUpgrade(w.dbPath, {
      mode: 'production',
      logger: w.logger,
      now: () => Date.parse('2026-12-28T06:43:00.123Z'),
      dir: w.backupDir,
      migrationsDir: next,
    });
    expect(second?.path).toContain(`smsops-pre-upgrade-schema${String(NEWEST).padStart(3, '0')}-20261228T`);
    expect(second?.removed).toEqual([first?.path]);
    expect(readdirSync(w.backupDir).sort()).toEqual(['smsops-20270115T080000002Z.db', second?.path.split('/').at(-1)]);
  });
});
