import type { webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import type { SetupServices } from '../core/services.js';
import { describeError } from '../errors.js';
import type { Route } from '../http/server.js';
import { tenDlcWebhookRoutes } from '../http/tenDlcWebhookRoutes.js';
import { createBackupJob } from '../jobs/backupJob.js';
import { createDailyDigestJob } from '../jobs/dailyDigestJob.js';
import { createRetentionJob } from '../jobs/retentionJob.js';
import { createScheduler, type Scheduler } from '../jobs/scheduler.js';
import { createSenderIdApprovalJob } from '../jobs/senderIdApprovalJob.js';
import { createTenDlcWatch } from '../jobs/tenDlcWatch.js';
import { createTrafficWatchJob } from '../jobs/trafficWatchJob.js';
import type { Logger } from '../log.js';
import { backupDatabase } from '../store/backup.js';
import type { Db } from '../store/database.js';
import { createAlertsRepository } from '../store/repositories/alerts.js';
import { createDeliveriesRepository } from '../store/repositories/deliveries.js';
import { createDeliveryReportsRepository } from '../store/repositories/deliveryReports.js';
import { createJobRunsRepository } from '../store/repositories/jobRuns.js';
import { createRejectedWebhooksRepository } from '../store/repositories/rejectedWebhooks.js';
import { createSettingsRepository } from '../store/repositories/settings.js';
import { createTenDlcRepository } from '../store/repositories/tenDlc.js';
import { createTrafficRepository } from '../store/repositories/traffic.js';
import { createWatchBaselineRepository } from '../store/repositories/watchBaseline.js';
import type { WavixClient } from '../wavix/client.js';
import type { AlertNotifier } from './alertNotifier.js';
import type { WatchOperations } from './operations.js';

export interface Watch {
  operations: WatchOperations;
  /** The 10DLC status-change webhooks Wavix posts. */
  routes: Route[];
  scheduler: Scheduler;
  /** Arms the schedules and subscribes to 10DLC events (both in the background of start-up). */
  start(): void;
  stop(): Promise<void>;
}

/** The watch: scheduled jobs (Sender ID approvals, 10DLC, traffic and alert rules, daily digest) and what they share. */
export function createWatch(options: {
  db: Db;
  config: Config;
  services: SetupServices<WavixClient>;
  webhookSecret: string;
  notifier: AlertNotifier;
  slack: webApi.WebClient;
  logger: Logger;
  now: () => number;
}): Watch {
  const { db, config, services, notifier, slack, now } = options;
  const logger = options.logger.child({ component: 'watch' });
  const channel = config.slack.alertChannel;
  const alerts = createAlertsRepository(db, now);
  const traffic = createTrafficRepository(db, now);
  const settings = createSettingsRepository(db);

  const approvals = createSenderIdApprovalJob({
    wavix: services.wavix,
    senderIds: services.senderIds,
    settings,
    alerts: notifier,
    slack,
    channel,
    logger,
    now,
  });
  const tenDlc = createTenDlcWatch({
    wavix: services.wavix,
    tenDlc: createTenDlcRepository(db, now),
    alerts: notifier,
    slack,
    channel,
    webhookSecret: options.webhookSecret,
    logger,
  });
  const trafficWatch = createTrafficWatchJob({
    services,
    traffic,
    deliveryReports: createDeliveryReportsRepository(db, now),
    deliveries: createDeliveriesRepository(db, now),
    alerts,
    baseline: createWatchBaselineRepository(db, now),
    notifier,
    logger,
    now,
  });
  const digest = createDailyDigestJob({ traffic, alerts, slack, channel, logger, now });
  const backupDir = config.backup.dir;
  const backup = createBackupJob({
    backup: backupDir ? () => backupDatabase(db, { dir: backupDir, keep: config.backup.keep, now }) : undefined,
    dir: backupDir,
    keep: config.backup.keep,
    alerts: notifier,
    logger: logger.child({ job: 'backup' }),
  });
  const retention = createRetentionJob({ db, settings: config.retention, logger: logger.child({ job: 'retention' }), now });

  const { schedules } = config;
  const scheduler = createScheduler({
    jobRuns: createJobRunsRepository(db, now),
    logger,
    timezone: schedules.timezone,
    jobs: [
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
        description: retention.describe(),
        run: retention.run,
      },
      { name: 'backup', schedule: config.backup.schedule, description: backup.describe(), run: backup.run },
    ],
  });

  return {
    operations: { alerts, jobs: scheduler, traffic, now },
    routes: tenDlcWebhookRoutes({
      secret: options.webhookSecret,
      rejected: createRejectedWebhooksRepository(db, { now }),
      receive: tenDlc.receive,
    }),
    scheduler,
    start: () => {
      scheduler.start();
      if (!backupDir) logger.warn('database backups are off: set BACKUP_DIR (and BACKUP_CRON, BACKUP_KEEP) to turn them on');
      if (!config.publicBaseUrl) return;
      tenDlc.ensureSubscriptions(config.publicBaseUrl).then(
        (result) => {
          if (result.ok) logger.info('10DLC status webhooks', { ...result.value });
          else logger.warn('10DLC status webhooks not set', { error: result.error.userMessage });
        },
        (error: unknown) => logger.warn('10DLC status webhooks not set', { error: describeError(error) }),
      );
    },
    stop: () => {
      retention.stop();
      return scheduler.stop();
    },
  };
}
