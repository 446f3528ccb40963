import { randomBytes } from 'node:crypto';
import type { Config } from './config.js';
import type { SetupServices } from './core/services.js';
import { maskUrl } from './core/urls.js';
import { smsopsWebhookUrls } from './core/webhooks.js';
import { describeError } from './errors.js';
import { healthRoute, metricsRoute } from './http/health.js';
import { createMetricsRegistry } from './http/metrics.js';
import { startHttpServer } from './http/server.js';
import { type Logger, registerSecret } from './log.js';
import { createPortsipApi } from './portsip/api.js';
import { startRelay } from './relay/relay.js';
import { createRelaySlackClient, createSlackSurface, createWatchSlackClient, type SlackSurfaceOptions } from './slack/app.js';
import { createSlackDirectoryFor } from './slack/directory.js';
import { closeDatabase, openDatabase } from './store/database.js';
import { checkDatabaseMode, type DatabaseMode, markDatabaseMode } from './store/databaseMode.js';
import { acquireInstanceLease, type InstanceLease, withInstanceLease } from './store/instanceLease.js';
import { createAlertsRepository } from './store/repositories/alerts.js';
import { createAuditRepository } from './store/repositories/audit.js';
import { createRoutesRepository } from './store/repositories/routes.js';
import { createSenderIdsRepository } from './store/repositories/senderIds.js';
import { createSettingsRepository } from './store/repositories/settings.js';
import { createWatchBaselineRepository } from './store/repositories/watchBaseline.js';
import { startWalCheckpointer } from './store/walCheckpointer.js';
import { createAlertNotifier } from './watch/alertNotifier.js';
import { createWatch } from './watch/startWatch.js';
import { createWavixClient, type WavixClient } from './wavix/client.js';
import { WavixError } from './wavix/errors.js';

export interface RunningSmsops {
  /** Base URL of the HTTP listener actually bound. */
  url: string;
  stop(): Promise<void>;
}

/**
 * The composition root: database (with migrations), webhook secret, Wavix client, HTTP listener. Feature modules
 * (Slack, relay, jobs) are wired here as they arrive; nothing below this file knows about the others.
 */
export interface StartOptions {
  logger: Logger;
  /** Test knobs for the Slack side (ack timeout, Web API retries). */
  slack?: Pick<SlackSurfaceOptions, 'unhandledRequestTimeoutMillis' | 'retryConfig'>;
  /** The watch's clock (tests pass the Wavix emulator's, so "the last hour" is the emulator's last hour). */
  now?: () => number;
  /** False in tests: jobs then run only when asked (`/sms jobs run`), never at a minute boundary mid-test. */
  scheduleJobs?: boolean;
  /** Recorded in the database on first open; a database of the other mode is refused. Default production. */
  mode?: DatabaseMode;
}

