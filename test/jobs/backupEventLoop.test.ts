import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackupJob } from '../../src/jobs/backupJob.js';
import { createLogger } from '../../src/log.js';
import { backupDatabase, listBackups } from '../../src/store/backup.js';
import { recordingAlerts } from '../helpers/recordingAlerts.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const logger = createLogger({ level: 'silent' });

/** Tens of MB of indexed rows beside smsops' tables: enough that checking the copy takes a noticeable while. */
function addBallast(temp: TempDb, rows: number): void {
  temp.db.exec(`
    CREATE TABLE ballast (id INTEGER PRIMARY KEY, a TEXT, b TEXT);
    CREATE INDEX ballast_a ON ballast (a);
    CREATE INDEX ballast_b ON ballast (b);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO ballast (a, b) SELECT hex(randomblob(40)), hex(randomblob(40)) FROM n;
  `);
}

describe('backup and the event loop', () => {
  let temp: TempDb;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    temp.cleanup();
  });

  it('an HTTP request made once the pages are copied is answered while the copy is checked, before the backup ends', async () => {
    temp = createTempDb();
    addBallast(temp, 60_000);
    server = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;

    const events: string[] = [];
    let answered: Promise<void> | undefined;
    // What comes after the page copy (the copy's integrity check) is what held the event loop: a request made as the
    // copy ends is answered only if smsops keeps serving while it is checked.
    const copyPages = temp.db.backup.bind(temp.db);
    temp.db.backup = async (file, options) => {
      const copied = await copyPages(file, options);
      answered = fetch(url).then(async (response) => {
        events.push(`answered ${await response.text()}`);
      });
      return copied;
    };
    const made = await backupDatabase(temp.db, { dir: join(temp.dir, 'backups'), keep: 2, now: temp.clock.now });
    events.push('backup ended');
    await answered;

    expect(events).toEqual(['answered ok', 'backup ended']);
    expect(listBackups(join(temp.dir, 'backups'))).toEqual([made.path]);
    const copy = new Database(made.path, { readonly: true });
    try {
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(copy.prepare('SELECT count(*) AS n FROM ballast').get()).toEqual({ n: 60_000 });
    } finally {
      copy.close();
    }
  });

  it('a copy failing its integrity check is still removed, and the job fails in words and alerts', async () => {
    temp = createTempDb();
    addBallast(temp, 2_000);
    // An index whose recorded definition no longer matches its entries: the database still copies page by page,
    // and the copy's integrity check finds the index out of order.
    const other = new Database(temp.path);
    try {
      other.unsafeMode(true);
      other.pragma('writable_schema = ON');
      const version = other.pragma('schema_version', { simple: true }) as number;
      other.prepare(`UPDATE sqlite_schema SET sql = 'CREATE INDEX ballast_a ON ballast (a DESC)' WHERE name = 'ballast_a'`).run();
      other.pragma(`schema_version = ${version + 1}`);
    } finally {
      other.close();
    }
    const dir = join(temp.dir, 'backups');
    const alerts = recordingAlerts();
    const job = createBackupJob({
      backup: () => backupDatabase(temp.db, { dir, keep: 2, now: temp.clock.now }),
      dir,
      keep: 2,
      alerts: alerts.notifier,
      logger,
    });

    const outcome = await job.run();

    expect(outcome).toMatchObject({ outcome: 'failed', error: expect.stringContaining('the copy failed its integrity check: ') });
    expect((outcome as { error: string }).error).toContain('ballast_a');
    expect(alerts.raised).toEqual([expect.objectContaining({ rule: 'backup_failed', subjectKey: 'database' })]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
