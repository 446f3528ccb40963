import { describe, expect, it } from 'vitest';
import { ADMIN, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';

/**
 * A workspace admin removed the app's files:write scope (or archived the channel): `/sms traffic` still answers the
 * figures, and says why the chart is missing in a way that fixes it, not "invite the bot" to a channel it is in.
 */

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;

describe('/sms traffic when Slack refuses the chart', () => {
  it('names the missing files:write scope and the reinstall', async () => {
    t = await rig.start();
    t.fakeSlack.setChannelMembers('C0TEAM0001', [ADMIN]);
    t.fakeSlack.failNext('files.getUploadURLExternal', 'missing_scope');
    const answer = readable((await runCommand(t, 'traffic', { userId: ADMIN, channelId: 'C0TEAM0001' })).body);
    expect(answer).toContain('Outbound');
    expect(answer).toContain('the Slack app lacks the files:write scope');
    expect(answer).not.toContain('invite the bot');
  });

  it('still says to invite the bot where it is not in the channel', async () => {
    t = await rig.start();
    t.fakeSlack.setChannelMembers('C0TEAM0001', [ADMIN]);
    t.fakeSlack.failNext('files.completeUploadExternal', 'not_in_channel');
    const answer = readable((await runCommand(t, 'traffic', { userId: ADMIN, channelId: 'C0TEAM0001' })).body);
    expect(answer).toContain('invite the bot to the channel to see it');
  });
});
