import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

/**
 * A tired admin points Wavix's account default at a wrong URL through smsops: from then on smsops gets no SMS, and
 * since a change made through smsops is no drift, nothing alerts. The question must say so, the answer what it
 * replaced and the command back, and `/sms audit` what each webhook was and became. The real process and emulator.
 */
let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are walked structurally
async function confirm(body: any): Promise<string> {
  const button = body.blocks
    .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
    .find((e: { action_id: string }) => e.action_id === ACTION.confirmWebhook);
  const before = t.fakeSlack.responses.length;
  await t.slack.blockAction({ actionId: button.action_id, value: button.value, userId: ADMIN });
  const responses = await t.fakeSlack.waitForResponses(before + 1);
  return readable(responses[before]?.body);
}

describe('pointing a webhook away from smsops by mistake', () => {
  it('warns before, names what it replaced and the command back after, and audits both URLs', async () => {
    await runCommand(t, 'webhook set');
    const question = await runCommand(t, 'webhook set default https://pbx.exmaple.com:8887/emc/Wavix - US/0d3c1234');
    const asked = readable(question.body);
    expect(asked).toContain('It points at smsops now:');
    expect(asked).toContain('inbound SMS webhook: smsops `https://smsops.example.com/webhooks/wavix/inbound/whse…`');
    expect(asked).toContain('smsops receives none of them');
    expect(asked).toContain('until `/sms webhook set` points it back');

    const done = await confirm(question.body);
    expect(done).toContain('The inbound SMS webhook was smsops `https://smsops.example.com/webhooks/wavix/inbound/whse…`');
    expect(done).toContain('To put it back: `/sms webhook set`');

    const audit = readable((await runCommand(t, 'audit 2')).body);
    expect(audit).toContain(
      '`webhook.set` `default`: ok — inbound `https://smsops.example.com/webhooks/wavix/inbound/whse…` → `https://pbx.exmaple.com:8887/emc/Wavix%20-%20US/0d3c…`',
    );
    expect(audit).not.toContain('0d3c1234');

    // The command it names puts it back (after the question a different URL always asks).
    const back = await runCommand(t, 'webhook set');
    expect(readable(back.body)).not.toContain('smsops receives none');
    await confirm(back.body);
    expect(t.emulator.state().profile.sms_relay_url).toContain('/webhooks/wavix/inbound/');
  });
});
