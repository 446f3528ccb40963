import type { webApi } from '@slack/bolt';
import { ALERT_RULE } from '../core/alertRules.js';
import { destinationAnswer } from '../core/destinationAnswer.js';
import type { Delivery } from '../core/model/delivery.js';
import { isTransientStoreError } from '../core/ports/storeErrors.js';
import type { RouteChanges } from '../core/services.js';
import { maskUrl } from '../core/urls.js';
import { describeError, type Result } from '../errors.js';
import type { MetricsRegistry } from '../http/metrics.js';
import type { Route } from '../http/server.js';
import { webhookRoutes } from '../http/webhookRoutes.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/database.js';
import { createGroupCommit } from '../store/groupCommit.js';
import { createAlertsRepository } from '../store/repositories/alerts.js';
import { createDeliveriesRepository } from '../store/repositories/deliveries.js';
import { createDeliveryReportsRepository } from '../store/repositories/deliveryReports.js';
import { createInboundRepository } from '../store/repositories/inbound.js';
import { createRejectedWebhooksRepository } from '../store/repositories/rejectedWebhooks.js';
import { createRoutesRepository } from '../store/repositories/routes.js';
import { createSchemaWarningsRepository } from '../store/repositories/schemaWarnings.js';
import { createSlackPostsRepository } from '../store/repositories/slackPosts.js';
import { createSlackThreadsRepository } from '../store/repositories/slackThreads.js';
import { createWriteHealth } from '../store/writeHealth.js';
import type { AlertNotifier } from '../watch/alertNotifier.js';
import { type IngestDeps, type Ingested, ingestDeliveryReport, ingestInboundMessage, type WebhookRejection } from './ingest.js';
import type { RelayOperationsDeps } from './operations.js';
import { type AttemptOutcome, type DeliveryRetryPolicy, type OutboxWorker, startOutboxWorker } from './outbox.js';
import { createPortsipSender } from './portsip.js';
import { judgeRelayHealth, type RelayHealth } from './relayHealth.js';
import { startRelayWatchdog } from './relayWatchdog.js';
import { type Destination, retargetDeliveries } from './retarget.js';
import { createSlackPace } from './slackPace.js';
import { createSlackRelaySender } from './slackPost.js';
import { startSlackPostUpdater } from './slackPostUpdater.js';
import { slackShownMessage } from './slackShown.js';

export interface RelayOptions {
  db: Db;
  webhookSecret: string;
  defaultPortsipUrl: string | null;
  inboxChannel: string | null;
  /** Dead letters are alerts: fired once per destination, resolved by the next delivery that gets through. */
  alertNotifier: AlertNotifier;
  /** A client that rejects rate-limited calls (the outbox retries), separate from the one answering people. */
  slackClient: webApi.WebClient;
  concurrency: number;
  retry: DeliveryRetryPolicy;
  slackPaceMs: number;
  /** SMS_MASK_CODES: one-time codes shown as dots in the Slack posts (PortSIP gets the stored bytes). */
  maskCodesInSlack?: boolean;
  metrics: MetricsRegistry;
  logger: Logger;
  now?: () => number;
  /** How long a stop waits for PortSIP requests in flight before cutting them. */
  shutdownGraceMs?: number;
  /** Overall deadline of one PortSIP attempt (PORTSIP_DEADLINE_MS). */
  portsipDeadlineMs?: number;
  /** How long a claimed delivery is reserved (RELAY_LEASE_MS); expired leases are reclaimed while running. */
  leaseMs?: number;
  /** How long the relay must be failing before `relay_stalled` is raised (RELAY_STALL_ALERT_MS). */
  stallAlertAfterMs?: number;
  /** Where the stall is said directly when the alert cannot be recorded (the database is what fails). */
  alertChannel?: string;
  /** False once the instance lease is lost (src/store/instanceLease.ts): stopping then leaves the leases alone. */
  holdsDatabase?: () => boolean;
}

