import type { Alerts } from '../core/alerts.js';
import type { Notifier } from '../core/ports/notifier.js';
import type { SetupServices } from '../core/services.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import type { BackupMade } from '../store/backup.js';
import { createBackupDirCheck } from '../store/backupDirProbe.js';
import type { Repositories } from '../store/openStore.js';
import type { UnsentDeleted } from '../store/retention/batchDelete.js';
import type { RetentionStore } from '../store/retention/retentionStore.js';
import type { WavixClient } from '../wavix/client.js';
import { createBackupJob } from './backupJob.js';
import { createDailyDigestJob } from './dailyDigestJob.js';
import type { WatchOperations } from './operations.js';
import { createOptOutSyncJob } from './optOutSyncJob.js';
import { createReplyLookupJob, REPLY_LOOKUP_SCHEDULE, type ReplyLookupHealth } from './replyLookupJob.js';
import { createRetentionJob, type RetentionSettings } from './retentionJob.js';
import { createScheduler, type JobDefinition, RUN_OUTCOMES, type Scheduler } from './scheduler.js';
import { createSenderIdApprovalJob } from './senderIdApprovalJob.js';
import { createTenDlcWatch, type TenDlcWatch } from './tenDlcWatch.js';
import { createTrafficWatchJob } from './trafficWatchJob.js';

/** Backup and retention work through the whole database: a large one may take longer than a Wavix job. */
const LONG_JOB_TIME_LIMIT_MS = 60 * 60_000;

/** Cron expressions (the *_CRON settings), read in `timezone` (SCHEDULE_TIMEZONE). */
export interface JobSchedules {
  senderIdPoll: string;
  trafficWatch: string;
  digest: string;
  retention: string;
  optOutSync: string;
  timezone: string;
}

export interface Watch {
  operations: WatchOperations;
  /** Records a 10DLC status change Wavix posted (what the webhook routes call). */
  receiveTenDlc: TenDlcWatch['receive'];
  /** Where the look-ups of replies of unknown outcome stand (/healthz). */
  replyLookups: () => ReplyLookupHealth;
  /** A webhook held a reply's delivery report for Wavix's confirmation: checked now, in the background. */
  confirmHeldReplyReports(): void;
  scheduler: Scheduler;
  /** Arms the schedules and subscribes to 10DLC events (both in the background of start-up; runs retry the latter). */
  start(): void;
  stop(): Promise<void>;
}

