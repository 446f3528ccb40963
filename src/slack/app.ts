import { App, HTTPReceiver, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Dispatcher } from 'undici';
import type { Config } from '../config.js';
import { listSmsEnabledNumbers } from '../core/senderIds.js';
import { createSmsNumbersCache } from '../core/smsNumbersCache.js';
import { describeError } from '../errors.js';
import type { Route } from '../http/server.js';
import type { Logger } from '../log.js';
import { toBoltLogger } from './boltLogger.js';
import { askBotIdentity, type BotIdentity, learnBotIdentity } from './botIdentity.js';
import { cutOnStop, SlackCallCut } from './callCut.js';
import { cappedRetryAfterFetch, SLACK_RETRY_AFTER_CAP_SECONDS } from './cappedRetryAfter.js';
import { createSlackEventsGuard, SLACK_MAX_BODY_BYTES, type SlackRefusal } from './eventsGuard.js';
import type { SlackDeps } from './listeners/context.js';
import { registerListeners } from './listeners/index.js';
import { guardSlackPayloadShapes } from './payloadShape.js';
import { createRateLimitWaitingClient, type RateLimitWaitingClient } from './rateLimitWaits.js';
import { guardSlackReplays, type SlackReplayGuardOptions } from './replayGuard.js';
import { keepSocketConnected, quietSocketLogger, type SocketState } from './socketConnection.js';
import { checkRequestWorkspace } from './workspaceCheck.js';

/** Where Slack posts commands, interactions and events in HTTP mode (manifest.yml's URLs end in it). */
const SLACK_EVENTS_PATH = '/slack/events';

/** Bolt's own "not acknowledged" timer when none is set (HTTPReceiver's default). */
const BOLT_UNHANDLED_REQUEST_TIMEOUT_MS = 3001;

/**
 * How long an options request (the number search) may wait before answering with what it has: Slack's 3 seconds run
 * from its send, so the network both ways and a busy event loop need room: a probe measured 2.57 s for a 2.5 s wait,
 * and 3.05-3.1 s for a 2 s wait on a process just started and sent 30 requests at once while Wavix took 5 s.
 */
const OPTIONS_ANSWER_WITHIN_MS = 1500;

/** The wait above, and always before Bolt's own timer (tests lower it), which would answer 404 first. */
function optionsAnswerWithinMs(options: Pick<SlackSurfaceOptions, 'unhandledRequestTimeoutMillis'>): number {
  return Math.min(OPTIONS_ANSWER_WITHIN_MS, (options.unhandledRequestTimeoutMillis ?? BOLT_UNHANDLED_REQUEST_TIMEOUT_MS) - 500);
}

/** Slack answers a call within seconds; one not answered in this long is not coming. */
const SLACK_REQUEST_TIMEOUT_MS = 30_000;

export interface SlackSurface {
  /** HTTP mode: `POST /slack/events`, served by smsops' own listener. Socket Mode: none. */
  routes: Route[];
  /** A bot-token client for posts that do not answer an interaction (announcements, alerts). */
  client: webApi.WebClient;
  mode: 'http' | 'socket';
  /** Socket Mode: whether Slack's socket is connected (Slack's requests arrive only then). HTTP mode: undefined. */
  socket(): SocketState | undefined;
  /** Socket Mode: starts connecting in the background (retried until stop); never waits for Slack. */
  start(): void;
  stop(): Promise<void>;
}

export interface SlackSurfaceOptions {
  slack: Config['slack'];
  deps: Omit<SlackDeps, 'smsNumbers'>;
  logger: Logger;
  /** Tests lower these: Bolt's 3 s "not acknowledged" timer, and the Web API client's retries. */
  unhandledRequestTimeoutMillis?: number;
  retryConfig?: webApi.RetryOptions;
  /** The start-up token check's answer: the bot's ids, or undefined when Slack did not say them. */
  botIdentity?: Promise<BotIdentity | undefined>;
  /** Counts /slack/events requests refused before Bolt took them (HTTP mode), by reason. */
  onRequestRefused?: (reason: SlackRefusal) => void;
  /** The environment's proxy for Socket Mode's websocket, which otherwise connects directly (src/outboundProxy.ts). */
  socketDispatcher?: Dispatcher;
  /** HTTP mode: told of signed requests accepted, and of signed ones refused as stale (src/slack/replayGuard.ts). */
  signedRequests?: Pick<SlackReplayGuardOptions, 'onSignedAccepted' | 'onSignedStale' | 'onSignatureMismatch'>;
}

