import { ALERT_RULE } from '../core/alertRules.js';
import type { Alerts } from '../core/alerts.js';
import type { Delivery, DestinationBacklog } from '../core/model/delivery.js';
import type { ConversationReply } from '../core/ports/conversationReplies.js';
import type { Notifier } from '../core/ports/notifier.js';
import { isTransientStoreError, StoreUnavailableError, storeErrorReason } from '../core/ports/storeErrors.js';
import type { RouteChanges } from '../core/services.js';
import type { SlackTokenRevocation } from '../core/slackToken.js';
import { describeError, type Result } from '../errors.js';
import type { Logger } from '../log.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import type { MetricsRegistry } from '../metrics.js';
import { type InstanceLease, withInstanceLease } from '../store/instanceLease.js';
import type { Repositories, Store } from '../store/openStore.js';
import type { UnsentDeleted } from '../store/retention/batchDelete.js';
import { createWriteHealth } from '../store/writeHealth.js';
import { TEN_DLC_EVENT_CATEGORIES } from '../wavix/tenDlc.js';
import type { AttemptOutcome } from './attempt.js';
import { createAttemptFailures, destinationWords } from './attemptFailures.js';
import { createConcurrencyWindow } from './concurrencyWindow.js';
import { createDeadDeliveryLog } from './deadDeliveryLog.js';
import { createDeadLetterAlerts } from './deadLetterAlerts.js';
import { createFreshMessages } from './freshMessages.js';
import {
  type IngestDeps,
  type Ingested,
  ingestDeliveryReport,
  ingestInboundMessage,
  slackChannelOf,
  type WebhookRejection,
} from './ingest.js';
import { createIngestPacer, type IngestPacerOptions } from './ingestPacer.js';
import type { RelayIntake } from './intake.js';
import { loggedMessageId } from './loggedMessageId.js';
import { createMessageTrail } from './messageTrail.js';
import type { RelayOperationsDeps } from './operations.js';
import { type OutboxWorker, startOutboxWorker } from './outbox.js';
import { createPollerCache, type Reading } from './pollerCache.js';
import { createPortsipSender, DEFAULT_PORTSIP_DEADLINE_MS } from './portsip.js';
import { followPortsipUrlChange } from './portsipUrlChange.js';
import { judgeRelayHealth, type RelayHealth } from './relayHealth.js';
import { startRelayWatchdog } from './relayWatchdog.js';
import { retargetDeliveries } from './retarget.js';
import type { DeliveryRetryPolicy } from './retryPolicy.js';
import { slackAttemptTimeoutMs } from './slackAttemptTiming.js';

/**
 * How long, at most, a commit due while the relay is behind waits for the PortSIP attempts still out: one commit per
 * round of attempts (8, or as many as the concurrency window allows) instead of one per answer.
 */
const OUTCOMES_WAIT_MS = 2;
/**
 * How quickly PortSIP must be answering (on average, and the attempt waited for) for a commit to wait at all: only a
 * PortSIP quick enough that smsops' own CPU, not PortSIP, bounds the relay. Under a flood a PortSIP on the same host took
 * 1-3 ms per attempt as smsops saw it (its answer waits while smsops is busy): 3 ms waited for it (8.6 writes per
 * commit), 2 ms only half the time (5.3). A PBX answering in 5 ± 3 ms was slowed by waiting (8 ms: 16-23 % fewer
 * messages a second), one in 20 ± 15 ms too (2 ms: 8 %); at their pace the commits cost little. An attempt a PBX hangs
 * on is never waited for.
 */
const QUICK_ANSWER_MS = 3;
/**
 * The PortSIP attempts out at once while nothing asks for more (RELAY_CONCURRENCY, if lower): smsops' fixed
 * concurrency until 2026-11-26. More only while a backlog waits and PortSIP answers well (./concurrencyWindow.ts).
 */
const CONCURRENCY_FLOOR = 8;
/** The HTTP statuses smsops answers a Wavix webhook with: each series is at 0 from the start. */
const WEBHOOK_STATUSES = [200, 400, 404, 408, 413, 415, 429, 500, 503] as const;
/** Deliveries a start after a crash names (of those it sends again); past these, how many more. */
const LISTED_IN_FLIGHT_AT_START = 50;

