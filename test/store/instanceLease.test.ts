import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { closeDatabase } from '../../src/store/database.js';
import {
  acquireInstanceLease,
  currentLeaseHolder,
  type InstanceLease,
  InstanceLeaseHeldError,
} from '../../src/store/instanceLease.js';
import { openStore } from '../../src/store/openStore.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

const logger = createLogger({ level: 'silent' });

describe('instance lease', () => {
  let temp: TempDb;
  const leases: InstanceLease[] = [];
  afterEach(() => {
    for (const l of leases.splice(0)) l.release();
    temp.cleanup();
  });
  const acquire = (options: Partial<Parameters<typeof acquireInstanceLease>[1]> & { db?: Database.Database } = {}) => {
    const lease = acquireInstanceLease(options.db ?? temp.db, { logger, now: temp.clock.now, leaseMs: 30_000, ...options });
    leases.push(lease);
    return lease;
  };

  it('refuses a second holder from another host, naming the first, until the first lease expires', () => {
    temp = createTempDb();
    acquire({ host: 'box-a', pid: 4242 });
    const second = new Database(temp.path);
    try {
      expect(() => acquire({ db: second, host: 'box-b', pid: 7 })).toThrow(InstanceLeaseHeldError);
      expect(() => acquire({ db: second, host: 'box-b', pid: 7 })).toThrow(
        /host box-a, pid 4242.*expires 2026-11-25T12:00:30\.000Z/,
      );
      temp.clock.advance(30_001);
      const taken = acquire({ db: second, host: 'box-b', pid: 7 });
      expect(currentLeaseHolder(temp.db, temp.clock.now())).toMatchObject({ host: 'box-b', pid: 7 });
      expect(taken.state().held).toBe(true);
    } finally {
      second.close();
    }
  });

  it('renewNow extends a lease still held, and says false once another took it after it ran out (restore, before its swap)', () => {
    temp = createTempDb();
    const first = acquire({ host: 'box-a', pid: 4242 });
    temp.clock.advance(20_000);
    expect(first.renewNow()).toBe(true);
    expect(currentLeaseHolder(temp.db, temp.clock.now())).toMatchObject({ host: 'box-a', expiresAt: temp.clock.now() + 30_000 });
    temp.clock.advance(30_001);
    const second = new Database(temp.path);
    try {
      acquire({ db: second, host: 'box-b', pid: 7 });
      expect(first.renewNow()).toBe(false);
      expect(first.state().held).toBe(false);
      expect(currentLeaseHolder(temp.db, temp.clock.now())).toMatchObject({ host: 'box-b', pid: 7 });
    } finally {
      second.close();
    }
  });

  const leaveRow = (host: string, pid: number, namespace: string | null) => {
    // The namespace column is added when a lease is first taken.
    temp.db.exec('DELETE FROM instance_lease');
    acquire({ host: 'setup', pid: 0, namespace: null }).release();
    temp.db
      .prepare(
        'INSERT INTO instance_lease (id, holder_id, host, pid, namespace, started_at, heartbeat_at, expires_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run('dead', host, pid, namespace, temp.clock.now(), temp.clock.now(), temp.clock.now() + 30_000);
  };
  // A pid that cannot be running: above the kernel's pid_max.
  const NOT_RUNNING = 99_999_999;

  it('takes over at once from a process of this host, boot and PID namespace that is gone', () => {
    temp = createTempDb();
    leaveRow('box-a', NOT_RUNNING, 'boot-1/pid:[1]');
    expect(() => acquire({ host: 'box-b', pid: 7, namespace: 'boot-1/pid:[1]' })).toThrow(InstanceLeaseHeldError);
    acquire({ host: 'box-a', pid: 7, namespace: 'boot-1/pid:[1]' });
    expect(currentLeaseHolder(temp.db, temp.clock.now())).toMatchObject({ host: 'box-a', pid: 7 });
  });

  it('refuses an unexpired lease of the same host name in another PID namespace, even with our pid or a pid not running here', () => {
    temp = createTempDb();
    // Two containers with one fixed host name, both pid 1: kill(pid, 0) says nothing about the other one.
    leaveRow('box-a', 1, 'boot-1/pid:[2]');
    expect(() => acquire({ host: 'box-a', pid: 1, namespace: 'boot-1/pid:[1]' })).toThrow(InstanceLeaseHeldError);
    leaveRow('box-a', NOT_RUNNING, 'boot-1/pid:[2]');
    expect(() => acquire({ host: 'box-a', pid: 7, namespace: 'boot-1/pid:[1]' })).toThrow(InstanceLeaseHeldError);
    // Another boot of the same machine (a shared disk) or a row from before the namespace was recorded: the same.
    leaveRow('box-a', NOT_RUNNING, 'boot-0/pid:[1]');
    expect(() => acquire({ host: 'box-a', pid: 7, namespace: 'boot-1/pid:[1]' })).toThrow(InstanceLeaseHeldError);
    leaveRow('box-a', NOT_RUNNING, null);
    expect(() => acquire({ host: 'box-a', pid: 7, namespace: 'boot-1/pid:[1]' })).toThrow(InstanceLeaseHeldError);
    // Where the namespace cannot be read, never.
    leaveRow('box-a', NOT_RUNNING, null);
    expect(() => acquire({ host: 'box-a', pid: 7, namespace: null })).toThrow(InstanceLeaseHeldError);
    temp.clock.advance(30_001);
    acquire({ host: 'box-a', pid: 7, namespace: 'boot-1/pid:[1]' });
  });

  it('stops acting once renewals fail up to its expiry, says why, and resumes when a renewal succeeds', async () => {
    temp = createTempDb();
    const lease = acquire({ host: 'box-a', pid: 1, leaseMs: 600, now: Date.now });
    expect(lease.holds()).toBe(true);
    const other = new Database(temp.path);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      await waitUntil(
        () => !lease.holds(),
        5_000,
        () => 'the lease lapsed',
      );
      expect(lease.state()).toMatchObject({
        held: true,
        lostReason: null,
        lapsedReason: expect.stringMatching(/^the instance lease ran out \(renewals failing: .*locked/),
      });
    } finally {
      other.exec('ROLLBACK');
    }
    await waitUntil(
      () => lease.holds(),
      5_000,
      () => 'renewed again',
    );
    expect(lease.state().lapsedReason).toBeNull();
    other.close();
  });

  it('says failed renewals once a minute, with how many, not at every beat', async () => {
    temp = createTempDb();
    const lines: string[] = [];
    const lease = acquire({
      host: 'box-a',
      pid: 1,
      leaseMs: 300,
      now: Date.now,
      logger: createLogger({ level: 'warn', sink: (line) => lines.push(line) }),
    });
    const other = new Database(temp.path);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      await waitUntil(
        () => lease.state().failedRenewals >= 5,
        5_000,
        () => 'five failed renewals',
      );
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const warned = lines.filter((line) => line.includes('instance lease not renewed; retrying'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('database is locked');
  });

  it('a release frees the database at once', () => {
    temp = createTempDb();
    acquire({ host: 'box-a', pid: 1 }).release();
    expect(currentLeaseHolder(temp.db, temp.clock.now())).toBeNull();
    acquire({ host: 'box-b', pid: 2 });
  });

  it('notices a lease taken by someone else, and keeps beating through errors', async () => {
    temp = createTempDb();
    const lost: string[] = [];
    const failures: unknown[] = [];
    const lease = acquire({
      host: 'box-a',
      pid: 1,
      leaseMs: 300,
      now: Date.now,
      onLost: (r) => lost.push(r),
      onRenewalFailed: (e) => failures.push(e),
    });
    // Another process holding the write lock: the beats fail, are counted, and go on.
    const other = new Database(temp.path);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    await waitUntil(
      () => lease.state().failedRenewals >= 2,
      5_000,
      () => 'two failed renewals',
    );
    other.exec('ROLLBACK');
    await waitUntil(
      () => lease.state().failedRenewals === failures.length && lost.length === 0,
      5_000,
      () => 'still held',
    );
    expect(lease.state().held).toBe(true);
    // A clock jump elsewhere: someone overwrote the row.
    other.prepare("UPDATE instance_lease SET holder_id = 'x', host = 'box-b', pid = 9 WHERE id = 1").run();
    other.close();
    await waitUntil(
      () => lost.length === 1,
      5_000,
      () => 'the loss noticed',
    );
    // Who took it (host, pid) is in the log line only: /healthz, which anyone may read, shows this reason.
    expect(lease.state()).toMatchObject({ held: false, lostReason: expect.stringContaining('taken by another smsops process') });
  });

  it('is given back when the start fails after taking it (a migration refused), so the next start need not wait', () => {
    temp = createTempDb();
    temp.db.prepare("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 5").run();
    closeDatabase(temp.db);
    expect(() => openStore(temp.path, { mode: 'production', logger, now: temp.clock.now })).toThrowError(
      /005_routes\.sql was changed after it was applied/,
    );
    temp.db = new Database(temp.path);
    expect(temp.db.prepare('SELECT count(*) FROM instance_lease').pluck().get()).toBe(0);
    // Taken at once by a process this one cannot see (another host, another PID namespace), not after 30 s.
    expect(acquire({ host: 'box-b', pid: 1 }).state().held).toBe(true);
  });
});
