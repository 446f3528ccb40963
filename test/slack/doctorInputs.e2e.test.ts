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

describe('/sms doctor ignore again', () => {
  it('without a reason (the report’s button has none) keeps the earlier one; a new one replaces it, naming the old', async () => {
    t = await startSmsopsUnderTest();
    await runCommand(t, 'doctor ignore +1 202 555 0143 voice DID', { userId: ADMIN });
    const again = await runCommand(t, 'doctor ignore +12025550143', { userId: ADMIN });
    expect(readable(again.body)).toContain('The earlier reason is kept: voice DID.');
    expect(readable((await runCommand(t, 'doctor ignored', { userId: ADMIN })).body)).toContain('voice DID');

    const replaced = await runCommand(t, 'doctor ignore +12025550143 ported away in May', { userId: ADMIN });
    expect(readable(replaced.body)).toContain('It replaces the earlier reason: voice DID.');
    const listed = readable((await runCommand(t, 'doctor ignored', { userId: ADMIN })).body);
    expect(listed).toContain('ported away in May');
    expect(listed).not.toContain('voice DID');
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
