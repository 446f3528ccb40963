import type { AlertsRepository } from '../core/ports/alerts.js';
import type { AuditRepository } from '../core/ports/audit.js';
import type { ConversationRepliesRepository } from '../core/ports/conversationReplies.js';
import type { CustomerRecordsStore } from '../core/ports/customerRecords.js';
import type { DeliveriesRepository } from '../core/ports/deliveries.js';
import type { DeliveryReportsRepository } from '../core/ports/deliveryReports.js';
import type { DoctorIgnoresRepository } from '../core/ports/doctorIgnores.js';
import type { InboundRepository } from '../core/ports/inbound.js';
import type { OptOutsRepository } from '../core/ports/optOuts.js';
import type { ReplyReportChecksRepository } from '../core/ports/replyReportChecks.js';
import type { RoutesRepository } from '../core/ports/routes.js';
import type { SenderIdsRepository } from '../core/ports/senderIds.js';
import type { SettingsRepository } from '../core/ports/settings.js';
import type { ProcessedSlackEventsRepository } from '../core/ports/slackEvents.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import type { WatchBaselineRepository } from '../core/ports/watchBaseline.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { type BackupMade, backupDatabase } from './backup.js';
import { closeDatabase, type DatabaseSynchronous, type Db, openDatabase } from './database.js';
import { watchDatabaseFile } from './databaseFile.js';
import { checkDatabaseMode, type DatabaseMode, markDatabaseMode } from './databaseMode.js';
import { createGroupCommit, type GroupCommit, type GroupCommitOptions } from './groupCommit.js';
import { type AcquireOptions, acquireInstanceLease, type InstanceLease } from './instanceLease.js';
import type { MigrationReport } from './migrate.js';
import { createAlertsRepository } from './repositories/alerts.js';
import { createAuditRepository } from './repositories/audit.js';
import { createConversationRepliesRepository } from './repositories/conversationReplies.js';
import { createCustomerRecordsStore } from './repositories/customerRecords.js';
import { createDeliveriesRepository } from './repositories/deliveries.js';
import { createDeliveryReportsRepository } from './repositories/deliveryReports.js';
import { createDoctorIgnoresRepository } from './repositories/doctorIgnores.js';
import { createInboundRepository } from './repositories/inbound.js';
import { createJobRunsRepository, type JobRunsRepository } from './repositories/jobRuns.js';
import { createOptOutsRepository } from './repositories/optOuts.js';
import { createRejectedWebhooksRepository, type RejectedWebhooksRepository } from './repositories/rejectedWebhooks.js';
import { createReplyReportChecksRepository } from './repositories/replyReportChecks.js';
import { createRoutesRepository } from './repositories/routes.js';
import { createSchemaWarningsRepository, type SchemaWarningsRepository } from './repositories/schemaWarnings.js';
import { createSenderIdsRepository } from './repositories/senderIds.js';
import { createSettingsRepository } from './repositories/settings.js';
import { createProcessedSlackEventsRepository } from './repositories/slackEvents.js';
import { createSlackPostsRepository, type SlackPostsRepository } from './repositories/slackPosts.js';
import { createSlackQueueRepository, type SlackQueueRepository } from './repositories/slackQueue.js';
import { createSlackThreadsRepository, type SlackThreadsRepository } from './repositories/slackThreads.js';
import { createTenDlcRepository, type TenDlcRepository } from './repositories/tenDlc.js';
import { createTrafficRepository } from './repositories/traffic.js';
import { createWatchBaselineRepository } from './repositories/watchBaseline.js';
import { createRetentionStore, type RetentionStore } from './retention/retentionStore.js';
import { startWalCheckpointer, type WalCheckpointerStatus } from './walCheckpointer.js';
import { createWriteGate, type WriteGate } from './writeGate.js';
import { createWriteProbe } from './writeProbe.js';

export interface Repositories {
  alerts: AlertsRepository;
  audit: AuditRepository;
  conversationReplies: ConversationRepliesRepository;
  customerRecords: CustomerRecordsStore;
  deliveries: DeliveriesRepository;
  deliveryReports: DeliveryReportsRepository;
  inbound: InboundRepository;
  jobRuns: JobRunsRepository;
  optOuts: OptOutsRepository;
  processedSlackEvents: ProcessedSlackEventsRepository;
  rejectedWebhooks: RejectedWebhooksRepository;
  replyReportChecks: ReplyReportChecksRepository;
  routes: RoutesRepository;
  schemaWarnings: SchemaWarningsRepository;
  senderIds: SenderIdsRepository;
  settings: SettingsRepository;
  slackPosts: SlackPostsRepository;
  slackQueue: SlackQueueRepository;
  slackThreads: SlackThreadsRepository;
  tenDlc: TenDlcRepository;
  traffic: TrafficRepository;
  watchBaseline: WatchBaselineRepository;
  doctorIgnores: DoctorIgnoresRepository;
}

