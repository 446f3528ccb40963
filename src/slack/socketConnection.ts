import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger as BoltLogger, type SocketModeReceiver, webApi } from '@slack/bolt';
import { SLACK_TOKEN_REFUSALS } from '../core/slackToken.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { guardSocketFrames } from './socketFrames.js';

/** Where the Socket Mode connection is, for /healthz and /metrics. `since`: when it got there (ms since epoch). */
export type SocketState =
  | {
      connected: true;
      since: number;
      /**
       * Slack's count of the connections on this app token when this one opened, when over 1: another process (an old
       * container, a second smsops on another database) takes a share of Slack's commands, buttons and thread replies.
       */
      otherConnections?: number;
    }
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
  'start' | 'disconnect' | 'on' | 'once' | 'listeners' | 'removeAllListeners' | 'websocket'
>;
type SlackWebSocket = NonNullable<SocketClient['websocket']>;

const MAX_RETRY_MS = 60_000;
/**
 * Slack's Retry-After on a rate-limited apps.connections.open is waited out, up to this: the backoff alone called it
 * again 1, 2, 4 and 8 s later (4 calls inside a 30 s Retry-After), each one refused and counted against the limit.
 */
const MAX_RETRY_AFTER_MS = 5 * 60_000;
/** The first retry waits 1 s, doubling to at most a minute: Slack down for an hour costs 60 attempts. */
const retryDelayMs = (failures: number) => Math.min(MAX_RETRY_MS, 1_000 * 2 ** (failures - 1));
/** A connection Slack closed within this long of opening it counts as a failed attempt (waits before the next). */
const STABLE_MS = 30_000;
/** How long the connection loop waits before it starts again after ending on an error of its own. */
const LOOP_RESTART_MS = 60_000;
/** A stop waits this long at most for a socket to close (the library would wait 30 s on a peer gone silent). */
const STOP_WAIT_MS = 2_000;
/** From the socket's URL to Slack's hello: past this the attempt has failed (the library would wait for ever). */
const HELLO_DEADLINE_MS = 30_000;
/**
 * A closing socket gets this long for the close handshake, then is cut: Slack answers the close frame but may keep
 * the TCP connection open, and the library then waited up to 30 s (7 s in practice, on its pong timeout) before
 * smsops could connect again, saying "connected" meanwhile.
 */
const CLOSE_WAIT_MS = 1_000;

