import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { channelCheck } from '../../src/core/doctor/relayAndChannels.js';
import { slackChannelMembership } from '../../src/slack/doctorChannels.js';
import { BOT_TOKEN, readable, runCommand } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';

/**
 * An inbox channel shared with another organisation (Slack Connect) after it was routed to: every relayed SMS (its
 * text, one-time codes, the customer's number) was read by that organisation's people too, and `/sms route set` and
 * `/sms doctor` said "The bot is a member", ok. The real app and Web API client against the fake Slack.
 */

const SHARED = 'C0SHARED01';
const OWN = 'C0OWNCHAN1';
const rig = useSmsops();

describe('a routed channel shared through Slack Connect', () => {
  it('is a warning when a route is set to it, and in doctor’s channel check, naming the other organisation', async () => {
    const smsops = await rig.start();
    smsops.fakeSlack.seedChannels([
      { id: SHARED, name: 'sms-inbox', is_ext_shared: true },
      { id: OWN, name: 'sms-own' },
    ]);

    const shared = readable((await runCommand(smsops, `route set +14155550152 <#${SHARED}|sms-inbox>`)).body);
    expect(shared).toContain('Route saved');
    expect(shared).toContain('shared with another organisation (Slack Connect)');
    const own = readable((await runCommand(smsops, `route set +14155550153 <#${OWN}|sms-own>`)).body);
    expect(own).not.toContain('Slack Connect');

    // Doctor reads membership from users.conversations (one paged listing), then words it the same way.
    const client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: smsops.fakeSlack.url, rejectRateLimitedCalls: true });
    const membership = slackChannelMembership(client);
    const check = channelCheck(SHARED, ['route +1 415 555 0152'], await membership(SHARED));
    expect(check).toMatchObject({ status: 'warning', reason: expect.stringContaining('Slack Connect') });
    expect(channelCheck(OWN, ['route +1 415 555 0153'], await membership(OWN)).status).toBe('ok');
    // The alert channel alone carries no SMS text: sharing it is the team's choice.
    expect(channelCheck(SHARED, ['alert channel'], await membership(SHARED)).status).toBe('ok');
  });
});