export interface RelayOptions {
  repositories: Pick<
    Repositories,
    | 'deliveries'
    | 'inbound'
    | 'alerts'
    | 'schemaWarnings'
    | 'deliveryReports'
    | 'rejectedWebhooks'
    | 'routes'
    | 'slackPosts'
    | 'slackQueue'
    | 'slackThreads'
    | 'optOuts'
    | 'conversationReplies'
    | 'replyReportChecks'
    | 'settings'
    | 'audit'
  >;
  /**
   * Group commit for ingest, the write probe, one transaction per route change, and the instance lease (its heartbeat
   * tells whether the database can be written; its lapse is a stall).
   */
  store: Pick<Store, 'groupCommit' | 'probeWrite' | 'transaction' | 'checkFile'> & {
    syncProblem?: Store['syncProblem'];
    lease?: Pick<InstanceLease, 'state' | 'tellWrites'>;
  };
  defaultPortsipUrl: string | null;
  inboxChannel: string | null;
  /** Dead letters are alerts: fired once per destination, resolved once none is left there (./deadLetterAlerts.ts). */
  alerts: Alerts;
  /** The Slack leg (relayed SMS posts and their PortSIP-state edits) and the stall said when it cannot be recorded. */
  notifier: Pick<Notifier, 'announce' | 'relayedSms'>;
  /** The most PortSIP attempts out at once (RELAY_CONCURRENCY); the relay uses fewer unless a backlog waits. */
  concurrency: number;
  retry: DeliveryRetryPolicy;
  metrics: MetricsRegistry;
  logger: Logger;
  now: () => number;
  /** How long a stop waits for PortSIP requests in flight before cutting them. */
  shutdownGraceMs?: number;
  /** Overall deadline of one PortSIP attempt (PORTSIP_DEADLINE_MS). */
  portsipDeadlineMs?: number;
  /** Connections to one PortSIP host at most (./portsipConnections.ts: what the descriptor limit leaves). */
  portsipConnections?: number;
  /** How long a claimed delivery is reserved (RELAY_LEASE_MS); expired leases are reclaimed while running. */
  leaseMs?: number;
  /** How long the relay must be failing before `relay_stalled` is raised (RELAY_STALL_ALERT_MS). */
  stallAlertAfterMs?: number;
  /** A delivery report changed a reply sent from Slack (called once the report is committed; shows it in Slack). */
  onReplyStatusChanged?: (reply: ConversationReply) => void | Promise<void>;
  /** A delivery report of a reply was held for Wavix's confirmation (called once committed; starts the check). */
  onReplyReportHeld?: () => void;
  /** False once the instance lease is lost (src/store/instanceLease.ts): stopping then leaves the leases alone. */
  holdsDatabase?: () => boolean;
  /** True once the instance lease is lost to another process (not merely running out while renewals fail). */
  lostDatabase?: () => boolean;
  /** When inbound webhooks are paced to the PortSIP relay (defaults in ingestPacer.ts; tests shorten them). */
  ingestPacing?: Pick<IngestPacerOptions, 'lagMs' | 'maxWaitMs' | 'burst'>;
}

export interface Relay {
  /** What the Wavix webhook routes call. */
  intake: RelayIntake;
  /** What `/sms relay …` and `/sms inbox` work with. */
  operations: RelayOperationsDeps;
  /** The verdict /healthz reports (and `relay_stalled` alerts on). */
  health(): RelayHealth;
  /** The backlog as /metrics and /healthz read it: a costly count may be reused for a moment (./pollerCache.ts). */
  polledBacklog(): Reading<readonly DestinationBacklog[]>;
  /** A route change moves the queued deliveries it affects (the setup services call this). */
  routeChanges: RouteChanges;
  /** The start-up token check saw SLACK_BOT_TOKEN refused (Slack's code): /healthz and /metrics say so from now. */
  slackTokenRefusedAtStart(code: string): void;
  /** The periodic auth.test saw SLACK_BOT_TOKEN refused (Slack's code) or accepted (null): /healthz and /metrics follow. */
  slackTokenChecked(refusedCode: string | null): void;
  /**
   * Slack said the app was uninstalled or its bot token revoked: /healthz and /metrics say so at once, and relayed SMS
   * wait in the outbox, no post tried (each could only be refused), until an auth.test passes again.
   */
  slackTokenRevoked(by: SlackTokenRevocation): void;
  /**
   * Retention deleted dead SMS never delivered (past RETENTION_DAYS), or `/sms forget` removed them with a customer's
   * records (`by`): their destinations' dead-letter alerts say so.
   */
  deadLettersDeleted(unsent: readonly UnsentDeleted[], by?: 'retention' | 'forget'): void;
  stop(): Promise<void>;
}

/**
 * The inbound relay: webhook routes that store before they acknowledge, and one outbox worker per destination kind
 * (PortSIP, Slack), so a slow or rate-limited Slack never holds up PortSIP.
 */
