import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { isTransientStoreError } from '../core/ports/storeErrors.js';
import { AppError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import type { Db } from './database.js';
import type { WriteHealth } from './writeHealth.js';

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
  /**
   * Set while the lease ran out because renewals kept failing (the row may still be ours): relaying pauses, /healthz
   * says this; cleared by the next renewal that succeeds.
   */
  lapsedReason: string | null;
}

export interface InstanceLease {
  holder: LeaseHolder;
  state(): InstanceLeaseState;
  /** Whether this process may act on the database now: held, and not past (or about to pass) its own expiry. */
  holds(): boolean;
  /** Stops the heartbeat and gives the row up, so the next process starts at once. */
  release(): void;
  /**
   * Renews it now, outside the heartbeat: false once the row is not this lease's (another process took it when it ran
   * out). For a holder that works synchronously and never lets the heartbeat run (restore, over a long comparison).
   */
  renewNow(): boolean;
  /**
   * Tells `writes` of every renewal from now on: a real write every beat, the one that goes on while nothing else
   * writes (an idle relay's probe writes nothing, and passes on a full disk).
   */
  tellWrites(writes: Pick<WriteHealth, 'succeeded' | 'failed'>): void;
}

export class InstanceLeaseHeldError extends AppError {
  readonly holder: LeaseHolder;

