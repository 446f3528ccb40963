import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slackChannelMembership } from '../../src/slack/doctorChannels.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';

let fakeSlack: FakeSlack;
beforeEach(async () => {
  fakeSlack = await startFakeSlack();
});
afterEach(() => fakeSlack.close());

/**
 * A direct message or a group DM set as a channel: Slack takes the posts, but sends smsops no event of a reply typed
 * there (manifest.yml subscribes to channels' and private channels' messages only), so doctor must tell it apart.
 */
describe("doctor's channel look-up", () => {
  it('tells a direct message and a group DM from a channel, as conversations.info answers them', async () => {
    fakeSlack.handle('conversations.info', ({ args }) => ({
      channel: {
        id: args.channel,
        is_member: args.channel === 'C0CHANNEL1',
        is_im: args.channel === 'D0DIRECT01',
        is_mpim: args.channel === 'G0GROUPDM1',
      },
    }));
    const membership = slackChannelMembership(
      new webApi.WebClient('xoxb-test', { slackApiUrl: fakeSlack.url, retryConfig: { retries: 0 } }),
    );
    expect(await membership('D0DIRECT01')).toMatchObject({ ok: true, direct: true });
    expect(await membership('G0GROUPDM1')).toMatchObject({ ok: true, direct: true });
    expect(await membership('C0CHANNEL1')).toMatchObject({ ok: true, direct: false, isMember: true });
  });
});
