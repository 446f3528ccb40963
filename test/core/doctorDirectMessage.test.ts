import { describe, expect, it } from 'vitest';
import { channelCheck } from '../../src/core/doctor/relayAndChannels.js';

/**
 * SLACK_INBOX_CHANNEL set to a direct message's ID (D…) by mistake: Slack takes the posts, but sends smsops no event
 * of a reply typed in their threads (manifest.yml subscribes to channel messages only), so those replies never go out.
 */
describe('the doctor on a direct message used as a channel', () => {
  const dm = { ok: true, isMember: false, direct: true } as const;

  it('fails the inbox channel, saying replies there never reach the customer', () => {
    const check = channelCheck('D0123456789', ['inbox channel'], dm);
    expect(check.status).toBe('failure');
    expect(check.reason).toContain('replies typed in their threads never reach smsops');
  });

  it('takes it as the alert channel alone, where nothing is answered', () => {
    expect(channelCheck('D0123456789', ['alert channel'], dm).status).toBe('ok');
  });
});
