import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { urlToHttpOptions } from 'node:url';
import { guardedLookup, REFUSED_ADDRESS_CODE, refusedDestination } from '../core/destinationGuard.js';
import type { InboundMessage } from '../core/model/inboundMessage.js';
import { encodeCopiedUrl } from '../core/urls.js';
import type { AttemptOutcome } from './outbox.js';

const EXCERPT_BYTES = 300;

/** Default overall deadline of one attempt: connect, send, status line, headers and body. */
export const DEFAULT_PORTSIP_DEADLINE_MS = 15_000;

/**
 * Posts Wavix's webhook to PortSIP as if Wavix had called it: the stored bytes unchanged, the original Content-Type,
 * the URL exactly as copied from PortSIP with only its spaces percent-encoded. PortSIP documents no answer codes, so
 * any 2xx counts as accepted and anything else is kept with its status and the start of the body.
 *
 * Every attempt has one overall deadline, enforced by aborting the request: an idle timeout alone let a PBX that
 * answers a byte every few seconds hold an attempt (and its conversation) forever. A 2xx status whose body is still
 * trickling at the deadline counts as delivered: the status is PortSIP's acceptance, the body only an excerpt.
 */
export function createPortsipSender(options: { deadlineMs?: number; lookup?: LookupFunction } = {}) {
  const deadlineMs = options.deadlineMs ?? DEFAULT_PORTSIP_DEADLINE_MS;
  const lookup = options.lookup ?? guardedLookup;
  // Keep-alive: a backlog drained after an outage is thousands of posts to the same PBX.
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  // A route stored before the destination rules (or edited in the database) is judged again by this process; the
  // verdict of a URL cannot change while it runs, so it is kept (a storm to one PBX parsed its URL once per message).
  // With the URL as request options, made once: node:http converts a URL object on every request (~1 % of the relay).
  type Judged = { url: URL; target: ReturnType<typeof urlToHttpOptions> } | { outcome: AttemptOutcome };
  const judged = new Map<string, Judged>();
  const judge = (rawUrl: string): Judged => {
    let url: URL;
    try {
      url = new URL(encodeCopiedUrl(rawUrl));
    } catch {
      return { outcome: { delivered: false, statusCode: null, error: 'the route URL is not a valid URL' } };
    }
    const refused = refusedDestination(rawUrl);
    return refused
      ? { outcome: { delivered: false, statusCode: null, error: refused, deterministic: true } }
      : { url, target: urlToHttpOptions(url) };
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
    new Promise((resolve) => {
      const verdict = judgeOnce(rawUrl);
      if ('outcome' in verdict) {
        resolve({ ...verdict.outcome });
        return;
      }
      const { url, target } = verdict;
      let settled = false;
      let status: number | null = null;
      const chunks: Buffer[] = [];
      let kept = 0;
      const excerpt = () => Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
      const finish = (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(outcome);
      };
      const deadline = setTimeout(() => {
        const accepted = status !== null && status >= 200 && status < 300;
        finish(
          accepted
            ? { delivered: true, statusCode: status }
            : {
                delivered: false,
                statusCode: status,
                error: `no complete answer within ${deadlineMs} ms${status === null ? '' : ` (HTTP ${status}${excerpt() ? `: ${excerpt()}` : ''})`}`,
              },
        );
        // Cut rather than aborted through an AbortSignal: one signal and its listeners per request cost ~3 % of the
        // relay's CPU under load. The request's late error is ignored (settled).
        request.destroy();
      }, deadlineMs);

      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request(
        {
          ...target,
          method: 'POST',
          agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'],
          headers: {
            'content-type': message.contentType,
            'content-length': message.rawBody.length,
            'user-agent': 'smsops-relay',
          },
          // Names are resolved through the guard: one answering with a metadata or link-local address is refused.
          lookup,
        },
        (response) => {
          status = response.statusCode ?? 0;
          response.on('data', (chunk: Buffer) => {
            if (kept < EXCERPT_BYTES) {
              chunks.push(chunk);
              kept += chunk.length;
            }
          });
          response.on('end', () => {
            const code = response.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              finish({ delivered: true, statusCode: code });
              return;
            }
            const body = excerpt();
            const retryAfter = Number(response.headers['retry-after']);
            finish({
              delivered: false,
              statusCode: code,
              error: `HTTP ${code}${body ? `: ${body}` : ''}`,
              ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: Math.min(retryAfter, 3600) * 1000 } : {}),
            });
          });
          response.on('error', (error) =>
            finish({ delivered: false, statusCode: response.statusCode ?? null, error: error.message }),
          );
        },
      );
      // A name resolving to a refused address stays refused on the next attempt: set aside (dead, alerted) after a few.
      request.on('error', (error: NodeJS.ErrnoException) =>
        finish({ delivered: false, statusCode: null, error: error.message, deterministic: error.code === REFUSED_ADDRESS_CODE }),
      );
      request.end(message.rawBody);
    });

  return {
    send: async (batch: Array<{ delivery: { destination: string }; message: InboundMessage }>): Promise<AttemptOutcome[]> =>
      Promise.all(batch.map(({ delivery, message }) => post(delivery.destination, message))),
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