/**
 * The Bolt app on smsops' HTTP server (HTTP mode, signature-verified) or over a socket (Socket Mode when
 * SLACK_APP_TOKEN is set). Bolt never starts its own listener in HTTP mode: the receiver's request listener is
 * mounted as a route, so /slack/events shares the port, limits and shutdown of the webhooks.
 */
export function createSlackSurface(options: SlackSurfaceOptions): SlackSurface {
  const { slack, logger } = options;
  const boltLogger = toBoltLogger(logger.child({ component: 'slack' }));
  const clientOptions: webApi.WebClientOptions = {
    slackApiUrl: slack.apiUrl,
    logger: boltLogger,
    // Bolt's default retries a failing call for about 30 minutes; a person waiting on a reply needs an answer sooner.
    retryConfig: options.retryConfig ?? { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 3000 },
    // A 429 pauses every call of this client for its Retry-After: capped, so one answer cannot stop the bot for hours.
    fetch: cappedRetryAfterFetch(logger.child({ component: 'slack' })),
    // No answer at all (Slack or a proxy hanging) ends in an error the listener reports, not in a wait without end.
    timeout: SLACK_REQUEST_TIMEOUT_MS,
  };
  const client = new webApi.WebClient(slack.botToken, clientOptions);

  // The bot's ids, for Bolt's `authorize`, which runs before any acknowledgement: never waited for on a request.
  const identity = learnBotIdentity({
    ask: askBotIdentity(slack.botToken, clientOptions),
    ...(options.botIdentity ? { first: options.botIdentity } : {}),
    logger,
  });
  // The bot's ids only: a teamId here would stand in Bolt's context for the request's own (./workspaceCheck.ts).
  const authorize = async (_source: unknown, body?: unknown) => {
    const { botId, botUserId } = identity.forRequest(body);
    return { botToken: slack.botToken, ...(botId ? { botId } : {}), ...(botUserId ? { botUserId } : {}) };
  };

  let app: App;
  let routes: Route[] = [];
  let socket: ReturnType<typeof keepSocketConnected> | undefined;
  if (slack.appToken) {
    // Cut at stop: the connection call in flight (apps.connections.open) and its retries no longer hold the stop.
    const socketCalls = new AbortController();
    const { logger: _shared, ...socketClientOptions } = clientOptions;
    const receiver = new SocketModeReceiver({
      appToken: slack.appToken,
      ...(options.socketDispatcher ? { dispatcher: options.socketDispatcher } : {}),
      logger: quietSocketLogger(boltLogger),
      // smsops reconnects itself (src/slack/socketConnection.ts).
      autoReconnectEnabled: false,
      installerOptions: {
        clientOptions: {
          ...socketClientOptions,
          // One call per attempt: the attempts are retried, with their backoff and a log line each, by smsops.
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
          fetch: cutOnStop(socketCalls.signal, clientOptions.fetch),
        },
      },
    });
    app = new App({ receiver, authorize, clientOptions, logger: boltLogger });
    const onFrameRefused = options.onRequestRefused;
    socket = keepSocketConnected({
      client: receiver.client,
      stopping: socketCalls,
      logger: logger.child({ component: 'slack' }),
      ...(onFrameRefused ? { onFrameRefused } : {}),
    });
  } else {
    if (!slack.signingSecret) throw new Error('SLACK_SIGNING_SECRET is required in HTTP mode');
    const receiver = new HTTPReceiver({
      signingSecret: slack.signingSecret,
      endpoints: SLACK_EVENTS_PATH,
      logger: boltLogger,
      // Counts the bytes actually received, so a chunked body is cut at the same size a declared one is refused at.
      bodyLimit: SLACK_MAX_BODY_BYTES,
      ...(options.unhandledRequestTimeoutMillis ? { unhandledRequestTimeoutMillis: options.unhandledRequestTimeoutMillis } : {}),
    });
    app = new App({ receiver, authorize, clientOptions, logger: boltLogger });
    // Headers, freshness and size first (nothing read yet), then the body is read once (up to the same limit) for the
    // replay check, and Bolt checks the signature over those bytes.
    const onRefused = options.onRequestRefused;
    const guard = createSlackEventsGuard(onRefused ? { onRefused } : {});
    const guarded = guardSlackReplays(
      {
        signingSecret: slack.signingSecret,
        logger: logger.child({ component: 'slack' }),
        bodyLimit: SLACK_MAX_BODY_BYTES,
        ...(onRefused ? { onRefused } : {}),
        ...options.signedRequests,
      },
      guardSlackPayloadShapes({ logger: logger.child({ component: 'slack' }), ...(onRefused ? { onRefused } : {}) }, (req, res) =>
        receiver.requestListener(req, res),
      ),
    );
    const handler: Route['handler'] = (req, res) => {
      // Bolt answers its endpoint's exact path only (and reads `//slack/events` as host "slack", path "/events").
      req.url = SLACK_EVENTS_PATH;
      return guard.admit(req, res) ? guarded(req, res) : undefined;
    };
    // The manifest's URLs made from a PUBLIC_BASE_URL ending in a slash (`https://host/` + `/slack/events`), or a
    // Request URL typed with one at its end: Slack's commands and its URL check got 404, and the app never answered.
    routes = [SLACK_EVENTS_PATH, `/${SLACK_EVENTS_PATH}`, `${SLACK_EVENTS_PATH}/`].map((path) => ({
      method: 'POST',
      path,
      handler,
    }));
  }

  app.error(async (error) => {
    logger.error('Slack listener failed', { error: describeError(error), cause: describeError(error.original ?? error.cause) });
  });
  // First: a request from another workspace than the bot token's is answered in words, not handled.
  app.use(checkRequestWorkspace(identity, logger.child({ component: 'slack' })));
  const smsNumbers = createSmsNumbersCache({
    readFromWavix: () => listSmsEnabledNumbers(options.deps.services),
    onReadFailed: (error) => options.deps.logger.warn('senderid numbers: Wavix could not be read', { error: error.message }),
  });
  registerListeners(
    app,
    { ...options.deps, smsNumbers },
    { optionsAnswerWithinMs: optionsAnswerWithinMs(options), botUserId: () => identity.known()?.botUserId },
  );

  return {
    routes,
    client,
    mode: slack.appToken ? 'socket' : 'http',
    socket: () => socket?.state(),
    start: () => socket?.start(),
    stop: async () => {
      await socket?.stop();
    },
  };
}

