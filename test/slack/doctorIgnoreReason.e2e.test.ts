import { afterEach, describe, expect, it } from 'vitest';
import { formattedTexts } from '../helpers/slackText.js';
import { ADMIN, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

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