/** The socket being opened or open, and how its close went. */
interface Connection {
  socket: SlackWebSocket;
  /** The library's own close: a close frame first, and the socket cut when called again while closing. */
  close: () => void;
  closing: boolean;
  /** Slack's reason in its `disconnect` message, if it sent one. */
  disconnectReason: string | undefined;
  /** Slack's count of the connections on the app token, from its hello. */
  connections?: number;
  /** Set when HELLO_DEADLINE_MS passed: how far the attempt had got. */
  timedOut: string | undefined;
  deadline?: NodeJS.Timeout;
  cut?: NodeJS.Timeout;
}

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
  /** A frame Slack sent that smsops cannot read (smsops_slack_requests_refused_total{reason="malformed_payload"}). */
  onFrameRefused?: (reason: 'malformed_payload') => void;
  now?: () => number;
  /** How long the loop waits before starting again after ending on an error of its own (tests shorten it). */
  loopRestartMs?: number;
}): SocketConnection {
  const { client, stopping, logger } = options;
  const now = options.now ?? Date.now;
  const stopped = () => stopping.signal.aborted;
  let state: SocketState = { connected: false, since: now(), failedAttempts: 0, lastFailure: undefined };
  let running: Promise<void> | undefined;
  let current: Connection | undefined;

  guardSocketFrames(client, {
    logger,
    onDisconnect: (reason) => {
      if (current) current.disconnectReason = reason;
    },
    onHello: (connections) => {
      if (current) current.connections = connections;
    },
    onUnreadable: () => options.onFrameRefused?.('malformed_payload'),
  });

  /** Not connected from the moment a close starts (Slack's disconnect message, a missed pong), not once TCP ends. */
  const closeStarted = (connection: Connection) => {
    if (connection.closing) return;
    connection.closing = true;
    if (state.connected) {
      const lastFailure = disconnectWords(connection.disconnectReason).words;
      state = { connected: false, since: now(), failedAttempts: 0, lastFailure };
    }
    // Called again while closing, the library cuts the socket; only while it is still the client's socket (a later
    // one must not be closed by this one's timer).
    connection.cut = setTimeout(() => {
      if (client.websocket === connection.socket && connection.socket.readyState !== undefined) connection.close();
    }, CLOSE_WAIT_MS);
  };

  client.on('connecting', () => {
    // Slack gave the socket's URL just before the stop: the client opens it next (nothing checks the stop in
    // between), so it is closed as soon as it is opening.
    if (stopped()) {
      setImmediate(() => void client.disconnect());
      return;
    }
    const socket = client.websocket;
    if (!socket) return;
    const close = socket.disconnect.bind(socket);
    const connection: Connection = { socket, close, closing: false, disconnectReason: undefined, timedOut: undefined };
    current = connection;
    // The library closes through this method on every path (Slack's disconnect message, a close frame, a missed
    // ping or pong, an error): each is seen as it starts.
    socket.disconnect = () => {
      closeStarted(connection);
      close();
      // Closing a socket still connecting ends it at once (its close event fires inside close()), and the library
      // then arms its 30 s close-handshake timer anyway: firing later, it closed the next attempt before its hello.
      if (socket.readyState === undefined)
        clearTimeout((socket as unknown as { closeHandshakeTimeout?: NodeJS.Timeout }).closeHandshakeTimeout);
    };
    // A hello that never comes, or an upgrade that never completes, left start() pending for good: no further
    // attempt, and no log line.
    connection.deadline = setTimeout(() => {
      connection.timedOut =
        socket.readyState === 0
          ? `the WebSocket upgrade did not complete within ${Math.round(HELLO_DEADLINE_MS / 1000)} s`
          : `Slack did not say hello within ${Math.round(HELLO_DEADLINE_MS / 1000)} s`;
      socket.disconnect();
    }, HELLO_DEADLINE_MS);
  });
  client.on('connected', () => clearTimeout(current?.deadline));
  client.on('disconnected', () => {
    clearTimeout(current?.deadline);
    clearTimeout(current?.cut);
  });

  /** Resolves once connected and then closed again (with Slack's reason, if it gave one); rejects when the attempt fails. */
  const connectAndStay = async (): Promise<{ lastedMs: number; reason: string | undefined }> => {
    try {
      await client.start();
    } catch (error) {
      throw current?.timedOut === undefined ? error : new SocketAttemptFailed(current.timedOut);
    }
    const connection = current;
    if (stopped()) return { lastedMs: 0, reason: undefined };
    const connectedAt = now();
    // Slack's disconnect may follow its hello at once (link_disabled): that connection was never usable.
    if (!connection?.closing) {
      const others = (connection?.connections ?? 1) - 1;
      state = { connected: true, since: connectedAt, ...(others > 0 ? { otherConnections: others } : {}) };
      logger.info('Slack Socket Mode connected: commands, buttons and thread replies arrive');
      // Slack hands each request to one of the app token's connections: a thread reply another process takes (one
      // on another database knows no such thread) is lost to this smsops without a word.
      if (others > 0) {
        logger.error(
          `Slack counts ${others} other Socket Mode connection${others === 1 ? '' : 's'} on SLACK_APP_TOKEN: another process (an old container, a second smsops) takes a share of Slack's commands, buttons and thread replies, and a thread reply it takes is not sent by this smsops; stop the other processes using SLACK_APP_TOKEN`,
          { connections: others + 1 },
        );
      }
    }
    // Registered after start() resolved on Slack's hello: a close needs another turn of the event loop, so none is missed.
    await new Promise<void>((resolve) => client.once('disconnected', () => resolve()));
    return { lastedMs: now() - connectedAt, reason: connection?.disconnectReason };
  };

  const run = async () => {
    // `failures` sets the backoff (a connection Slack closes at once does not reset it); the state counts the
    // attempts failed since the socket was last up.
    let failures = 0;
    let failedSinceUp = 0;
    while (!stopped()) {
      let waitMs = 0;
      try {
        const { lastedMs, reason } = await connectAndStay();
        if (stopped()) return;
        const closed = disconnectWords(reason);
        // Slack closes a socket now and then (a refresh): connected again at once, unless it keeps closing them or
        // says connecting again is of no use (Socket Mode switched off, too many connections).
        failures = lastedMs >= STABLE_MS && !closed.backOff ? 0 : failures + 1;
        failedSinceUp = closed.backOff ? failedSinceUp + 1 : 0;
        // Until a person changes something, Slack closes each new connection alike: once a minute is enough.
        waitMs = closed.backOff ? MAX_RETRY_MS : failures === 0 ? 0 : retryDelayMs(failures);
        // Not connected since the close started (closeStarted), not since it ended.
        const since = state.connected ? now() : state.since;
        state = { connected: false, since, failedAttempts: failedSinceUp, lastFailure: closed.words };
        const again = `connecting again${waitMs ? ` in ${Math.round(waitMs / 1000)} s` : ''}`;
        const fields = reason === undefined ? {} : { reason: shownReason(reason) };
        if (closed.todo) {
          logger.error(
            `Slack Socket Mode connection closed: ${closed.words}: Slack commands, buttons and thread replies cannot arrive until ${closed.todo}; the relay goes on; ${again}`,
            fields,
          );
        } else {
          logger.warn(
            `Slack Socket Mode connection closed (${closed.words}): ${again}; Slack commands, buttons and thread replies wait until then, the relay goes on`,
            fields,
          );
        }
      } catch (error) {
        if (stopped()) return;
        failures += 1;
        failedSinceUp += 1;
        waitMs = Math.max(retryDelayMs(failures), retryAfterMs(error));
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
      // The loop catches each attempt; should it end anyway (a bug, a logger that throws), it starts again after a
      // minute instead of leaving Slack's commands, buttons and thread replies without a connection until a restart.
      running ??= (async () => {
        while (!stopped()) {
          try {
            await run();
          } catch (error) {
            try {
              logger.error('Slack Socket Mode connecting failed; starting again in a minute', { error: describeError(error) });
            } catch {
              // Nothing left to tell it with: the loop goes on regardless.
            }
            await sleep(options.loopRestartMs ?? LOOP_RESTART_MS, undefined, { signal: stopping.signal }).catch(() => {});
          }
        }
      })();
    },
    stop: async () => {
      stopping.abort();
      const closed = client.disconnect().catch(() => {});
      await Promise.race([Promise.all([closed, running]), sleep(STOP_WAIT_MS, undefined, { ref: false })]);
    },
  };
}

/** How long Slack asked to wait (a rate-limited call's Retry-After), capped; 0 when it did not ask. */
function retryAfterMs(error: unknown): number {
  const e = error as { code?: unknown; retryAfter?: unknown } | null;
  if (e?.code !== webApi.ErrorCode.RateLimitedError || typeof e.retryAfter !== 'number' || !(e.retryAfter > 0)) return 0;
  return Math.min(MAX_RETRY_AFTER_MS, e.retryAfter * 1000);
}

/** An attempt smsops itself gave up on; its message is already in words fit for /healthz. */
class SocketAttemptFailed extends Error {
  override name = 'SocketAttemptFailed';
}

/** Slack's reason as it may be shown: its codes are snake_case words, anything else is not repeated. */
const shownReason = (reason: string) => (/^[a-z_]{1,40}$/.test(reason) ? reason : 'unknown');

/**
 * Slack's `disconnect` reasons in words. `backOff`: connecting again at once would only be closed again; `todo`:
 * what a person must do first (said at error level).
 */
export function disconnectWords(reason: string | undefined): { words: string; backOff: boolean; todo?: string } {
  switch (reason) {
    case undefined:
      return { words: 'Slack closed the connection', backOff: false };
    case 'refresh_requested':
    case 'warning':
      return { words: `Slack refreshes its connections now and then (${reason})`, backOff: false };
    case 'link_disabled':
      return {
        words: "Socket Mode is switched off in the Slack app's settings (link_disabled)",
        backOff: true,
        todo: "it is switched on again (the Slack app's Settings → Socket Mode), or smsops runs in HTTP mode",
      };
    case 'too_many_websockets':
      return {
        words: 'another process is using the same app token (too_many_websockets: at most 10 connections)',
        backOff: true,
        todo: 'the other processes using SLACK_APP_TOKEN are stopped',
      };
    default:
      return { words: `Slack closed the connection (${shownReason(reason)})`, backOff: false };
  }
}

/** A connection attempt's failure in words fit for /healthz (public): Slack's error code at most, no URL, no token. */
export function socketFailureReason(error: unknown): string {
  if (error === undefined) return 'the connection closed before Slack said hello';
  if (error instanceof SocketAttemptFailed) return error.message;
  const e = error as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown };
  switch (e.code) {
    case webApi.ErrorCode.PlatformError:
      return `Slack answered ${typeof e.data?.error === 'string' ? e.data.error : 'an error'}`;
    case webApi.ErrorCode.RequestError:
      return 'Slack could not be reached';
    case webApi.ErrorCode.HTTPError:
      return `Slack answered HTTP ${String(e.statusCode)}`;
    case webApi.ErrorCode.RateLimitedError: {
      const asked = retryAfterMs(error);
      return asked > 0
        ? `Slack asked to wait ${Math.round(asked / 1000)} s (rate limited)`
        : 'Slack asked to wait (rate limited)';
    }
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

/** The client's error lines that smsops says in words itself (above): a failed connection call, a dropped socket. */
const SAID_BY_SMSOPS = ['Failed to retrieve a new WSS URL', 'WebSocket error occurred: ', 'WebSocket error! '];

/**
 * The Socket Mode client logs each failed connection at error level, and an ordinary drop as two error lines
 * ("WebSocket error occurred: " and "WebSocket error! SMWebsocketError", without words); smsops logs each in words
 * instead (above), so the client's own lines are kept for debug.
 */
export function quietSocketLogger(logger: BoltLogger): BoltLogger {
  return {
    ...logger,
    error: (...msg: unknown[]) => {
      const first = msg[0];
      if (typeof first === 'string' && SAID_BY_SMSOPS.some((start) => first.startsWith(start))) logger.debug(...msg);
      else logger.error(...msg);
    },
  };
}
