import type { webApi } from '@slack/bolt';
import { ALERT_RULE } from '../core/alertRules.js';
import type { RouteChanges } from '../core/services.js';
import { maskUrl } from '../core/urls.js';
import { describeError } from '../errors.js';
import type { MetricsRegistry } from '../http/metrics.js';
import type { Route } from '../http/server.js';
import { webhookRoutes } from '../http/webhookRoutes.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/database.js';
import { createGroupCommit } from '../store/groupCommit.js';
import { createAlertsRepository } from '../store/repositories/alerts.js';
import { createDeliveriesRepository, type Delivery } from '../store/repositories/deliveries.js';
import { createDeliveryReportsRepository } from '../store/repositories/deliveryReports.js';
import { createInboundRepository } from '../store/repositories/inbound.js';
import { createRejectedWebhooksRepository } from '../store/repositories/rejectedWebhooks.js';
import { createRoutesRepository } from '../store/repositories/routes.js';
import { createSlackThreadsRepository } from '../store/repositories/slackThreads.js';
import type { AlertNotifier } from '../watch/alertNotifier.js';
import { type IngestDeps, ingestDeliveryReport, ingestInboundMessage } from './ingest.js';
import type { RelayOperationsDeps } from './operations.js';
import { type AttemptOutcome, type OutboxWorker, type RetryPolicy, startOutboxWorker } from './outbox.js';
import { createPortsipSender } from './portsip.js';
import { type Destination, retargetDeliveries } from './retarget.js';
import { createSlackRelaySender } from './slackPost.js';

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
  retry: RetryPolicy;
  slackPaceMs: number;
  /** SMS_MASK_CODES: one-time codes shown as dots in the Slack posts (PortSIP gets the stored bytes). */
  maskCodesInSlack?: boolean;
  metrics: MetricsRegistry;
  logger: Logger;
  now?: () => number;
  /** How long a stop waits for PortSIP requests in flight before cutting them. */
  shutdownGraceMs?: number;
}

export interface Relay {
  routes: Route[];
  /** What `/sms relay …` and `/sms inbox` work with. */
  operations: RelayOperationsDeps;
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
  const deps: IngestDeps = {
    inbound,
    deliveryReports: createDeliveryReportsRepository(db, now),
    rejected: createRejectedWebhooksRepository(db, { now }),
    routes: createRoutesRepository(db, now),
    defaultPortsipUrl: options.defaultPortsipUrl,
    inboxChannel: options.inboxChannel,
    now,
  };

  const received = metrics.counter('smsops_webhooks_total', 'Webhook requests from Wavix by route and outcome.');
  const relayed = metrics.counter('smsops_relay_delivered_total', 'Deliveries that reached their destination.');
  const failed = metrics.counter('smsops_relay_failed_attempts_total', 'Delivery attempts that failed (to be retried).');
  const died = metrics.counter('smsops_relay_dead_total', 'Deliveries given up after the dead-letter age.');
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

  // One alert per destination while deliveries to it die; it resolves when one gets through again.
  const deadDestinations = new Set(
    alerts
      .open()
      .filter((a) => a.rule === ALERT_RULE.deadLetters)
      .map((a) => a.subjectKey),
  );
  const onDead = (delivery: Delivery, _message: unknown, outcome: AttemptOutcome) => {
    died.inc({ kind: delivery.destinationKind });
    const subject = `${delivery.destinationKind}:${delivery.destination}`;
    const hours = Math.round(options.retry.deadAfterMs / 3_600_000);
    deadDestinations.add(subject);
    options.alertNotifier
      .raise({
        rule: ALERT_RULE.deadLetters,
        subjectKey: subject,
        severity: 'critical',
        summary: `Inbound SMS to ${destinationLabel(delivery)} are dead letters: undelivered for ${hours} h (last error: ${outcome.error ?? 'unknown'}). They are kept: if the route is wrong, \`/sms route set\` moves them to the right one; once the destination works, \`/sms relay replay dead\` sends them again.`,
        details: { lastError: outcome.error ?? null },
      })
      .catch((error: unknown) => logger.warn('could not record the dead-letter alert', { error: describeError(error) }));
  };
  const onDelivered = (delivery: Delivery) => {
    relayed.inc({ kind: delivery.destinationKind });
    const subject = `${delivery.destinationKind}:${delivery.destination}`;
    if (deadDestinations.delete(subject))
      options.alertNotifier
        .resolve(ALERT_RULE.deadLetters, subject)
        .catch((error: unknown) => logger.warn('could not resolve the dead-letter alert', { error: describeError(error) }));
  };
  const onFailed = (delivery: Delivery) => failed.inc({ kind: delivery.destinationKind });
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

  // One smsops runs per database: leases still held at start belong to a process that died (kill -9, power loss),
  // so their deliveries are due again now rather than when the lease would have run out.
  const released = deliveries.releaseLeases({ all: true });
  if (released > 0) logger.warn('deliveries in flight at the last stop are queued again', { count: released });

  const portsip = createPortsipSender();
  const common = { deliveries, inbound, retry: options.retry, logger, now, onDelivered, onFailed, onDead };
  const workers: OutboxWorker[] = [
    startOutboxWorker({ ...common, kind: 'portsip', send: portsip.send, concurrency: options.concurrency }),
    startOutboxWorker({
      ...common,
      kind: 'slack',
      send: createSlackRelaySender({
        client: options.slackClient,
        threads: createSlackThreadsRepository(db, now),
        maskCodes: options.maskCodesInSlack ?? false,
      }).send,
      // One post at a time, paced, taking up to 20 due messages: a storm becomes a few coalesced posts.
      concurrency: 1,
      batchSize: 20,
      pauseAfterSendMs: options.slackPaceMs,
    }),
  ];

  const commits = createGroupCommit(db);
  const routes = webhookRoutes({
    secret: options.webhookSecret,
    rejected: deps.rejected,
    ingest: {
      inbound: (r) => commits.submit(() => ingestInboundMessage(deps, r)),
      dlr: (r) => commits.submit(() => ingestDeliveryReport(deps, r)),
    },
    latency,
    onIngested: (route, outcome) => {
      received.inc({ route, outcome });
      if (route === 'inbound' && outcome === 'stored') for (const w of workers) w.wake();
    },
  });

  const wakeRelay = () => {
    for (const w of workers) w.wake();
  };
  return {
    routes,
    operations: { deliveries, inbound, now, wakeRelay, routing: deps, forgetMovedFrom },
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
      // A hung PBX would hold shutdown for its 10 s timeout, past Docker's grace period: after 5 s the PortSIP
      // connections are cut, so those attempts fail and stay pending (sent again after the restart).
      const cut = setTimeout(() => portsip.close(), options.shutdownGraceMs ?? 5_000);
      await Promise.all(workers.map((w) => w.stop()));
      clearTimeout(cut);
      portsip.close();
    },
  };
}
