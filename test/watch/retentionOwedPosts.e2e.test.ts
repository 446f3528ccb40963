import { describe, expect, it } from 'vitest';
import { readable, runCommand, type SmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

const DAY = 86_400_000;
const rig = useSmsopsWithSink({
  portsipPath: '/emc/pbx-a',
  env: { SLACK_RELAY_PACE_MS: '0', RELAY_RETRY_BASE_MS: '60000', RELAY_DEAD_AFTER_HOURS: '720', RETENTION_DAYS: '8' },
});
let t: SmsopsUnderTest;
let sink: WebhookSink;

describe('retention and an SMS still owed to PortSIP (real app, emulator clock)', () => {
  it('keeps the Slack post of an SMS it keeps, so the post still shows when PortSIP finally takes it', async () => {
    ({ t, sink } = await rig.start());
    sink.respondWith(503);
    const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message_id: 'owed-1',
        message_type: 'sms',
        from: '447400000001',
        to: '14155550100',
        message_body: { text: 'is my order ready', media: null },
        received_at: '2026-11-25T10:00:00.000Z',
      }),
    });
    expect(response.status).toBe(200);
    const links = () => t.db.prepare('SELECT count(*) FROM slack_post_messages').pluck().get() as number;
    const portsip = () =>
      t.db.prepare("SELECT status || ':' || attempts FROM deliveries WHERE destination_kind = 'portsip'").pluck().get() as string;
    await waitUntil(() => links() === 1 && portsip() === 'pending:1', 8000, 'posted, PortSIP failing');
    const postTs = t.db.prepare('SELECT ts FROM slack_posts').pluck().get() as string;
    // A route down longer than RETENTION_DAYS (RELAY_DEAD_AFTER_HOURS is longer still): still owed, kept.
    t.db.prepare("UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending'").run(t.emulator.clock.now() + 365 * DAY);
    await t.emulator.clock.advance(9 * DAY);
    const reply = readable((await runCommand(t, 'jobs run retention')).body);
    expect(reply).toContain('1 older inbound_messages kept (a delivery still pending)');
    expect(links()).toBe(1);
    // Its day's thread too: a reply there still reaches the customer instead of being told the conversation is gone.
    expect(t.db.prepare('SELECT count(*) FROM slack_threads').pluck().get()).toBe(1);
    expect(t.db.prepare('SELECT count(*) FROM expired_slack_threads').pluck().get()).toBe(0);

    // PortSIP takes it at last: its post says so, edited in place.
    sink.respondWith(200);
    t.db.prepare("UPDATE deliveries SET next_attempt_at = 0 WHERE status = 'pending'").run();
    await waitUntil(() => portsip()?.startsWith('delivered'), 8000, 'delivered');
    await waitUntil(
      () =>
        t.fakeSlack
          .callsTo('chat.update')
          .some((c) => c.args.ts === postTs && JSON.stringify(c.args.blocks ?? c.args.text).includes('PortSIP ✓')),
      8000,
      'the post edited to PortSIP ✓',
    );
  });
});
