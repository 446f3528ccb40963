import type { RealProcessRig } from './realProcessRig.js';
import { inboundWebhookBody } from './smsopsProcess.js';
import { waitUntil } from './waitUntil.js';

/**
 * What the database-file tests of the real process ask smsops over HTTP: a webhook's answer, /healthz, the
 * `smsops_store_writable` gauge, what reached PortSIP, and /healthz once it fails.
 */
export function storeProbes(rig: Pick<RealProcessRig, 'base' | 'sink'>, webhookSecret: string) {
  const post = async (messageId: string) => {
    const response = await fetch(`${rig.base}/webhooks/wavix/inbound/${webhookSecret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody(messageId),
      signal: AbortSignal.timeout(10_000),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      json: (await response.json()) as { error?: string },
    };
  };
  const health = async () => {
    const response = await fetch(`${rig.base}/healthz`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: (await response.json()) as { status: string; reasons: string[]; db: string } };
  };
  const writable = async () => {
    const text = await (await fetch(`${rig.base}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    return /^smsops_store_writable (\d)/m.exec(text)?.[1];
  };
  const delivered = () => rig.sink.received.map((r) => (r.json() as { message_id: string }).message_id);
  /** /healthz once it says 503 (the file checks run once a second), with what it said last on a timeout. */
  const failingHealth = async () => {
    let last: unknown;
    return waitUntil(
      async () => {
        const h = await health();
        last = h;
        return h.status === 503 ? h : null;
      },
      8_000,
      () => `/healthz stayed ${JSON.stringify(last)}`,
    );
  };
  return { post, health, writable, delivered, failingHealth };
}