export interface Relay {
  routes: Route[];
  /** What `/sms relay …` and `/sms inbox` work with. */
  operations: RelayOperationsDeps;
  /** The verdict /healthz reports (and `relay_stalled` alerts on). */
  health(): RelayHealth;
  /** A route change moves the queued deliveries it affects (the setup services call this). */
  routeChanges: RouteChanges;
  stop(): Promise<void>;
}

const destinationLabel = (d: Delivery) =>
  d.destinationKind === 'portsip' ? `PortSIP ${maskUrl(d.destination)}` : `Slack channel ${d.destination}`;

/**
 * The inbound relay: webhook routes that store before they acknowledge, and one outbox worker per destination kind
 * (PortSIP, Slack), so a slow or rate-limited Slack never holds up PortSIP.
 */
export function startRelay(options: RelayOptions): Relay {
  const { db, logger, metrics } = options;
  const now = options.now ?? Date.now;
  const deliveries = createDeliveriesRepository(db, now);
  const inbound = createInboundRepository(db, now);
  const alerts = createAlertsRepository(db, now);
  const schemaWarnings = createSchemaWarningsRepository(db, { now });
  const deps: IngestDeps = {
    inbound,
    deliveryReports: createDeliveryReportsRepository(db, now),
    rejected: createRejectedWebhooksRepository(db, { now }),
    schemaWarnings,
    routes: createRoutesRepository(db, now),
    defaultPortsipUrl: options.defaultPortsipUrl,
    inboxChannel: options.inboxChannel,
    now,
  };

  const received = metrics.counter('smsops_webhooks_total', 'Webhook requests from Wavix by route and outcome.');
  const relayed = metrics.counter('smsops_relay_delivered_total', 'Deliveries that reached their destination.');
  const failed = metrics.counter('smsops_relay_failed_attempts_total', 'Delivery attempts that failed (to be retried).');
  const died = metrics.counter(
    'smsops_relay_dead_total',
    'Deliveries given up (dead-letter age, or the same failure again and again).',
  );
  const answered = metrics.counter('smsops_webhook_responses_total', 'Answers to Wavix webhooks by route and HTTP status.');
  const workerErrors = metrics.counter(
    'smsops_relay_worker_errors_total',
    'Errors a relay worker survived, by kind and where (loop, send, record).',
  );
  const workerRestarts = metrics.counter(
    'smsops_relay_worker_restarts_total',
    'Relay worker loops that ended and were restarted.',
  );
  const warned = metrics.counter(
    'smsops_webhook_schema_warnings_total',
    "Webhooks stored and relayed although they differ from Wavix's description, by route.",
  );
  const latency = metrics.histogram(
    'smsops_ingest_seconds',
    'Time from webhook request to its 2xx (stored).',
    [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  metrics.gauge('smsops_relay_backlog', 'Deliveries not delivered yet, per destination kind.', () => {
    const byKind = new Map<string, number>([
      ['portsip', 0],
      ['slack', 0],
    ]);
    for (const b of deliveries.backlog()) byKind.set(b.destinationKind, (byKind.get(b.destinationKind) ?? 0) + b.pending);
    return [...byKind].map(([kind, value]) => ({ labels: { kind }, value }));
  });

  // Each relayed SMS's Slack post shows its PortSIP state, edited in place; posts and edits share the Slack leg's pace.
  const slackPace = createSlackPace(options.slackPaceMs);
  const slackPosts = createSlackPostsRepository(db, now);
  const shownInSlack = slackShownMessage({ maskCodes: options.maskCodesInSlack ?? false });
  const postUpdater = startSlackPostUpdater({
    client: options.slackClient,
    posts: slackPosts,
    deliveries,
    inbound,
    pace: slackPace,
    retry: options.retry,
    logger,
    now,
    shown: shownInSlack,
  });

  // One alert per destination while deliveries to it die; it resolves when one gets through again.
  const deadDestinations = new Set(
    alerts
      .open()
      .filter((a) => a.rule === ALERT_RULE.deadLetters)
      .map((a) => a.subjectKey),
  );
  const onDead = (delivery: Delivery, _message: unknown, outcome: AttemptOutcome) => {
    postUpdater.changed(delivery);
    died.inc({ kind: delivery.destinationKind });
    const subject = `${delivery.destinationKind}:${delivery.destination}`;
    const hours = Math.round(options.retry.deadAfterMs / 3_600_000);
    deadDestinations.add(subject);
    // The alert channel and App Home are read by everyone: the destination's answer appears as its status only.
    const answer =
      destinationAnswer(
        {
          destinationKind: delivery.destinationKind,
          lastStatusCode: outcome.statusCode ?? null,
          lastError: outcome.error ?? null,
        },
        false,
      ) ?? 'unknown';
    const why = outcome.deterministic
      ? `set aside after failing the same way again and again (last answer: ${answer}); later messages of the conversation go on`
      : `undelivered for ${hours} h (last answer: ${answer})`;
    options.alertNotifier
      .raise({
        rule: ALERT_RULE.deadLetters,
        subjectKey: subject,
        severity: 'critical',
        summary: `Inbound SMS to ${destinationLabel(delivery)} are dead letters: ${why}. They are kept: if the route is wrong, \`/sms route set\` moves them to the right one; once the destination works, \`/sms relay replay dead\` sends them again.`,
      })
      .catch((error: unknown) => logger.warn('could not record the dead-letter alert', { error: describeError(error) }));
  };
  const onDelivered = (delivery: Delivery) => {
    postUpdater.changed(delivery);
    relayed.inc({ kind: delivery.destinationKind });
    const subject = `${delivery.destinationKind}:${delivery.destination}`;
    if (deadDestinations.delete(subject))
      options.alertNotifier
        .resolve(ALERT_RULE.deadLetters, subject)
        .catch((error: unknown) => logger.warn('could not resolve the dead-letter alert', { error: describeError(error) }));
  };
  const onFailed = (delivery: Delivery) => {
    postUpdater.changed(delivery);
    failed.inc({ kind: delivery.destinationKind });
  };
  // Dead letters moved to another destination are no longer at the old one: its alert ends (none will be delivered there).
  const forgetMovedFrom = (from: readonly Destination[]) => {
    for (const { kind, destination } of from) {
      const subject = `${kind}:${destination}`;
      if (!deadDestinations.has(subject) || deliveries.deadCount(kind, destination) > 0) continue;
      deadDestinations.delete(subject);
      options.alertNotifier
        .resolve(ALERT_RULE.deadLetters, subject)
        .catch((error: unknown) => logger.warn('could not resolve the dead-letter alert', { error: describeError(error) }));
    }
  };

  // One smsops runs per database, made sure of by the instance lease the caller holds before starting the relay:
  // leases still held at start belong to a process that died (kill -9, power loss), so their deliveries are due
  // again now rather than when the lease would have run out.
  const released = deliveries.releaseLeases({ all: true });
  if (released > 0) logger.warn('deliveries in flight at the last stop are queued again', { count: released });

  const writeHealth = createWriteHealth({ now });
  const portsip = createPortsipSender({ deadlineMs: options.portsipDeadlineMs });
  const common = {
    deliveries,
    inbound,
    retry: options.retry,
    logger,
    now,
    onDelivered,
    onFailed,
    onDead,
    writeHealth,
    leaseMs: options.leaseMs,
    holdsDatabase: options.holdsDatabase,
  };
  const survived = (kind: string) => ({
    onError: (where: string, _error: unknown) => workerErrors.inc({ kind, where }),
    onRestart: () => workerRestarts.inc({ kind }),
  });
  const workers: OutboxWorker[] = [
    startOutboxWorker({
      ...common,
      ...survived('portsip'),
      kind: 'portsip',
      send: portsip.send,
      concurrency: options.concurrency,
    }),
    startOutboxWorker({
      ...common,
      ...survived('slack'),
      kind: 'slack',
      send: createSlackRelaySender({
        client: options.slackClient,
        threads: createSlackThreadsRepository(db, now),
        shown: shownInSlack,
        posts: slackPosts,
        portsipState: postUpdater.portsipState,
        pace: slackPace,
        onStale: postUpdater.wake,
        onUnrecorded: (error) => {
          workerErrors.inc({ kind: 'slack', where: 'record' });
          if (isTransientStoreError(error)) writeHealth.failed(error);
          logger.warn('an SMS was posted in Slack but its post could not be recorded: it is not posted again', {
            error: describeError(error),
          });
        },
      }).send,
      // One post at a time, taking up to 20 due messages: a storm becomes a few coalesced posts. The sender paces
      // each post itself (`slackPace`, shared with the post updates), so there is no pause here.
      concurrency: 1,
      batchSize: 20,
    }),
  ];

  const commits = createGroupCommit(db, { writeHealth });
  // Counted once committed: a write can run twice inside the group commit, and a rolled-back one warned nothing.
  const counted = (route: 'inbound' | 'dlr') => (outcome: Result<Ingested, WebhookRejection>) => {
    if (outcome.ok && outcome.value.warnings > 0) warned.inc({ route });
    return outcome;
  };
  const routes = webhookRoutes({
    secret: options.webhookSecret,
    rejected: deps.rejected,
    ingest: {
      inbound: (r) => commits.submit(() => ingestInboundMessage(deps, r)).then(counted('inbound')),
      dlr: (r) => commits.submit(() => ingestDeliveryReport(deps, r)).then(counted('dlr')),
    },
    latency,
    onAnswered: (route, status) => answered.inc({ route, status: String(status) }),
    onStoreError: (route, error) =>
      isTransientStoreError(error)
        ? logger.warn('webhook not stored, answered 503', { route, error: describeError(error) })
        : logger.error('webhook not stored, answered 500', { route, error: describeError(error) }),
    onIngested: (route, outcome) => {
      received.inc({ route, outcome });
      if (route === 'inbound' && outcome === 'stored') for (const w of workers) w.wake();
    },
  });

  const health = () => judgeRelayHealth({ workers: workers.map((w) => w.status()), writes: writeHealth.state(), now: now() });
  metrics.gauge('smsops_relay_worker_seconds_since_loop', 'Seconds since each relay worker last went round.', () =>
    health().workers.map((w) => ({ labels: { kind: w.kind }, value: w.secondsSinceLoop })),
  );
  metrics.gauge('smsops_store_writable', '1 while the database can be written (real writes and a probe), else 0.', () => [
    { value: writeHealth.state().writable ? 1 : 0 },
  ]);
  const watchdog = startRelayWatchdog({
    db,
    health,
    writeHealth,
    alertNotifier: options.alertNotifier,
    openAlert: alerts.open().some((a) => a.rule === ALERT_RULE.relayStalled),
    stallAlertAfterMs: options.stallAlertAfterMs ?? 30_000,
    announceUnrecorded: options.alertChannel
      ? async (text) => {
          await options.slackClient.chat.postMessage({ channel: options.alertChannel as string, text });
        }
      : undefined,
    logger,
    now,
  });

  const wakeRelay = () => {
    for (const w of workers) w.wake();
  };
  return {
    routes,
    health,
    operations: { deliveries, inbound, schemaWarnings, now, wakeRelay, routing: deps, forgetMovedFrom },
    routeChanges: {
      apply: (routeKey, write) => {
        const change = db.transaction(() => {
          const value = write();
          return { value, ...retargetDeliveries({ deliveries, routing: deps }, routeKey) };
        })();
        if (change.moved > 0) {
          logger.info('route change moved queued deliveries', { route: routeKey, moved: change.moved });
          wakeRelay();
          forgetMovedFrom(change.movedFrom);
        }
        return { value: change.value, moved: change.moved, unrouted: change.unrouted };
      },
    },
    stop: async () => {
      watchdog.stop();
      // A hung PBX would hold shutdown for its deadline (15 s), past Docker's grace period: after 5 s the PortSIP
      // connections are cut, so those attempts fail and stay pending (sent again after the restart).
      const cut = setTimeout(() => portsip.close(), options.shutdownGraceMs ?? 5_000);
      await Promise.all([...workers.map((w) => w.stop()), postUpdater.stop()]);
      clearTimeout(cut);
      portsip.close();
    },
  };
}
