import { describe, expect, it } from 'vitest';
import { SLACK_QUEUE_DESTINATION } from '../../src/core/model/delivery.js';
import { alertText } from '../../src/slack/ui/alerts.js';
import { relayStatusMessage } from '../../src/slack/ui/relay.js';
import { SLACK_QUEUE_WORDS } from '../../src/slack/ui/text.js';
import { formattedTexts } from '../helpers/slackText.js';

// Messages in the Slack leg's queue have no channel yet: they are said as what they are, never as an empty <#>.
describe("the Slack leg's queue in words", () => {
  const now = Date.UTC(2026, 10, 27, 12, 0, 0);
  it('is a destination of /sms relay status, with its count and age', () => {
    const message = relayStatusMessage(
      {
        pending: 1200,
        dead: 0,
        oldestPendingAgeMs: 5 * 60_000,
        destinations: [
          {
            destinationKind: 'slack',
            destination: SLACK_QUEUE_DESTINATION,
            pending: 1200,
            oldestPendingCreatedAt: now - 5 * 60_000,
            dead: 0,
            lastDeliveredAt: null,
            failing: [],
          },
        ],
      },
      now,
    );
    const text = formattedTexts(message).join('\n');
    expect(text).toContain(`• ${SLACK_QUEUE_WORDS}: 1200 pending (oldest 5 min)`);
    expect(text).not.toContain('<#>');
  });

  it('is the subject of a backlog alert', () => {
    const text = alertText({
      rule: 'relay_backlog',
      facts: { destinationKind: 'slack', destination: SLACK_QUEUE_DESTINATION, pending: 1200, oldestAgeMs: 20 * 60_000 },
    });
    expect(text).toContain(`1200 inbound SMS waiting for ${SLACK_QUEUE_WORDS}, the oldest for 20 min`);
    expect(text).not.toMatch(/Slack channel\s*,/);
  });
});
