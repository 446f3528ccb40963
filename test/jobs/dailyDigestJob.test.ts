import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Announcement } from '../../src/core/ports/notifier.js';
import { createDailyDigestJob } from '../../src/jobs/dailyDigestJob.js';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let t: TempDb;
beforeEach(() => {
  t = createTempDb();
});
afterEach(() => t.cleanup());

describe('daily digest job', () => {
  it('emits the digest as data (figures and open alerts), never as Slack text', async () => {
    const alerts = createAlertsRepository(t.db, t.clock.now);
    alerts.raise({
      rule: 'balance_low',
      subjectKey: 'account',
      severity: 'warning',
      facts: { balanceUsd: 4.5, thresholdUsd: 10 },
    });
    const said: Announcement[] = [];
    const job = createDailyDigestJob({
      traffic: createTrafficRepository(t.db, t.clock.now),
      alerts,
      notifier: { announce: async (event) => void said.push(event) },
      now: t.clock.now,
    });

    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(said).toHaveLength(1);
    const [digest] = said;
    if (digest?.type !== 'dailyDigest') throw new Error(`expected a digest, got ${digest?.type}`);
    expect(digest.report).toMatchObject({ period: '24h', totals: { sent: 0, inbound: 0 } });
    expect(digest.openAlerts).toEqual([
      expect.objectContaining({ rule: 'balance_low', facts: { balanceUsd: 4.5, thresholdUsd: 10 }, summary: '' }),
    ]);
  });

  it('fails the run when the digest could not be said, so it shows in /sms jobs', async () => {
    const job = createDailyDigestJob({
      traffic: createTrafficRepository(t.db, t.clock.now),
      alerts: createAlertsRepository(t.db, t.clock.now),
      notifier: {
        announce: async () => {
          throw new Error('channel_not_found');
        },
      },
      now: t.clock.now,
    });
    expect(await job.run()).toMatchObject({ outcome: 'failed', error: expect.stringContaining('channel_not_found') });
  });
});
