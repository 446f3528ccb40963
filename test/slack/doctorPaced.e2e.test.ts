import { describe, expect, it } from 'vitest';
import { OUTSIDER, readable, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';

/** A member (or a script with their Slack session) running `/sms doctor` over and over, each run reading Wavix. */

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;

describe('/sms doctor asked for in a loop', () => {
  it('shares its runs among those asking at once: 10 asks, 2 runs, every asker answered', async () => {
    t = await rig.start({}, { doctorRunGapMs: 5_000 });
    const under = t;
    const before = t.emulator.requests().length;
    await Promise.all(Array.from({ length: 10 }, () => under.slack.command('doctor', { userId: OUTSIDER })));
    // Each asker's “Checking…”, then their report in its place.
    const answers = await t.fakeSlack.waitForResponses(20, 15_000);
    const reports = answers.filter((a) => readable(a.body).includes('SMS doctor*:'));
    expect(reports).toHaveLength(10);
    const profileReads = t.emulator
      .requests()
      .slice(before)
      .filter((r) => r.path === '/v1/profile');
    // Before: 10 runs, 40 Wavix calls (profile, numbers, Sender IDs, 10DLC subscriptions each).
    expect(profileReads).toHaveLength(2);
  }, 30_000);
});
