import type { SocketModeReceiver } from '@slack/bolt';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import { warnEventsRateLimited } from './eventsRateLimited.js';
import { commandPayloadProblem, payloadObjectProblem } from './payloadShape.js';

type FrameClient = Pick<SocketModeReceiver['client'], 'on' | 'listeners' | 'removeAllListeners' | 'websocket'>;

/**
 * Slack's `disconnect` (a routine refresh) is held back this long at most while envelopes already handed to the
 * listeners are not acknowledged yet: the library closed the socket at once, so a command or a button press that
 * arrived just before it lost its ack (Slack showed the person an error; the listener failed on the ack and did
 * nothing). Under Slack's 3 s to acknowledge; events not acknowledged are sent again by Slack anyway.
 */
const DISCONNECT_HOLD_MS = 2_000;
/** Envelopes awaiting their ack, at most (a listener that never acks must not grow it without end). */
const UNACKED_MAX = 1_000;

/** What a frame holds, once read: handed on to the client, or answered and dropped here. */
export type FrameVerdict =
  | { kind: 'pass'; disconnectReason?: string | undefined; connections?: number; envelopeId?: string }
  | { kind: 'rate_limited'; envelopeId: string | undefined }
  | { kind: 'unreadable'; envelopeId: string | undefined; problem: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const passed = (envelopeId: string | undefined): FrameVerdict =>
  envelopeId === undefined ? { kind: 'pass' } : { kind: 'pass', envelopeId };

/** Slack's kinds are snake_case words; anything else is not repeated in a log line. */
const shownKind = (type: string) => (/^[a-z_]{1,40}$/.test(type) ? `a ${type} message` : 'a message of an unknown kind');

/**
 * Reads one text frame as @slack/socket-mode 3.1.0 would use it. The client reads `payload.event.type` of every
 * `events_api` envelope unchecked in an async handler, so an envelope without an event (Slack's documented
 * `app_rate_limited`, sent when an app gets over 30,000 events an hour) was an unhandled rejection, and smsops exited.
 */
export function readSocketFrame(text: string): FrameVerdict {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', envelopeId: undefined, problem: 'not JSON' };
  }
  if (!isObject(frame)) return { kind: 'unreadable', envelopeId: undefined, problem: 'not an object' };
  const envelopeId = typeof frame.envelope_id === 'string' ? frame.envelope_id : undefined;
  const { type, payload } = frame;
  if (typeof type !== 'string') return { kind: 'unreadable', envelopeId, problem: 'a message without a type' };
  if (type === 'hello') {
    const connections = frame.num_connections;
    return typeof connections === 'number' && Number.isSafeInteger(connections) && connections > 0
      ? { kind: 'pass', connections }
      : { kind: 'pass' };
  }
  if (type === 'disconnect') {
    return { kind: 'pass', disconnectReason: typeof frame.reason === 'string' ? frame.reason : undefined };
  }
  if (!isObject(payload)) return { kind: 'unreadable', envelopeId, problem: `${shownKind(type)} without its payload` };
  if (type === 'interactive') {
    // Bolt threw on these before any listener (no ack, Slack's error shown, an error line per envelope), where HTTP
    // mode refuses the same payload in words (./payloadShape.ts).
    const problem = payloadObjectProblem(payload);
    return problem === undefined ? passed(envelopeId) : { kind: 'unreadable', envelopeId, problem };
  }
  if (type === 'slash_commands') {
    const problem = commandPayloadProblem(payload);
    return problem === undefined ? passed(envelopeId) : { kind: 'unreadable', envelopeId, problem };
  }
  if (type !== 'events_api') return passed(envelopeId);
  if (payload.type === 'app_rate_limited') return { kind: 'rate_limited', envelopeId };
  const event = payload.event;
  if (!isObject(event) || typeof event.type !== 'string') {
    return { kind: 'unreadable', envelopeId, problem: 'an event envelope without an event' };
  }
  return passed(envelopeId);
}

/**
 * Puts readSocketFrame in front of the client's own message handler, on the same 'ws_message' event its WebSocket
 * emits: what the client would choke on is acknowledged (Slack would otherwise send it again) and said in words here
 * instead. `onDisconnect` hears Slack's `disconnect` messages (their reason) before the client closes the socket.
 */
