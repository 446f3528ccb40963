import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type Config, ConfigError } from './config.js';
import { ALERT_RULE } from './core/alertRules.js';
import { createAlerts } from './core/alerts.js';
import { createDeletedUnseen, replyDeleted, WITHDRAWN_TEXT } from './core/conversations/deletedReply.js';
import { editNotSentText } from './core/conversations/editedReply.js';
import { markInterruptedSends, markUnsentReplies } from './core/conversations/interruptedSends.js';
import {
  type ReplyOutcome,
  sendTakenReply,
  type ThreadMessage,
  takeReplyWhenWritable,
} from './core/conversations/replyFromThread.js';
import { createReplyQueue } from './core/conversations/replyQueue.js';
import { createSendsInFlight } from './core/conversations/sendsInFlight.js';
import { answerThreadNotKept } from './core/conversations/threadNotKept.js';
import { followHostClock } from './core/hostClockAlert.js';
import { createKeyedGap } from './core/keyedGap.js';
import { createKeyedSerial } from './core/keyedSerial.js';
import { createPacedRuns } from './core/pacedRuns.js';
import { ALERT_NOT_SHOWN_REASONS } from './core/ports/notifier.js';
import { storedRouteProblems } from './core/portsipUrl.js';
import { RouteUndos } from './core/routeUndo.js';
import type { SetupServices } from './core/services.js';
import { maskUrl } from './core/urls.js';
import { PREVIOUS_HOLDS_GENERATED, WEBHOOK_SECRET_DROPPED, webhookSecretInForce } from './core/webhookSecretSource.js';
import { smsopsWebhookUrls } from './core/webhooks.js';
import { describeError } from './errors.js';
import { healthRoute, metricsRoute } from './http/health.js';
import { homeRoute } from './http/home.js';
import { startHttpServer } from './http/server.js';
import { type InheritedSocket, socketOnEveryAddress, systemdSocketWords } from './http/systemdSocket.js';
import { tenDlcWebhookRoutes } from './http/tenDlcWebhookRoutes.js';
import { createWebhookBodyBudget } from './http/webhookBodyBudget.js';
import { webhookRoutes } from './http/webhookRoutes.js';
import { previousSecretReporter } from './http/webhookSecrets.js';
import { createRunAfterChange } from './jobs/runAfterChange.js';
import { createWatch } from './jobs/watch.js';
import { type Logger, registerSecret } from './log.js';
import { CONSOLE_STREAMS, countLogLinesDropped } from './logLinesDropped.js';
import { watchMemory } from './memoryLimit.js';
import { createMetricsRegistry } from './metrics.js';
import { openFileLimit } from './openFileLimit.js';
import { axiosProxyFor, useEnvironmentProxy, warnIfTlsVerificationOff } from './outboundProxy.js';
import { createPortsipApi } from './portsip/api.js';
import { portsipConnectionsAtStart } from './relay/portsipConnections.js';
import { startRelay } from './relay/relay.js';
import { slackCallTimeoutMs } from './relay/slackAttemptTiming.js';
import {
  createChartSlackClient,
  createDoctorSlackClient,
  createFormSlackClient,
  createHomeSlackClient,
  createRelaySlackClient,
  createSlackSurface,
  createThreadStartSlackClient,
  createWatchSlackClient,
  type SlackSurfaceOptions,
} from './slack/app.js';
import type { BotIdentity } from './slack/botIdentity.js';
import { SlackCallCut } from './slack/callCut.js';
import { createSlackDirectoryFor } from './slack/directory.js';
import { SLACK_REFUSALS } from './slack/eventsGuard.js';
import { startCustomerThread } from './slack/groupedAnswer.js';
import { createInteractionsInFlight } from './slack/interactionsInFlight.js';
import { DOCTOR_RUN_GAP_MS } from './slack/listeners/commands/doctorCommand.js';
import { TRAFFIC_CHART_GAP_MS } from './slack/listeners/commands/watchCommands.js';
import { createSlackNotifier } from './slack/notifier/createSlackNotifier.js';
import { createSignatureWatch } from './slack/signatureWatch.js';
import { createSlackClock, type SlackClockReading, verdictOf } from './slack/slackClock.js';
import { keepCheckingSlackClock } from './slack/slackClockCheck.js';
import { type StartupLine, startupSummary } from './startupSummary.js';
import { backupDirProblem } from './store/backup.js';
import type { DatabaseMode } from './store/databaseMode.js';
import { withInstanceLease } from './store/instanceLease.js';
import { LeaselessProcessError, leaselessProcessHoldsDatabase } from './store/leaselessNeighbour.js';
import { openStore } from './store/openStore.js';
import { backupBeforeUpgrade } from './store/preUpgradeBackup.js';
import { countUnhandledRejections } from './unhandledRejections.js';
import { createWavixClient, type WavixClient } from './wavix/client.js';
import { WavixError } from './wavix/errors.js';
import { createWavixKeyRefusal } from './wavix/keyRefusal.js';
import { isOptedOutRefusal } from './wavix/optOuts.js';

/**
 * The codes src/http/boundedServer.ts counts a request refused before routing under that a client can cause: ours,
 * Node's, and llhttp's for a malformed request (a fixed set; any other HPE_ code appears when seen). Each at 0 from the
 * start, so the first one after a restart is a rise increase() sees.
 */