/**
 * The client of the watch (alerts, announcements, digests): it waits out Slack's rate limits (Retry-After, at most a
 * minute each: the whole client waits meanwhile) and retries a few times, since an alert is worth a delay; it never
 * runs on a request's path. A post that still fails is logged, and an alert never posted is posted at its next raise.
 * When smsops stops, a call in flight is cut and a rate-limit wait ends at once (createRateLimitWaitingClient).
 */
export function createWatchSlackClient(
  slack: Config['slack'],
  logger: Logger,
  retryConfig: webApi.RetryOptions = { retries: 3, factor: 2, minTimeout: 1_000, maxTimeout: 30_000 },
  retryAfterCapSeconds = SLACK_RETRY_AFTER_CAP_SECONDS,
  /** Aborted when smsops stops: a call Slack does not answer, and its retries, no longer hold the stop (cutOnStop). */
  stopping?: AbortSignal,
  timeoutMs = SLACK_REQUEST_TIMEOUT_MS,
): RateLimitWaitingClient {
  const child = logger.child({ component: 'slack-watch' });
  const capped = cappedRetryAfterFetch(child, retryAfterCapSeconds);
  return createRateLimitWaitingClient(
    slack.botToken,
    {
      slackApiUrl: slack.apiUrl,
      logger: toBoltLogger(child),
      retryConfig: noRetryAfterTimeout(stopping ? noRetryOnceStopping(retryConfig, stopping) : retryConfig),
      fetch: stopping ? cutOnStop(stopping, capped) : capped,
      timeout: timeoutMs,
    },
    { retries: retryConfig.retries ?? 0, logger: child, ...(stopping ? { stopping } : {}) },
  );
}

/**
 * A call Slack did not answer within its timeout is not tried again: it may have been posted (a retry would post it
 * twice), and three more waits of 30 s each held the traffic watch's run for two minutes per alert (a probe).
 */
