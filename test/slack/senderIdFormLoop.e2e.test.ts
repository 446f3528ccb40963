import { describe, expect, it } from 'vitest';
import { ADMIN, OUTSIDER, readable, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;

describe('the Sender ID form opened in a loop', () => {
  it('lists the account’s numbers at Wavix once a minute, not once per opening', async () => {
    t = await rig.start();
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

  it('tells the member when Slack rate-limits opening it, and holds up no one else', async () => {
    // Production's retries: Bolt's client then waits out a 429's Retry-After, and every call behind it waits too.
    t = await rig.start({}, { slackRetries: 2 });
    t.fakeSlack.rateLimit('views.open', 20);
    await t.slack.command('senderid create', { userId: OUTSIDER });
    const [told] = await t.fakeSlack.waitForResponses(1);
    expect(readable(told?.body)).toContain('Slack did not open the form in time');
    const asked = Date.now();
    await t.slack.command('senderid create', { userId: ADMIN });
    await t.fakeSlack.waitFor('views.update', 1);
    // A trigger_id lasts 3 s: the admin's form opened 20 s late before, long expired.
    expect(Date.now() - asked).toBeLessThan(2_000);
  });
});
