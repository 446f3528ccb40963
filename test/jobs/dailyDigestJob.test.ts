import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Announcement } from '../../src/core/ports/notifier.js';
import { cronSlots } from '../../src/jobs/cronSlots.js';
import { createDailyDigestJob } from '../../src/jobs/dailyDigestJob.js';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createSettingsRepository } from '../../src/store/repositories/settings.js';
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
      settings: createSettingsRepository(t.db, t.clock.now),
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
      settings: createSettingsRepository(t.db, t.clock.now),
      notifier: {
        announce: async () => {
          throw new Error('channel_not_found');
        },
      },
      now: t.clock.now,
    });
    expect(await job.run()).toMatchObject({ outcome: 'failed', error: expect.stringContaining('channel_not_found') });
  });

  /** Each digest's inbound count, at `cron` in `zone` from `start`, with one SMS every 20 minutes meanwhile. */
  async function digestsThrough(
    zone: string,
    start: number,
    runs: number,
    cron = '0 8 * * *',
    options: { skipped?: (slot: number) => boolean } = {},
  ) {
    const inbound = createInboundRepository(t.db, t.clock.now);
    const said: Announcement[] = [];
    const job = createDailyDigestJob({
      traffic: createTrafficRepository(t.db, t.clock.now),
      alerts: createAlertsRepository(t.db, t.clock.now),
      settings: createSettingsRepository(t.db, t.clock.now),
      notifier: { announce: async (event) => void said.push(event) },
      now: t.clock.now,
      timeZone: zone,
    });
    const slots = cronSlots(cron, zone);
    let seq = 0;
    let at = start + 10 * 60_000;
    const received = [];
    for (let slot = slots.after(start); slot !== null && said.length < runs; slot = slots.after(slot)) {
      for (; at < slot; at += 20 * 60_000) {
        t.clock.set(at);
        const id = `in-${start}-${++seq}`;
        inbound.insertWithDeliveries(
          {
            wavixMessageId: id,
            fromNumber: '447911100001',
            toNumber: '14155550100',
            messageType: 'sms',
            text: 'hi',
            media: null,
            receivedAtText: new Date(at).toISOString(),
            receivedAt: at,
            contentType: 'application/json',
            rawBody: Buffer.from('{}'),
          },
          [],
        );
      }
      if (options.skipped?.(slot)) continue;
      received.push(seq);
      t.clock.set(slot + 2_000);
      await job.run();
    }
    const counts = said.map((d) => (d.type === 'dailyDigest' ? d.report.totals.inbound : Number.NaN));
    return { counts, received };
  }

  it('covers each SMS in exactly one digest through the nights the clocks change (London, both ways)', async () => {
    for (const start of [Date.UTC(2027, 2, 26, 8), Date.UTC(2027, 9, 29, 7)]) {
      const { counts, received } = await digestsThrough('Europe/London', start, 4);
      // The first digest reads back a day before the SMS began; each later one has the SMS since the one before.
      const since = received.map((n, i) => n - (received[i - 1] ?? 0));
      expect(counts.slice(1)).toEqual(since.slice(1));
    }
  });

  it('leaves no hour out when the digest is set in the hour London shows twice (01:30)', async () => {
    const { counts, received } = await digestsThrough('Europe/London', Date.UTC(2027, 9, 29, 2), 4, '30 1 * * *');
    // From the start of a UTC hour, a digest at :30 also counts the half hour before it, as every day.
    const since = received.map((n, i) => n - (received[i - 1] ?? 0));
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(since[i] ?? 0);
  });

  it('covers the day of a digest that was not posted (smsops stopped at 08:00) in the next one', async () => {
    // A digest missed is not made up: the next one read back 24 hours, and the day before it was in no digest (a probe:
    // the SMS of that day were never said).
    const start = Date.UTC(2027, 0, 10, 15);
    const second = cronSlots('0 8 * * *', 'America/Los_Angeles').after(
      cronSlots('0 8 * * *', 'America/Los_Angeles').after(start) ?? 0,
    );
    const { counts, received } = await digestsThrough('America/Los_Angeles', start, 3, '0 8 * * *', {
      skipped: (slot) => slot === second,
    });
    const since = received.map((n, i) => n - (received[i - 1] ?? 0));
    expect(counts.slice(1)).toEqual(since.slice(1));
    expect(since[1]).toBe(2 * 72);
  });
});