function noRetryAfterTimeout(retryConfig: webApi.RetryOptions): webApi.RetryOptions {
  const before = (retryConfig as { onFailedAttempt?: (error: unknown) => unknown }).onFailedAttempt;
  const onFailedAttempt = async (error: unknown) => {
    await before?.(error);
    const original = (error as { original?: unknown }).original;
    if (original instanceof Error && original.name === 'TimeoutError') throw error;
  };
  return { ...retryConfig, onFailedAttempt } as webApi.RetryOptions;
}

/**
 * The client retries a failed call (p-retry, which @slack/web-api passes these options to): a call cut at stop would
 * be tried again after each backoff, the stop waiting through them. p-retry ends the retries when this hook throws.
 */
function noRetryOnceStopping(retryConfig: webApi.RetryOptions, stopping: AbortSignal): webApi.RetryOptions {
  const onFailedAttempt = () => {
    if (stopping.aborted) throw new SlackCallCut();
  };
  return { ...retryConfig, onFailedAttempt } as webApi.RetryOptions;
}

/**
 * The relay's own Slack client: it rejects rate-limited calls at once (the outbox retries after Retry-After) and
 * never retries by itself, so a 429 storm cannot pause the client that answers people. `timeoutMs` (see
 * slackCallTimeoutMs) ends a call Slack never answers within the relay's attempt, so only that call's channel fails.
 */
export function createRelaySlackClient(
  slack: Config['slack'],
  logger: Logger,
  timeoutMs: number,
  /** Aborted when the relay stops: the calls still waiting for Slack's answer are cut (see cutOnStop). */
  stopping?: AbortSignal,
): webApi.WebClient {
  return new webApi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    logger: toBoltLogger(logger.child({ component: 'slack-relay' })),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: timeoutMs,
    ...(stopping ? { fetch: cutOnStop(stopping) } : {}),
  });
}

/**
 * The client of `/sms doctor`'s channel look-ups: a rate-limited call is an answer ("Slack rate-limited these
 * checks"), never a wait, so a doctor run on a large workspace cannot pause Bolt's client for its Retry-After as it
 * did (another person's modal then opened too late); a call Slack does not answer ends after 10 s.
 */
export function createDoctorSlackClient(slack: Pick<Config['slack'], 'botToken' | 'apiUrl'>, logger: Logger): webApi.WebClient {
  return rejectingSlackClient(slack, logger.child({ component: 'slack-doctor' }));
}

/** The App Home's client, rejecting rate-limited calls for the same reason (a member reopening it in a loop). */
export function createHomeSlackClient(slack: Pick<Config['slack'], 'botToken' | 'apiUrl'>, logger: Logger): webApi.WebClient {
  return rejectingSlackClient(slack, logger.child({ component: 'slack-home' }));
}

/** The Sender ID form's client (views.open, views.update), for the same reason (a member opening it in a loop). */
export function createFormSlackClient(slack: Pick<Config['slack'], 'botToken' | 'apiUrl'>, logger: Logger): webApi.WebClient {
  return rejectingSlackClient(slack, logger.child({ component: 'slack-forms' }));
}

/**
 * The client of "Answer" on a grouped post, for the same reason: the press comes while the relay fills the channel's
 * rate limit, so a 429 is said to the person ("press again in N s"), never a pause of Bolt's client.
 */
export function createThreadStartSlackClient(
  slack: Pick<Config['slack'], 'botToken' | 'apiUrl'>,
  logger: Logger,
): webApi.WebClient {
  return rejectingSlackClient(slack, logger.child({ component: 'slack-thread-start' }));
}

/** `/sms traffic`'s chart uploads' client, for the same reason (a member asking for charts in a loop). */
export function createChartSlackClient(slack: Pick<Config['slack'], 'botToken' | 'apiUrl'>, logger: Logger): webApi.WebClient {
  return rejectingSlackClient(slack, logger.child({ component: 'slack-charts' }));
}

/**
 * Its 429 is an answer, but the Retry-After in it is still capped (cappedRetryAfterFetch): the App Home pauses its
 * publishing for it, and one `Retry-After: 99999999` (a proxy's) stopped every Home until a restart, /healthz ok.
 */
function rejectingSlackClient(slack: Pick<Config['slack'], 'botToken' | 'apiUrl'>, logger: Logger): webApi.WebClient {
  return new webApi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    logger: toBoltLogger(logger),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
    fetch: cappedRetryAfterFetch(logger),
  });
}