/**
 * The store as the rest of smsops sees it: every repository, plus the few things that need the connection itself
 * rather than rows. Nothing outside src/store holds the database handle.
 */
export interface Store {
  repositories: Repositories;
  /** Runs `work` in one transaction (a route change commits together with the deliveries it moves). */
  transaction<T>(work: () => T): T;
  /** Webhook writes batched into one commit per turn of the event loop (groupCommit.ts). */
  groupCommit(options?: GroupCommitOptions): GroupCommit;
  /** Takes the write lock and gives it back; throws when it cannot be had (writeProbe.ts). */
  probeWrite(): void;
  /** A cheap read of the schema; throws when the database cannot be read (what /healthz reports). */
  migrationCount(): number;
  /**
   * Null while the database's path still names the file open; else why not (removed, moved, replaced: see
   * ./databaseFile.ts). One stat, logged when it changes. Always null for a connection opened elsewhere (tests).
   */
  checkFile(): string | null;
  /** Why the disk is failing to sync the database (walCheckpointer.ts' checkpointFailureReason), or null. */
  syncProblem(): string | null;
  retention: RetentionStore;
}

/** Every repository over one connection, on one clock. */
export function createRepositories(db: Db, now: () => number): Repositories {
  const slackQueue = createSlackQueueRepository(db, now);
  return {
    alerts: createAlertsRepository(db, now),
    audit: createAuditRepository(db, now),
    conversationReplies: createConversationRepliesRepository(db, now),
    customerRecords: createCustomerRecordsStore(db, now),
    deliveries: createDeliveriesRepository(db, now, slackQueue),
    deliveryReports: createDeliveryReportsRepository(db, now),
    inbound: createInboundRepository(db, now),
    jobRuns: createJobRunsRepository(db, now),
    optOuts: createOptOutsRepository(db, now),
    processedSlackEvents: createProcessedSlackEventsRepository(db, now),
    rejectedWebhooks: createRejectedWebhooksRepository(db, { now }),
    replyReportChecks: createReplyReportChecksRepository(db),
    routes: createRoutesRepository(db, now),
    schemaWarnings: createSchemaWarningsRepository(db, { now }),
    senderIds: createSenderIdsRepository(db, now),
    settings: createSettingsRepository(db, now),
    slackPosts: createSlackPostsRepository(db, now),
    slackQueue,
    slackThreads: createSlackThreadsRepository(db, now),
    tenDlc: createTenDlcRepository(db, now),
    traffic: createTrafficRepository(db, now),
    watchBaseline: createWatchBaselineRepository(db, now),
    doctorIgnores: createDoctorIgnoresRepository(db, now),
  };
}

/** The store over a connection already open (tests open theirs with test/helpers/tempDb.ts). */
export function storeOn(db: Db, now: () => number, gate?: WriteGate): Store {
  const migrations = db.prepare<[], number>('SELECT count(*) FROM schema_migrations').pluck();
  return {
    repositories: createRepositories(db, now),
    transaction: (work) => db.transaction(work)(),
    groupCommit: (options) => createGroupCommit(db, gate ? { ...options, gate } : options),
    probeWrite: createWriteProbe(db),
    migrationCount: () => migrations.get() as number,
    checkFile: () => null,
    syncProblem: () => null,
    retention: createRetentionStore(db, now),
  };
}

export interface OpenedStore extends Store {
  migrations: MigrationReport;
  /** This process's hold on the database (one smsops per database), taken before the migrations ran. */
  lease: InstanceLease;
  /**
   * One online backup into `dir` (SQLite backup API in a worker thread, checked, pruned to `keep`): the `backup` job's
   * work. `signal` stops the copy's worker.
   */
  backup(options: { dir: string; keep: number; signal?: AbortSignal }): Promise<BackupMade>;
  /** The WAL checkpointer's state and counts, for /metrics. */
  walCheckpointer(): WalCheckpointerStatus;
  /** Stops the WAL checkpointer, commits what the group commits still hold, checkpoints and closes. */
  close(): Promise<void>;
}

/**
 * Copies the WAL into the database file (PASSIVE: never waits for a lock) and says how much of it went in. Run when the
 * file went away: the checkpoints off the event loop may not reach it (a connection that opens its WAL after the file
 * went cannot), and a copy of the open file must hold what was acknowledged.
 */
function copyWalIn(db: Db): string {
  try {
    const [done] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    if (!done) return 'unknown';
    return done.log === done.checkpointed ? 'all' : `${done.checkpointed} of ${done.log} pages`;
  } catch (error) {
    return `failed: ${describeError(error)}`;
  }
}

/** PRAGMA synchronous's values, as DATABASE_SYNCHRONOUS names them (0 and 3 are never set by smsops). */
const SYNCHRONOUS_NAMES: Record<number, string> = { 0: 'off', 1: 'normal', 2: 'full', 3: 'extra' };

