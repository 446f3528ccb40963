import { expect } from 'vitest';
import type { RealProcessRig } from './realProcessRig.js';
import { inboundWebhookBody, productionEnv, type SmsopsProcess, startSmsopsProcess } from './smsopsProcess.js';
import { sleep, waitUntil } from './waitUntil.js';

/**
 * smsops as the database-file tests run it: production settings on `databasePath`, a PortSIP route to the rig's sink,
 * quick retries, no Slack pace, and relay_stalled raised after 1 s, so a failing store shows in Slack within the test.
 */
export async function startStoreTestSmsops(
  rig: Pick<RealProcessRig, 'dir' | 'port' | 'sink' | 'fakeSlack' | 'track'>,
  options: { databasePath: string; webhookSecret: string; portsipPath: string },
): Promise<SmsopsProcess> {
  const p = await startSmsopsProcess(rig.dir, {
    ...productionEnv({ port: rig.port, databasePath: options.databasePath, webhookSecret: options.webhookSecret }),
    SLACK_API_URL: rig.fakeSlack.url,
    PORTSIP_WEBHOOK_URL: `${rig.sink.url}${options.portsipPath}`,
    RELAY_RETRY_BASE_MS: '20',
    SLACK_RELAY_PACE_MS: '0',
    RELAY_STALL_ALERT_MS: '1000',
  });
  rig.track(p);
  return p;
}

/** SIGTERM, as systemd or Docker stop it, and its exit awaited (20 s at most). */
export async function stopWithSigterm(p: SmsopsProcess): Promise<void> {
  p.child.kill('SIGTERM');
  const exit = await Promise.race([p.exited, sleep(20_000).then(() => null)]);
  expect(exit, 'smsops did not stop on SIGTERM').not.toBeNull();
}

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
