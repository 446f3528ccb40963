import { afterEach, describe, expect, it } from 'vitest';
import { metricValue } from '../../bench/measure.js';
import {
  OUTSIDER,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * A PortSIP route answering 503 with Retry-After: 120 holds its other SMS unsent (one tries the route every 5 s). Those
 * held SMS were told as "the attempt failed before PortSIP answered" in /sms relay status, "no HTTP answer" in the inbox
 * and the channel's posts, and each counted as a failed attempt: 39 for the 2 posts PortSIP got in 8 s (a probe).
 */

let t: SmsopsUnderTest | undefined;
let sink: WebhookSink | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
  await sink?.close();
  sink = undefined;
});

const heldRows = (smsops: SmsopsUnderTest) =>
  (
    smsops.db
      .prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'portsip' AND last_error LIKE 'not sent:%'")
      .get() as { n: number }
  ).n;

describe('SMS held by their route’s Retry-After', () => {
  it('are told with PortSIP’s own answer (503, Retry-After), not as unanswered, and are not counted as failed posts', {
    timeout: 30_000,
  }, async () => {
    sink = await startWebhookSink();
    sink.respondWith(503, 'PBX busy', { 'retry-after': '120' });
    t = await startSmsopsUnderTest({ SLACK_RELAY_PACE_MS: '0' });
    const smsops = t;
    await runCommand(smsops, `route set +14155550100 ${sink.url}/emc/x/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90`);
    for (let i = 0; i < 6; i++) await postInbound(smsops, { from: `4474001234${String(i).padStart(2, '0')}` });
    await waitUntil(() => heldRows(smsops) >= 5, 10_000, 'five SMS held');

    const status = readable((await runCommand(smsops, 'relay status')).body);
    expect(status).toContain('PortSIP answered HTTP 503 and asked to wait (Retry-After) on this route');
    expect(status).not.toContain('the attempt failed before PortSIP answered');
    const outsider = readable((await runCommand(smsops, 'inbox', { userId: OUTSIDER })).body);
    expect(outsider).not.toContain('no HTTP answer');
    const posts = smsops.fakeSlack
      .callsTo('chat.postMessage')
      .concat(smsops.fakeSlack.callsTo('chat.update'))
      .map((c) => readable(c.args));
    expect(posts.join('\n')).not.toContain('the attempt failed before Por');
    // Held turns are not attempts: the post says it waits unposted, with PortSIP's answer to the route.
    await waitUntil(
      () =>
        smsops.fakeSlack
          .callsTo('chat.update')
          .some((c) => readable(c.args).includes('PortSIP retrying (HTTP 503, not posted yet')),
      10_000,
      'a post saying its SMS is held unposted',
    );

    const metrics = await (await fetch(`${smsops.smsops.url}/metrics`)).text();
    const failed = metricValue(metrics, 'smsops_relay_failed_attempts_total', { kind: 'portsip' });
    expect(failed, 'failed attempts: the posts PortSIP answered 503').toBe(sink.received.length);
    expect(metricValue(metrics, 'smsops_relay_held_total', { kind: 'portsip' })).toBeGreaterThanOrEqual(5);
  });
});
