import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AppError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from './database.js';

/**
 * One smsops per database. Two processes on one file would each take the other's leased deliveries for abandoned
 * and send the same SMS twice, run every job twice and answer Slack twice. SQLite's own locks cannot say "someone
 * runs here" in WAL mode (readers and a writer coexist by design), so the running process holds a row instead and
 * renews it: a process that dies stops renewing, and its row is free once it expires.
 */
export const DEFAULT_INSTANCE_LEASE_MS = 30_000;

export interface LeaseHolder {
  host: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
  expiresAt: number;
}

export interface InstanceLeaseState {
  held: boolean;
  /** Why the lease is no longer ours (someone else took it): relaying stopped, /healthz says this. */
  lostReason: string | null;
  /** Renewals that failed (a locked or unwritable database) since start; each is retried at the next beat. */
  failedRenewals: number;
}

export interface InstanceLease {
  holder: LeaseHolder;
  state(): InstanceLeaseState;
  /** Stops the heartbeat and gives the row up, so the next process starts at once. */
  release(): void;
}

export class InstanceLeaseHeldError extends AppError {
  readonly holder: LeaseHolder;

  constructor(holder: LeaseHolder, now: number) {
    const message =
      `another smsops runs on this database: host ${holder.host}, pid ${holder.pid}, started ${iso(holder.startedAt)}, ` +
      `last heartbeat ${iso(holder.heartbeatAt)}; its lease expires ${iso(holder.expiresAt)} ` +
      `(in ${Math.max(0, Math.ceil((holder.expiresAt - now) / 1000))} s unless it renews it). ` +
      'Stop that one first; if it crashed, start again once its lease has expired.';
    super(message, message);
    this.name = 'InstanceLeaseHeldError';
    this.holder = holder;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

interface LeaseRow {
  holder_id: string;
  host: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
}

const toHolder = (row: LeaseRow): LeaseHolder => ({
  host: row.host,
  pid: row.pid,
  startedAt: row.started_at,
  heartbeatAt: row.heartbeat_at,
  expiresAt: row.expires_at,
});

/** Who holds the database now (an unexpired lease), for `npm run restore` and the refusal message. */
export function currentLeaseHolder(db: Db, now: number = Date.now()): LeaseHolder | null {
  const row = readRow(db);
  return row && row.expires_at > now ? toHolder(row) : null;
}

function readRow(db: Db): LeaseRow | undefined {
  return db.prepare('SELECT holder_id, host, pid, started_at, heartbeat_at, expires_at FROM instance_lease WHERE id = 1').get() as
    | LeaseRow
    | undefined;
}

/**
 * A lease left by this host's process that is no longer alive (kill -9, an OOM kill, a container restarted: same
 * host name, and often the same pid 1) is taken over at once instead of after it expires. Only on the same host: a
 * pid says nothing about another machine's processes.
 */
function leftByDeadLocalProcess(row: LeaseRow, host: string, pid: number): boolean {
  if (row.host !== host) return false;
  if (row.pid === pid) return true;
  try {
    process.kill(row.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface AcquireOptions {
  /** How long the lease lasts without a heartbeat (INSTANCE_LEASE_MS); renewed every third of it. */
  leaseMs?: number;
  logger: Logger;
  now?: () => number;
  /** Told once when another process turned out to hold the lease (clock jump, split brain): stop relaying. */
  onLost?: (reason: string) => void;
  /** Renewal failures counted (a metric); the heartbeat goes on. */
  onRenewalFailed?: (error: unknown) => void;
  host?: string;
  pid?: number;
}

/** The same table as migrations/022_instance_lease.sql, for a lease taken before the migrations run. */
function ensureLeaseTable(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS instance_lease (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    holder_id    TEXT    NOT NULL,
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
  )`);
}

/** Takes the database's lease, or throws InstanceLeaseHeldError naming the process that holds it. */
export function acquireInstanceLease(db: Db, options: AcquireOptions): InstanceLease {
  ensureLeaseTable(db);
  const leaseMs = options.leaseMs ?? DEFAULT_INSTANCE_LEASE_MS;
  const now = options.now ?? Date.now;
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const { logger } = options;
  const holderId = randomUUID();

  // IMMEDIATE: the write lock is taken before the read, so two processes starting together cannot both see it free.
  const take = db.transaction((at: number) => {
    const row = readRow(db);
    if (row && row.expires_at > at && !leftByDeadLocalProcess(row, host, pid))
      throw new InstanceLeaseHeldError(toHolder(row), at);
    db.prepare(
      `INSERT INTO instance_lease (id, holder_id, host, pid, started_at, heartbeat_at, expires_at) VALUES (1, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET holder_id = excluded.holder_id, host = excluded.host, pid = excluded.pid,
         started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
    ).run(holderId, host, pid, at, at, at + leaseMs);
    return row;
  });
  const startedAt = now();
  const previous = take.immediate(startedAt);
  if (previous && previous.expires_at > startedAt)
    logger.warn('took over the instance lease of a process of this host that is gone', { host, pid: previous.pid });
  else if (previous) logger.info('took over an expired instance lease', { host: previous.host, pid: previous.pid });
  const holder: LeaseHolder = { host, pid, startedAt, heartbeatAt: startedAt, expiresAt: startedAt + leaseMs };

  const renew = db.prepare('UPDATE instance_lease SET heartbeat_at = ?, expires_at = ? WHERE id = 1 AND holder_id = ?');
  let held = true;
  let lostReason: string | null = null;
  let failedRenewals = 0;
  const beat = () => {
    if (!held) return;
    // Closed under us (a start that failed after taking the lease): nothing left to renew.
    if (!db.open) {
      clearInterval(timer);
      return;
    }
    const at = now();
    try {
      if (renew.run(at, at + leaseMs, holderId).changes === 1) {
        holder.heartbeatAt = at;
        holder.expiresAt = at + leaseMs;
        return;
      }
      const other = readRow(db);
      held = false;
      lostReason = other
        ? `the instance lease was taken by host ${other.host}, pid ${other.pid} at ${iso(other.started_at)}: this process stopped relaying`
        : 'the instance lease row was removed: this process stopped relaying';
      clearInterval(timer);
      logger.error('instance lease lost', { reason: lostReason });
      options.onLost?.(lostReason);
    } catch (error) {
      // A locked or failing database: the next beat tries again; the lease lasts three beats.
      failedRenewals += 1;
      options.onRenewalFailed?.(error);
      logger.warn('instance lease not renewed; retrying', { error: describeError(error), expiresAt: iso(holder.expiresAt) });
    }
  };
  const timer = setInterval(beat, Math.max(100, Math.floor(leaseMs / 3)));
  timer.unref();

  return {
    holder,
    state: () => ({ held, lostReason, failedRenewals }),
    release: () => {
      clearInterval(timer);
      if (!held) return;
      held = false;
      try {
        db.prepare('DELETE FROM instance_lease WHERE id = 1 AND holder_id = ?').run(holderId);
      } catch (error) {
        logger.warn('instance lease not released; the next start waits for it to expire', { error: describeError(error) });
      }
    },
  };
}

/** A health verdict (the relay's) that also fails, with the reason, once the instance lease is lost. */
export function withInstanceLease<H extends { problems: string[] }>(health: () => H, lease: InstanceLease): () => H {
  return () => {
    const verdict = health();
    const lost = lease.state().lostReason;
    return lost ? { ...verdict, problems: [lost, ...verdict.problems] } : verdict;
  };
}
