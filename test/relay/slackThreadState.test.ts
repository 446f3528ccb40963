import { describe, expect, it } from 'vitest';
import { readable, type SmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

const rig = useSmsopsWithSink({
  portsipPath: '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90',
  env: { RELAY_RETRY_BASE_MS: '200', SLACK_RELAY_PACE_MS: '0' },
  checkSecrets: false,
});
let t: SmsopsUnderTest;
let sink: WebhookSink;

async function start(env: Record<string, string> = {}) {
  ({ t, sink } = await rig.start(env));
  t.fakeSlack.enforceLimits();
}

let counter = 0;
async function post(text: string, from = '447400123456') {
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: `ts-${++counter}-${Date.now()}`,
      message_type: 'sms',
      from,
      to: '14155550100',
      message_body: { text, media: null },
      received_at: '2026-11-25T10:00:00.000Z',
    }),
  });
  expect(response.status).toBe(200);
}

const slackCalls = (method: string) => t.fakeSlack.callsTo(method).filter((c) => !c.error && !c.rateLimited);

describe('the Slack leg through the real app', () => {
  it('posts an SMS with an emoji across characters 199–200, and the conversation’s next SMS after it', async () => {
    await start();
    const tricky = `${'x'.repeat(199)}😀${' and more'.repeat(30)}`;
    await post(tricky);
    await post('the next one');
    const [first, second] = await t.fakeSlack.waitFor('chat.postMessage', 2);
    expect(readable(first?.args.blocks)).toContain(tricky);
    expect(first?.args.text).toBe(`SMS from +44 7400 123456: ${'x'.repeat(199)}…`);
    expect(readable(second?.args.blocks)).toContain('the next one');
    expect(second?.args.thread_ts).toBe(first?.result?.ts);
    expect(t.fakeSlack.calls.filter((c) => c.error)).toEqual([]);
  });

  it('updates the post in place from "PortSIP retrying (HTTP 503…)" to "PortSIP ✓" once PortSIP takes it', async () => {
    await start();
    sink.respondWith(503);
    await post('hello PBX');
    const shownRetrying = await waitUntil(
      () =>
        [...slackCalls('chat.postMessage'), ...slackCalls('chat.update')].find((c) =>
          readable(c.args.blocks).includes('PortSIP retrying (HTTP 503, attempt'),
        ),
      8000,
      'a post or update showing the 503',
    );
    const [original] = slackCalls('chat.postMessage');
    expect(readable(shownRetrying.args.blocks)).toMatch(/attempt \d+, next <!date\^\d+\^\{time\}\|\d\d:\d\d UTC>\)/);
    sink.respondWith(200);
    const delivered = await waitUntil(
      () => slackCalls('chat.update').find((c) => readable(c.args.blocks).includes('PortSIP ✓')),
      8000,
      'the update showing PortSIP ✓',
    );
    expect(delivered.args.ts).toBe(original?.result?.ts);
    expect(delivered.args.channel).toBe(original?.args.channel);
    expect(readable(delivered.args.blocks)).toContain('hello PBX');
    expect(readable(delivered.args.blocks)).toMatch(/PortSIP ✓ <!date\^\d+\^\{time_secs\}\|\d\d:\d\d:\d\d UTC>/);
    expect(slackCalls('chat.postMessage')).toHaveLength(1);
    // The fake records the call before smsops has read the answer: wait for smsops to record the state shown.
    const row = await waitUntil(
      () =>
        t.db.prepare('SELECT dirty, shown_state FROM slack_posts WHERE dirty = 0').get() as { shown_state: string } | undefined,
      8000,
      'the post recorded as showing the delivery',
    );
    expect(row.shown_state).toContain('"delivered"');
  });

  it('shows a dead PortSIP delivery', async () => {
    await start({ RELAY_DEAD_AFTER_HOURS: '0.0002', RELAY_RETRY_BASE_MS: '50' });
    sink.respondWith(500);
    await post('doomed');
    await waitUntil(
      () =>
        [...slackCalls('chat.postMessage'), ...slackCalls('chat.update')].find((c) =>
          readable(c.args.blocks).includes('PortSIP dead: HTTP 500'),
        ),
      8000,
      'the post or update showing PortSIP dead',
    );
  });

  it('says "no PortSIP route" where no route names PortSIP', async () => {
    await start({ PORTSIP_WEBHOOK_URL: '' });
    await post('nowhere to go');
    const [posted] = await t.fakeSlack.waitFor('chat.postMessage');
    expect(readable(posted?.args.blocks)).toContain('no PortSIP route');
  });

  it('coalesces a storm of 30 long SMS into posts Slack accepts, all shown, each with its PortSIP state', async () => {
    await start({ SLACK_RELAY_PACE_MS: '300' });
    sink.delay(5);
    const long = (i: number) => `storm ${i}: ${'a long message in a storm, with émoji 🌧️ '.repeat(38)}`;
    await Promise.all(Array.from({ length: 30 }, (_, i) => post(long(i), `4474001${10_000 + i}`)));
    await waitUntil(
      () =>
        (
          t.db
            .prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'slack' AND status = 'delivered'")
            .get() as { n: number }
        ).n === 30,
      15_000,
      'all 30 in Slack',
    );
    expect(t.fakeSlack.calls.filter((c) => c.error)).toEqual([]);
    const posts = slackCalls('chat.postMessage');
    expect(posts.length).toBeLessThan(30);
    const text = posts.map((p) => readable(p.args.blocks)).join('\n');
    for (let i = 0; i < 30; i++) expect(text).toContain(`storm ${i}: a long message`);
    // Every message ends up shown as delivered to PortSIP, in its post or an update of it.
    await waitUntil(
      () => {
        const latest = new Map<string, string>();
        for (const c of [...slackCalls('chat.postMessage'), ...slackCalls('chat.update')])
          latest.set(String(c.args.ts ?? c.result?.ts), readable(c.args.blocks));
        return [...latest.values()].every((shown) => !/PortSIP (sending|retrying)/.test(shown));
      },
      8000,
      'every post showing PortSIP ✓',
    );
  }, 30_000);
});
