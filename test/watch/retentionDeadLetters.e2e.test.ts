import { describe, expect, it } from 'vitest';
import { ALERT_CHANNEL, postInbound, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

const DAY = 86_400_000;
const rig = useSmsopsWithSink({
  portsipPath: '/emc/pbx-a',
  env: { RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0', RELAY_DEAD_AFTER_HOURS: '0.00005' },
});
let t: SmsopsUnderTest;
let sink: WebhookSink;

async function post(id: string, from: string) {
  expect((await postInbound(t, { message_id: id, from, text: 'the part number is 4471' })).status).toBe(200);
}

const alertRow = () =>
  t.db.prepare("SELECT status, facts, slack_ts AS ts FROM alerts WHERE rule = 'relay_dead'").get() as
    | { status: string; facts: string; ts: string }
    | undefined;

describe('retention and dead letters (real app, emulator clock)', () => {
  it('says so when it deletes dead SMS that never reached PortSIP: in its summary and in the dead-letter alert, which never reads as fixed', async () => {
    ({ t, sink } = await rig.start());
    sink.respondWith(503);
    await post('lost-1', '447400000001');
    await post('lost-2', '447400000002');
    const dead = () => t.db.prepare("SELECT count(*) FROM deliveries WHERE status = 'dead'").pluck().get() as number;
    await waitUntil(() => dead() >= 2, 8000, 'dead');
    await waitUntil(() => alertRow()?.status === 'open', 5000, 'the dead-letter alert');
    // Told before: the alert says how long they are kept.
    const alertPost = () =>
      t.fakeSlack
        .callsTo('chat.postMessage')
        .find((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).includes('dead letters'));
    await waitUntil(() => alertPost(), 5000, 'posted');
    const fired = alertPost();
    expect(String(fired?.args.text)).toContain('kept for `RETENTION_DAYS` after they arrived, then deleted unsent');

    await t.emulator.clock.advance(91 * DAY);
    const reply = readable((await runCommand(t, 'jobs run retention')).body);
    expect(t.db.prepare('SELECT count(*) FROM inbound_messages').pluck().get()).toBe(0);
    // The run's own summary (/sms jobs, the log) names the SMS it deleted that never reached their destination.
    expect(reply).toContain('2 dead SMS deleted unsent');

    // PortSIP answers again: a new SMS gets through, and the dead ones are gone, not delivered.
    sink.respondWith(200);
    await post('after-1', '447400000003');
    await waitUntil(() => sink.received.length > 0 && alertRow()?.status === 'resolved', 5000, 'the alert ended');
    const toAlert = () =>
      t.fakeSlack.calls
        .filter((c) => c.args.channel === ALERT_CHANNEL || c.args.ts === alertRow()?.ts || c.args.thread_ts === alertRow()?.ts)
        .map((c) => String(c.args.text))
        .join('\n');
    await waitUntil(() => toAlert().includes('Resolved'), 5000, 'said');
    const ended = t.fakeSlack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === alertRow()?.ts).at(-1);
    expect(String(ended?.args.text)).toContain('2 of them were deleted by retention unsent');
    expect(String(ended?.args.text)).not.toContain('They are kept');
  });
});
