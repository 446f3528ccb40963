import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { NOT_RESOLVED_WITHIN, routeHeldError, STOPPED_MID_ATTEMPT } from '../core/connectionFailure.js';
import { type GuardedLookup, guardedLookup, REFUSED_ADDRESS_CODE, refusedDestination } from '../core/destinationGuard.js';
import type { InboundMessage } from '../core/model/inboundMessage.js';
import { encodeCopiedUrl, maskUrl } from '../core/urls.js';
import type { AttemptOutcome } from './attempt.js';
import { MAX_PORTSIP_CONNECTIONS } from './portsipConnections.js';
import { routeSecrets, withoutRouteSecrets } from './routeSecrets.js';

const EXCERPT_BYTES = 300;
/** What is kept of an answer to make the excerpt from: more, so a credential quoted across byte 300 is whole to be cut. */
const KEPT_BYTES = EXCERPT_BYTES + 2_048;

/** What smsops' own webhooks know the relay's posts by: a route pointing back at smsops is refused there (http/webhookRoutes.ts). */
export const RELAY_USER_AGENT = 'smsops-relay';

/** The most of an answer's headers read; a 2xx past it is taken as failed (its status cannot be read). */
const MAX_ANSWER_HEADER_BYTES = 256 * 1024;

/** Default overall deadline of one attempt: connect, send, status line, headers and body. */
export const DEFAULT_PORTSIP_DEADLINE_MS = 15_000;

/** While a route's Retry-After runs, how often one of its SMS still goes out to learn whether it takes SMS again. */
export const ROUTE_HELD_PROBE_MS = 5_000;

/** The longest wait a Retry-After may ask for: a proxy answering Retry-After: 100000 must not hold a conversation for a day. */
const MAX_RETRY_AFTER_MS = 3_600_000;

const firstHeader = (value: unknown) => (Array.isArray(value) ? value[0] : value);

/**
 * How long a Retry-After asks to wait, in either form RFC 9110 allows: seconds, or an HTTP-date (`Wed, 21 Oct 2026
 * 07:28:00 GMT`; only the seconds were read, so a date was ignored and the PBX was retried within a second). A date is
 * read against the answer's own Date header when it has one, so a PBX whose clock is minutes off still gets the wait
 * it meant; else against ours. Capped at an hour; a date already past, or anything unreadable, asks for no extra wait.
 */
