import { describe, expect, it } from 'vitest';
import { deliveryErrorInWords } from '../../src/slack/ui/relay.js';

/**
 * A relayed SMS's post Slack refuses with restricted_action (a workspace setting: who may post in the channel, or a
 * plan downgraded) was said in `/sms relay status` and the backlog alert as "Slack refused the post", naming nothing
 * an operator could change.
 */
describe('a Slack post refused by a workspace setting', () => {
  it('is said as that setting, not as a bare refusal', () => {
    expect(deliveryErrorInWords({ lastError: 'Slack: restricted_action', lastStatusCode: null }, 'slack')).toContain(
      'a workspace setting forbids the bot to post there',
    );
  });
});
