import { afterEach, describe, expect, it } from 'vitest';
import { OUTSIDER, type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets } from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
});

describe('the Sender ID form opened in a loop', () => {
  it('lists the account’s numbers at Wavix once a minute, not once per opening', async () => {
    t = await startSmsopsUnderTest();
    const before = t.emulator.requests().length;
    for (let i = 1; i <= 10; i++) {
      await t.slack.command('senderid create', { userId: OUTSIDER });
      // Each form is filled with the numbers.
      await t.fakeSlack.waitFor('views.update', i);
    }
    const listings = t.emulator
      .requests()
      .slice(before)
      .filter((r) => r.path === '/v1/numbers');
    // Before: 10 listings of the whole account (a call per 100 numbers each).
    expect(listings).toHaveLength(1);
  });
});