export function retryAfterMs(retryAfter: unknown, date: unknown, now: number): number | undefined {
  const text = firstHeader(retryAfter);
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const seconds = Number(text);
  let ms: number;
  if (Number.isFinite(seconds)) ms = seconds * 1000;
  else {
    const at = Date.parse(text);
    if (!Number.isFinite(at)) return undefined;
    const sent = Date.parse(String(firstHeader(date) ?? ''));
    ms = at - (Number.isFinite(sent) ? sent : now);
  }
  return ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

/**
 * Posts Wavix's webhook to PortSIP as if Wavix had called it: the stored bytes unchanged, the original Content-Type,
 * the URL exactly as copied from PortSIP with only its spaces percent-encoded. PortSIP documents no answer codes, so
 * any 2xx counts as accepted and anything else is kept with its status and the start of the body.
 *
 * Every attempt has one overall deadline, enforced by aborting the request: an idle timeout alone let a PBX that
 * answers a byte every few seconds hold an attempt (and its conversation) forever. A 2xx status whose body is still
 * trickling at the deadline, or is cut by a reset, counts as delivered: the status is PortSIP's acceptance, the body
 * only an excerpt.
 */
export function createPortsipSender(
  options: {
    deadlineMs?: number;
    lookup?: LookupFunction | GuardedLookup;
    now?: () => number;
    connections?: number;
    /** The clock of a route's Retry-After hold (a duration, which a wall clock stepped must not change). */
    monotonicNow?: () => number;
  } = {},
) {
  const deadlineMs = options.deadlineMs ?? DEFAULT_PORTSIP_DEADLINE_MS;
  // The wall clock, unlike a pace: a Retry-After date is a moment, not a duration.
  const now = options.now ?? Date.now;
  const monotonicNow = options.monotonicNow ?? (() => performance.now());
  /**
   * Routes that answered with a Retry-After, until it ends (monotonic), and when one of its SMS last went out meanwhile.
   * A Retry-After is most often the PBX's (or its proxy's) word on itself, yet each SMS waited out only its own: a PBX
   * answering 503 `Retry-After: 120` was sent every other SMS waiting or arriving at once, 300 posts in 3 s (a probe).
   * It may also be a refusal of one conversation by a route that takes the others (routeAnswersAgainLoneFailure). So
   * while a route's wait runs, one SMS goes out every ROUTE_HELD_PROBE_MS: its 2xx ends the wait for the route; the
   * others are not posted, and are tried again after their own backoff (a 2xx of the route brings them forward).
   */
  const holds = new Map<string, { until: number; probedAt: number; status: number | null }>();
  /**
   * What an SMS to `rawUrl` gets instead of a post, the route's wait running (the status of the answer that asked for
   * it); undefined when it may be posted now: the route asked for no wait, or its next probe is due.
   */
  const heldOutcome = (rawUrl: string): AttemptOutcome | undefined => {
    const hold = holds.get(rawUrl);
    if (hold === undefined) return undefined;
    const at = monotonicNow();
    if (hold.until <= at) {
      holds.delete(rawUrl);
      return undefined;
    }
    if (at - hold.probedAt >= ROUTE_HELD_PROBE_MS) {
      hold.probedAt = at;
      return undefined;
    }
    return { delivered: false, statusCode: hold.status, error: routeHeldError(hold.status), held: true };
  };
  const heard = (rawUrl: string, outcome: AttemptOutcome): AttemptOutcome => {
    if (outcome.delivered) holds.delete(rawUrl);
    else if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0) {
      // Routes are a handful; a bound all the same, should they be many.
      if (holds.size >= 1_000 && !holds.has(rawUrl)) holds.clear();
      const at = monotonicNow();
      holds.set(rawUrl, {
        until: Math.max(holds.get(rawUrl)?.until ?? 0, at + outcome.retryAfterMs),
        probedAt: at,
        status: outcome.statusCode,
      });
    }
    return outcome;
  };
  const lookup = options.lookup ?? guardedLookup;
  const resolvingSince: (hostname: string) => number | undefined =
    'resolvingSince' in lookup ? (lookup as GuardedLookup).resolvingSince : () => undefined;
  // undici rather than node:http: a post through this sender costs ~42 µs of CPU against ~64 µs for a bare
  // http.request with a keep-alive Agent (`npm run bench:portsip-client`), and the relay makes one per message.
  // Keep-alive: a backlog drained after an outage is thousands of posts to the same PBX. undici stops reusing a socket
  // 2 s before the keep-alive timeout a server advertises (its default threshold, kept: a socket the server is closing
  // fails the post on it); PortSIP's own keep-alive is not documented, and a PBX advertising 1-2 s gets a new
  // connection per post when traffic pauses. Names are resolved through the guard (`lookup` reaches net.connect and
  // tls.connect): one answering with a metadata or link-local address is refused. A connection that is not up by the
  // deadline is given up with the attempt. Connections per host: what the descriptor limit leaves
  // (./portsipConnections.ts).
  const connections = options.connections ?? MAX_PORTSIP_CONNECTIONS;
  // Held below its full size, the descriptor limit is tight: undici's pools are per host, so every PortSIP host kept
  // its own idle connections and routes to 40 hosts under `ulimit -n 256` took the listener's descriptors again (a
  // probe: 528 of 600 webhooks unanswered). Then a connection ends with its post (pipelining 0: no keep-alive), and
  // the descriptors PortSIP holds are the attempts out, which the relay caps at `connections` across all hosts.
  const agent = new Agent({
    connections,
    // Above undici's 16 KB: headers past it fail the attempt before its status is known, so a PBX (or the proxy before
    // it, with its cookies) that accepted with 40 KB of headers was sent the same SMS again at every retry.
    maxHeaderSize: MAX_ANSWER_HEADER_BYTES,
    ...(connections < MAX_PORTSIP_CONNECTIONS ? { pipelining: 0 } : {}),
    connect: { lookup, timeout: deadlineMs },
  });
  let closing = false;

  // A route stored before the destination rules (or edited in the database) is judged again by this process; the
  // verdict of a URL cannot change while it runs, so it is kept (a storm to one PBX parsed its URL once per message),
  // with what each request needs of it, made once.
  type Target = { origin: string; hostname: string; path: string; authorization: string | undefined; secrets: string[] };
  type Judged = { target: Target } | { outcome: AttemptOutcome };
  const judged = new Map<string, Judged>();
  const judge = (rawUrl: string): Judged => {
    let url: URL;
    try {
      url = new URL(encodeCopiedUrl(rawUrl));
    } catch {
      return { outcome: { delivered: false, statusCode: null, error: 'the route URL is not a valid URL' } };
    }
    const refused = refusedDestination(rawUrl);
    if (refused) return { outcome: { delivered: false, statusCode: null, error: refused, deterministic: true } };
    // Credentials in the URL are sent as Basic authentication, as a browser or node:http would.
    const credentials =
      url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : '';
    return {
      target: {
        origin: url.origin,
        hostname: url.hostname,
        path: `${url.pathname}${url.search}`,
        authorization: credentials ? `Basic ${Buffer.from(credentials).toString('base64')}` : undefined,
        secrets: routeSecrets(url),
      },
    };
  };
  const judgeOnce = (rawUrl: string): Judged => {
    let verdict = judged.get(rawUrl);
    if (verdict === undefined) {
      // Destinations are a handful of routes; a bound all the same, should they be many.
      if (judged.size >= 1_000) judged.clear();
      verdict = judge(rawUrl);
      judged.set(rawUrl, verdict);
    }
    return verdict;
  };

  const post = (rawUrl: string, message: InboundMessage): Promise<AttemptOutcome> =>
    new Promise((resolve, reject) => {
      const held = heldOutcome(rawUrl);
      if (held !== undefined) {
        resolve(held);
        return;
      }
      const verdict = judgeOnce(rawUrl);
      if ('outcome' in verdict) {
        resolve({ ...verdict.outcome });
        return;
      }
      const { target } = verdict;
      let settled = false;
      let status: number | null = null;
      let retryAfter: unknown;
      let answeredAt: unknown;
      let location: unknown;
      let controller: Dispatcher.DispatchController | undefined;
      const chunks: Buffer[] = [];
      let kept = 0;
      // The route's own credentials are cut before the excerpt is: one the cut would halve is still recognised.
      const excerpt = () =>
        Buffer.from(withoutRouteSecrets(Buffer.concat(chunks).subarray(0, KEPT_BYTES).toString('utf8'), target.secrets))
          .subarray(0, EXCERPT_BYTES)
          .toString('utf8');
      // The route's Retry-After hold learns of every answered outcome here, not in a `.then` of each post: a promise and
      // a closure fewer per SMS (outcomes that posted nothing, held or refused, never start or end a hold).
      const finish = (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(heard(rawUrl, outcome));
      };
      const startedAt = Date.now();
      const deadline = setTimeout(() => {
        const accepted = status !== null && status >= 200 && status < 300;
        // Still waiting for the name when the attempt began (or soon after): the PBX was never asked, DNS is what hangs.
        const resolving = resolvingSince(target.hostname);
        const unresolved = status === null && resolving !== undefined && resolving <= startedAt + deadlineMs / 2;
        finish(
          accepted
            ? { delivered: true, statusCode: status }
            : unresolved
              ? {
                  delivered: false,
                  statusCode: null,
                  error: `${NOT_RESOLVED_WITHIN} ${deadlineMs} ms (DNS slow or not answering)`,
                }
              : {
                  delivered: false,
                  statusCode: status,
                  error: `no complete answer within ${deadlineMs} ms${status === null ? '' : ` (HTTP ${status}${excerpt() ? `: ${excerpt()}` : ''})`}`,
                },
        );
        // Cut rather than aborted through an AbortSignal: one signal and its listeners per request cost ~3 % of the
        // relay's CPU under load. A request not on a socket yet is cut as soon as it is (settled: its error is ignored).
        controller?.abort(new Error('deadline'));
      }, deadlineMs);

      const headers: Record<string, string> = {
        'content-type': message.contentType,
        'content-length': String(message.rawBody.length),
        'user-agent': RELAY_USER_AGENT,
      };
      if (target.authorization) headers.authorization = target.authorization;
      try {
        agent.dispatch(
          { origin: target.origin, path: target.path, method: 'POST', headers, body: message.rawBody },
          {
            onRequestStart: (started) => {
              controller = started;
              if (settled) started.abort(new Error('deadline'));
            },
            onResponseStart: (_c, statusCode, responseHeaders) => {
              // A 1xx informational answer is not PortSIP's answer: the final one follows.
              if (statusCode < 200) return;
              status = statusCode;
              retryAfter = responseHeaders['retry-after'];
              location = responseHeaders.location;
              answeredAt = responseHeaders.date;
            },
            onResponseData: (_c, chunk) => {
              if (kept < KEPT_BYTES) {
                chunks.push(chunk);
                kept += chunk.length;
              }
            },
            onResponseEnd: () => {
              const code = status ?? 0;
              if (code >= 200 && code < 300) {
                finish({ delivered: true, statusCode: code });
                return;
              }
              // A redirect names where the PBX wants the SMS: recorded masked (it may carry credentials) for the admin.
              const moved = code >= 300 && code < 400 && typeof location === 'string' ? `redirects to ${maskUrl(location)}` : '';
              const body = [moved, excerpt()].filter(Boolean).join(' — ');
              const wait = retryAfter === undefined ? undefined : retryAfterMs(retryAfter, answeredAt, now());
              finish({
                delivered: false,
                statusCode: code,
                error: `HTTP ${code}${body ? `: ${body}` : ''}`,
                ...(wait === undefined ? {} : { retryAfterMs: wait }),
              });
            },
            // A name resolving to a refused address stays refused on the next attempt: set aside (dead, alerted) after a few.
            onResponseError: (_c, error: NodeJS.ErrnoException) => {
              // A 2xx status came before the error (the connection reset mid-body, or cut by the stop): PortSIP accepted
              // the message, and the body is only an excerpt. Counted as failed, it was sent again at every retry (one
              // PBX that answers 200 then resets got the same SMS five times).
              if (status !== null && status >= 200 && status < 300) {
                finish({ delivered: true, statusCode: status });
                return;
              }
              if (error.code === 'UND_ERR_INVALID_ARG' && !settled) {
                // A request undici will not build (a stored Content-Type that cannot be a header) fails the same way every
                // time: thrown, as node:http threw it, so the relay logs and counts it and sets the delivery aside.
                settled = true;
                clearTimeout(deadline);
                reject(error);
                return;
              }
              finish({
                delivered: false,
                statusCode: status,
                error: closing ? STOPPED_MID_ATTEMPT : error.message,
                deterministic: !closing && error.code === REFUSED_ADDRESS_CODE,
              });
            },
          },
        );
      } catch (error) {
        settled = true;
        clearTimeout(deadline);
        reject(error);
      }
    });

  return {
    // Not `async`: an async function returning Promise.all's promise wraps it in one more, settled two turns later.
    send: (batch: Array<{ delivery: { destination: string }; message: InboundMessage }>): Promise<AttemptOutcome[]> =>
      Promise.all(batch.map(({ delivery, message }) => post(delivery.destination, message))),
    /** Cuts the attempts still waiting for PortSIP (the stop's grace is over): each ends as a failed attempt. */
    close: () => {
      closing = true;
      void agent.destroy().catch(() => {});
    },
  };
}
