import { afterEach, describe, expect, it } from 'vitest';
import {
  postInbound,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * PortSIP routes share the relay's slots. A route whose PBX accepts and never answers, with many conversations due,
 * used to take every slot, wave after wave, and another route's SMS waited for one of its attempts to time out.
 * Through the real Bolt receiver, the real relay and two local PortSIP sinks.
 */

const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
let t: SmsopsUnderTest | undefined;
const sinks: WebhookSink[] = [];

afterEach(async () => {
  if (t) {
    await stopCheckingSecrets(t);
    t = undefined;
  }
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

async function post(smsops: SmsopsUnderTest, messageId: string, from: string, to: string): Promise<void> {
  expect((await postInbound(smsops, { message_id: messageId, from, to, text: `to ${to}` })).status).toBe(200);
}

describe('a PortSIP route that never answers', () => {
  it('holds at most half the slots once it fails: another route’s SMS goes through without waiting for its attempts to time out', async () => {
    const healthy = await startWebhookSink();
    const hung = await startWebhookSink();
    sinks.push(healthy, hung);
    hung.delay(120_000);
    t = await startSmsopsUnderTest({
      PORTSIP_WEBHOOK_URL: `${healthy.url}/emc/Wavix - US/${UUID}`,
      // Long enough that an attempt timing out while the healthy SMS goes through is a rare coincidence (at 1.5 s a
      // fresh-clone CI run met one).
      PORTSIP_DEADLINE_MS: '5000',
      RELAY_RETRY_BASE_MS: '50',
      SLACK_RELAY_PACE_MS: '0',
    });
    const smsops = t;
    await runCommand(smsops, `route set +1 202 555 0199 ${hung.url}/emc/Wavix - US/${UUID}`);
    for (let c = 0; c < 20; c++) await post(smsops, `hung-${c}`, `4474002${String(c).padStart(5, '0')}`, '12025550199');

    // A wave of its attempts timed out: from then on the relay knows the route fails.
    const hungAttempts = () =>
      (
        smsops.db
          .prepare(
            "SELECT coalesce(sum(attempts), 0) AS n FROM deliveries WHERE destination_kind = 'portsip' AND destination LIKE ?",
          )
          .get(`${hung.url}%`) as { n: number }
      ).n;
    // Attempts to the hung route that ended (timed out) so far: the healthy SMS must not need another to end.
    const ended = () => hung.received.length - hung.open();
    // The sink sees an abandoned attempt's connection close a moment after the relay records the failure: wait for
    // both, or that late close looks like one more attempt ending (a fresh-clone CI run saw 7 then 8).
    await waitUntil(
      () => hungAttempts() >= 8 && ended() >= hungAttempts(),
      20_000,
      'a wave of attempts to the hung route, timed out',
    );
    const endedBefore = ended();
    await post(smsops, 'healthy-1', '447400123456', '14155550100');
    await waitUntil(() => healthy.received.some((r) => r.body.toString().includes('healthy-1')), 10_000, 'the healthy SMS');
    expect(ended()).toBe(endedBefore);
    // The hung route still has attempts out (it was not simply between two waves), at most half the 8 slots.
    expect(hung.open()).toBeGreaterThan(0);
    expect(hung.open()).toBeLessThanOrEqual(4);
  });

  it('two routes that never answer hold at most half the slots between them, not half each', async () => {
    const healthy = await startWebhookSink();
    const hungA = await startWebhookSink();
    const hungB = await startWebhookSink();
    sinks.push(healthy, hungA, hungB);
    hungA.delay(120_000);
    hungB.delay(120_000);
    t = await startSmsopsUnderTest({
      PORTSIP_WEBHOOK_URL: `${healthy.url}/emc/Wavix - US/${UUID}`,
      // Long enough that an attempt timing out while the healthy SMS goes through is a rare coincidence (at 1.5 s a
      // fresh-clone CI run met one).
      PORTSIP_DEADLINE_MS: '5000',
      RELAY_RETRY_BASE_MS: '50',
      SLACK_RELAY_PACE_MS: '0',
    });
    const smsops = t;
    await runCommand(smsops, `route set +1 202 555 0199 ${hungA.url}/emc/Wavix - US/${UUID}`);
    await runCommand(smsops, `route set +1 202 555 0198 ${hungB.url}/emc/Wavix - US/${UUID}`);
    for (let c = 0; c < 20; c++) {
      await post(smsops, `hungA-${c}`, `4474002${String(c).padStart(5, '0')}`, '12025550199');
      await post(smsops, `hungB-${c}`, `4474003${String(c).padStart(5, '0')}`, '12025550198');
    }
    const attemptsTo = (sink: WebhookSink) =>
      (
        smsops.db
          .prepare(
            "SELECT coalesce(sum(attempts), 0) AS n FROM deliveries WHERE destination_kind = 'portsip' AND destination LIKE ?",
          )
          .get(`${sink.url}%`) as { n: number }
      ).n;
    // Both known to fail: each had attempts time out. Half each filled all 8 slots, and every other route's SMS
    // waited for one of their attempts to time out (8-14.5 s in a probe with two routes whose DNS hung).
    const ended = () => hungA.received.length - hungA.open() + hungB.received.length - hungB.open();
    // As above: the sinks' closes lag the relay's records of the failures.
    await waitUntil(
      () => attemptsTo(hungA) >= 4 && attemptsTo(hungB) >= 4 && ended() >= attemptsTo(hungA) + attemptsTo(hungB),
      25_000,
      'attempts to both hung routes, timed out',
    );
    const endedBefore = ended();
    await post(smsops, 'healthy-1', '447400123456', '14155550100');
    await waitUntil(() => healthy.received.some((r) => r.body.toString().includes('healthy-1')), 10_000, 'the healthy SMS');
    expect(ended()).toBe(endedBefore);
    expect(hungA.open() + hungB.open()).toBeLessThanOrEqual(4);
  });
});

/**
 * A route whose last outcome was a failure (one conversation's SMS refused once) holds at most half the slots. It must
 * still have that half while other routes have a backlog: its SMS, due before theirs, waited for every other route's
 * SMS, those stored after it included, until nothing else was due (a probe).
 */
describe('a PortSIP route that failed once, while another route has a backlog', () => {
  it('still gets its share: its SMS goes before the other route’s SMS stored after it', async () => {
    const busy = await startWebhookSink();
    const once = await startWebhookSink();
    sinks.push(busy, once);
    busy.delay(150);
    t = await startSmsopsUnderTest({
      PORTSIP_WEBHOOK_URL: `${busy.url}/emc/Wavix - US/${UUID}`,
      RELAY_CONCURRENCY: '4',
      RELAY_RETRY_BASE_MS: '600000',
      SLACK_RELAY_PACE_MS: '0',
    });
    const smsops = t;
    await runCommand(smsops, `route set +1 202 555 0199 ${once.url}/emc/Wavix - US/${UUID}`);
    // One conversation's SMS refused once (its retry 10 minutes away): the route's last outcome is a failure.
    once.respondWith(500);
    await post(smsops, 'once-1', '447400200001', '12025550199');
    await waitUntil(() => once.received.length === 1, 10_000, 'the refused attempt');
    await new Promise((resolve) => setTimeout(resolve, 300));
    once.respondWith(200);

    // A backlog on the busy route, another conversation of the failed-once route in its middle.
    for (let c = 0; c < 30; c++) await post(smsops, `busy-a${c}`, `4474003${String(c).padStart(5, '0')}`, '14155550100');
    await post(smsops, 'once-2', '447400200002', '12025550199');
    for (let c = 0; c < 90; c++) await post(smsops, `busy-b${c}`, `4474004${String(c).padStart(5, '0')}`, '14155550100');
    await waitUntil(() => once.received.some((r) => r.body.toString().includes('once-2')), 60_000, 'once-2');
    const after = busy.received.filter((r) => r.body.toString().includes('busy-b')).length;
    // 90 of 90 before the fix, 2 with the share per destination it replaced (a few claimed ahead with it are fine).
    expect(after, `busy SMS stored after once-2 relayed before it`).toBeLessThan(45);
  }, 90_000);
});
