import { describe, expect, it } from 'vitest';
import type { DestinationStatus, RelayStatus } from '../../src/relay/operations.js';
import { homeView } from '../../src/slack/ui/home.js';
import { relayStatusMessage } from '../../src/slack/ui/relay.js';

const now = Date.parse('2026-11-28T13:26:00Z');

const destination = (over: Partial<DestinationStatus>): DestinationStatus => ({
  destinationKind: 'portsip',
  destination: 'https://pbx.example.com/sms/1',
  pending: 0,
  dead: 0,
  oldestPendingCreatedAt: null,
  lastDeliveredAt: now - 1_000,
  failing: [],
  ...over,
});

/** A storm as the real process showed it 60 s in: PortSIP caught up, 1,738 SMS still to post in Slack, 33 s behind. */
const storm: RelayStatus = {
  destinations: [
    destination({}),
    destination({ destinationKind: 'slack', destination: 'C0INBOX001', pending: 40, oldestPendingCreatedAt: now - 33_000 }),
    destination({ destinationKind: 'slack', destination: '(queued)', pending: 1_698, oldestPendingCreatedAt: now - 32_000 }),
  ],
  pending: 1_738,
  dead: 0,
  oldestPendingAgeMs: 33_000,
};

const texts = (value: unknown) => JSON.stringify(value);

describe('how far behind the relay is, by leg', () => {
  it('tells the App Home reader that PortSIP has every SMS and only the Slack posts are behind, by how many and how long', () => {
    const view = homeView({
      senderIds: [],
      routes: { routes: [], fallbackPortsipUrl: null },
      relay: storm,
      openAlerts: [],
      numbers: 'loading',
      now,
    });
    expect(texts(view)).toContain(
      "PortSIP has every SMS; only their Slack posts are behind: 1738 to post (oldest 33 s), posted as Slack's rate limit allows (grouped).",
    );
  });

  it("says the same in /sms relay status's headline, and names both legs when PortSIP waits too", () => {
    expect(texts(relayStatusMessage(storm, now))).toContain(
      'PortSIP has every SMS; only their Slack posts are behind: 1738 to post',
    );
    const both: RelayStatus = {
      ...storm,
      destinations: [destination({ pending: 5, oldestPendingCreatedAt: now - 120_000 }), ...storm.destinations.slice(1)],
      pending: 1_743,
    };
    expect(texts(relayStatusMessage(both, now))).toContain('Waiting for PortSIP 5 (oldest 2 min), Slack 1738 (oldest 33 s).');
  });
});