  /** `expiredButAlive`: its lease ran out, but the process still runs here (stopped with SIGSTOP, hung). */
  constructor(holder: LeaseHolder, now: number, expiredButAlive = false) {
    const message = expiredButAlive
      ? `another smsops still runs on this database though its lease expired ${iso(holder.expiresAt)}: host ` +
        `${holder.host}, pid ${holder.pid}, started ${iso(holder.startedAt)}, last heartbeat ${iso(holder.heartbeatAt)}; ` +
        `it is stopped (SIGSTOP, a debugger) or hung, and goes on writing to this file once it runs again. ` +
        `Stop that one first (kill ${holder.pid}).`
      : `another smsops runs on this database: host ${holder.host}, pid ${holder.pid}, started ${iso(holder.startedAt)}, ` +
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
  namespace: string | null;
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

/** Whether the database has the lease's table at all (one from before it, or not smsops': none to take). */
export function hasInstanceLeaseTable(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'instance_lease'").get() !== undefined;
}

/** Removes the lease row of the process `holder` names, if it is still the one there (restore giving its lease back). */
export function removeLeaseOf(db: Db, holder: Pick<LeaseHolder, 'host' | 'pid'>): void {
  db.prepare('DELETE FROM instance_lease WHERE id = 1 AND host = ? AND pid = ?').run(holder.host, holder.pid);
}

function readRow(db: Db): LeaseRow | undefined {
  return db
    .prepare('SELECT holder_id, host, pid, namespace, started_at, heartbeat_at, expires_at FROM instance_lease WHERE id = 1')
    .get() as LeaseRow | undefined;
}

/**
 * Where this process's pid means something: the kernel's boot id and this PID namespace's inode (Linux). A host name
 * does not say it: two containers with the same fixed host name (or sharing the host's UTS) both run as pid 1 in
 * PID namespaces of their own, where `kill(pid, 0)` cannot see each other. Null where it cannot be read: then no
 * holder is ever judged gone by its pid.
 */
export function pidNamespaceId(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const ns = readlinkSync('/proc/self/ns/pid');
    return boot && ns ? `${boot}/${ns}` : null;
  } catch {
    return null;
  }
}

/**
 * A lease left by a process that is no longer alive (kill -9, an OOM kill, systemd restarting a crashed smsops) is
 * taken over at once instead of after it expires, but only when its pid is certainly one of ours to look at: the
 * same host, and the same boot and PID namespace recorded in the row. Anything else (another machine, another
 * container, a row from before the namespace was recorded) waits for the lease to expire: taking over a live
 * holder's lease would send its deliveries a second time.
 */
function leftByDeadLocalProcess(row: LeaseRow, host: string, pid: number, namespace: string | null): boolean {
  if (row.host !== host || namespace === null || row.namespace !== namespace) return false;
  // Our own pid in our own namespace cannot be another live holder: it is a previous run of this process id.
  if (row.pid === pid) return true;
  try {
    process.kill(row.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's start time: 100 on every mainstream architecture (Node has no sysconf). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Whether the holder of an expired lease is still a process of this host and PID namespace: alive (not a zombie) and
 * started no later than its lease (so not another process given the same pid since). Frozen with SIGSTOP past its
 * lease, smsops is still there and acknowledges webhooks into its file the moment it runs again: a restore that took
 * the expired lease replaced that file under it (89 acknowledged SMS kept only in .before-restore, a probe). False
 * wherever it cannot be told (another host or namespace, no /proc).
 */
export function expiredHolderStillRuns(
  row: Pick<LeaseRow, 'host' | 'pid' | 'namespace' | 'started_at'>,
  here: { host: string; pid: number; namespace: string | null },
): boolean {
  if (row.host !== here.host || here.namespace === null || row.namespace !== here.namespace || row.pid === here.pid) return false;
  try {
    const stat = readFileSync(`/proc/${row.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return false;
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const startedMs = (bootSeconds + Number(fields[19]) / CLOCK_TICKS_PER_SECOND) * 1000;
    if (!Number.isFinite(startedMs)) return false;
    // A second of slack: btime is whole seconds, and the lease is taken a moment after the process started.
    return startedMs <= row.started_at + 1_000;
  } catch {
    return false; // no such process (ESRCH as ENOENT), or no /proc: nothing that can be told
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
  /** pidNamespaceId() unless given (tests); null: never judge the holder gone by its pid. */
  namespace?: string | null;
  /**
   * Restore's rule: an expired lease whose holder still runs here (expiredHolderStillRuns) is still held. Not a start's:
   * a start takes over from a hung process (which stops relaying when it finds its lease gone), or a supervisor's
   * restart would wait on it for ever.
   */
  refuseExpiredLiveHolder?: boolean;
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
  // Added here rather than by a migration: the lease is taken before the migrations run, so it must already be able
  // to read and write this column on a database of any earlier version.
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(instance_lease)').all();
  if (!columns.some((c) => c.name === 'namespace')) db.exec('ALTER TABLE instance_lease ADD COLUMN namespace TEXT');
}

/** Takes the database's lease, or throws InstanceLeaseHeldError naming the process that holds it. */
export function acquireInstanceLease(db: Db, options: AcquireOptions): InstanceLease {
  ensureLeaseTable(db);
  const leaseMs = options.leaseMs ?? DEFAULT_INSTANCE_LEASE_MS;
  const now = options.now ?? Date.now;
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const namespace = options.namespace === undefined ? pidNamespaceId() : options.namespace;
  const { logger } = options;
  const holderId = randomUUID();

  // IMMEDIATE: the write lock is taken before the read, so two processes starting together cannot both see it free.
  const take = db.transaction((at: number) => {
    const row = readRow(db);
    if (row && row.expires_at > at && !leftByDeadLocalProcess(row, host, pid, namespace))
      throw new InstanceLeaseHeldError(toHolder(row), at);
    if (row && row.expires_at <= at && options.refuseExpiredLiveHolder && expiredHolderStillRuns(row, { host, pid, namespace }))
      throw new InstanceLeaseHeldError(toHolder(row), at, true);
    db.prepare(
      `INSERT INTO instance_lease (id, holder_id, host, pid, namespace, started_at, heartbeat_at, expires_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET holder_id = excluded.holder_id, host = excluded.host, pid = excluded.pid,
         namespace = excluded.namespace, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
         expires_at = excluded.expires_at`,
    ).run(holderId, host, pid, namespace, at, at, at + leaseMs);
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
  let renewalError: string | null = null;
  let writes: Pick<WriteHealth, 'succeeded' | 'failed'> | undefined;
  const beatMs = Math.max(100, Math.floor(leaseMs / 3));
  // Once the lease can run out, another process may take it over (and return every leased delivery to pending): stop
  // acting a beat before the expiry rather than at it, so that what is claimed now is sent before anyone can take
  // over. Resumed by the next renewal that succeeds, which only happens while the row is still ours.
  // Measured on the monotonic clock, from the last renewal that was written: a step of the wall clock (NTP, or the
  // injected clock of a test moving a day ahead) neither pauses relaying nor keeps it going.
  let renewedAt = performance.now();
  const lapsed = () => held && performance.now() - renewedAt >= leaseMs - beatMs;
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
        if (renewalError) logger.info('instance lease renewed again', { expiresAt: iso(at + leaseMs) });
        holder.heartbeatAt = at;
        holder.expiresAt = at + leaseMs;
        renewedAt = performance.now();
        renewalError = null;
        writes?.succeeded();
        return;
      }
      const other = readRow(db);
      held = false;
      // /healthz answers anyone: it says what happened; who took the lease (host, pid) is in the log only.
      lostReason = other
        ? 'the instance lease was taken by another smsops process (its host and pid are in the log): this process stopped relaying'
        : 'the instance lease row was removed: this process stopped relaying';
      clearInterval(timer);
      logger.error('instance lease lost', {
        reason: lostReason,
        ...(other ? { takenBy: { host: other.host, pid: other.pid, startedAt: iso(other.started_at) } } : {}),
      });
      options.onLost?.(lostReason);
    } catch (error) {
      // A locked or failing database: the next beat tries again; the lease lasts three beats.
      failedRenewals += 1;
      renewalError = describeError(error);
      if (isTransientStoreError(error)) writes?.failed(error);
      options.onRenewalFailed?.(error);
      notRenewed(renewalError, { error: renewalError, expiresAt: iso(holder.expiresAt) });
    }
  };
  // A database locked for an hour made a line every beat; /healthz and the failed-renewals gauge say it meanwhile.
  const notRenewed = warnOncePerMinute(
    logger,
    'instance lease not renewed; retrying',
    {},
    { countField: 'failedSinceLastWarning' },
  );
  const timer = setInterval(beat, beatMs);
  timer.unref();

  return {
    holder,
    state: () => ({
      held,
      lostReason,
      failedRenewals,
      lapsedReason: lapsed() ? `the instance lease ran out (renewals failing: ${renewalError ?? 'no renewal ran'})` : null,
    }),
    holds: () => held && !lapsed(),
    tellWrites: (health) => {
      writes = health;
    },
    renewNow: () => {
      if (!held) return false;
      const at = now();
      if (renew.run(at, at + leaseMs, holderId).changes !== 1) {
        held = false;
        clearInterval(timer);
        return false;
      }
      holder.heartbeatAt = at;
      holder.expiresAt = at + leaseMs;
      renewedAt = performance.now();
      return true;
    },
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
export function withInstanceLease<H extends { problems: string[] }>(
  health: () => H,
  lease: Pick<InstanceLease, 'state'>,
): () => H {
  return () => {
    const verdict = health();
    const { lostReason, lapsedReason } = lease.state();
    const reason = lostReason ?? lapsedReason;
    return reason ? { ...verdict, problems: [reason, ...verdict.problems] } : verdict;
  };
}