export async function startSmsops(config: Config, deps: StartOptions): Promise<RunningSmsops> {
  const { logger } = deps;
  const mode = deps.mode ?? 'production';
  const allowed = checkDatabaseMode(config.databasePath, mode);
  if (!allowed.ok) throw allowed.error;
  // One smsops per database, taken before anything acts on it: the migrations, and the relay returning every leased
  // delivery at start. A refused start closes the database and throws InstanceLeaseHeldError.
  const held: { lease: InstanceLease | null } = { lease: null };
  const onLeaseLost = () => void Promise.all([relay.stop(), watch.stop()]);
  const { db, migrations } = openDatabase(config.databasePath, {
    logger,
    beforeMigrate: (opened) => {
      held.lease = acquireInstanceLease(opened, { leaseMs: config.instanceLeaseMs, logger, onLost: onLeaseLost });
    },
  });
  const lease = held.lease;
  if (!lease) throw new Error('the instance lease was not taken');
  markDatabaseMode(db, mode);
  logger.info('database ready', { path: config.databasePath, migrationsApplied: migrations.applied });
  const checkpointer = startWalCheckpointer(db, { logger });

  // The secret path segment of the webhook URLs: configured, or generated once and kept, so URLs set in Wavix survive restarts.
  const webhookSecret =
    config.webhookSecret ??
    createSettingsRepository(db).getOrCreate('webhook_secret', () => randomBytes(24).toString('base64url'));
  registerSecret(webhookSecret);

  const wavix = createWavixClient({ baseUrl: config.wavix.apiUrl, apiKey: config.wavix.apiKey, logger });
  // A bad key or an unreachable Wavix is reported at once, but does not stop smsops: the webhook relay still works.
  wavix.profile.balance().then(
    (balance) => logger.info('Wavix reachable', { apiUrl: maskUrl(config.wavix.apiUrl), balanceUsd: balance }),
    (error: unknown) =>
      logger.warn('Wavix check failed', { error: error instanceof WavixError ? error.userMessage : describeError(error) }),
  );

  const services: SetupServices<WavixClient> = {
    wavix,
    senderIds: createSenderIdsRepository(db),
    routes: createRoutesRepository(db),
    audit: createAuditRepository(db),
    adminUsers: config.slack.adminUsers,
    directory: createSlackDirectoryFor(config.slack, logger, deps.slack?.retryConfig),
    smsopsWebhooks: smsopsWebhookUrls(config.publicBaseUrl, webhookSecret),
    defaultPortsipUrl: config.portsipWebhookUrl ?? null,
    watchBaseline: createWatchBaselineRepository(db),
  };
  const metrics = createMetricsRegistry();
  metrics.gauge('smsops_instance_lease_failed_renewals', 'Heartbeats of the instance lease that failed (retried).', () => [
    { value: lease.state().failedRenewals },
  ]);
  const watchSlack = createWatchSlackClient(config.slack, logger, deps.slack?.retryConfig);
  const watchNow = deps.now ?? Date.now;
  const alertNotifier = createAlertNotifier({
    alerts: createAlertsRepository(db, watchNow),
    slack: watchSlack,
    channel: config.slack.alertChannel,
    logger: logger.child({ component: 'alerts' }),
    now: watchNow,
  });
  const relay = startRelay({
    db,
    webhookSecret,
    defaultPortsipUrl: config.portsipWebhookUrl ?? null,
    inboxChannel: config.slack.inboxChannel,
    alertNotifier,
    slackClient: createRelaySlackClient(config.slack, logger),
    concurrency: config.relay.concurrency,
    retry: { baseDelayMs: config.relay.retryBaseMs, maxDelayMs: 5 * 60_000, deadAfterMs: config.relay.deadAfterMs },
    slackPaceMs: config.relay.slackPaceMs,
    maskCodesInSlack: config.relay.maskCodesInSlack,
    portsipDeadlineMs: config.relay.portsipDeadlineMs,
    leaseMs: config.relay.leaseMs,
    stallAlertAfterMs: config.relay.stallAlertAfterMs,
    alertChannel: config.slack.alertChannel,
    metrics,
    logger: logger.child({ component: 'relay' }),
    holdsDatabase: () => lease.state().held,
  });
  services.routeChanges = relay.routeChanges;

  const watch = createWatch({
    db,
    config,
    services,
    webhookSecret,
    notifier: alertNotifier,
    slack: watchSlack,
    logger,
    now: watchNow,
  });

  const slack = createSlackSurface({
    slack: config.slack,
    deps: {
      services,
      relay: relay.operations,
      watch: watch.operations,
      alertChannel: config.slack.alertChannel,
      inboxChannel: config.slack.inboxChannel,
      publicBaseUrl: config.publicBaseUrl ?? null,
      portsip: config.portsipApi
        ? createPortsipApi({
            baseUrl: config.portsipApi.url,
            username: config.portsipApi.username,
            password: config.portsipApi.password,
            domain: config.portsipApi.domain,
            logger: logger.child({ component: 'portsip' }),
          })
        : null,
      logger: logger.child({ component: 'slack' }),
    },
    logger,
    ...deps.slack,
  });

  const http = await startHttpServer({
    host: config.http.host,
    port: config.http.port,
    limits: config.http.limits,
    logger,
    routes: [
      healthRoute(db, { relay: withInstanceLease(relay.health, lease) }),
      metricsRoute(metrics),
      ...relay.routes,
      ...watch.routes,
      ...slack.routes,
    ],
  });
  await slack.start();
  if (deps.scheduleJobs !== false) watch.start();
  logger.info('smsops listening', { url: http.url, slackMode: slack.mode });

  // Stop accepting first (requests in progress finish), then let deliveries in flight finish or return to the
  // outbox, then close the database: nothing acknowledged is lost, nothing is left leased. Stopping twice (a second
  // signal) waits for the same stop.
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    await http.close();
    await watch.stop();
    await relay.stop();
    await slack.stop();
    await checkpointer.stop();
    lease.release();
    closeDatabase(db);
  };
  return {
    url: http.url,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