export function startRelay(options: RelayOptions): Relay {
  const { repositories, store, logger, metrics, now } = options;
  const { deliveries, inbound, alerts, schemaWarnings } = repositories;
  const deps: IngestDeps = {
    inbound,
    deliveryReports: repositories.deliveryReports,
    rejected: repositories.rejectedWebhooks,
    schemaWarnings,
    routes: repositories.routes,
    defaultPortsipUrl: options.defaultPortsipUrl,
    inboxChannel: options.inboxChannel,
    now,
    conversations: {
      optOuts: repositories.optOuts,
      replies: repositories.conversationReplies,
      audit: repositories.audit,
      // A report that would change a reply past undoing waits for Wavix's confirmation, which whoever is told of it
      // (`onReplyReportHeld`: the watch's reply-lookups job) makes; a relay nobody confirms for (a test of the relay
      // alone) applies reports as they come.
      ...(options.onReplyReportHeld ? { checks: repositories.replyReportChecks } : {}),
      savepoint: (work) => store.transaction(work),
      // Never the SMS text: only what failed.
      onExtraFailed: (what, error) =>
        logger.error(
          what === 'consent'
            ? 'an inbound SMS was stored but its STOP/START could not be recorded'
            : 'a delivery report was stored but its reply could not be updated',
          { error: describeError(error) },
        ),
    },
  };

  // Every label set known in advance starts at 0, so increase() sees the first event after a restart.
  const KINDS = ['portsip', 'slack'] as const;
  /** How many queued messages the Slack leg gives a row at once (a claim asks for 20). */
  const SLACK_QUEUE_TAKE = 100;
  const ROUTES = ['inbound', 'dlr'] as const;
  const TEN_DLC_ROUTES = TEN_DLC_EVENT_CATEGORIES.map((category) => `10dlc/${category}` as const);
  const perKind = { initial: KINDS.map((kind) => ({ kind })) };
  const received = metrics.counter(
    'smsops_webhooks_total',
    'Webhook requests from Wavix by route and outcome.',
    ['route', 'outcome'],
    {
      initial: [
        ...ROUTES.flatMap((route) =>
          (['stored', 'duplicate', 'conflict', 'rejected', 'wrong_secret', 'not_stored'] as const).map((outcome) => ({
            route,
            outcome,
          })),
        ),
        // A 10DLC status webhook is stored when it changes a status, a duplicate when the status was known already.
        ...TEN_DLC_ROUTES.flatMap((route) =>
          (['stored', 'duplicate', 'rejected', 'wrong_secret', 'not_stored'] as const).map((outcome) => ({ route, outcome })),
        ),
      ],
    },
  );
  const relayed = metrics.counter(
    'smsops_relay_delivered_total',
    'Deliveries that reached their destination.',
    ['kind'],
    perKind,
  );
  const failed = metrics.counter(
    'smsops_relay_failed_attempts_total',
    'Delivery attempts that failed (to be retried).',
    ['kind'],
    perKind,
  );
  const held = metrics.counter(
    'smsops_relay_held_total',
    "SMS not posted because their PortSIP route's Retry-After, answered to another SMS, still ran (tried again later).",
    ['kind'],
    perKind,
  );
  const died = metrics.counter(
    'smsops_relay_dead_total',
    'Deliveries given up (dead-letter age, or the same failure again and again).',
    ['kind'],
    perKind,
  );
  const answered = metrics.counter(
    'smsops_webhook_responses_total',
    'Answers to Wavix webhooks by route and HTTP status.',
    ['route', 'status'],
    // The statuses smsops answers a webhook with (421, a route pointing back at smsops, and `aborted` appear when seen).
    {
      initial: [...ROUTES, ...TEN_DLC_ROUTES].flatMap((route) =>
        WEBHOOK_STATUSES.map((status) => ({ route, status: String(status) })),
      ),
    },
  );
  const workerErrors = metrics.counter(
    'smsops_relay_worker_errors_total',
    'Errors a relay worker survived, by kind and where (loop, send, record; commit-hint: the PortSIP worker could not say whether outcomes are coming).',
    ['kind', 'where'],
    // Every series at 0 from the start, so an alert on a rise sees the first one.
    {
      initial: [
        ...KINDS.flatMap((kind) => (['loop', 'send', 'record'] as const).map((where) => ({ kind, where }))),
        { kind: 'portsip', where: 'commit-hint' },
      ],
    },
  );
  const workerRestarts = metrics.counter(
    'smsops_relay_worker_restarts_total',
    'Relay worker loops that ended and were restarted.',
    ['kind'],
    perKind,
  );
  const storeCommits = metrics.counter(
    'smsops_store_commits_total',
    'Transactions committed by the group commit (webhooks, PortSIP outcomes and claims, route changes).',
    [],
  );
  const storeCommittedWrites = metrics.counter(
    'smsops_store_committed_writes_total',
    'Writes stored by those commits: divided by smsops_store_commits_total, how many each commit carries.',
    [],
  );
  const warned = metrics.counter(
    'smsops_webhook_schema_warnings_total',
    "Webhooks stored and relayed although they differ from Wavix's description, by route.",
    ['route'],
    { initial: ROUTES.map((route) => ({ route })) },
  );
  const latency = metrics.histogram(
    'smsops_ingest_seconds',
    'Time from webhook request to its 2xx (stored).',
    [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  // Scraped every second by the production benchmark: not a share of the loop that grows with the backlog.
  const polledBacklog = createPollerCache(() => deliveries.backlog());
  metrics.gauge('smsops_relay_backlog', 'Deliveries not delivered yet, per destination kind.', ['kind'], () => {
    const byKind = new Map<string, number>([
      ['portsip', 0],
      ['slack', 0],
    ]);
    for (const b of polledBacklog().value) byKind.set(b.destinationKind, (byKind.get(b.destinationKind) ?? 0) + b.pending);
    return [...byKind].map(([kind, value]) => ({ labels: { kind }, value }));
  });

  // Each relayed SMS's Slack post shows its PortSIP state, edited in place by the notifier.
  const slackLeg = options.notifier.relayedSms;

  // One alert per destination while deliveries to it are dead; resolved once none is left there.
  const deadLetters = createDeadLetterAlerts({
    alerts: options.alerts,
    alertsRepository: alerts,
    deliveries,
    deadAfterMs: options.retry.deadAfterMs,
    logger,
    now,
  });
  const attemptFailures = createAttemptFailures({ logger, now });
  metrics.gauge(
    'smsops_slack_token_refused',
    '1 while Slack refuses SLACK_BOT_TOKEN (invalid_auth, token_revoked, …): nothing reaches Slack; else 0.',
    [],
    () => [{ value: attemptFailures.slackTokenRefused() ? 1 : 0 }],
  );
  const deadLog = createDeadDeliveryLog({ logger, now });
  const onDead = (delivery: Delivery, message: { wavixMessageId: string } | undefined, outcome: AttemptOutcome) => {
    attemptEnded(delivery, false);
    died.inc({ kind: delivery.destinationKind });
    attemptFailures.died(delivery, outcome);
    deadLog.died(delivery, message?.wavixMessageId ?? null, outcome);
    deadLetters.died(delivery, outcome);
  };
  const heldBack = metrics.counter(
    'smsops_ingest_held_total',
    'Inbound webhooks held back so that storing does not outrun the PortSIP relay, by how the wait ended.',
    ['outcome'],
    { initial: [{ outcome: 'credited' }, { outcome: 'timed_out' }, { outcome: 'released' }] },
  );
  const pacer = createIngestPacer({
    ...options.ingestPacing,
    onHeld: (outcome) => heldBack.inc({ outcome }),
    onPacingChanged: (change) =>
      change.pacing
        ? logger.warn('inbound webhooks are answered at the pace of the PortSIP relay: it is behind while PortSIP answers', {
            dueForSeconds: Math.round(change.waitedMs / 100) / 10,
          })
        : logger.info('inbound webhooks are no longer paced', { why: change.why }),
  });
  metrics.gauge(
    'smsops_ingest_pacing',
    '1 while inbound webhooks are paced to the PortSIP relay (it is behind while PortSIP answers), else 0.',
    [],
    () => [{ value: pacer.pacing() ? 1 : 0 }],
  );
  const attemptEnded = (delivery: Delivery, delivered: boolean) => {
    if (delivery.destinationKind === 'portsip') pacer.attemptsEnded(delivered ? 1 : 0, delivered ? 0 : 1);
  };
  // Null unless LOG_LEVEL=debug: then each message's way through the relay is in the log, by its Wavix id.
  const trail = createMessageTrail(logger);
  const onDelivered = (delivery: Delivery, message: { wavixMessageId: string } | undefined, attemptMs: number) => {
    attemptEnded(delivery, true);
    relayed.inc({ kind: delivery.destinationKind });
    deadLetters.delivered(delivery);
    attemptFailures.delivered(delivery);
    if (trail) trail.delivered(delivery, message?.wavixMessageId ?? null, attemptMs);
  };
  const onFailed = (
    delivery: Delivery,
    outcome: AttemptOutcome,
    message: { wavixMessageId: string } | undefined,
    attemptMs: number,
  ) => {
    attemptEnded(delivery, false);
    // Not posted: counted as PortSIP's failures, 39 "failed attempts" and as many log counts stood for 2 posts.
    if (outcome.held) held.inc({ kind: delivery.destinationKind });
    else {
      failed.inc({ kind: delivery.destinationKind });
      attemptFailures.failed(delivery, outcome, message?.wavixMessageId ?? null);
    }
    if (trail) trail.failed(delivery, message?.wavixMessageId ?? null, outcome, attemptMs);
  };
  // Dead letters moved to another destination are no longer at the old one: its alert ends (none will be delivered there).
  const forgetMovedFrom = deadLetters.movedFrom;

  // One smsops runs per database, made sure of by the instance lease the caller holds before starting the relay:
  // leases still held at start belong to a process that died (kill -9, power loss), so their deliveries are due
  // again now rather than when the lease would have run out.
  // Their ids: an SMS PortSIP or Slack then gets twice (its answer was lost in the stop) is traced by grepping one.
  const inFlightAtStop = deliveries.inFlight(LISTED_IN_FLIGHT_AT_START);
  const released = deliveries.releaseLeases({ all: true });
  if (released > 0)
    logger.warn('deliveries in flight at the last stop are queued again (sent again: their destination may get them twice)', {
      count: released,
      deliveries: inFlightAtStop.map((d) => ({
        wavixMessageId: loggedMessageId(d.wavixMessageId),
        kind: d.destinationKind,
        destination: destinationWords(d.destinationKind, d.destination),
      })),
      ...(released > inFlightAtStop.length ? { andMore: released - inFlightAtStop.length } : {}),
    });
  // Before anything is claimed: those waiting for a PORTSIP_WEBHOOK_URL fixed since the last start go to the new one.
  const followed = followPortsipUrlChange(
    {
      deliveries,
      routing: deps,
      settings: repositories.settings,
      audit: repositories.audit,
      transaction: store.transaction,
      logger,
    },
    options.defaultPortsipUrl,
  );
  if (followed && followed.moved > 0) forgetMovedFrom(followed.movedFrom);

  const writeHealth = createWriteHealth({ now });
  // The heartbeat is the one real write of an idle relay: on a full disk it fails while the probe passes.
  store.lease?.tellWrites(writeHealth);
  const portsip = createPortsipSender({
    deadlineMs: options.portsipDeadlineMs,
    now,
    ...(options.portsipConnections === undefined ? {} : { connections: options.portsipConnections }),
  });
  // No more attempts out than connections: one waiting for a connection spends its deadline in undici's queue.
  const concurrency = Math.min(options.concurrency, options.portsipConnections ?? Number.POSITIVE_INFINITY);
  const portsipDeadlineMs = options.portsipDeadlineMs ?? DEFAULT_PORTSIP_DEADLINE_MS;
  const leaseMs = options.leaseMs ?? 60_000;
  // Between the deadline and the lease (the configuration makes the lease longer than the deadline).
  const portsipAttemptTimeoutMs = portsipDeadlineMs + Math.max(1, Math.min(1_000, Math.floor((leaseMs - portsipDeadlineMs) / 2)));
  // A message just stored goes to its PortSIP attempt as stored, instead of being read back. The Slack leg reads its
  // rows: it posts at its own pace (SLACK_RELAY_PACE_MS), mostly after PortSIP took the message out.
  const fresh = createFreshMessages();
  const common = {
    deliveries,
    inbound,
    retry: options.retry,
    logger,
    now,
    onDelivered,
    onFailed,
    onDead,
    // Each relayed SMS's Slack post is marked for an edit in the commit of its PortSIP outcome.
    writeAlongside: (delivery: Delivery) => slackLeg.portsipStateChanged(delivery),
    writeHealth,
    leaseMs: options.leaseMs,
    holdsDatabase: options.holdsDatabase,
    lostDatabase: options.lostDatabase,
  };
  const onUnrecorded = (error: unknown) => {
    workerErrors.inc({ kind: 'slack', where: 'record' });
    if (isTransientStoreError(error)) writeHealth.failed(error);
    logger.warn(
      'an SMS was posted in Slack but its post could not be recorded (it will not be threaded or edited): its delivery counts as posted, and is not posted again; should that outcome not be written either, it is kept in memory until it is, and only a stop before then posts the SMS again after the restart',
      {
        error: describeError(error),
      },
    );
  };
  const survived = (kind: string) => ({
    onError: (where: string, _error: unknown) => workerErrors.inc({ kind, where }),
    onRestart: () => workerRestarts.inc({ kind }),
  });
  // The PortSIP worker's, once it is started below (with `commits`).
  let outcomesComing = () => false;
  let hintFailureLoggedAt = Number.NEGATIVE_INFINITY;
  const commits = store.groupCommit({
    writeHealth,
    // Behind, the commit waits (at most OUTCOMES_WAIT_MS) for the PortSIP attempts still out, so a round of attempts
    // is recorded, and the next one claimed, in one commit.
    expectingMore: () => outcomesComing(),
    expectingMoreMs: OUTCOMES_WAIT_MS,
    // It reads a few of the worker's fields and cannot throw today; should it, commits go ahead unheld, and it is
    // logged at most once a minute (counted every time).
    onHintFailed: (error) => {
      workerErrors.inc({ kind: 'portsip', where: 'commit-hint' });
      const at = now();
      if (at - hintFailureLoggedAt < 60_000) return;
      hintFailureLoggedAt = at;
      logger.warn('the relay could not tell whether outcomes are coming; commits are not held for them', {
        error: describeError(error),
      });
    },
    onCommitted: (writes) => {
      storeCommits.inc();
      storeCommittedWrites.inc(undefined, writes);
    },
  });
  const portsipWindow = createConcurrencyWindow({ floor: CONCURRENCY_FLOOR, ceiling: concurrency });
  metrics.gauge(
    'smsops_relay_concurrency',
    'PortSIP attempts the relay may have out at once now (more while a backlog waits and PortSIP answers with 2xx).',
    [],
    () => [{ value: portsipWindow.size(now()) }],
  );
  const portsipWorker = startOutboxWorker({
    ...common,
    ...survived('portsip'),
    kind: 'portsip',
    send: portsip.send,
    justStored: fresh.take,
    // Outcomes are recorded in the webhooks' commit of the turn: one transaction for both.
    recordIn: commits,
    concurrency,
    window: portsipWindow,
    // The sender's own deadline ends every attempt first: the worker's guard, later, never frees a slot (nor fails
    // an attempt) while its request is still open, which sent messages twice and past the concurrency.
    attemptTimeoutMs: portsipAttemptTimeoutMs,
    // Claimed ahead: one claim and one commit per round serve many attempts (a claim statement and its commit cost
    // more than the rows it leases when it leases only the few slots that just came free).
    prefetch: 4 * Math.min(CONCURRENCY_FLOOR, concurrency),
    onClaimed: (claimed, asked) => {
      if (claimed.length === 0) return pacer.claimed(0, false);
      const at = now();
      const waited = Math.max(...claimed.map((d) => at - Math.max(d.createdAt, d.nextAttemptAt)));
      pacer.claimed(waited, claimed.length >= asked);
    },
  });
  const slackWorker = startOutboxWorker({
    ...common,
    ...survived('slack'),
    kind: 'slack',
    // Slack said the token is revoked (the app uninstalled: its event, or auth.test's token_revoked, the only word left
    // after a restart): every post would be refused, each SMS's attempts spent on it. They wait, unclaimed, until an
    // auth.test passes; then within an idle sleep they go. A refusal only seen by a post, or invalid_auth (which can be
    // Slack's own error), goes on trying: a post getting through is its recovery too.
    heldBack: () => attemptFailures.slackTokenRefused()?.held === true,
    // The attempt's timeout counts from each call to Slack, not from the wait for its turn of the pace (see
    // AttemptControl): a send given up on makes no call after, so it cannot post what is sent again.
    send: (batch, attempt) => slackLeg.post(batch, { onUnrecorded, attempt }),
    // Longer than the Slack client's own timeout (slackCallTimeoutMs): a hung call fails on its own, its channel only.
    attemptTimeoutMs: slackAttemptTimeoutMs(leaseMs),
    // One post at a time, taking up to 20 due messages: a storm becomes a few coalesced posts. The notifier paces
    // each post itself (one pace shared with the post updates), so there is no pause here.
    concurrency: 1,
    batchSize: 20,
    // Messages wait in the queue until a claim comes up short; then a few more than asked get their row (some are
    // not the heads of their conversations yet), and the claim is tried again.
    refill: (wanted) => {
      const limit = Math.max(wanted, SLACK_QUEUE_TAKE);
      const took = repositories.slackQueue.take(limit, (to) => slackChannelOf(deps, to));
      return { took, more: took >= limit };
    },
  });
  outcomesComing = () => portsipWorker.outcomesComing(QUICK_ANSWER_MS);
  const workers: OutboxWorker[] = [portsipWorker, slackWorker];
  // A new PortSIP delivery the relay has room for is stored leased to it (no claim of its own: a read of the due heads
  // and an UPDATE rewriting the same index pages the insert wrote), and handed over once its webhook's commit is done.
  deps.leaseNewHead = (kind, isHead, destination) =>
    kind === 'portsip' ? portsipWorker.leaseNewHead(isHead, destination) : null;
  // Counted once committed: a write can run twice inside the group commit, and a rolled-back one warned nothing.
  const counted = (route: 'inbound' | 'dlr') => (outcome: Result<Ingested, WebhookRejection>) => {
    if (outcome.ok && outcome.value.warnings > 0) warned.inc({ route });
    // Ids only: both bodies are an SMS (the second one is in rejected_webhooks).
    if (outcome.ok && outcome.value.conflict)
      logger.warn(
        'webhook repeats a stored message_id with a different body: the stored message stays, this one is kept in rejected_webhooks',
        {
          route,
          inboundMessageId: outcome.value.id,
        },
      );
    return outcome;
  };
  // One reply with many reports waiting for Wavix's word: forged ones (whoever holds the webhook secret). No id, no
  // number: how many since the last line.
  const tooManyHeld = warnOncePerMinute(
    logger,
    "a reply's delivery report was not held for Wavix's confirmation: its reply has too many waiting already (forged reports?)",
    {},
    { countField: 'notHeldSinceLastWarning', now },
  );
  // Told after the commit, so Slack never shows a status the database does not have; its failures stay its own.
  const replyChanged = (outcome: Result<Ingested, WebhookRejection>) => {
    if (outcome.ok && outcome.value.replyReport === 'held') options.onReplyReportHeld?.();
    if (outcome.ok && outcome.value.replyReport === 'too_many') tooManyHeld();
    const reply = outcome.ok ? outcome.value.reply : undefined;
    if (reply && options.onReplyStatusChanged) {
      Promise.resolve()
        .then(() => options.onReplyStatusChanged?.(reply))
        .catch((error: unknown) => logger.warn('could not show a reply status in Slack', { error: describeError(error) }));
    }
    return outcome;
  };
  // The database file went away (store/databaseFile.ts): a webhook stored now is acknowledged into a file that no
  // restart opens again. Refused like a store failure (503 with Retry-After), so Wavix sends it again later.
  const refused = () => {
    const why = writeHealth.refusal();
    return why === null ? null : Promise.reject(new StoreUnavailableError(new Error(why)));
  };
  // A full disk or a lock held for long refuses every webhook: one line a minute per reason, with the count since.
  const storeRefused = warnOncePerMinute(
    logger,
    'webhook not stored, answered 503',
    {},
    { countField: 'refusedSinceLastWarning', now },
  );
  // A sender's mistake, as often as it likes: one line a minute per route and kind of refusal, with the count since.
  const webhookRefused = warnOncePerMinute(
    logger,
    'webhook refused, not stored (kept in rejected_webhooks: `/sms relay status` shows them)',
    {},
    { countField: 'refusedSinceLastWarning', now },
  );
  // Wavix's DLR webhook pointing at the inbound URL: taken as delivery reports, and said once a minute with the fix.
  const misrouted = warnOncePerMinute(
    logger,
    'a delivery report came to smsops’ inbound SMS webhook (taken as a delivery report): Wavix’s DLR webhook points at the inbound URL; run `/sms webhook set default`, which points it at smsops’ /webhooks/wavix/dlr/ URL',
    {},
    { countField: 'reportsSinceLastWarning', now },
  );
  const reportOnInbound = (outcome: Result<Ingested, WebhookRejection>) => {
    if (outcome.ok && outcome.value.misrouted) {
      misrouted('inbound', { route: 'inbound' });
      return replyChanged(outcome);
    }
    return outcome;
  };
  const storeInbound: RelayIntake['ingest']['inbound'] = (r) => {
    const refusal = refused();
    if (refusal) return refusal;
    const store = () =>
      commits
        .submit(
          () => ingestInboundMessage(deps, r),
          // Committed: its id is its own for good. Kept before its deliveries leased in the same commit are sent.
          (outcome) => {
            if (!outcome.ok) return;
            if (outcome.value.stored) {
              fresh.put(outcome.value.stored);
              if (trail) trail.stored(outcome.value.stored.wavixMessageId);
            }
            if (outcome.value.leased) portsipWorker.keepClaimed(outcome.value.leased);
          },
        )
        .then(counted('inbound'))
        .then(reportOnInbound);
    const held = pacer.admit();
    return held ? held.then(store) : store();
  };
  // The inbound SMS webhook pointing at the DLR URL: taken as SMS, and said once a minute with the fix.
  const smsOnDlr = warnOncePerMinute(
    logger,
    'an inbound SMS came to smsops’ delivery report webhook (taken as an SMS): Wavix’s inbound SMS webhook (the account default or a number’s own) points at the DLR URL; run `/sms webhook set default` and `/sms numbers` to see which',
    {},
    { countField: 'smsSinceLastWarning', now },
  );
  const intake: RelayIntake = {
    rejected: deps.rejected,
    ingest: {
      inbound: storeInbound,
      dlr: (r) =>
        refused() ??
        commits
          .submit(() => ingestDeliveryReport(deps, r))
          .then((outcome) => {
            // Never under a DLR-only secret (WEBHOOK_SECRET_PREVIOUS_DLR): a rotated-out secret posts no SMS or STOP.
            if (outcome.ok || outcome.error.code !== 'inbound_message' || r.reportsOnly)
              return replyChanged(counted('dlr')(outcome));
            smsOnDlr('dlr', { route: 'dlr' });
            return storeInbound({ ...r, route: 'inbound' });
          }),
    },
    latency,
    onAnswered: (route, status) => answered.inc({ route, status: String(status) }),
    // Info, not an error: the client's connection ended, smsops did nothing wrong and answered nothing.
    onRefused: (route, refusal) => {
      webhookRefused(`${route}\n${refusal.code}`, {
        route,
        code: refusal.code,
        reason: refusal.reason,
        wavixMessageId: refusal.messageId,
      });
      if (trail) trail.refused(route, refusal.messageId, refusal.code);
    },
    onBodyCut: (route, bytes) =>
      logger.info('webhook not stored: the client closed the connection before sending its whole body (nothing answered)', {
        route,
        ...bytes,
      }),
    onBusy: (route, bytesInUse) => {
      received.inc({ route, outcome: 'not_stored' });
      storeRefused(`${route}\nbody budget`, {
        route,
        reason: `the webhook bodies being read hold ${Math.round(bytesInUse / 1024)} KB, smsops' budget for them: Wavix sends it again`,
      });
    },
    onStoreError: (route, error) => {
      received.inc({ route, outcome: 'not_stored' });
      if (isTransientStoreError(error))
        storeRefused(`${route}\n${storeErrorReason(error)}`, { route, error: describeError(error) });
      else logger.error('webhook not stored, answered 500', { route, error: describeError(error) });
    },
    onIngested: (route, outcome) => {
      received.inc({ route, outcome });
      // The PortSIP worker was handed what the webhook's commit leased to it (and claims the rest itself).
      if (route === 'inbound' && outcome === 'stored') slackWorker.wake();
    },
  };

  const health = () =>
    judgeRelayHealth({
      workers: workers.map((w) => w.status()),
      writes: writeHealth.state(),
      slackTokenRefused: attemptFailures.slackTokenRefused(),
      now: now(),
    });
  metrics.gauge('smsops_relay_worker_seconds_since_loop', 'Seconds since each relay worker last went round.', ['kind'], () =>
    health().workers.map((w) => ({ labels: { kind: w.kind }, value: w.secondsSinceLoop })),
  );
  metrics.gauge('smsops_store_writable', '1 while the database can be written (real writes and a probe), else 0.', [], () => [
    { value: writeHealth.state().writable ? 1 : 0 },
  ]);
  const watchdog = startRelayWatchdog({
    probeWrite: store.probeWrite,
    checkFile: store.checkFile,
    syncProblem: store.syncProblem,
    // A lease run out (renewals failing) pauses the relay as /healthz says: no "works again" while it lasts.
    health: store.lease ? withInstanceLease(health, store.lease) : health,
    writeHealth,
    alerts: options.alerts,
    openAlert: alerts.open().some((a) => a.rule === ALERT_RULE.relayStalled),
    stallAlertAfterMs: options.stallAlertAfterMs ?? 30_000,
    notifier: options.notifier,
    alertRecords: alerts,
    transaction: store.transaction,
    logger,
    now,
  });

  const wakeRelay = () => {
    for (const w of workers) w.wake();
  };
  return {
    intake,
    health,
    polledBacklog,
    operations: {
      deliveries,
      inbound,
      rejected: repositories.rejectedWebhooks,
      replies: repositories.conversationReplies,
      schemaWarnings,
      now,
      wakeRelay,
      slackQueue: repositories.slackQueue,
      routing: deps,
      forgetMovedFrom,
    },
    routeChanges: {
      apply: (routeKey, write) => {
        const change = store.transaction(() => {
          const value = write();
          return { value, ...retargetDeliveries({ deliveries, routing: deps }, routeKey) };
        });
        if (change.moved > 0) {
          logger.info('route change moved queued deliveries', { route: routeKey, moved: change.moved });
          // Those claimed ahead still name the old destination: given back, they are claimed again as moved.
          for (const w of workers) w.returnClaimedAhead();
          wakeRelay();
          forgetMovedFrom(change.movedFrom);
        }
        return { value: change.value, moved: change.moved, unrouted: change.unrouted };
      },
    },
    slackTokenRefusedAtStart: (code) => attemptFailures.slackTokenRefusedAtStart(code),
    slackTokenChecked: (refusedCode) => attemptFailures.slackTokenChecked(refusedCode),
    slackTokenRevoked: (by) => attemptFailures.slackTokenRevoked(by),
    deadLettersDeleted: (unsent, by) => {
      for (const { kind, destination, n } of unsent)
        if (kind === 'portsip' || kind === 'slack') deadLetters.deletedUnsent(kind, destination, n, by);
    },
    stop: async () => {
      watchdog.stop();
      deadLetters.stop();
      pacer.releaseAll();
      // A hung PBX would hold shutdown for its deadline (15 s), past Docker's grace period: after 5 s the PortSIP
      // connections are cut, so those attempts fail and stay pending (sent again after the restart).
      const cut = setTimeout(() => portsip.close(), options.shutdownGraceMs ?? 5_000);
      await Promise.all([...workers.map((w) => w.stop()), slackLeg.stop()]);
      clearTimeout(cut);
      portsip.close();
      deadLog.stop();
      attemptFailures.stop();
    },
  };
}