/**
 * Opens smsops' database: refuses one recorded for the other mode (production, sandbox), applies the migrations,
 * and checkpoints the WAL off the event loop while open.
 */
export function openStore(
  path: string,
  options: {
    mode: DatabaseMode;
    logger: Logger;
    now: () => number;
    /** INSTANCE_LEASE_MS, and what to do when another process turns out to hold the lease (stop working). */
    instanceLease?: Pick<AcquireOptions, 'leaseMs' | 'onLost' | 'onRenewalFailed'>;
    /** DATABASE_SYNCHRONOUS: every connection's PRAGMA synchronous (the WAL checkpointer's takes the main one's). */
    synchronous?: DatabaseSynchronous;
  },
): OpenedStore {
  const allowed = checkDatabaseMode(path, options.mode);
  if (!allowed.ok) throw allowed.error;
  // One smsops per database, taken before anything acts on it (the migrations; the relay returning every leased
  // delivery at start). A refused start closes the database and throws InstanceLeaseHeldError; a start that fails
  // after taking it (a migration refused) gives it back first.
  let lease: InstanceLease | undefined;
  const { db, migrations, file } = openDatabase(path, {
    logger: options.logger,
    now: options.now,
    synchronous: options.synchronous,
    beforeMigrate: (opened) => {
      const taken = acquireInstanceLease(opened, { ...options.instanceLease, logger: options.logger, now: options.now });
      lease = taken;
      return () => taken.release();
    },
  });
  if (!lease) throw new Error('the instance lease was not taken');
  const held = lease;
  try {
    markDatabaseMode(db, options.mode);
  } catch (error) {
    held.release();
    db.close();
    throw error;
  }
  // Read back from the connection: what an acknowledged SMS survives (DATABASE_SYNCHRONOUS) is in the start's log.
  const synchronous = SYNCHRONOUS_NAMES[db.pragma('synchronous', { simple: true }) as number] ?? 'unknown';
  options.logger.info('database ready', { path, migrationsApplied: migrations.applied, synchronous });
  // No migration was ever recorded: there was no smsops database at this path. Right on a first install; after a
  // file was lost (deleted, moved, a volume not mounted) it is the only sign of it, so it is said louder than info.
  // The sandbox makes new files as a matter of course.
  if (options.mode === 'production' && migrations.alreadyApplied === 0)
    options.logger.warn(
      'a new, empty database was created: no smsops database was at this path. On a first start this is expected; ' +
        'if smsops ran before, its database is elsewhere or lost (check DATABASE_PATH, the volume, and the backups)',
      { path },
    );
  // The checkpointer holds the group commit's writes for a moment when the WAL must restart (./walCheckpointer.ts).
  const gate = createWriteGate();
  const watch = file
    ? watchDatabaseFile(path, file, {
        logger: options.logger,
        onGone: () => copyWalIn(db),
        pageSize: db.pragma('page_size', { simple: true }) as number,
      })
    : null;
  // The checkpointer sees a cut the watch's stat cannot (./databaseFile.ts).
  let syncProblem: string | null = null;
  const checkpointer = startWalCheckpointer(db, {
    logger: options.logger,
    gate,
    onFileCut: (found) => watch?.cut(found),
    onSyncFailed: (reason) => {
      syncProblem = reason;
    },
  });
  const store = storeOn(db, options.now, gate);
  const commits: GroupCommit[] = [];
  return {
    ...store,
    groupCommit: (commitOptions) => {
      const commit = store.groupCommit(commitOptions);
      commits.push(commit);
      return commit;
    },
    checkFile: () => watch?.check() ?? null,
    syncProblem: () => syncProblem,
    migrations,
    lease: held,
    // The copy's worker reads one snapshot from start to end (./backupCopy.ts): the WAL cannot restart behind it, until
    // its thread is gone (which may be after the run, for a thread stopped while a hung disk blocks it).
    backup: (o) =>
      backupDatabase(db, { ...o, now: options.now, readerHeld: checkpointer.readerHeld, ...(file ? { opened: file } : {}) }),
    walCheckpointer: () => checkpointer.status(),
    close: async () => {
      await checkpointer.stop();
      // A write still queued (a lazy outcome, or one the gate held until the checkpointer stopped) is committed before
      // the close: its caller was promised a commit, and its webhook may be waiting to be answered.
      for (const commit of commits) commit.commitNow();
      const lost = held.state().lostReason !== null;
      held.release();
      // Another process holds the database now (this one woke from a freeze past its lease): its WAL is that one's to
      // checkpoint. A TRUNCATE checkpoint here held the write lock while it copied a WAL grown during the freeze, and
      // the holder's writes failed meanwhile ("locked by another process" in its /healthz for 7-10 s; a probe).
      if (lost) db.close();
      else closeDatabase(db);
    },
  };
}
