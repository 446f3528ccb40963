import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Logger } from '../log.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import type { HttpLimits } from './limitsConfig.js';
import { watchLoopStalls } from './loopStalls.js';

/** As a webhook the store cannot take is told (webhookRoutes.ts), which imports this file's neighbours. */
const STALLED_RETRY_AFTER_S = 5;

/**
 * A node:http server that a crowd of slow clients cannot take down:
 * - short header and request timeouts, checked every second (Node checks every 30 s by default), so a slowloris
 *   socket dies in seconds, not minutes;
 * - a cap on open connections well below the descriptor limit, so accept() never fails with EMFILE. Above the cap
 *   the *oldest connection without a request in progress* is closed (a socket still dribbling its headers, or an
 *   idle keep-alive one, or one whose only request is from a sender not yet known: markUntrusted), not the
 *   newcomer: a flood of connections that never send a request cannot lock out a client that sends one at once, and
 *   a keep-alive connection answered a moment ago goes after those that have waited longer (see `sockets`).
 *   Only when every connection has a request in progress is the newcomer refused;
 * - a shutdown that closes idle keep-alive connections at once, gives a connection not yet sent a request a moment to
 *   send it, and closes everything else after the grace period.
 */
export interface BoundedServer {
  server: Server;
  /** Open connections right now. */
  connectionCount(): number;
  /** Stops accepting; resolves once every connection is closed (at most `shutdownGraceMs` plus a moment). */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * How long a stop waits for a connection accepted but not yet sent a request (its bytes still on the way) before
 * closing it: a client connects and sends at once, so this is a moment, not a wait for a slow client.
 */
const FRESH_CONNECTION_WAIT_MS = 1_000;

/** Requests on one connection whose answers have not gone out yet, beyond which the connection is closed. */
const MAX_UNANSWERED_PER_CONNECTION = 16;

interface Tracked {
  /** Requests on this connection whose response has not finished. */
  inProgress: number;
  /** Ended by the shutdown after its last answer: nothing more can be answered on it. */
  ended?: boolean;
  /** To be closed once its requests in progress are answered (a later one could not be parsed). */
  closeWhenAnswered?: boolean;
  /** The last request parsed on it. */
  last?: IncomingMessage;
  /** The socket's bytesWritten when its last response closed: more written since means an answer is on the wire. */
  quietAt: number;
  /** Of `inProgress`, requests from a sender not yet known (see markUntrusted): they do not protect it. */
  untrusted: number;
  /** When it was accepted (./loopStalls.ts's clock): only a stall since then delayed what it sent. */
  openedAt: number;
}

/** Why a connection was closed or refused to keep the listener up (smsops_http_connections_refused_total). */
export type ConnectionRefusal = 'cap_evicted' | 'cap_evicted_untrusted' | 'cap_full' | 'pipelining';

/** The connection of a request in progress, and whether it was marked untrusted; set for each request handled. */
const requestSlots = new WeakMap<IncomingMessage, { tracked: Tracked; untrusted: boolean }>();

/**
 * Marks a request whose sender is not known yet (a /slack/events body, whose signature cannot be checked before it is
 * read): at the connection cap its connection may be closed like an idle one until markTrusted, since anyone can open
 * such a request and dribble its body until the request timeout (a probe held every connection so, locking out
 * webhooks and /healthz). A no-op for a request not handled by a bounded server.
 */
export function markUntrusted(req: IncomingMessage): void {
  const slot = requestSlots.get(req);
  if (!slot || slot.untrusted) return;
  slot.untrusted = true;
  slot.tracked.untrusted += 1;
}

/** The sender of a request marked untrusted is known now (its signature verified): it holds its connection again. */
export function markTrusted(req: IncomingMessage): void {
  const slot = requestSlots.get(req);
  if (!slot?.untrusted) return;
  slot.untrusted = false;
  slot.tracked.untrusted -= 1;
}

export function createBoundedServer(
  handler: Handler,
  limits: HttpLimits,
  logger: Logger,
  /** Called with Node's error code for each request refused before it reached a route (framing, headers, timeout). */
  onMalformedRequest?: (code: string) => void,
  /** Called for each connection closed or refused to keep the listener up (cap, pipelining). */
  onConnectionRefused?: (reason: ConnectionRefusal) => void,
): BoundedServer {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      // Node's own check answers a bare 400 with no reason and nothing counted; the one below says why.
      requireHostHeader: false,
    },
    (req, res) => {
      // A connection closed for pipelining too deep is closed for the requests already parsed from its last read too.
      if (req.socket.destroyed) return;
      // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused (400); HTTP/1.0 may leave it out, and no route
      // needs it, so one is taken as before. Refused before the body is read, whatever the route: nothing is stored.
      if (req.headers.host === undefined && (req.httpVersionMajor > 1 || req.httpVersionMinor >= 1)) {
        refuseBeforeRouting(res, 'missing_host', 400, 'missing Host header (required in HTTP/1.1)');
        return;
      }
      handler(req, res);
    },
  );
  // Map order is accept order, except that a connection moves to the end each time an answer on it goes out: the first
  // idle entry is the one that has waited longest for its first request, or since its last answer. In accept order the
  // first to go at the cap were the real clients' long-lived keep-alive connections, which a flood's are always newer
  // than (a probe: 3 of 831 keep-alive webhooks reset as they were sent, none stored).
  const sockets = new Map<Socket, Tracked>();
  let closing = false;
  const stalls = watchLoopStalls();
  // Both are caused from outside, as often as a client likes: a line each time would let it fill the logs.
  const capReached = warnOncePerMinute(
    logger,
    'HTTP connection cap reached: closing the oldest connections without a request in progress',
    { maxConnections: limits.maxConnections },
  );
  const pipeliningClosed = warnOncePerMinute(
    logger,
    'HTTP connection closed: it pipelines requests without reading the answers',
    { maxUnanswered: MAX_UNANSWERED_PER_CONNECTION },
  );

  const malformedRefused = warnOncePerMinute(
    logger,
    'HTTP requests refused before routing: malformed framing or headers, or not sent in time',
    {},
  );

  /**
   * The victim: the least recently answered (or, never answered, the oldest) connection without a request in progress
   * that has already sent something (a request line and headers that never end, or a finished keep-alive exchange),
   * looked for among the first 256; else the first without a request in progress. A webhook that connected a moment ago has usually sent its whole request, but
   * under a connection storm Node may not have read it yet (bytesRead 0): it is then spared while slow ones remain.
   */
  const evictFor = (newcomer: Socket): ConnectionRefusal => {
    let oldestIdle: Socket | undefined;
    let looked = 0;
    for (const [socket, tracked] of sockets) {
      if (socket === newcomer || tracked.inProgress > tracked.untrusted) continue;
      if (socket.bytesRead > 0) {
        oldestIdle = socket;
        break;
      }
      oldestIdle ??= socket;
      if (++looked >= 256) break;
    }
    if (!oldestIdle) return 'cap_full';
    const untrusted = (sockets.get(oldestIdle)?.untrusted ?? 0) > 0;
    oldestIdle.destroy();
    sockets.delete(oldestIdle);
    return untrusted ? 'cap_evicted_untrusted' : 'cap_evicted';
  };

  server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.set(socket, { inProgress: 0, quietAt: 0, untrusted: 0, openedAt: stalls.now() });
    socket.once('close', () => sockets.delete(socket));
    if (sockets.size <= limits.maxConnections) return;
    const outcome = evictFor(socket);
    if (outcome === 'cap_full') {
      sockets.delete(socket);
      socket.destroy();
    }
    onConnectionRefused?.(outcome);
    capReached();
  });

  // At the descriptor limit libuv mostly absorbs EMFILE on accept (it drops the connection); an accept error that
  // still reaches Node is an 'error' event on the server, which unhandled would end the process. Logged (at most
  // once a minute) and survived. Past the limit the database and outbound calls fail too: hence a cap well below it.
  let lastAcceptError = 0;
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (!server.listening) return;
    const now = Date.now();
    if (now - lastAcceptError < 60_000) return;
    lastAcceptError = now;
    logger.error('HTTP listener could not accept a connection', { code: error.code, error: error.message });
  });

  // Node's own answer to a request it cannot parse is a bare `400 Bad Request` with no reason and nothing counted:
  // a client (or Wavix behind a proxy that mangles a request) would never learn why. Here it gets llhttp's reason in
  // the same JSON shape as every other refusal, and the refusal is counted (and logged at most once a minute, since
  // anyone can cause it). llhttp's reason is its own fixed text, never bytes of the request.
  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: Socket) => {
    const answer = clientErrorAnswer(error, stalls.since(sockets.get(socket)?.openedAt ?? Number.NEGATIVE_INFINITY));
    if (!answer) {
      socket.destroy();
      return;
    }
    onMalformedRequest?.(answer.code);
    malformedRefused();
    // Only where no answer is half on the wire: ours would be spliced into it. A request whose body failed to parse
    // has not been answered yet (its handler waits for the body), so it gets this answer and its handler none.
    const tracked = sockets.get(socket);
    // The error is a later pipelined request's when every request in progress arrived whole: their answers (a
    // webhook's 200: it was stored) go out first, then the connection closes. A 400 in their place was the client's
    // only answer for a message smsops had stored and relayed.
    if (tracked && tracked.inProgress > 0 && tracked.last?.complete) {
      tracked.closeWhenAnswered = true;
      return;
    }
    if (socket.writable && tracked && socket.bytesWritten === tracked.quietAt) {
      answerRaw(socket, answer.status, answer.reason, answer.retryAfterS);
      return;
    }
    socket.destroy();
  });

  /** A request Node parsed but no route may see, answered in the usual JSON shape, counted, and its connection closed. */
  const refuseBeforeRouting = (res: ServerResponse, code: string, status: number, reason: string) => {
    onMalformedRequest?.(code);
    malformedRefused();
    res.setHeader('connection', 'close');
    const body = JSON.stringify({ error: reason });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  // Node's own answers to these are a bare 417 (an Expect other than 100-continue) and a closed connection (CONNECT).
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) =>
    refuseBeforeRouting(res, 'unsupported_expect', 417, 'unsupported Expect header (only 100-continue is)'),
  );
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    onMalformedRequest?.('connect');
    malformedRefused();
    answerRaw(socket, '405 Method Not Allowed', 'CONNECT is not supported: smsops is not a proxy');
  });

  // Before the route handler, so a response ended synchronously is still counted and uncounted.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const tracked = sockets.get(socket);
    // Requests parsed from the same read as the one that got their connection closed still arrive here (the socket
    // leaves `sockets` only on 'close', a tick later): 2,000 of them in 62 KB were 2,000 warnings. They are not handled
    // (see the request listener above) and not counted.
    if (!tracked || socket.destroyed) return;
    if (tracked.ended) {
      // Sent by a keep-alive client before it saw the connection end: it cannot be answered, so it is not handled
      // (a webhook stored without its 200 is sent again by Wavix anyway; not stored, it goes to the next process).
      socket.destroy();
      return;
    }
    tracked.inProgress += 1;
    if (tracked.inProgress > MAX_UNANSWERED_PER_CONNECTION) {
      // Pipelined requests are all handled, and their answers queue up until the client reads: one 64 KB read of
      // `GET /metrics` is 2,000 answers held in memory. No real client (Slack, Wavix, a browser) pipelines this deep.
      // Webhooks among the first 16 may be stored and never answered (a probe of 20 pipelined ones: 16 stored, none
      // answered): Wavix, which does not pipeline, would send each again and the repeat is a duplicate.
      socket.destroy();
      onConnectionRefused?.('pipelining');
      pipeliningClosed();
      return;
    }
    tracked.last = req;
    const slot = { tracked, untrusted: false };
    requestSlots.set(req, slot);
    res.once('close', () => {
      if (slot.untrusted) tracked.untrusted -= 1;
      slot.untrusted = false;
      tracked.inProgress -= 1;
      tracked.quietAt = socket.bytesWritten;
      if (!socket.destroyed && sockets.delete(socket)) sockets.set(socket, tracked);
      // While stopping, a connection is closed as soon as its last response went out.
      if ((closing || tracked.closeWhenAnswered) && tracked.inProgress === 0) {
        tracked.ended = true;
        socket.end();
      }
    });
  });

  const close = () =>
    new Promise<void>((resolve) => {
      closing = true;
      stalls.stop();
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        resolve();
      };
      // net's close, not http's: http's also closes every connection without a request parsed yet, and a webhook
      // accepted a moment before the stop, its request still on the way, was reset (ECONNRESET; a socket-activated
      // restart test met one in 150). Such a connection gets FRESH_CONNECTION_WAIT_MS to send it, and is answered.
      NetServer.prototype.close.call(server, () => {
        // http's own close afterwards, for its timers: it finds no connection left and the listener already closed.
        server.close(() => {});
        finish();
      });
      // An idle keep-alive connection is closed at once: it has been answered, and a client reusing it at this very
      // moment meets the same race as with any server closing keep-alive connections.
      for (const [socket, tracked] of sockets) if (tracked.inProgress === 0 && tracked.last) socket.destroy();
      const fresh = setTimeout(
        () => {
          // Still no request: a slow or idle client (a slowloris socket), nothing of which is lost.
          for (const [socket, tracked] of sockets) if (tracked.inProgress === 0) socket.destroy();
        },
        Math.min(FRESH_CONNECTION_WAIT_MS, limits.shutdownGraceMs),
      );
      fresh.unref();
      const deadline = setTimeout(() => {
        const cut = sockets.size;
        if (cut > 0)
          logger.warn('shutdown grace period over: closing connections with requests in progress', { connections: cut });
        server.closeAllConnections();
        for (const socket of sockets.keys()) socket.destroy();
      }, limits.shutdownGraceMs);
      deadline.unref();
    });

  return { server, connectionCount: () => sockets.size, close };
}