export function guardSocketFrames(
  client: FrameClient,
  options: {
    logger: Logger;
    onDisconnect: (reason: string | undefined) => void;
    /** Slack's count, in its hello, of the connections open on this app token (this one included). */
    onHello?: (connections: number) => void;
    /** Each frame acknowledged and dropped as unreadable: counted as HTTP mode counts a malformed payload. */
    onUnreadable?: () => void;
  },
): void {
  const { logger } = options;
  const handlers = client.listeners('ws_message');
  client.removeAllListeners('ws_message');
  // A flood of bad frames (one per envelope) must not fill the log: once a minute per problem.
  const warnUnreadable = warnOncePerMinute(
    logger,
    'Slack sent a Socket Mode message smsops cannot read: acknowledged and ignored',
    {},
    { countField: 'messagesSinceLastWarning' },
  );
  // The client's ack sends `{ envelope_id, payload }` on the socket in use; it is not part of its typed surface.
  const ackable = client as unknown as { send(envelopeId: string, body: object): Promise<void> };
  const ack = (envelopeId: string | undefined) => {
    if (envelopeId === undefined) return;
    ackable
      .send(envelopeId, {})
      .catch((error: unknown) =>
        logger.debug('Slack Socket Mode: an acknowledgement could not be sent', { error: describeError(error) }),
      );
  };
  const handOn = (data: unknown, isBinary: unknown) => {
    for (const handler of handlers) {
      // The client's handler is async: whatever else it fails on is logged, never an unhandled rejection.
      Promise.resolve(handler.call(client, data, isBinary)).catch((error: unknown) =>
        logger.warn('Slack Socket Mode: a message from Slack could not be handled; ignored', { error: describeError(error) }),
      );
    }
  };

  // Envelopes handed to the listeners and not acknowledged yet (the client emits each ack it sends).
  const unacked = new Map<string, number>();
  client.on('outgoing_message', (message: { envelope_id?: unknown }) => {
    if (typeof message?.envelope_id === 'string') unacked.delete(message.envelope_id);
  });
  const awaitingAck = () => {
    const now = Date.now();
    for (const [id, at] of unacked) if (now - at > DISCONNECT_HOLD_MS) unacked.delete(id);
    return unacked.size > 0;
  };
  /** Hands Slack's disconnect on once the envelopes before it are acknowledged (or the hold ends), on the same socket. */
  const handOnDisconnect = (data: unknown, isBinary: unknown) => {
    if (!awaitingAck()) return handOn(data, isBinary);
    const socket = client.websocket;
    const until = Date.now() + DISCONNECT_HOLD_MS;
    const check = setInterval(() => {
      if (awaitingAck() && Date.now() < until && client.websocket === socket) return;
      clearInterval(check);
      // A socket that closed meanwhile is gone already: this disconnect must not close the next one.
      if (client.websocket === socket) handOn(data, isBinary);
    }, 10);
  };

  client.on('ws_message', (data: unknown, isBinary: unknown) => {
    // Binary frames (which Slack does not send) are ignored by the client itself.
    if (isBinary === true || !(typeof data === 'string' || data instanceof ArrayBuffer)) return handOn(data, isBinary);
    const verdict = readSocketFrame(typeof data === 'string' ? data : new TextDecoder().decode(data));
    switch (verdict.kind) {
      case 'pass':
        if (verdict.connections !== undefined) options.onHello?.(verdict.connections);
        if ('disconnectReason' in verdict) {
          options.onDisconnect(verdict.disconnectReason);
          return handOnDisconnect(data, isBinary);
        }
        if (verdict.envelopeId !== undefined) {
          if (unacked.size >= UNACKED_MAX) unacked.delete(unacked.keys().next().value as string);
          unacked.set(verdict.envelopeId, Date.now());
        }
        return handOn(data, isBinary);
      case 'rate_limited':
        ack(verdict.envelopeId);
        warnEventsRateLimited(logger);
        return;
      case 'unreadable':
        ack(verdict.envelopeId);
        options.onUnreadable?.();
        warnUnreadable(verdict.problem, { problem: verdict.problem });
        return;
    }
  });
}
