import { describe, expect, it } from 'vitest';
import { ADMIN, OUTSIDER, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';

/**
 * `/sms traffic` posts its chart into the conversation the command names, and that channel_id is whatever the person's
 * client sent (Slack signs it all the same): a member forging it had the chart uploaded into a private channel they
 * are not in, with "Traffic chart requested by @them" for everyone there.
 */

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;

const PRIVATE = 'G0PRIVATE01';

describe('/sms traffic naming a conversation the person is not in', () => {
  it('answers the figures to them alone and posts no chart there', async () => {
    t = await rig.start();
    t.fakeSlack.setChannelMembers(PRIVATE, [ADMIN]);
    const answer = readable((await runCommand(t, 'traffic 24h', { userId: OUTSIDER, channelId: PRIVATE })).body);
    expect(answer).toContain('Outbound');
    expect(answer).toContain(
      'No chart this time: a chart is posted for everyone in the conversation, and Slack says you are not a member of this one.',
    );
    expect(t.fakeSlack.callsTo('files.getUploadURLExternal')).toHaveLength(0);
    expect(t.fakeSlack.callsTo('files.completeUploadExternal')).toHaveLength(0);
  });

  it('posts none either when Slack cannot say who is in it, and says so', async () => {
    t = await rig.start();
    t.fakeSlack.failNext('conversations.members', 'internal_error');
    const answer = readable((await runCommand(t, 'traffic 24h', { userId: ADMIN, channelId: PRIVATE })).body);
    expect(answer).toContain(
      'smsops could not check that you are a member of this one (Slack answered conversations.members with internal_error)',
    );
    expect(t.fakeSlack.callsTo('files.completeUploadExternal')).toHaveLength(0);
  });

  it('says to invite the bot in a private channel it cannot see', async () => {
    t = await rig.start();
    t.fakeSlack.failNext('conversations.members', 'channel_not_found');
    const answer = readable((await runCommand(t, 'traffic 24h', { userId: ADMIN, channelId: PRIVATE })).body);
    expect(answer).toContain('invite the bot to the channel to see it');
    expect(t.fakeSlack.callsTo('files.completeUploadExternal')).toHaveLength(0);
  });

  it('posts none in a direct message, whose people smsops cannot check', async () => {
    t = await rig.start();
    const answer = readable((await runCommand(t, 'traffic 24h', { userId: OUTSIDER, channelId: 'D0SOMEONE1' })).body);
    expect(answer).toContain('in a direct message smsops cannot check whose it is; ask in a channel you are in.');
    expect(t.fakeSlack.callsTo('files.completeUploadExternal')).toHaveLength(0);
  });

  it('still posts it for a member of the conversation', async () => {
    t = await rig.start();
    t.fakeSlack.setChannelMembers(PRIVATE, [OUTSIDER]);
    const answer = readable((await runCommand(t, 'traffic 24h', { userId: OUTSIDER, channelId: PRIVATE })).body);
    expect(answer).toContain(`The chart is posted in <#${PRIVATE}> for everyone there.`);
    expect(t.fakeSlack.callsTo('files.completeUploadExternal')).toHaveLength(1);
  });
});