const MALFORMED_REQUEST_CODES = [
  'missing_host',
  'unsupported_expect',
  'connect',
  'smsops_stalled',
  'ERR_HTTP_REQUEST_TIMEOUT',
  'other',
  'HPE_HEADER_OVERFLOW',
  'HPE_CHUNK_EXTENSIONS_OVERFLOW',
  'HPE_INVALID_METHOD',
  'HPE_INVALID_URL',
  'HPE_INVALID_CONSTANT',
  'HPE_INVALID_VERSION',
  'HPE_INVALID_HEADER_TOKEN',
  'HPE_INVALID_CONTENT_LENGTH',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_INVALID_TRANSFER_ENCODING',
  'HPE_INVALID_EOF_STATE',
  'HPE_CR_EXPECTED',
  'HPE_LF_EXPECTED',
  'HPE_UNEXPECTED_SPACE',
  'HPE_STRICT',
] as const;

/** How long a stop waits for replies in flight: a little over the Wavix client's own timeout (15 s). */
const REPLY_DRAIN_MS = 20_000;
/** How long a stop then waits for Slack to show "Not sent" under the replies it gave up on. */
const UNSENT_LINES_WAIT_MS = 5_000;
/**
 * How long after the signal a stop waits for interactions' slow parts (a change asked of Wavix, whose client gives up
 * after 15 s), then how long for the words telling their people it gave up: within systemd's 30 s TimeoutStopSec.
 */
const INTERACTIONS_WAIT_MS = 10_000;
const INTERACTIONS_TELL_MS = 5_000;
/**
 * When, after the signal, the stop stops waiting for replies in flight, so that with the "Not sent" lines after it
 * the whole stop stays within systemd's TimeoutStopSec and Docker's stop_grace_period (30 s): each step's own bound
 * (the HTTP grace, the jobs', the relay's) added up to past it, and a SIGKILL kept the instance lease until it ran out.
 */
const REPLIES_GIVEN_UP_AFTER_MS = 23_000;
/**
 * The longest a reply's send can take once started: the status line's wait (2 s) and one Wavix attempt (the client's
 * 15 s; a send is tried again only when nothing reached Wavix). Once stopping, a send is started only if it fits in
 * what is left of the stop's wait: one started 12 s after the signal was cut at 20 s, left "Sending…" for good.
 */
const REPLY_SEND_MAX_MS = 17_000;

export interface RunningSmsops {
  /** Base URL of the HTTP listener actually bound. */
  url: string;
  /** Lines for the log once started: where smsops listens, what is missing and what that means (no secrets). */
  summary: readonly StartupLine[];
  stop(): Promise<void>;
}

/**
 * Every outcome smsops_replies_total counts, each at 0 from the start: a series first seen at 1 is missed by increase(),
 * and only five were, so the first reply a locked database (not_recorded) or a stop (abandoned) kept from going out
 * after a restart was never seen by a rule. A record, so a new outcome cannot be left out.
 */
const COUNTED_REPLY_OUTCOMES: Record<Exclude<ReplyOutcome, 'not_a_relay_thread' | 'already_handled'>, true> = {
  sent: true,
  failed: true,
  unknown: true,
  blocked: true,
  not_allowed: true,
  files: true,
  slack_link: true,
  shared_message: true,
  mentions_people: true,
  empty: true,
  not_recorded: true,
  thread_not_kept: true,
  abandoned: true,
  withdrawn: true,
};

/**
 * The composition root: the store (every repository, built once), webhook secret, Wavix client, HTTP listener and
 * its routes. Feature modules (Slack, relay, jobs) get what they need from here, never the database handle; nothing
 * below this file knows about the others.
 */

export interface StartOptions {
  logger: Logger;
  /**
   * Aborted by a stop (SIGTERM, SIGINT) asked during the start: an upgrade whose backup is still being taken ends there,
   * unmigrated. Any other start finishes and then stops (src/processMain.ts).
   */
  stopAsked?: AbortSignal;
  /**
   * Called just before the store opens (and migrates): until then a stop, however it ends, leaves the database as it
   * was and nothing relayed (src/processMain.ts says so on a second signal).
   */
  onOpeningDatabase?: () => void;
  /**
   * Called once another process turned out to hold the database (the instance lease taken or removed): this process
   * can never relay again, so the process stops it and exits 1 for its supervisor to start it afresh (src/processMain.ts).
   */
  onDatabaseLost?: (reason: string) => void;
  /** The listening socket systemd passed (src/http/systemdSocket.ts): listened on instead of binding HOST and PORT. */
  listenSocket?: InheritedSocket;
  /** Test knobs for the Slack side (ack timeout, Web API retries). */
  slack?: Pick<SlackSurfaceOptions, 'unhandledRequestTimeoutMillis' | 'retryConfig'>;
  /**
   * smsops' one clock: every repository, the relay, the jobs and /healthz read it. Tests pass one that moves with the
   * Wavix emulator's, so "the last hour" is the emulator's last hour. Default Date.now.
   */
  now?: () => number;
  /** False in tests: jobs then run only when asked (`/sms jobs run`), never at a minute boundary mid-test. */
  scheduleJobs?: boolean;
  /** Recorded in the database on first open; a database of the other mode is refused. Default production. */
  mode?: DatabaseMode;
  /** How long a stop waits for replies in flight before it gives up on those not yet sent; default 20 s. */
  replyDrainMs?: number;
  /** How long a reply's writes wait for another process's write lock before it is said not sent; default 10 s. */
  replyWriteWaitMs?: number;
  /** The least time between two starts of `/sms doctor`'s shared runs (DOCTOR_RUN_GAP_MS); tests not about it set 0. */
  doctorRunGapMs?: number;
  /** A job's time limit when it sets none (10 minutes); tests about it set less. */
  jobTimeLimitMs?: number;
  /**
   * Production: asks Slack once whether SLACK_BOT_TOKEN is accepted (src/slack/tokenCheck.ts); the bot's ids it
   * learns are the ones Slack's requests are authorised with, so no request waits on a second auth.test, and a refusal
   * reaches /healthz and smsops_slack_token_refused at once.
   */
  checkSlackToken?: (
    onRefused: (code: string) => void,
    onClock: (reading: SlackClockReading) => void,
  ) => Promise<BotIdentity | undefined>;
  /** HTTP mode: how often Slack's time is asked again (default 10 min), and how soon a stale signed request may ask it. */
  slackClockCheck?: { everyMs?: number; soonestGapMs?: number };
  /**
   * The variables as read, `.env` underneath the real environment (src/config.ts readEnvironment): the outbound proxy
   * (HTTPS_PROXY, NO_PROXY) is taken from them, since one written in `.env` went unread. Default process.env.
   */
  environment?: Readonly<Record<string, string | undefined>>;
}

