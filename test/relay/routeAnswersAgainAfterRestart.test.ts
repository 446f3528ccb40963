import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postInbound, type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * PortSIP down, smsops restarted during the outage (its config fixed, a deploy), PortSIP answering again. A probe: the
 * route's "failing" state was in memory only, so its first 2xx after the restart brought nothing forward, and one
 * customer's old SMS waited out their backoff (up to 5 minutes) while newer SMS of other customers went through at
 * once. A wait PortSIP asked for (Retry-After) is still waited out.
 */

const UUID = 'b7c1d2e3-66e0-4c64-9d3b-2f5c1e7a8b90';
let t: SmsopsUnderTest | undefined;
let sink: WebhookSink | undefined;
let dir: string | undefined;

afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
  await sink?.close();
  sink = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const postsOf = (s: WebhookSink, id: string) => s.received.filter((r) => r.body.toString().includes(id)).length;
const deliveredTo = (s: WebhookSink, id: string) => postsOf(s, id) > 0;
const attemptsOf = (smsops: SmsopsUnderTest, messageId: string) =>
  (
    smsops.db
      .prepare(
        `SELECT d.attempts FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
         WHERE d.destination_kind = 'portsip' AND m.wavix_message_id = ?`,
      )
      .get(messageId) as { attempts: number } | undefined
  )?.attempts ?? 0;
/** When its last turn was recorded: an attempt, or a turn held by the route's Retry-After (not an attempt). */
const lastTurnOf = (smsops: SmsopsUnderTest, messageId: string) =>
  (
    smsops.db
      .prepare(
        `SELECT d.last_attempt_at AS at FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
         WHERE d.destination_kind = 'portsip' AND m.wavix_message_id = ?`,
      )
      .get(messageId) as { at: number | null } | undefined
  )?.at ?? null;

describe('a PortSIP route that answers again after smsops restarted during its outage', () => {
  it('sends the SMS waiting out a backoff within seconds of its first 2xx, and still waits out a Retry-After', async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-forward-'));
    const pbx = await startWebhookSink();
    sink = pbx;
    // A first retry 30-120 s after a failure: far longer than the test waits for anything.
    const env = {
      DATABASE_PATH: join(dir, 'smsops.db'),
      PORTSIP_WEBHOOK_URL: `${pbx.url}/emc/Wavix - US/${UUID}`,
      RELAY_RETRY_BASE_MS: '120000',
      SLACK_RELAY_PACE_MS: '0',
    };
    const start = async () => {
      if (t) await stopCheckingSecrets(t);
      t = await startSmsopsUnderTest(env);
      return t;
    };
    let smsops = await start();

    // PortSIP refuses one customer's SMS, asking for 10 minutes; then it goes down, and another customer's SMS fails.
    pbx.respondWith(503, 'busy', { 'retry-after': '600' });
    expect((await postInbound(smsops, { message_id: 'asked-1', from: '447400200001', to: '14155550100' })).status).toBe(200);
    await waitUntil(() => attemptsOf(smsops, 'asked-1') >= 1, 10_000, 'the refusal asking for 10 minutes');
    await pbx.down();
    expect((await postInbound(smsops, { message_id: 'waiting-1', from: '447400200002', to: '14155550100' })).status).toBe(200);
    // Held by the route's Retry-After (asked-1's), a turn recorded and not posted.
    await waitUntil(() => lastTurnOf(smsops, 'waiting-1') !== null, 10_000, 'the turn held while PortSIP is down');
    const heldAt = lastTurnOf(smsops, 'waiting-1');

    // Restarted during the outage: nothing is brought forward while the route stays down.
    smsops = await start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lastTurnOf(smsops, 'waiting-1')).toBe(heldAt);

    await pbx.up();
    pbx.respondWith(200);
    expect((await postInbound(smsops, { message_id: 'fresh-1', from: '447400200003', to: '14155550100' })).status).toBe(200);
    await waitUntil(() => deliveredTo(pbx, 'fresh-1'), 10_000, 'the fresh SMS');
    await waitUntil(() => deliveredTo(pbx, 'waiting-1'), 5_000, 'the SMS that waited out its backoff across the restart');
    // The wait PortSIP asked for is kept across the restart too.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(postsOf(pbx, 'asked-1')).toBe(1);
    expect(attemptsOf(smsops, 'asked-1')).toBe(1);
  });
});
