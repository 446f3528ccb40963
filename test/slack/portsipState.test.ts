import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/core/model/delivery.js';
import { portsipStateOf } from '../../src/slack/notifier/slackPostUpdater.js';
import { portsipStateText } from '../../src/slack/ui/inboundSms.js';

const delivery = (over: Partial<Delivery>): Delivery => ({
  id: 1,
  inboundMessageId: 1,
  destinationKind: 'portsip',
  destination: 'https://pbx.example.com/emc/Wavix - US/a558',
  conversationKey: 'c',
  status: 'pending',
  attempts: 1,
  nextAttemptAt: Date.UTC(2026, 10, 27, 12, 5),
  leaseUntil: null,
  lastAttemptAt: Date.UTC(2026, 10, 27, 12, 4),
  lastStatusCode: null,
  lastError: null,
  deterministicFailures: 0,
  createdAt: Date.UTC(2026, 10, 27, 12, 0),
  deliveredAt: null,
  deadAt: null,
  retryWindowStartedAt: Date.UTC(2026, 10, 27, 12, 0),
  replayedAt: null,
  releasedAt: null,
  ...over,
});

describe('the PortSIP state a relayed SMS post shows', () => {
  it('says an SMS whose old route took it while its route was changed is moved, not retrying after "HTTP 200"', () => {
    const text = portsipStateText(portsipStateOf([delivery({ lastStatusCode: 200 })]));
    expect(text).toContain('moved to a new route');
    expect(text).not.toContain('HTTP 200');
  });

  it('names the status of a refused attempt', () => {
    expect(portsipStateText(portsipStateOf([delivery({ lastStatusCode: 503 })]))).toContain('PortSIP retrying (HTTP 503');
  });
});
