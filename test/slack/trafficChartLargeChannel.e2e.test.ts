import { describe, expect, it } from 'vitest';
import { ADMIN, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';

/**
 * `/sms traffic` asks Slack who is in the conversation before posting its chart there, a page of 1,000 members per
 * conversations.members call. That method's rate limit (Tier 4, about 100 calls a minute) is shared with the check run
 * before every reply goes out by SMS and every inbox read: a chart asked for in a channel of tens of thousands
 * (#general), or over and over, used it up, and colleagues' replies to customers were refused ("could not check that
 * you are a member").
 */

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;

const people = (n: number, last: string) => [...Array.from({ length: n - 1 }, (_, i) => `U${String(i).padStart(9, '0')}`), last];

describe('/sms traffic in very large channels', () => {
  it('reads no more than a few pages of members, and a second ask within the chart gap reads none', async () => {
    t = await rig.start();
    t.fakeSlack.setChannelMembers('C0GENERAL1', people(40_000, ADMIN));
    t.fakeSlack.setChannelMembers('C0RANDOM01', people(30_000, ADMIN));
    const first = readable((await runCommand(t, 'traffic 24h', { userId: ADMIN, channelId: 'C0GENERAL1' })).body);
    expect(first).toContain('Outbound');
    expect(first).toContain('No chart this time');
    expect(first).toContain('only in channels of up to 5,000 members; ask in a smaller channel you are in.');
    const second = readable((await runCommand(t, 'traffic 24h', { userId: ADMIN, channelId: 'C0RANDOM01' })).body);
    expect(second).toContain('No chart this time');
    expect(t.fakeSlack.callsTo('conversations.members').length).toBeLessThanOrEqual(5);
    expect(t.fakeSlack.callsTo('files.completeUploadExternal')).toHaveLength(0);
  });

  it('still posts the chart in a channel right after an ask in a direct message, which used none of the gap', async () => {
    t = await rig.start();
    t.fakeSlack.setChannelMembers('C0SMALL001', [ADMIN]);
    const direct = readable((await runCommand(t, 'traffic 24h', { userId: ADMIN, channelId: 'D0SOMEONE1' })).body);
    expect(direct).toContain('in a direct message smsops cannot check whose it is');
    const inChannel = readable((await runCommand(t, 'traffic 24h', { userId: ADMIN, channelId: 'C0SMALL001' })).body);
    expect(inChannel).toContain('The chart is posted in <#C0SMALL001> for everyone there.');
  });
});