export async function startSmsops(config: Config, deps: StartOptions): Promise<RunningSmsops> {
  // What has started so far, undone in reverse when a later step fails (the port is taken, Slack refuses): otherwise
  // its timers (lease heartbeat, WAL checkpoints, relay workers) keep a process that failed to start alive, holding the database.
  const started: Array<() => Promise<void>> = [];
  try {
    return await startParts(config, deps, started);
  } catch (error) {
    for (const undo of started.reverse()) {
      await undo().catch((undoError: unknown) =>
        deps.logger.warn('a part did not stop after a failed start', { error: describeError(undoError) }),
      );
    }
    throw error;
  }
}

async function startParts(config: Config, deps: StartOptions, started: Array<() => Promise<void>>): Promise<RunningSmsops> {
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  // Another process holding the database after all (clock jump, split brain, this one frozen past its lease): stop
  // relaying and running jobs at once, then let the process end (onDatabaseLost). Left running, it went on
  // acknowledging webhooks into a database nothing relayed once the other process gave the lease back (a second
  // smsops started while this one was frozen, which then failed to listen on the port this one held: 1,010 SMS
  // acknowledged and stuck, no alert; a probe).
  const onLeaseLost = (reason: string) => {
    void Promise.all([relay.stop(), watch.stop()]);
    deps.onDatabaseLost?.(reason);
  };
  // Before smsops opens the database itself: an smsops from before instance leases still running on it is refused.
  if ((deps.mode ?? 'production') === 'production' && leaselessProcessHoldsDatabase(config.databasePath))
    throw new LeaselessProcessError();
  // Before the store opens, which migrates: an upgrade backs the database up first, or does not migrate at all.
  await backupBeforeUpgrade(config.databasePath, {
    mode: deps.mode ?? 'production',
    logger,
    now,
    dir: config.backup.dir,
    skip: config.backup.skipBeforeUpgrade,
    leaseMs: config.instanceLeaseMs,
    stopAsked: deps.stopAsked,
  });
  deps.onOpeningDatabase?.();
  const store = openStore(config.databasePath, {
    mode: deps.mode ?? 'production',
    logger,
    now,
    instanceLease: { leaseMs: config.instanceLeaseMs, onLost: onLeaseLost },
    synchronous: config.databaseSynchronous,
  });
  started.push(() => store.close());
  const { repositories, lease } = store;
  // Changes the last process was running when it stopped without finishing them (killed, crashed): never finished.
  const unfinished = repositories.audit.markInterrupted();
  if (unfinished > 0)
    logger.warn('changes the last run did not finish are recorded as interrupted in the audit log', { unfinished });

  // The secret path segment of the webhook URLs: configured, or generated once and kept, so URLs set in Wavix survive restarts.
  const webhookSecret = webhookSecretInForce(repositories.settings, config.webhookSecret, () =>
    randomBytes(24).toString('base64url'),
  );
  if (webhookSecret === null) throw new ConfigError([WEBHOOK_SECRET_DROPPED]);
  if ([...config.previousWebhookSecrets, ...config.previousDlrWebhookSecrets].includes(webhookSecret))
    throw new ConfigError([PREVIOUS_HOLDS_GENERATED]);
  registerSecret(webhookSecret);
  const previousWebhookSecrets = config.previousWebhookSecrets;
  for (const previous of [...previousWebhookSecrets, ...config.previousDlrWebhookSecrets]) registerSecret(previous);
  if (config.previousDlrWebhookSecrets.length > 0) {
    logger.warn(
      'delivery report URLs with a previous secret are still taken (WEBHOOK_SECRET_PREVIOUS_DLR; SMS and 10DLC webhooks under it are refused 404): once replies sent before the rotation have had their delivery reports (3 days), empty it and restart',
      { previousSecrets: config.previousDlrWebhookSecrets.length },
    );
  }
  if (previousWebhookSecrets.length > 0) {
    logger.warn(
      'webhook URLs with a previous secret are still taken (WEBHOOK_SECRET_PREVIOUS): once `/sms webhook set default` and each number moved Wavix to the current one, and replies sent before have had their delivery reports (3 days), empty it and restart',
      { previousSecrets: previousWebhookSecrets.length },
    );
  }

  // Before any client exists: Slack's calls then go through the same proxy as Wavix's.
  const environment = deps.environment ?? process.env;
  const socketDispatcher = useEnvironmentProxy(environment, logger);
  // Node itself reads NODE_TLS_REJECT_UNAUTHORIZED from the real environment only: one in `.env` changes nothing.
  warnIfTlsVerificationOff(process.env, logger);
  const wavixKey = createWavixKeyRefusal();
  const wavix = createWavixClient({
    baseUrl: config.wavix.apiUrl,
    apiKey: config.wavix.apiKey,
    logger,
    proxy: axiosProxyFor(environment, config.wavix.apiUrl),
    onAnswer: (status) => wavixKey.note(status, Date.now()),
  });
  // A bad key or an unreachable Wavix is reported at once, but does not stop smsops: the webhook relay still works.
  wavix.profile.balance().then(
    (balance) => logger.info('Wavix reachable', { apiUrl: maskUrl(config.wavix.apiUrl), balanceUsd: balance }),
    (error: unknown) =>
      logger.warn('Wavix check failed', { error: error instanceof WavixError ? error.userMessage : describeError(error) }),
  );

  const services: SetupServices<WavixClient> = {
    wavix,
    senderIds: repositories.senderIds,
    routes: repositories.routes,
    audit: repositories.audit,
    adminUsers: config.slack.adminUsers,
    alertUsers: config.slack.alertUsers,
    replyUsers: config.slack.replyUsers,
    directory: createSlackDirectoryFor(config.slack, logger, deps.slack?.retryConfig),
    smsopsWebhooks: smsopsWebhookUrls(
      config.publicBaseUrl,
      webhookSecret,
      previousWebhookSecrets,
      config.previousDlrWebhookSecrets,
    ),
    wavixOnThisHost: deps.mode === 'sandbox',
    defaultPortsipUrl: config.portsipWebhookUrl ?? null,
    watchBaseline: repositories.watchBaseline,
    ownAddress: {
      webhookSecret,
      previousWebhookSecrets,
      publicBaseUrl: config.publicBaseUrl,
      listener: { host: config.http.host, port: config.http.port },
    },
  };
  const metrics = createMetricsRegistry();
  metrics.gauge(
    'smsops_wavix_key_refused',
    '1 while Wavix refuses WAVIX_API_KEY (401): replies from Slack are not sent, the watch cannot read Wavix; else 0.',
    [],
    () => [{ value: wavixKey.refusedSince() === undefined ? 0 : 1 }],
  );
  metrics.gauge('smsops_instance_lease_failed_renewals', 'Heartbeats of the instance lease that failed (retried).', [], () => [
    { value: lease.state().failedRenewals },
  ]);
  metrics.gauge(
    'smsops_store_wal_checkpointer_running',
    '1 while WAL checkpoints run off the event loop; 0 once that thread stopped (the commits checkpoint, stalling); absent for a database in memory.',
    [],
    () => {
      const { running } = store.walCheckpointer();
      return running === undefined ? [] : [{ value: running ? 1 : 0 }];
    },
  );
  metrics.gauge(
    'smsops_store_wal_gate_held_seconds',
    'Time the commits were held while the WAL was restarted, since start (acknowledgements wait, nothing else does).',
    [],
    () => [{ value: store.walCheckpointer().heldMs / 1000 }],
  );
  metrics.gauge(
    'smsops_store_wal_main_catchups',
    'WAL copies the main connection finished itself since start, holding the event loop: a slow disk, or other writers.',
    [],
    () => [{ value: store.walCheckpointer().mainCatchUps }],
  );
  const malformedRequests = metrics.counter(
    'smsops_http_malformed_requests_total',
    'Requests refused before routing, by Node error code: malformed framing or headers (HPE_*), headers too large, or not sent in time; or by ours: an HTTP/1.1 request without Host (missing_host), an Expect other than 100-continue (unsupported_expect), CONNECT (connect), a request not read in time because smsops held its own event loop (smsops_stalled, answered 503).',
    ['code'],
    { initial: MALFORMED_REQUEST_CODES.map((code) => ({ code })) },
  );
  const connectionsRefused = metrics.counter(
    'smsops_http_connections_refused_total',
    'Connections closed or refused to keep the listener up: at the connection cap the oldest one without a request in progress (cap_evicted) or with only an unverified Slack request (cap_evicted_untrusted) is closed, or the newcomer refused when none is (cap_full); pipelining without reading the answers.',
    ['reason'],
    { initial: (['cap_evicted', 'cap_evicted_untrusted', 'cap_full', 'pipelining'] as const).map((reason) => ({ reason })) },
  );
  const slackRequestsRefused = metrics.counter(
    'smsops_slack_requests_refused_total',
    'Requests to /slack/events refused before Bolt took them, by reason (all but replay and future_timestamp need no signing secret).',
    ['reason'],
    { initial: SLACK_REFUSALS.map((reason) => ({ reason })) },
  );
  const unhandledRejections = metrics.counter(
    'smsops_unhandled_rejections_total',
    'Errors no part of smsops handled (logged, and smsops went on): each one is a defect to report.',
    [],
  );
  const stopCountingRejections = countUnhandledRejections((by) => unhandledRejections.inc(undefined, by));
  started.push(async () => void stopCountingRejections());
  const logLinesDropped = metrics.counter(
    'smsops_log_lines_dropped_total',
    'Log lines not written because the stream could not take them (a full pipe or disk, or no reader), by stream: smsops went on instead of waiting. Said in the log too, once the stream takes lines again.',
    ['stream'],
    { initial: CONSOLE_STREAMS.map((stream) => ({ stream })) },
  );
  const stopCountingDroppedLines = countLogLinesDropped((stream, by) => logLinesDropped.inc({ stream }, by));
  started.push(async () => void stopCountingDroppedLines());
  const memory = watchMemory({ logger });
  started.push(async () => memory.stop());
  metrics.gauge(
    'smsops_memory_used_bytes',
    'Anonymous and shared memory of the process (RssAnon + RssShmem): what a container memory limit kills for.',
    [],
    () => [{ value: memory.reading().usedBytes }],
  );
  metrics.gauge(
    'smsops_memory_limit_bytes',
    "The process's memory limit (its cgroup's: a container's, systemd's MemoryMax), 0 when none is set.",
    [],
    () => [{ value: memory.reading().limitBytes ?? 0 }],
  );
  // Cut when smsops stops, like the relay's below: an alert Slack does not answer must not hold the stop.
  const watchSlackCalls = new AbortController();
  const watchSlack = createWatchSlackClient(config.slack, logger, deps.slack?.retryConfig, undefined, watchSlackCalls.signal);
  const relayRetry = { baseDelayMs: config.relay.retryBaseMs, maxDelayMs: 5 * 60_000, deadAfterMs: config.relay.deadAfterMs };
  // Cut when the relay stops: a call Slack never answers would otherwise outlive the stop, and the database.
  const relaySlackCalls = new AbortController();
  // The replies' status lines are cut last: a stop still says which replies it sent and which it gave up on.
  const replySlackCalls = new AbortController();
  const replySlack = createWatchSlackClient(config.slack, logger, deps.slack?.retryConfig, undefined, replySlackCalls.signal);
  const postUpdateErrors = metrics.counter(
    'smsops_slack_post_update_errors_total',
    "Errors the loop editing relayed SMS posts (their PortSIP state) survived: the database failing, a post's row that cannot be written (set aside, the others go on). A rise means posts show an old state.",
    [],
    { initial: [{}] },
  );
  // The relay's first post of a conversation's day and "Answer" on a grouped post start its thread in turn.
  const threadStarts = createKeyedSerial();
  const notifier = createSlackNotifier({
    client: watchSlack,
    repliesClient: replySlack,
    relayClient: createRelaySlackClient(config.slack, logger, slackCallTimeoutMs(config.relay.leaseMs), relaySlackCalls.signal),
    alertChannel: config.slack.alertChannel,
    relay: {
      deliveries: repositories.deliveries,
      inbound: repositories.inbound,
      posts: repositories.slackPosts,
      threads: repositories.slackThreads,
      paceMs: config.relay.slackPaceMs,
      maskCodes: config.relay.maskCodesInSlack,
      optOuts: repositories.optOuts,
      retry: relayRetry,
      logger: logger.child({ component: 'relay' }),
      now,
      // The team's day, as its schedules read it: a conversation's thread does not change at 19:00 in New York.
      threadTimeZone: config.schedules.timezone,
      threadStarts,
      cutCalls: () => relaySlackCalls.abort(new SlackCallCut()),
      onPostUpdateError: () => postUpdateErrors.inc(),
    },
    replies: repositories.conversationReplies,
    logger: logger.child({ component: 'watch' }),
    now,
  });
  const alertPostsFailed = metrics.counter(
    'smsops_alert_posts_failed_total',
    'Alert messages (posts, edits, resolutions) Slack did not take, by reason: not_in_channel, channel_not_found, token_refused, rate_limited, no_answer, refused, cut_at_stop, other. Each alert is kept and shown at its next raise.',
    ['reason'],
    { initial: ALERT_NOT_SHOWN_REASONS.map((reason) => ({ reason })) },
  );
  const alertLifecycle = createAlerts({
    alerts: repositories.alerts,
    notifier,
    logger: logger.child({ component: 'alerts' }),
    onNotShown: ({ reason }) => alertPostsFailed.inc({ reason }),
    now,
  });
  // A reply's delivery report held for Wavix's confirmation is checked at once by the watch's reply-lookups job (made
  // after the relay).
  let confirmHeldReplyReports = () => {};
  const relay = startRelay({
    repositories,
    store,
    defaultPortsipUrl: config.portsipWebhookUrl ?? null,
    inboxChannel: config.slack.inboxChannel,
    alerts: alertLifecycle,
    notifier,
    concurrency: config.relay.concurrency,
    portsipConnections: portsipConnectionsAtStart(
      {
        fdLimit: openFileLimit(),
        maxConnections: config.http.limits.maxConnections,
        relayConcurrency: config.relay.concurrency,
      },
      logger,
    ),
    retry: relayRetry,
    portsipDeadlineMs: config.relay.portsipDeadlineMs,
    leaseMs: config.relay.leaseMs,
    stallAlertAfterMs: config.relay.stallAlertAfterMs,
    ingestPacing: { lagMs: config.relay.ingestPacingMs },
    // A delivery report on a reply sent from Slack moves its status line on ("Delivered" / "Undelivered: …").
    onReplyStatusChanged: (reply) => notifier.replies.showReplyStatus(reply),
    onReplyReportHeld: () => confirmHeldReplyReports(),
    metrics,
    logger: logger.child({ component: 'relay' }),
    now,
    holdsDatabase: () => lease.holds(),
    lostDatabase: () => lease.state().lostReason !== null,
  });
  started.push(() => relay.stop());
  services.routeChanges = relay.routeChanges;

  const watch = createWatch({
    repositories,
    retentionStore: store.retention,
    services,
    webhookSecret,
    publicBaseUrl: config.publicBaseUrl,
    schedules: config.schedules,
    retention: config.retention,
    onUnsentDeleted: (unsent) => relay.deadLettersDeleted(unsent),
    backup: config.backup,
    sandbox: deps.mode === 'sandbox',
    ...(deps.jobTimeLimitMs !== undefined ? { jobTimeLimitMs: deps.jobTimeLimitMs } : {}),
    backupDirProblem,
    backupNow: (cancellation) =>
      config.backup.dir
        ? store.backup({ dir: config.backup.dir, keep: config.backup.keep, signal: cancellation })
        : Promise.reject(new Error('backups are off')),
    alertLifecycle,
    notifier,
    metrics,
    logger,
    now,
  });
  started.push(() => watch.stop());
  confirmHeldReplyReports = () => watch.confirmHeldReplyReports();
  // A drift alert fixed from Slack ends when the watch sees it fixed: looked at now, not at its next run (5 min).
  const watchAgain = createRunAfterChange(watch.scheduler, 'traffic-watch', (error) =>
    logger.warn('the traffic watch run after a setup change failed', { error: describeError(error) }),
  );
  services.setupChanged = () => {
    if (repositories.alerts.open().some((a) => a.rule === ALERT_RULE.numberDrift)) watchAgain();
  };

  // Replies typed in relay threads go out as SMS; their status line is edited as Wavix reports on them. One thread's
  // replies go out in the order they were written; stop() waits for those in flight.
  void markInterruptedSends({ replies: repositories.conversationReplies, notifier: notifier.replies, logger });
  const replyQueue = createReplyQueue();
  const replySends = createSendsInFlight();
  /** When the stop stops waiting for replies (Date.now() time); undefined while running. */
  let repliesWaitedUntil: number | undefined;
  const replyDeps = {
    threads: repositories.slackThreads,
    processedEvents: repositories.processedSlackEvents,
    replies: repositories.conversationReplies,
    optOuts: repositories.optOuts,
    audit: repositories.audit,
    directory: services.directory,
    replyUsers: config.slack.replyUsers,
    tenDlc: repositories.tenDlc,
    wavix,
    isOptedOutRefusal,
    dlrCallbackUrl: services.smsopsWebhooks?.dlr ?? null,
    notifier: notifier.replies,
    logger: logger.child({ component: 'replies' }),
    ...(deps.replyWriteWaitMs !== undefined ? { writeWaitMs: deps.replyWriteWaitMs } : {}),
    mayStartSend: () => repliesWaitedUntil === undefined || Date.now() + REPLY_SEND_MAX_MS <= repliesWaitedUntil,
    background: (work: Promise<void>) => replyQueue.track(work),
    sends: replySends,
  };
  // What became of each reply taken in: a Prometheus rule sees Wavix refusing replies or leaving their outcome unknown,
  // which no alert reads (the watch's failure rate counts only SMS Wavix took).
  const replyOutcomes = metrics.counter(
    'smsops_replies_total',
    'Thread replies by what became of them: sent (Wavix took it), failed (Wavix refused it, or answered it rejected at once), unknown (Wavix may have sent it), blocked (refused by smsops: opt-out, number, length), not_allowed (who wrote it), and the rest.',
    ['outcome'],
    { initial: Object.keys(COUNTED_REPLY_OUTCOMES).map((outcome) => ({ outcome })) },
  );
  const deletedUnseen = createDeletedUnseen();
  // Edits of messages no reply was taken from yet, kept as the deletions are: the same retried events bring them first.
  const editedUnseen = createDeletedUnseen();
  const deletionDeps = {
    replies: repositories.conversationReplies,
    audit: repositories.audit,
    logger: replyDeps.logger,
    sends: replySends,
  };
  // Taken in (claimed and recorded) at once, before the thread's gather wait and the membership check; a write lock
  // held by another process is waited out for a while, then said to the person.
  const replyFromThread = async (message: ThreadMessage): Promise<ReplyOutcome> => {
    const taken = await takeReplyWhenWritable(replyDeps, message);
    // A grouped post is answered by the listener; a conversation retention deleted is said here.
    if (taken === 'not_a_relay_thread' && !conversations.isGroupedPost(message.channel, message.threadTs)) {
      const notKeptDeps = {
        notifier: notifier.replies,
        threads: repositories.slackThreads,
        retentionDays: config.retention.days,
        now,
      };
      return answerThreadNotKept(notKeptDeps, message);
    }
    if (typeof taken === 'string') return taken;
    // Slack delivered its deletion first (a retried event: smsops down or its socket reconnecting when it was posted):
    // withdrawn as if deleted while it waited its turn, or it went out minutes after its writer took it back.
    if (deletedUnseen.has(message.channel, message.messageTs)) {
      const deleted = replyDeleted(deletionDeps, message.channel, message.messageTs);
      if (deleted?.withdrawn) {
        await notifier.replies.tellPerson(message.channel, message.threadTs, message.userId, WITHDRAWN_TEXT);
        return 'withdrawn';
      }
    }
    const outcome = await replyQueue.run(`${message.channel} ${message.threadTs}`, message.messageTs, () =>
      sendTakenReply(replyDeps, taken),
    );
    // Slack delivered its writer's edit first: the reply went out (or not) as first written, which they did not see.
    if (editedUnseen.has(message.channel, message.messageTs)) {
      const status = repositories.conversationReplies.bySlackMessage(message.channel, message.messageTs)?.status;
      if (status !== undefined) {
        await notifier.replies.tellPerson(message.channel, message.threadTs, message.userId, editNotSentText(status));
      }
    }
    return outcome;
  };
  const groupedAnswerDeps = {
    inbound: repositories.inbound,
    deliveries: repositories.deliveries,
    posts: repositories.slackPosts,
    threads: repositories.slackThreads,
    client: createThreadStartSlackClient(config.slack, logger),
    threadTimeZone: config.schedules.timezone,
    threadStarts,
    now,
  };
  const conversations = {
    replyFromThread: async (message: ThreadMessage) => {
      const outcome = await replyFromThread(message);
      // Every message of the channels comes here: only replies are counted, once (Slack's retries are already_handled).
      if (outcome !== 'not_a_relay_thread' && outcome !== 'already_handled') replyOutcomes.inc({ outcome });
      return outcome;
    },
    isGroupedPost: (channel: string, ts: string) => repositories.slackPosts.at(channel, ts)?.layout === 'batch',
    startThread: (press: { channel: string; postTs: string; messageId: number; userId: string }) =>
      startCustomerThread(groupedAnswerDeps, press),
    takenReplyStatus: (channel: string, ts: string) => repositories.conversationReplies.bySlackMessage(channel, ts)?.status,
    editedBeforeTaken: (channel: string, ts: string) => editedUnseen.remember(channel, ts),
    replyDeleted: (channel: string, ts: string) => replyDeleted({ ...deletionDeps, unseen: deletedUnseen }, channel, ts),
  };

  // HTTP mode: Slack's time against this host's (/healthz, the gauge below, the host_clock_off alert).
  const hostClockAlert = followHostClock(alertLifecycle, logger.child({ component: 'alerts' }));
  const slackClock = createSlackClock((reading) =>
    hostClockAlert(reading && { ...reading, refusing: verdictOf(reading) === 'refusing' }),
  );
  // The token is followed in both modes (an app uninstalled while no SMS comes in); Slack's time in HTTP mode only.
  const slackChecks = keepCheckingSlackClock({
    slack: config.slack,
    ...(config.slack.appToken ? {} : { clock: slackClock }),
    logger,
    now,
    onToken: (refusedCode) => relay.slackTokenChecked(refusedCode),
    ...deps.slackClockCheck,
  });
  started.push(async () => slackChecks.stop());
  const slackClockChecks = config.slack.appToken ? undefined : slackChecks;
  // Socket Mode: nothing is signed, so no clock refuses anything; an alert a run in HTTP mode left open would stay so.
  if (!slackClockChecks) hostClockAlert(undefined);

  // HTTP mode: whether every signed Slack request lately failed its signature (a mistyped SLACK_SIGNING_SECRET).
  const signatures = config.slack.appToken
    ? undefined
    : createSignatureWatch({ logger: logger.child({ component: 'slack' }), now });

  const inFlight = createInteractionsInFlight(logger.child({ component: 'slack' }));
  const slack = createSlackSurface({
    slack: config.slack,
    ...(socketDispatcher ? { socketDispatcher } : {}),
    deps: {
      inFlight,
      services,
      relay: relay.operations,
      watch: watch.operations,
      alertLifecycle,
      alertChannel: config.slack.alertChannel,
      inboxChannel: config.slack.inboxChannel,
      publicBaseUrl: config.publicBaseUrl ?? null,
      doctorIgnores: repositories.doctorIgnores,
      customers: {
        records: repositories.customerRecords,
        now,
        serial: createKeyedSerial(),
        // Told after the erase, which stands whatever the alert does: a failure here is said, never the forget's.
        onDeadRemoved: (removed) => {
          try {
            relay.deadLettersDeleted(removed, 'forget');
          } catch (error) {
            logger.warn('/sms forget: the dead-letter alert could not be told of the SMS removed unsent', {
              error: describeError(error),
            });
          }
        },
      },
      doctorSlack: createDoctorSlackClient(config.slack, logger),
      homeSlack: createHomeSlackClient(config.slack, logger),
      formSlack: createFormSlackClient(config.slack, logger),
      doctorRuns: createPacedRuns(deps.doctorRunGapMs ?? DOCTOR_RUN_GAP_MS),
      routeUndos: new RouteUndos(),
      charts: { slack: createChartSlackClient(config.slack, logger), gap: createKeyedGap(TRAFFIC_CHART_GAP_MS) },
      portsip: config.portsipApi
        ? createPortsipApi({
            baseUrl: config.portsipApi.url,
            username: config.portsipApi.username,
            password: config.portsipApi.password,
            domain: config.portsipApi.domain,
            logger: logger.child({ component: 'portsip' }),
          })
        : null,
      conversations,
      onBotTokenRevoked: (by) => relay.slackTokenRevoked(by),
      logger: logger.child({ component: 'slack' }),
    },
    logger,
    ...deps.slack,
    onRequestRefused: (reason) => slackRequestsRefused.inc({ reason }),
    ...(deps.checkSlackToken
      ? {
          botIdentity: deps.checkSlackToken(
            (code) => relay.slackTokenRefusedAtStart(code),
            // Socket Mode: nothing is signed, so the start-up warning is all a clock off needs.
            (reading) => {
              if (slackClockChecks) slackClock.saidBySlack(reading);
            },
          ),
        }
      : {}),
    signedRequests: {
      onSignedAccepted: () => {
        slackClock.signedRequestAccepted();
        signatures?.passed();
      },
      onSignatureMismatch: () => signatures?.failed(),
      // Asks Slack's time at once (at most once a minute) rather than at the next check: the request alone proves nothing.
      onSignedStale: () => slackClockChecks?.soon(),
    },
  });

  if (slack.mode === 'socket') {
    metrics.gauge(
      'smsops_slack_socket_connected',
      "1 while Slack's Socket Mode connection is up: Slack commands, buttons and thread replies arrive only then (the relay does not need it).",
      [],
      () => [{ value: slack.socket()?.connected ? 1 : 0 }],
    );
  }

  if (slack.mode === 'http') {
    metrics.gauge(
      'smsops_host_clock_offset_seconds',
      "Slack's time minus this host's, in seconds, as Slack's own answers last said (negative: this host is ahead); past ±300 every Slack command, button and thread reply is refused as stale. Absent before Slack was first asked, and after a signed request proved a reading past 300 wrong.",
      [],
      () => {
        const reading = slackClock.reading();
        return reading === undefined ? [] : [{ value: -reading.aheadSeconds }];
      },
    );
  }

  const webhookSecrets = {
    secret: webhookSecret,
    previousSecrets: previousWebhookSecrets,
    onPreviousSecret: previousSecretReporter(metrics, logger.child({ component: 'webhooks' })),
  };
  // One for the SMS and the 10DLC webhooks: what their bodies may hold at once (./http/webhookBodyBudget.ts).
  const webhookBodyBudget = createWebhookBodyBudget();
  const http = await startHttpServer({
    host: config.http.host,
    port: config.http.port,
    ...(deps.listenSocket ? { socket: deps.listenSocket } : {}),
    // In the sandbox this listener is internal (its own port is the console's, SMSOPS_SANDBOX_PORT).
    ...(deps.mode === 'sandbox' ? {} : { portVariable: 'PORT' }),
    limits: config.http.limits,
    logger,
    onMalformedRequest: (code) => malformedRequests.inc({ code }),
    onConnectionRefused: (reason) => connectionsRefused.inc({ reason }),
    routes: [
      healthRoute({
        ...repositories,
        migrationCount: store.migrationCount,
        now,
        relay: withInstanceLease(relay.health, lease),
        polledBacklog: relay.polledBacklog,
        slackSocket: () => slack.socket(),
        alertsNotShown: alertLifecycle.notShown,
        alertsRateLimitedUntil: () => watchSlack.rateLimitedUntil(),
        slackClock: () => slackClock.reading(),
        ...(signatures ? { slackSignatures: signatures.words } : {}),
        replyLookups: watch.replyLookups,
        wavixKeyRefusedSince: wavixKey.refusedSince,
        memory: memory.reading,
      }),
      metricsRoute(metrics),
      homeRoute(),
      ...webhookRoutes({
        ...webhookSecrets,
        dlrOnlySecrets: config.previousDlrWebhookSecrets,
        ...relay.intake,
        bodyBudget: webhookBodyBudget,
      }),
      ...tenDlcWebhookRoutes({
        ...webhookSecrets,
        bodyBudget: webhookBodyBudget,
        onBusy: relay.intake.onBusy,
        rejected: repositories.rejectedWebhooks,
        receive: watch.receiveTenDlc,
        onIngested: relay.intake.onIngested,
        onAnswered: relay.intake.onAnswered,
        onStoreError: relay.intake.onStoreError,
      }),
      ...slack.routes,
    ],
  });
  started.push(() => http.close());
  // PORT=0 binds any free port: only now is the port a route must not name known.
  const bound = http.server.address() as AddressInfo;
  // A socket systemd passed is bound where its unit says, whatever HOST is.
  const boundHost = deps.listenSocket ? bound.address : config.http.host;
  if (bound.port > 0) services.ownAddress = { ...services.ownAddress, listener: { host: boundHost, port: bound.port } };
  started.push(() => slack.stop());
  // Socket Mode connects in the background: the webhooks, the relay and the jobs never wait for Slack to be up.
  slack.start();
  if (deps.scheduleJobs !== false) watch.start();
  // In the sandbox this port is internal (the console's listener forwards to it): said so, so nobody opens it.
  logger.info(deps.mode === 'sandbox' ? 'smsops listening behind the sandbox console' : 'smsops listening', {
    [deps.mode === 'sandbox' ? 'internalUrl' : 'url']: http.url,
    ...(deps.listenSocket ? { socket: systemdSocketWords(deps.listenSocket) } : {}),
    slackMode: slack.mode,
  });
  const openSocket = deps.listenSocket ? socketOnEveryAddress(bound, config.publicBaseUrl) : undefined;
  if (openSocket) logger.warn(openSocket);
  const storedRoutes = repositories.routes.list();
  const routeProblems = storedRouteProblems(storedRoutes);
  for (const { number, url, problem } of routeProblems) {
    logger.warn(`a stored PortSIP route cannot be right: ${problem}`, { route: number, url: maskUrl(url) });
  }
  const summary = startupSummary({
    listeningUrl: http.url,
    publicBaseUrl: config.publicBaseUrl,
    inboundWebhookUrl: services.smsopsWebhooks?.inbound,
    portsipWebhookUrl: config.portsipWebhookUrl,
    portsipRouteCount: storedRoutes.filter((r) => r.portsipUrl && r.number !== 'default').length,
    defaultRouteUrl: storedRoutes.find((r) => r.number === 'default')?.portsipUrl ?? undefined,
    routeProblems,
    slackMode: slack.mode,
  });

  // Stop accepting first (requests in progress finish), then let deliveries in flight finish or return to the
  // outbox, then close the database: nothing acknowledged is lost, nothing is left leased. Stopping twice (a second
  // signal) waits for the same stop.
  let stopping: Promise<void> | undefined;
  const markChangesInterrupted = () => {
    try {
      repositories.audit.markInterrupted();
    } catch (error) {
      logger.warn('the changes cut by the stop could not be marked interrupted; the next start does it', {
        error: describeError(error),
      });
    }
  };
  const stop = async () => {
    const signalledAt = Date.now();
    // At the latest; set exactly when the wait begins, below.
    repliesWaitedUntil = signalledAt + REPLIES_GIVEN_UP_AFTER_MS;
    const interactionsUntil = signalledAt + INTERACTIONS_WAIT_MS;
    await http.close();
    watchSlackCalls.abort(new SlackCallCut());
    await watch.stop();
    await relay.stop();
    await slack.stop();
    slackChecks.stop();
    // Nothing new arrives from Slack now. A slow part cut here tells its person; its change stays unknown in the audit.
    const interactionsSettled = inFlight.settle({ until: interactionsUntil, tellMs: INTERACTIONS_TELL_MS });
    // Bolt acknowledged their events before the listener ran: a reply being sent finishes and is recorded first.
    // Slack will not send those events again, so a reply still waiting to be sent is said "Not sent" in its thread.
    const drainMs = Math.max(
      1_000,
      Math.min(deps.replyDrainMs ?? REPLY_DRAIN_MS, signalledAt + REPLIES_GIVEN_UP_AFTER_MS - Date.now()),
    );
    repliesWaitedUntil = Date.now() + drainMs;
    if (!(await replyQueue.drain(drainMs))) {
      logger.warn('replies still sending when smsops stopped');
      await markUnsentReplies(
        { replies: repositories.conversationReplies, notifier: notifier.replies, logger },
        { showWithinMs: UNSENT_LINES_WAIT_MS },
      );
    }
    await interactionsSettled;
    // Nothing completes a change still in progress once the database is closed.
    markChangesInterrupted();
    replySlackCalls.abort(new SlackCallCut());
    await store.close();
    stopCountingRejections();
  };
  return {
    url: http.url,
    summary,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
