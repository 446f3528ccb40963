import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger as BoltLogger, type SocketModeReceiver, webApi } from '@slack/bolt';
import { SLACK_TOKEN_REFUSALS } from '../core/slackToken.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { guardSocketFrames } from './socketFrames.js';

/** Where the Socket Mode connection is, for /healthz and /metrics. `since`: when it got there (ms since epoch). */
export type SocketState =
  | { connected: true; since: number }
  | { connected: false; since: number; failedAttempts: number; lastFailure: string | undefined };

export interface SocketConnection {
  state(): SocketState;
  /** Connects in the background, and again whenever the connection is lost, until stop(). Never throws. */
  start(): void;
  /** Ends the connection, or the attempt in progress and the wait before the next one. */
  stop(): Promise<void>;
}

type SocketClient = Pick<
  SocketModeReceiver['client'],
  'start' | 'disconnect' | 'on' | 'once' | 'listeners' | 'removeAllListeners'
>;

/** The first retry waits 1 s, doubling to at most a minute: Slack down for an hour costs 60 attempts. */
const retryDelayMs = (failures: number) => Math.min(60_000, 1_000 * 2 ** (failures - 1));
/** A connection Slack closed within this long of opening it counts as a failed attempt (waits before the next). */
const STABLE_MS = 30_000;
/** A stop waits this long at most for a socket to close (the library would wait 30 s on a peer gone silent). */
const STOP_WAIT_MS = 2_000;

/**
 * Keeps the Socket Mode WebSocket connected, with smsops' own retries: the client's own reconnection (autoReconnect)
 * is off, since its first connection retried some failures forever inside start() (which smsops awaited, so nothing
 * else started and a stop waited on it) and failed at once on others (the start failed, exit 1), and a failed
 * reconnection later was an unhandled rejection. Here every failure is logged in words and tried again after a
 * backoff; the webhooks and the relay never wait for it. `stopping` also cuts the connection call in flight.
 */
export function keepSocketConnected(options: {
  client: SocketClient;
  stopping: AbortController;
  logger: Logger;
  now?: () => number;
}): SocketConnection {
  const { client, stopping, logger } = options;
  const now = options.now ?? Date.now;
  const stopped = () => stopping.signal.aborted;
  let state: SocketState = { connected: false, since: now(), failedAttempts: 0, lastFailure: undefined };
  let running: Promise<void> | undefined;
  guardSocketFrames(client, { logger });

  // Slack gave the socket's URL just before the stop: the client opens it next (nothing checks the stop in between),
  // so it is closed as soon as it is opening.
  client.on('connecting', () => {
    if (stopped()) setImmediate(() => void client.disconnect());
  });

  /** Resolves once connected and then closed again; rejects when the attempt fails. */
  const connectAndStay = async (): Promise<number> => {
    await client.start();
    if (stopped()) return 0;
    const connectedAt = now();
    state = { connected: true, since: connectedAt };
    logger.info('Slack Socket Mode connected: commands, buttons and thread replies arrive');
    // Registered after start() resolved on Slack's hello: a close needs another turn of the event loop, so none is missed.
    await new Promise<void>((resolve) => client.once('disconnected', () => resolve()));
    return now() - connectedAt;
  };

  const run = async () => {
    // `failures` sets the backoff (a connection Slack closes at once does not reset it); the state counts the
    // attempts failed since the socket was last up.
    let failures = 0;
    let failedSinceUp = 0;
    while (!stopped()) {
      let waitMs = 0;
      try {
        const lastedMs = await connectAndStay();
        if (stopped()) return;
        // Slack closes a socket now and then (a refresh): connected again at once, unless it keeps closing them.
        failures = lastedMs >= STABLE_MS ? 0 : failures + 1;
        waitMs = failures === 0 ? 0 : retryDelayMs(failures);
        failedSinceUp = 0;
        state = { connected: false, since: now(), failedAttempts: 0, lastFailure: 'Slack closed the connection' };
        logger.warn(
          `Slack Socket Mode connection closed: connecting again${waitMs ? ` in ${Math.round(waitMs / 1000)} s` : ''}; Slack commands, buttons and thread replies wait until then, the relay goes on`,
        );
      } catch (error) {
        if (stopped()) return;
        failures += 1;
        failedSinceUp += 1;
        waitMs = retryDelayMs(failures);
        const reason = socketFailureReason(error);
        state = {
          connected: false,
          since: state.connected ? now() : state.since,
          failedAttempts: failedSinceUp,
          lastFailure: reason,
        };
        logFailure(logger, error, reason, failures, waitMs);
      }
      if (waitMs > 0) await sleep(waitMs, undefined, { signal: stopping.signal }).catch(() => {});
    }
  };

  return {
    state: () => state,
    start: () => {
      running ??= run().catch((error: unknown) =>
        logger.error('Slack Socket Mode stopped connecting', { error: describeError(error) }),
      );
    },
    stop: async () => {
      stopping.abort();
      const closed = client.disconnect().catch(() => {});
      await Promise.race([Promise.all([closed, running]), sleep(STOP_WAIT_MS, undefined, { ref: false })]);
    },
  };
}

/** A connection attempt's failure in words fit for /healthz (public): Slack's error code at most, no URL, no token. */
export function socketFailureReason(error: unknown): string {
  if (error === undefined) return 'the connection closed before Slack said hello';
  const e = error as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown };
  switch (e.code) {
    case webApi.ErrorCode.PlatformError:
      return `Slack answered ${typeof e.data?.error === 'string' ? e.data.error : 'an error'}`;
    case webApi.ErrorCode.RequestError:
      return 'Slack could not be reached';
    case webApi.ErrorCode.HTTPError:
      return `Slack answered HTTP ${String(e.statusCode)}`;
    case webApi.ErrorCode.RateLimitedError:
      return 'Slack asked to wait (rate limited)';
  }
  if (error instanceof Error && error.message.includes('did not return a URL')) return 'Slack gave no connection URL';
  return 'the connection failed';
}

function logFailure(logger: Logger, error: unknown, reason: string, attempt: number, waitMs: number): void {
  const fields = { attempt, error: error === undefined ? reason : describeError(error) };
  const code = (error as { data?: { error?: unknown } } | null)?.data?.error;
  const retry = `trying again in ${Math.round(waitMs / 1000)} s`;
  if (typeof code === 'string' && (SLACK_TOKEN_REFUSALS.has(code) || code === 'not_allowed_token_type')) {
    logger.error(
      `Slack refused SLACK_APP_TOKEN (${code}): Slack commands, buttons and thread replies cannot arrive until it is fixed (Basic Information → App-Level Tokens, with connections:write); the relay goes on; ${retry}`,
      fields,
    );
    return;
  }
  logger.warn(
    `Slack Socket Mode could not connect (${reason}): Slack commands, buttons and thread replies wait until it does, the relay goes on; ${retry}`,
    fields,
  );
}

/**
 * The Socket Mode client logs each failed connection at error level (with the error's text); smsops logs it in
 * words instead (above), so the client's own line is kept for debug.
 */
export function quietSocketLogger(logger: BoltLogger): BoltLogger {
  return {
    ...logger,
    error: (...msg: unknown[]) =>
      typeof msg[0] === 'string' && msg[0].startsWith('Failed to retrieve a new WSS URL')
        ? logger.debug(...msg)
        : logger.error(...msg),
  };
}
