import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { pressForAnswer } from '../helpers/buttonPress.js';
import { ADMIN, postInbound, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

/**
 * `/sms forget` removing a customer's dead SMS (never delivered to PortSIP): the open dead-letter alert, which promised
 * `/sms relay replay dead` sends them, is told they were removed unsent, and its end never reads as if they had been
 * sent. Real app, real SQLite, the PortSIP sink and a fake Slack.
 */

const rig = useSmsopsWithSink({
  portsipPath: '/emc/pbx-forget',
  env: { RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0', RELAY_DEAD_AFTER_HOURS: '0.00005' },
});
let t: SmsopsUnderTest;
let sink: WebhookSink;

async function post(id: string, from: string) {
  expect((await postInbound(t, { message_id: id, from, text: 'please call me back' })).status).toBe(200);
}

const alertRow = () =>
  t.db.prepare("SELECT status, slack_ts AS ts FROM alerts WHERE rule = 'relay_dead'").get() as
    | { status: string; ts: string }
    | undefined;

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const removeButton = (body: any): string | undefined =>
  body.blocks
    ?.flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
    .find((e: { action_id: string }) => e.action_id === ACTION.confirmForget)?.value;

describe('/sms forget and dead letters (real app)', () => {
  it('tells the open dead-letter alert that the dead SMS it removed went unsent, and its end says so', async () => {
    ({ t, sink } = await rig.start());
    sink.respondWith(503);
    await post('lost-1', '447400000001');
    await post('lost-2', '447400000001');
    const dead = () => t.db.prepare("SELECT count(*) FROM deliveries WHERE status = 'dead'").pluck().get() as number;
    await waitUntil(() => dead() >= 2, 8000, 'dead');
    await waitUntil(() => alertRow()?.status === 'open', 5000, 'the dead-letter alert');

    const { body } = await runCommand(t, 'forget +44 7400 000001');
    const remove = removeButton(body);
    expect(remove, readable(body)).toBeDefined();
    expect(await pressForAnswer(t, ACTION.confirmForget, remove as string, ADMIN)).toContain('Removed what smsops held about');
    expect(dead()).toBe(0);

    // The alert no longer promises a replay of SMS that are gone.
    const alertText = () =>
      t.fakeSlack.calls
        .filter((c) => c.method === 'chat.update' && c.args.ts === alertRow()?.ts)
        .map((c) => String(c.args.text))
        .at(-1) ?? '';
    await waitUntil(() => alertText().includes('removed unsent by `/sms forget`'), 5000, 'the alert told');
    expect(alertText()).toContain('2 of them were removed unsent by `/sms forget`');
    expect(alertText()).not.toContain('They are kept');
    expect(alertRow()?.status).toBe('resolved');
    expect(alertText()).not.toMatch(/sends them again/);
  });
});
