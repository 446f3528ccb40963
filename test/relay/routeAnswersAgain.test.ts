import { afterEach, describe, expect, it } from 'vitest';
import { postInbound, type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * A PortSIP that was down comes back. A probe under steady traffic (12 conversations, 3 routes, PortSIP down 50 s):
 * the route took other conversations' SMS at once, while one conversation's 54 SMS waited 80 s more behind its first
 * one's backoff (up to 5 minutes after a longer outage). A 2xx from the route now brings its waiting SMS forward.
 */

const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
let t: SmsopsUnderTest | undefined;
let sink: WebhookSink | undefined;

afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
  await sink?.close();
});

const deliveredTo = (s: WebhookSink, id: string) => s.received.some((r) => r.body.toString().includes(id));

describe('a PortSIP route that answers again', () => {
  it('sends the SMS waiting out a backoff at once, not when their backoff ends', async () => {
    sink = await startWebhookSink();
    const pbx = sink;
    await pbx.down();
    // A first retry 10-40 s after the failure: far longer than the test waits.
    t = await startSmsopsUnderTest({
      PORTSIP_WEBHOOK_URL: `${pbx.url}/emc/Wavix - US/${UUID}`,
      RELAY_RETRY_BASE_MS: '40000',
      SLACK_RELAY_PACE_MS: '0',
    });
    const smsops = t;
    expect((await postInbound(smsops, { message_id: 'waiting-1', from: '447400100001', to: '14155550100' })).status).toBe(200);
    const attempts = () =>
      (
        smsops.db.prepare("SELECT attempts FROM deliveries WHERE destination_kind = 'portsip' ORDER BY id LIMIT 1").get() as {
          attempts: number;
        }
      ).attempts;
    await waitUntil(() => attempts() >= 1, 10_000, 'the first attempt failing');

    await pbx.up();
    expect((await postInbound(smsops, { message_id: 'fresh-1', from: '447400100002', to: '14155550100' })).status).toBe(200);
    await waitUntil(() => deliveredTo(pbx, 'fresh-1'), 10_000, 'the fresh SMS');
    await waitUntil(() => deliveredTo(pbx, 'waiting-1'), 5_000, 'the SMS that waited out its backoff');
  });
});
