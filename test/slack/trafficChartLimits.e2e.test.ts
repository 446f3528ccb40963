import { describe, expect, it } from 'vitest';
import { ADMIN, OUTSIDER, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';

/**
 * A member (or a script with their Slack session) asking for `/sms traffic 7d` over and over: each chart is drawn on
 * the main thread and posted to the whole channel, and its upload went through Bolt's client, which answers everyone.
 */

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;

describe('/sms traffic asked for in a loop', () => {
  it('posts one chart per person every 30 s, and the figures every time', async () => {
    t = await rig.start();
    t.fakeSlack.setChannelMembers('C0TEAM0001', [OUTSIDER, ADMIN]);
    const under = t;
    await Promise.all(
      Array.from({ length: 5 }, () => under.slack.command('traffic 7d', { userId: OUTSIDER, channelId: 'C0TEAM0001' })),
    );
    const texts = (await t.fakeSlack.waitForResponses(5)).map((r) => readable(r.body));
    for (const text of texts) expect(text).toContain('Outbound');
    // Before: 5 charts in the channel, each drawn on the main thread.
    expect(t.fakeSlack.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect(texts.filter((text) => text.includes('The chart is posted in <#C0TEAM0001>'))).toHaveLength(1);
    expect(texts.filter((text) => text.includes('No chart this time: smsops draws one per person every 30 s'))).toHaveLength(4);
    // Another person's chart is theirs to ask for.
    const theirs = readable((await runCommand(t, 'traffic 7d', { userId: ADMIN, channelId: 'C0TEAM0001' })).body);
    expect(theirs).toContain('The chart is posted in <#C0TEAM0001>');
    expect(t.fakeSlack.callsTo('files.completeUploadExternal')).toHaveLength(2);
  });

  it('never holds up another person’s modal while Slack rate-limits the chart’s upload', async () => {
    // Production's retries: Bolt's client then waits out a 429's Retry-After, and every call behind it waits too.
    t = await rig.start({}, { slackRetries: 2 });
    t.fakeSlack.setChannelMembers('C0TEAM0001', [OUTSIDER]);
    t.fakeSlack.rateLimit('files.getUploadURLExternal', 20);
    const answer = readable((await runCommand(t, 'traffic 7d', { userId: OUTSIDER, channelId: 'C0TEAM0001' })).body);
    expect(answer).toContain('Slack is rate-limiting smsops’ uploads (retry after 20 s)');
    const asked = Date.now();
    await t.slack.command('senderid create', { userId: ADMIN });
    await t.fakeSlack.waitFor('views.open', 1);
    // A trigger_id lasts 3 s: the modal opened 20 s late before, long expired.
    expect(Date.now() - asked).toBeLessThan(2_000);
  });
});
