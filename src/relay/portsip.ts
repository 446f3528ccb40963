import http from 'node:http';
import https from 'node:https';
import { encodeCopiedUrl } from '../core/urls.js';
import type { InboundMessage } from '../store/repositories/inbound.js';
import type { AttemptOutcome } from './outbox.js';

const EXCERPT_BYTES = 300;

/**
 * Posts Wavix's webhook to PortSIP as if Wavix had called it: the stored bytes unchanged, the original Content-Type,
 * the URL exactly as copied from PortSIP with only its spaces percent-encoded. PortSIP documents no answer codes, so
 * any 2xx counts as accepted and anything else is kept with its status and the start of the body.
 */
export function createPortsipSender(options: { timeoutMs?: number } = {}) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Keep-alive: a backlog drained after an outage is thousands of posts to the same PBX.
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  const post = (rawUrl: string, message: InboundMessage): Promise<AttemptOutcome> =>
    new Promise((resolve) => {
      let url: URL;
      try {
        url = new URL(encodeCopiedUrl(rawUrl));
      } catch {
        resolve({ delivered: false, statusCode: null, error: 'the route URL is not a valid URL' });
        return;
      }
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request(
        url,
        {
          method: 'POST',
          agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'],
          headers: {
            'content-type': message.contentType,
            'content-length': message.rawBody.length,
            'user-agent': 'smsops-relay',
          },
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          response.on('data', (chunk: Buffer) => {
            if (kept < EXCERPT_BYTES) {
              chunks.push(chunk);
              kept += chunk.length;
            }
          });
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve({ delivered: true, statusCode: status });
              return;
            }
            const excerpt = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
            const retryAfter = Number(response.headers['retry-after']);
            resolve({
              delivered: false,
              statusCode: status,
              error: `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`,
              ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: Math.min(retryAfter, 3600) * 1000 } : {}),
            });
          });
          response.on('error', (error) =>
            resolve({ delivered: false, statusCode: response.statusCode ?? null, error: error.message }),
          );
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', (error) => resolve({ delivered: false, statusCode: null, error: error.message }));
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
