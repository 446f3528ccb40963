import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';
import { createDeliveryReportsRepository } from '../../src/store/repositories/deliveryReports.js';
import { createJobRunsRepository } from '../../src/store/repositories/jobRuns.js';
import { createWatchBaselineRepository } from '../../src/store/repositories/watchBaseline.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let t: TempDb;
beforeEach(() => {
  t = createTempDb();
});
afterEach(() => t.cleanup());

const report = (status: string, error: string | null = null) => ({
  wavixMessageId: 'msg-1',
  fromNumber: 'Wavix',
  toNumber: '447400123456',
  status,
  error,
  segments: 1,
  rawBody: Buffer.from(JSON.stringify({ message_id: 'msg-1', status })),
});

describe('delivery reports', () => {
  it('links reports to the outbound message, drops retried reports, and never lets a late interim status win', () => {
    const repo = createDeliveryReportsRepository(t.db, t.clock.now);
    const outboundId = repo.upsertOutbound({
      wavixMessageId: 'msg-1',
      fromNumber: 'Wavix',
      toNumber: '447400123456',
      status: 'accepted',
      tag: 'ops',
    });
    const sent = repo.recordReport(report('sent'));
    expect(sent).toMatchObject({ duplicate: false, outboundMessageId: outboundId });
    expect(repo.recordReport(report('sent')).duplicate).toBe(true);
    repo.recordReport(report('undelivered', 'Rejected by far-end carrier'));
    repo.recordReport(report('sent')); // Wavix retrying the interim report after the final one
    expect(repo.reportsFor('msg-1').map((r) => r.status)).toEqual(['sent', 'undelivered']);
    expect(repo.outboundStatus('msg-1')).toEqual({ status: 'undelivered', errorMessage: 'Rejected by far-end carrier' });
  });

  it('creates the outbound record from a report smsops had not seen (a message sent by PortSIP)', () => {
    const repo = createDeliveryReportsRepository(t.db, t.clock.now);
    const result = repo.recordReport(report('delivered'));
    expect(result.outboundMessageId).toBeGreaterThan(0);
    expect(repo.outboundStatus('msg-1')?.status).toBe('delivered');
  });
});

describe('alerts', () => {
  it('fires once, updates in place while it lasts, and resolves', () => {
    const alerts = createAlertsRepository(t.db, t.clock.now);
    const first = alerts.raise({
      rule: 'failure_rate',
      subjectKey: '+14155550100',
      severity: 'warning',
      facts: { number: '14155550100', failed: 12, finished: 100, topFailure: null, thresholdPct: 20 },
    });
    expect(first.opened).toBe(true);
    alerts.setSlackMessage(first.alert.id, 'C0123456789', '1700000000.000100');
    t.clock.advance(60_000);
    const again = alerts.raise({
      rule: 'failure_rate',
      subjectKey: '+14155550100',
      severity: 'critical',
      facts: { number: '14155550100', failed: 40, finished: 100, topFailure: null, thresholdPct: 20 },
    });
    expect(again.opened).toBe(false);
    expect(again.alert).toMatchObject({
      id: first.alert.id,
      facts: { failed: 40 },
      severity: 'critical',
      slackTs: '1700000000.000100',
    });
    expect(alerts.open()).toHaveLength(1);

    const resolved = alerts.resolve('failure_rate', '+14155550100');
    expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: t.clock.now() });
    expect(alerts.resolve('failure_rate', '+14155550100')).toBeUndefined();
    expect(
      alerts.raise({
        rule: 'failure_rate',
        subjectKey: '+14155550100',
        severity: 'warning',
        facts: { number: '14155550100', failed: 50, finished: 100, topFailure: null, thresholdPct: 20 },
      }).opened,
    ).toBe(true);
  });

  it('keeps thresholds changed from Slack', () => {
    const alerts = createAlertsRepository(t.db, t.clock.now);
    expect(alerts.setting('delivery_failure_rate')).toBeUndefined();
    alerts.changeSetting('delivery_failure_rate', '0.2', 'U1');
    t.reopen();
    expect(createAlertsRepository(t.db).setting('delivery_failure_rate')).toBe('0.2');
  });
});

describe('job runs', () => {
  it('records runs, shows the latest per job, and fails runs abandoned by a crash', () => {
    const runs = createJobRunsRepository(t.db, t.clock.now);
    const a = runs.start('sender-id-approvals');
    runs.finish(a, 'ok');
    runs.start('sender-id-approvals'); // the process dies here
    const b = runs.start('traffic-watch');
    runs.finish(b, 'failed', 'Wavix is unavailable');
    t.reopen();
    const after = createJobRunsRepository(t.db, t.clock.now);
    expect(after.failAbandoned()).toBe(1);
    expect(after.latest().map((r) => [r.job, r.outcome, r.error])).toEqual([
      ['sender-id-approvals', 'failed', 'smsops stopped during the run'],
      ['traffic-watch', 'failed', 'Wavix is unavailable'],
    ]);
  });
});

describe('watch baseline', () => {
  it('records 3,000 numbers with the event loop turning between steps, each kept as recorded', async () => {
    const baseline = createWatchBaselineRepository(t.db, t.clock.now);
    const numbers = Array.from({ length: 3_000 }, (_, i) => ({
      subject: `1415${String(i).padStart(7, '0')}`,
      pointingAtSmsops: i % 2 === 0,
      inboundActive: true,
    }));
    let timerFired = false;
    setTimeout(() => {
      timerFired = true;
    }, 0);
    await baseline.recordInSteps(numbers);
    // One commit per number held the loop 80-110 ms at every traffic watch, webhooks unanswered meanwhile.
    expect(timerFired).toBe(true);
    expect(baseline.all()).toHaveLength(3_000);
    expect(baseline.all().filter((b) => b.seenPointingAtSmsops)).toHaveLength(1_500);
  });
});