/** Writes an answer in the usual JSON shape on a socket no ServerResponse owns, then closes it. */
function answerRaw(socket: Socket, status: string, reason: string, retryAfterS?: number): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: reason });
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      (retryAfterS === undefined ? '' : `Retry-After: ${retryAfterS}\r\n`) +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
}

/** Status line (code and phrase) and reason for a request Node refused before routing it; undefined: just close. */
function clientErrorAnswer(
  error: NodeJS.ErrnoException & { reason?: string },
  loopStalled: boolean,
): { status: string; reason: string; code: string; retryAfterS?: number } | undefined {
  const code = error.code ?? 'unknown';
  // The client went away: there is nobody to answer, and nothing about the request was wrong.
  if (code === 'ECONNRESET' || code === 'EPIPE') return undefined;
  // Not read in time because smsops held its own loop: not the sender's fault, and worth sending again (./loopStalls.ts).
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' && loopStalled)
    return {
      status: '503 Service Unavailable',
      reason: 'smsops was too busy to read the request in time: send it again',
      code: 'smsops_stalled',
      retryAfterS: STALLED_RETRY_AFTER_S,
    };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: '408 Request Timeout', reason: 'the request was not sent in time', code };
  if (code === 'HPE_HEADER_OVERFLOW')
    return { status: '431 Request Header Fields Too Large', reason: 'the request headers are too large', code };
  const detail = typeof error.reason === 'string' ? error.reason.replace(/[^\x20-\x7e]/g, '').slice(0, 120) : '';
  return {
    status: '400 Bad Request',
    reason: detail ? `malformed HTTP request: ${detail}` : 'malformed HTTP request',
    // llhttp's codes are a fixed set (HPE_*), so they make a bounded label; anything else is one bucket.
    code: code.startsWith('HPE_') ? code : 'other',
  };
}
