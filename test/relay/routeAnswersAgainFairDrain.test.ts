import { afterEach, describe, expect, it } from 'vitest';
import { postInbound, type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * A backlog drained after a PortSIP outage goes in arrival order across conversations. A probe (100,000 SMS in 3,000
 * conversations, PortSIP down 15 min): five minutes into the drain, 377 conversations had every SMS delivered and
 * 2,578 (85 %) not one, as the route's first 2xx made each conversation's first SMS due "now", after its own later
 * SMS (due when they arrived): the relay emptied a conversation before it started the next.
 */

const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
let t: SmsopsUnderTest | undefined;
let sink: WebhookSink | undefined;

afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
  await sink?.close();
});

describe('a backlog drained once PortSIP answers again', () => {
  it.each([
    ['goes in arrival order across conversations, not one conversation emptied after another', false],
    // On the real process, 1,176 of 2,000 conversations were in this state and still had nothing delivered 15 s in.
    ['goes in arrival order also when the first SMS had ended its backoff before PortSIP answered', true],
  ])('%s', async (_, backoffEnded) => {
    sink = await startWebhookSink();
    const pbx = sink;
    await pbx.down();
    t = await startSmsopsUnderTest({
      PORTSIP_WEBHOOK_URL: `${pbx.url}/emc/Wavix - US/${UUID}`,
      // One attempt at a time (as when conversations outnumber the slots), retries far past the test.
      RELAY_CONCURRENCY: '1',
      RELAY_RETRY_BASE_MS: '60000',
      SLACK_RELAY_PACE_MS: '0',
    });
    const smsops = t;
    // More conversations than one claim takes (the slot and the claims ahead: 5).
    const customers = Array.from({ length: 8 }, (_, i) => `4474001000${String(i + 10)}`);
    for (const from of customers) expect((await postInbound(smsops, { message_id: `${from}-1`, from })).status).toBe(200);
    const failedFirsts = () =>
      (
        smsops.db.prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'portsip' AND attempts > 0").get() as {
          n: number;
        }
      ).n;
    await waitUntil(() => failedFirsts() >= customers.length, 10_000, 'each first SMS failing once');
    for (const from of customers) expect((await postInbound(smsops, { message_id: `${from}-2`, from })).status).toBe(200);

    await pbx.up();
    if (backoffEnded) {
      // Each first SMS's backoff ended just after its conversation's second SMS arrived: due, not yet tried.
      smsops.db
        .prepare(
          "UPDATE deliveries SET next_attempt_at = (SELECT max(created_at) + 1 FROM deliveries) WHERE destination_kind = 'portsip' AND attempts > 0",
        )
        .run();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Another customer's SMS wakes the relay; the route's first 2xx brings the waiting ones forward.
    expect((await postInbound(smsops, { message_id: 'fresh-1', from: '447400100009' })).status).toBe(200);
    await waitUntil(() => pbx.received.length >= 17, 15_000, 'the backlog delivered');
    const order = pbx.received
      .map((r) => String((r.json() as { message_id: unknown }).message_id))
      .filter((id) => id !== 'fresh-1');
    expect(order).toEqual([1, 2].flatMap((n) => customers.map((from) => `${from}-${n}`)));
  });
});
