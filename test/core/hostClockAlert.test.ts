import { describe, expect, it } from 'vitest';
import { followHostClock } from '../../src/core/hostClockAlert.js';
import { createLogger } from '../../src/log.js';
import { recordingAlerts } from '../helpers/recordingAlerts.js';

const at = Date.parse('2026-11-28T04:00:00Z');
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the host_clock_off alert following Slack’s readings of this host’s clock', () => {
  it('resolves one a previous run left open at the first reading within the window, then only on a change', async () => {
    const { notifier, raised, resolved } = recordingAlerts();
    const follow = followHostClock(notifier, createLogger({ sink: () => {} }));
    follow({ aheadSeconds: 2, slackSaidAt: at, refusing: false });
    follow({ aheadSeconds: 1, slackSaidAt: at, refusing: false });
    await settle();
    expect(resolved).toEqual([{ rule: 'host_clock_off', subjectKey: 'host' }]);

    follow({ aheadSeconds: 601, slackSaidAt: at, refusing: true });
    follow({ aheadSeconds: 602, slackSaidAt: at + 600_000, refusing: true });
    // Forgotten: a fresh signed request was accepted.
    follow(undefined);
    follow(undefined);
    await settle();
    expect(raised.map((a) => a.facts)).toEqual([
      { aheadSeconds: 601, slackSaidAt: at },
      { aheadSeconds: 602, slackSaidAt: at + 600_000 },
    ]);
    expect(raised[0]).toMatchObject({ rule: 'host_clock_off', subjectKey: 'host', severity: 'critical' });
    expect(resolved).toHaveLength(2);
  });
});
