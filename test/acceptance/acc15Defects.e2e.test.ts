import { afterEach, describe, expect, it } from 'vitest';
import { formattedTexts } from '../helpers/slackText.js';
import { ADMIN, OUTSIDER, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Acceptance of issue 15 (acc15): defects found by running smsops with hostile input. Each test here failed on main
 * at da7aa91 when written.
 */
let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const PING = /<!channel>|<!here>|<@U0EVIL>/;

describe('acc15 defects', () => {
  // biome-ignore lint/suspicious/noExplicitAny: Slack bodies asserted structurally
  const pings = (body: any): string[] =>
    [...formattedTexts(body.blocks ?? []), String(body.text ?? '')].filter((s) => PING.test(s));

  it('DEFECT acc15-1: `/sms doctor ignore|unignore <!channel>` answers without a ping (the phone error quotes the word raw)', async () => {
    t = await startSmsopsUnderTest();
    for (const user of [ADMIN, OUTSIDER])
      for (const text of ['doctor ignore <!channel> <@U0EVIL>', 'doctor unignore <!here>', 'doctor ignore &lt;!channel&gt;']) {
        const { body } = await runCommand(t, text, { userId: user });
        expect(pings(body), `${text} as ${user}`).toEqual([]);
      }
  });

  it('DEFECT acc15-2: `/sms senderid create` with a value longer than the field allows still gives a form Slack accepts', async () => {
    t = await startSmsopsUnderTest();
    const { status } = await t.slack.command('senderid create Acme Corporation Limited FR GB', { userId: ADMIN });
    expect(status).toBe(200);
    await waitUntil(() => t?.fakeSlack.callsTo('views.update').length === 1, 5000, 'the form filled');
    const view = t.fakeSlack.callsTo('views.update')[0]?.args.view;
    const inputs = (view.blocks as Array<{ element?: { type: string; initial_value?: string; max_length?: number } }>)
      .map((b) => b.element)
      .filter((e) => e?.type === 'plain_text_input' && e.initial_value !== undefined);
    expect(inputs.length).toBeGreaterThan(0);
    // Slack refuses a view whose plain_text_input initial_value is longer than its max_length (views.update fails).
    for (const e of inputs) expect(e?.initial_value?.length ?? 0).toBeLessThanOrEqual(e?.max_length ?? Number.POSITIVE_INFINITY);
  });
});
