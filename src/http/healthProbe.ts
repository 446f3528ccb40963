import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HealthAnswer, HealthProbeOptions } from '../core/doctor/types.js';

/** More than any health report smsops writes: the rest of a longer body (another service answering) is not kept. */
const HEALTH_BODY_MAX = 64 * 1024;

/**
 * `/sms doctor`'s GET of PUBLIC_BASE_URL/healthz, through node:http(s) as Wavix would reach smsops: redirects are not
 * followed (Wavix posts to the URL as set), the certificate is checked against the same trust as every other probe of
 * the doctor (Node's store, or `ca` in tests). Rejects when nothing answers (the error's `code` says why).
 */
export function getHealthOverHttp(url: string, { signal, ca }: HealthProbeOptions): Promise<HealthAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const options = { signal, agent: false, headers: { 'user-agent': 'smsops-doctor' }, ...(ca ? { ca } : {}) };
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= HEALTH_BODY_MAX) chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}
