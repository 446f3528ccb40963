import { afterEach, describe, expect, it } from 'vitest';
import { SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import { ADMIN, readable, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: Slack views asserted structurally
type AnyBlock = { block_id?: string; element?: { type: string; initial_value?: string; max_length?: number }; [k: string]: any };

describe('/sms senderid create: the form filled from the command', () => {
  it('with a value longer than the field allows still gives a form Slack accepts, and says why the value is not filled in', async () => {
    t = await startSmsopsUnderTest();
    const { status } = await t.slack.command('senderid create Acme Corporation Limited FR GB', { userId: ADMIN });
    expect(status).toBe(200);
    await waitUntil(() => t?.fakeSlack.callsTo('views.update').length === 1, 5000, 'the form filled');
    const view = t.fakeSlack.callsTo('views.update')[0]?.args.view;
    const blocks = view.blocks as AnyBlock[];
    // Slack refuses a view whose plain_text_input initial_value is longer than its max_length (views.update fails).
    const inputs = blocks.map((b) => b.element).filter((e) => e?.type === 'plain_text_input');
    expect(inputs.length).toBeGreaterThan(0);
    for (const e of inputs) expect(e?.initial_value?.length ?? 0).toBeLessThanOrEqual(e?.max_length ?? Number.POSITIVE_INFINITY);
    expect(blocks.find((b) => b.block_id === SENDER_ID_BLOCK.valueText)?.element?.initial_value).toBeUndefined();
    const notice = readable(blocks.find((b) => b.block_id === SENDER_ID_BLOCK.notice));
    expect(notice).toContain('is 24 characters; a Sender ID has at most 11');
  });

  it('tells the person, and logs a warning, when Slack refuses to fill the form', async () => {
    t = await startSmsopsUnderTest();
    t.fakeSlack.failNext('views.update', 'invalid_arguments');
    const before = t.fakeSlack.responses.length;
    await t.slack.command('senderid create Acme FR', { userId: ADMIN });
    const responses = await t.fakeSlack.waitForResponses(before + 1);
    expect(readable(responses[before]?.body)).toContain('Slack did not accept the Sender ID form');
    expect(t.logs.some((line) => line.includes('"level":"warn"') && line.includes('could not fill the Sender ID form'))).toBe(
      true,
    );
  });
});