/** The watch: scheduled jobs (Sender ID approvals, 10DLC, traffic and alert rules, daily digest) and what they share. */
export function createWatch(options: {
  repositories: Pick<
    Repositories,
    | 'alerts'
    | 'traffic'
    | 'settings'
    | 'tenDlc'
    | 'deliveryReports'
    | 'deliveries'
    | 'watchBaseline'
    | 'jobRuns'
    | 'optOuts'
    | 'conversationReplies'
    | 'replyReportChecks'
    | 'audit'
  >;
  retentionStore: RetentionStore;
  services: SetupServices<WavixClient>;
  webhookSecret: string;
  /** PUBLIC_BASE_URL: where Wavix's 10DLC status webhooks are pointed at start and by ten-dlc runs (not without it). */
  publicBaseUrl: string | undefined;
  schedules: JobSchedules;
  retention: RetentionSettings;
  /** Retention deleted dead SMS never delivered: the relay's dead-letter alerts say so (Relay.deadLettersDeleted). */
  onUnsentDeleted?: (unsent: readonly UnsentDeleted[]) => void;
  /** BACKUP_DIR (off when undefined), BACKUP_CRON, BACKUP_KEEP. */
  backup: { dir: string | undefined; schedule: string; keep: number };
  /**
   * Why BACKUP_DIR cannot be used, or null (the store's check; creates it 0700 when missing): at start only, since it
   * holds the event loop; while smsops runs the check is createBackupDirCheck's.
   */
  backupDirProblem?: (dir: string) => string | null;
  /** The sandbox takes no backups whatever BACKUP_DIR says: its start does not tell anyone to set it. */
  sandbox?: boolean;
  /** A job's time limit when it sets none (the scheduler's DEFAULT_TIME_LIMIT_MS); tests about it set less. */
  jobTimeLimitMs?: number;
  /** One online backup into backup.dir (the store's), run by the `backup` job. */
  backupNow: (cancellation?: AbortSignal) => Promise<BackupMade>;
  /** The alert lifecycle (core/alerts.ts), shared with the relay. */
  alertLifecycle: Alerts;
  notifier: Pick<Notifier, 'announce' | 'replies'>;
  /** Where job runs are counted by job and outcome. */
  metrics: Pick<MetricsRegistry, 'counter'>;
  logger: Logger;
  now: () => number;
}): Watch {
  const { repositories, services, alertLifecycle, notifier, now } = options;
  const logger = options.logger.child({ component: 'watch' });
  const { alerts, traffic, settings } = repositories;

  const approvals = createSenderIdApprovalJob({
    wavix: services.wavix,
    senderIds: services.senderIds,
    settings,
    alerts: alertLifecycle,
    openAlerts: alerts,
    notifier,
    logger,
    now,
  });
  const tenDlc = createTenDlcWatch({
    wavix: services.wavix,
    tenDlc: repositories.tenDlc,
    alerts: alertLifecycle,
    openAlerts: alerts,
    notifier,
    webhookSecret: options.webhookSecret,
    publicBaseUrl: options.publicBaseUrl,
    logger,
  });
  const trafficWatch = createTrafficWatchJob({
    services,
    traffic,
    deliveryReports: repositories.deliveryReports,
    deliveries: repositories.deliveries,
    alerts,
    baseline: repositories.watchBaseline,
    settings,
    notifier: alertLifecycle,
    logger,
    now,
    timeZone: options.schedules.timezone,
  });
  const digest = createDailyDigestJob({ traffic, alerts, settings, notifier, now, timeZone: options.schedules.timezone });
  const backupSettings = options.backup;
  const backupDir = backupSettings.dir;
  const backupDirCheck = backupDir ? createBackupDirCheck(backupDir) : undefined;
  // The check at start (createBackupJob's warning) is the store's own; every later one is off the event loop.
  let started = false;
  const backup = createBackupJob({
    backup: backupSettings.dir ? options.backupNow : undefined,
    dir: backupSettings.dir,
    keep: backupSettings.keep,
    dirProblem: () => {
      if (!backupDir || !options.backupDirProblem) return null;
      if (!started) return options.backupDirProblem(backupDir);
      return backupDirCheck ? backupDirCheck() : null;
    },
    alerts: alertLifecycle,
    logger: logger.child({ job: 'backup' }),
  });
  started = true;
  const retention = createRetentionJob({
    store: options.retentionStore,
    settings: options.retention,
    logger: logger.child({ job: 'retention' }),
    now,
    ...(options.onUnsentDeleted ? { onUnsentDeleted: options.onUnsentDeleted } : {}),
  });

  const optOutSync = createOptOutSyncJob({
    wavix: services.wavix,
    optOuts: repositories.optOuts,
    logger: logger.child({ job: 'opt-outs' }),
  });

  const replyLookups = createReplyLookupJob({
    wavix: services.wavix,
    replies: repositories.conversationReplies,
    checks: repositories.replyReportChecks,
    audit: repositories.audit,
    notifier: notifier.replies,
    metrics: options.metrics,
    logger: logger.child({ job: 'reply-lookups' }),
    now,
  });

  // The checks webhooks start (Watch.confirmHeldReplyReports), outside the scheduler's runs.
  const checksStopped = new AbortController();
  const checksInFlight = new Set<Promise<void>>();

  const { schedules } = options;
  const jobs: JobDefinition[] = [
    {
      name: 'sender-id-approvals',
      schedule: schedules.senderIdPoll,
      description: 'Polls Sender IDs not yet decided (portal-created too) and announces each approval once.',
      run: approvals.run,
    },
    {
      name: 'ten-dlc',
      schedule: schedules.senderIdPoll,
      description: 'Polls US 10DLC brands and campaigns and announces status changes (webhooks announce them sooner).',
      run: tenDlc.run,
    },
    {
      name: 'traffic-watch',
      schedule: schedules.trafficWatch,
      description: 'Pulls outbound records, updates hourly traffic and checks every alert rule.',
      run: trafficWatch.run,
    },
    {
      name: 'daily-digest',
      schedule: schedules.digest,
      description: 'Posts the last 24 hours of traffic and the open alerts in the alert channel.',
      run: digest.run,
    },
    {
      name: 'retention',
      schedule: schedules.retention,
      description: retention.describe,
      run: retention.run,
      timeLimitMs: LONG_JOB_TIME_LIMIT_MS,
    },
    {
      name: 'opt-outs',
      schedule: schedules.optOutSync,
      description: "Reads Wavix's opt-out list and records the opt-outs smsops did not have (replies to them are refused).",
      run: optOutSync.run,
    },
    {
      name: 'reply-lookups',
      schedule: REPLY_LOOKUP_SCHEDULE,
      description:
        'Looks up at Wavix, by their tag, the replies whose send\'s outcome is unknown ("May have been sent"), after 1, 5 and 30 minutes and at each start, and settles them as Wavix says. A minute with no reply to look up is neither run nor recorded, so its last run may be hours or days old (or never), the scheduler working.',
      run: replyLookups.run,
      idle: replyLookups.idle,
    },
    {
      name: 'backup',
      schedule: backupSettings.schedule,
      description: backup.describe,
      run: backup.run,
      timeLimitMs: LONG_JOB_TIME_LIMIT_MS,
    },
  ];
  const runs = options.metrics.counter(
    'smsops_job_runs_total',
    'Runs of the scheduled jobs by job and outcome (ok, failed, skipped: the previous run still going, timed_out: past its time limit, also recorded failed).',
    ['job', 'outcome'],
    { initial: jobs.flatMap((job) => RUN_OUTCOMES.map((outcome) => ({ job: job.name, outcome }))) },
  );
  const missed = options.metrics.counter(
    'smsops_job_ticks_missed_total',
    'Scheduled runs not made because their time passed while the process was blocked or the wall clock stepped forward (not made up).',
    ['job'],
    { initial: jobs.map((job) => ({ job: job.name })) },
  );
  const scheduler = createScheduler({
    jobRuns: repositories.jobRuns,
    logger,
    timezone: schedules.timezone,
    jobs,
    onRunEnded: (job, outcome) => runs.inc({ job, outcome }),
    onTickMissed: (job) => missed.inc({ job }),
    ...(options.jobTimeLimitMs !== undefined ? { timeLimitMs: options.jobTimeLimitMs } : {}),
  });

  return {
    operations: {
      alerts,
      jobs: scheduler,
      traffic,
      now,
      timeZone: options.schedules.timezone,
      ...(options.publicBaseUrl ? { tenDlcSubscriptions: tenDlc.inspectSubscriptions } : {}),
      ...(backupDirCheck ? { backupDirProblem: backupDirCheck } : {}),
    },
    receiveTenDlc: tenDlc.receive,
    replyLookups: replyLookups.health,
    confirmHeldReplyReports: () => {
      if (checksStopped.signal.aborted) return;
      const check = replyLookups.confirmHeldReports(checksStopped.signal);
      checksInFlight.add(check);
      void check.finally(() => checksInFlight.delete(check));
    },
    scheduler,
    start: () => {
      scheduler.start();
      if (!backupSettings.dir && !options.sandbox)
        logger.warn('database backups are off: set BACKUP_DIR (and BACKUP_CRON, BACKUP_KEEP) to turn them on');
      if (!options.publicBaseUrl) return;
      tenDlc.ensureSubscriptions(options.publicBaseUrl).then(
        (result) => {
          if (result.ok) logger.info('10DLC status webhooks', { ...result.value });
          else logger.warn('10DLC status webhooks not set', { error: result.error.userMessage });
        },
        (error: unknown) => logger.warn('10DLC status webhooks not set', { error: describeError(error) }),
      );
    },
    stop: async () => {
      retention.stop();
      // A check a webhook started is cut (its report stays held for the next start) and waited for, so nothing
      // writes after the store closes.
      checksStopped.abort();
      await Promise.all([scheduler.stop(), ...checksInFlight]);
    },
  };
}
