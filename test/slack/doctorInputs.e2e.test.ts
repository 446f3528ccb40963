import { afterEach, describe, expect, it } from 'vitest';
import { DOCTOR_ACTION } from '../../src/slack/ids.js';
import { formattedTexts } from '../helpers/slackText.js';
import { ADMIN, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('/sms doctor ignore: the reason', () => {
  it('is cut at 200 characters between emoji, not inside one (no lone surrogate stored, no U+FFFD shown)', async () => {
    t = await startSmsopsUnderTest();
    // 'x' then emoji: the 200th UTF-16 unit is the first half of an emoji.
    const reason = `x${'😀'.repeat(150)}`;
    await runCommand(t, `doctor ignore +12025550143 ${reason}`, { userId: ADMIN });
    const { body } = await runCommand(t, 'doctor ignored', { userId: ADMIN });
    const shown = formattedTexts(body.blocks).join('\n');
    expect(shown).toContain('x😀😀');
    expect(shown).not.toContain('\uFFFD');
    const stored = String(t.db.prepare('SELECT reason FROM doctor_ignored_numbers').pluck().get());
    expect(stored).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|\uFFFD/);
  });
});

describe('/sms doctor report buttons', () => {
  it('answer a button that lost its value instead of doing nothing', async () => {
    t = await startSmsopsUnderTest();
    for (const actionId of [DOCTOR_ACTION.ignoreNumber, DOCTOR_ACTION.fixEnableInbound, DOCTOR_ACTION.fixPointWebhook]) {
      const before = t.fakeSlack.responses.length;
      const response = await t.slack.blockAction({ actionId, value: '', userId: ADMIN });
      expect(response.status).toBe(200);
      const all = await t.fakeSlack.waitForResponses(before + 1);
      expect(readable(all[before]?.body), actionId).toContain('This button is damaged');
    }
  });
});
