import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { acquireInstanceLease, type InstanceLease } from '../../src/store/instanceLease.js';
import { checkpointFailureReason } from '../../src/store/walCheckpointer.js';
import { createWriteHealth } from '../../src/store/writeHealth.js';
import { createWriteProbe } from '../../src/store/writeProbe.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * "Can the database be written", as /healthz, smsops_store_writable and the relay_stalled alert read it, judged on a
 * real SQLite file. The relay's idle probe takes the write lock and writes nothing: on a full disk it passes while
 * every write that needs room fails (the instance lease's heartbeat among them), so it must not end such a failure.
 */

const logger = createLogger({ level: 'silent' });
let temp: TempDb;
let lease: InstanceLease | undefined;

afterEach(() => {
  lease?.release();
  lease = undefined;
  temp.cleanup();
});

/** Renewing the lease needs a page more than the database may have, as on a full disk (SQLITE_FULL). */
function fillDisk() {
  temp.db.exec(`CREATE TABLE disk_filler (x BLOB);
    CREATE TRIGGER heartbeat_needs_space AFTER UPDATE ON instance_lease
    BEGIN INSERT INTO disk_filler VALUES (randomblob(65536)); END`);
  const pages = temp.db.pragma('page_count', { simple: true }) as number;
  temp.db.pragma(`max_page_count = ${pages + 4}`);
  return () => temp.db.pragma('max_page_count = 1073741823');
}

describe('write health', () => {
  it("stays 'not writable' while the lease's heartbeat fails on a full disk, though the lock probe passes, until a write succeeds", async () => {
    temp = createTempDb();
    const writeHealth = createWriteHealth({ recentMs: 200 });
    const probe = createWriteProbe(temp.db);
    lease = acquireInstanceLease(temp.db, { logger, leaseMs: 600, host: 'box-a', pid: 1 });
    lease.tellWrites(writeHealth);
    const freeDisk = fillDisk();
    await waitUntil(() => lease?.state().failedRenewals, 5_000, 'a heartbeat failed');
    expect(writeHealth.state()).toMatchObject({ writable: false, reason: 'the database or its disk is full' });
    // The probe, once a second while nothing else wrote, long past the failure.
    await new Promise((resolve) => setTimeout(resolve, 300));
    probe();
    writeHealth.lockFree();
    expect(writeHealth.state()).toMatchObject({ writable: false, reason: 'the database or its disk is full' });

    freeDisk();
    const failed = lease.state().failedRenewals;
    await waitUntil(() => lease?.holds() && lease.state().failedRenewals === failed, 5_000, 'renewed');
    await waitUntil(() => writeHealth.state().writable, 5_000, 'writable once a heartbeat was written');
  });

  it('ends a lock held by another process once the probe can take it: a free lock is all such a write needs', async () => {
    temp = createTempDb();
    const writeHealth = createWriteHealth({ recentMs: 100 });
    const probe = createWriteProbe(temp.db);
    const other = new Database(temp.path);
    other.exec('BEGIN IMMEDIATE');
    try {
      temp.db.pragma('busy_timeout = 0');
      let locked: unknown;
      try {
        probe();
      } catch (error) {
        locked = error;
      }
      writeHealth.failed(locked);
      expect(writeHealth.state()).toMatchObject({ writable: false, reason: 'the database is locked by another process' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await waitUntil(
      () => {
        probe();
        writeHealth.lockFree();
        return writeHealth.state().writable;
      },
      5_000,
      'writable once the lock is free',
    );
  });

  it('says the database is not safely writable while its checkpoints fail to sync, though every commit passes', () => {
    // With DATABASE_SYNCHRONOUS=normal commits never fsync: only a WAL checkpoint meets a disk failing its fsyncs
    // (SQLITE_IOERR_FSYNC). A probe of the real process on a FUSE file system failing every fsync: /healthz said ok.
    const writeHealth = createWriteHealth({ recentMs: 100 });
    const reason = checkpointFailureReason('SQLITE_IOERR_FSYNC');
    expect(reason).toMatch(/failed to sync.*may not be on disk/);
    writeHealth.syncFailed(reason);
    writeHealth.succeeded();
    writeHealth.lockFree();
    expect(writeHealth.state()).toMatchObject({ writable: false, reason });
    expect(writeHealth.refusal()).toBeNull();
    writeHealth.syncFailed(null);
    expect(writeHealth.state()).toMatchObject({ writable: true, reason: null });
    // A -wal the disk cannot read back fails the checkpoint as "malformed": the same verdict.
    expect(checkpointFailureReason('SQLITE_CORRUPT')).toMatch(/could not read the database or its WAL/);
    // A reader holding the WAL back says nothing of the disk.
    expect(checkpointFailureReason('SQLITE_BUSY')).toBeNull();
    expect(checkpointFailureReason(undefined)).toBeNull();
  });
});
