import { describe, expect, it } from 'vitest';
import { ALERT_THRESHOLDS, THRESHOLD_NAMES, type Thresholds } from '../../src/core/alertRules.js';
import type { RaisedAlert } from '../../src/core/model/alert.js';
import type { NumberState } from '../../src/core/numbers.js';
import { type AccountState, evaluateWatch, type WatchSnapshot } from '../../src/core/watchRules.js';
import { alertText } from '../../src/slack/ui/alerts.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const defaults = Object.fromEntries(THRESHOLD_NAMES.map((n) => [n, ALERT_THRESHOLDS[n].defaultValue])) as Thresholds;
const base: WatchSnapshot = { now: NOW, backlog: [] };

const number = (overrides: Partial<NumberState>): NumberState => ({
  wavixId: 1,
  e164: '+14155550100',
  display: '+1 415 555 0100',
  country: 'US',
  label: null,
  smsEnabled: true,
  inboundPossible: true,
  inboundActive: true,
  numberWebhook: null,
  effectiveWebhook: 'https://smsops.example.com/webhooks/wavix/inbound/s',
  webhookSource: 'account',
  pointsAtSmsops: true,
  ...overrides,
});
const account = (overrides: Partial<AccountState>): AccountState => ({
  numbers: [],
  accountPointsAtSmsops: true,
  accountSeenPointingAtSmsops: true,
  baselines: [],
  heldNumbers: ['14155550100'],
  balanceUsd: 100,
  ...overrides,
});
const rules = (snapshot: WatchSnapshot, t: Thresholds = defaults) =>
  evaluateWatch(snapshot, t).firing.map((a) => `${a.rule}:${a.subjectKey}`);

describe('watch rules', () => {
  it('fires the failure rate only above the threshold and with enough volume', () => {
    const hour = (failed: number, delivered: number) => ({
      ...base,
      lastHour: [{ number: '14155550100', failed, delivered, topFailure: 'Blocked' }],
    });
    expect(rules(hour(30, 70))).toEqual(['failure_rate:14155550100']);
    expect(rules(hour(20, 80))).toEqual([]); // 20 % is not above 20 %
    expect(rules(hour(10, 5))).toEqual([]); // 15 finished < minimum volume 20
    expect(rules(hour(10, 5), { ...defaults, failure_min_volume: 10 })).toEqual(['failure_rate:14155550100']);
    expect(rules(hour(30, 70), { ...defaults, failure_rate: null })).toEqual([]);
    const [alert] = evaluateWatch(hour(30, 70), defaults).firing;
    expect(alertText(alert as RaisedAlert)).toContain('30 % of SMS from +1 415 555 0100');
    expect(alertText(alert as RaisedAlert)).toContain('"Blocked"');
  });

  it('fires on a backlog older than the limit, per destination', () => {
    const backlog = (ageMin: number) => ({
      ...base,
      backlog: [
        {
          destinationKind: 'portsip' as const,
          destination: 'https://pbx/x',
          pending: 3,
          oldestPendingCreatedAt: NOW - ageMin * 60_000,
          dead: 0,
          lastDeliveredAt: null,
        },
      ],
    });
    expect(rules(backlog(11))).toEqual(['relay_backlog:portsip:https://pbx/x']);
    expect(rules(backlog(9))).toEqual([]);
  });

  it('fires when a usually busy number has had no inbound for the silence window', () => {
    const habit = (dailyAverage: number, silentHours: number) => ({
      ...base,
      inbound: [{ number: '14155550100', dailyAverage, lastInboundAt: NOW - silentHours * 3_600_000 }],
    });
    expect(rules(habit(50, 7))).toEqual(['inbound_stopped:14155550100']);
    expect(rules(habit(50, 5))).toEqual([]);
    expect(rules(habit(2, 30))).toEqual([]); // a quiet number is not "stopped"
    // One that left the account is silent, not stopped; while the account cannot be read it is still judged.
    expect(rules({ ...habit(50, 7), account: account({ heldNumbers: ['12025550143'] }) })).toEqual([]);
    expect(rules({ ...habit(50, 7), account: account({}) })).toEqual(['inbound_stopped:14155550100']);
  });

  it('calls drift only what once worked: a webhook moved away, inbound deactivated, the account default changed', () => {
    const seen = [{ number: '14155550100', seenPointingAtSmsops: true, seenInboundActive: true }];
    const moved = number({
      numberWebhook: 'https://other.example.com/x',
      effectiveWebhook: 'https://other.example.com/x',
      webhookSource: 'number',
      pointsAtSmsops: false,
    });
    expect(rules({ ...base, account: account({ numbers: [moved], baselines: seen }) })).toEqual(['config_drift:14155550100']);
    expect(rules({ ...base, account: account({ numbers: [moved], baselines: [] }) })).toEqual([]);
    const deactivated = number({ inboundActive: false, smsEnabled: false });
    const [alert] = evaluateWatch({ ...base, account: account({ numbers: [deactivated], baselines: seen }) }, defaults).firing;
    expect(alertText(alert as RaisedAlert)).toContain('inbound SMS was deactivated');
    expect(rules({ ...base, account: account({ accountPointsAtSmsops: false }) })).toEqual(['config_drift:account']);
    const following = number({ effectiveWebhook: 'https://other.example.com/x', pointsAtSmsops: false });
    expect(rules({ ...base, account: account({ accountPointsAtSmsops: false, numbers: [following], baselines: seen }) })).toEqual(
      ['config_drift:account'],
    );
    expect(rules({ ...base, account: account({ accountPointsAtSmsops: false, accountSeenPointingAtSmsops: false }) })).toEqual(
      [],
    );
  });

  it('calls an account default removed one alert, not one per number that followed it (300 PBX DIDs: 301 posts)', () => {
    const digits = Array.from({ length: 300 }, (_, i) => `1202555${String(1000 + i)}`);
    const seen = digits.map((d) => ({ number: d, seenPointingAtSmsops: true, seenInboundActive: false }));
    // Wavix's account default cleared (a reset, someone emptying it in the portal): no number has a webhook now.
    const orphaned = digits.map((d) =>
      number({
        e164: `+${d}`,
        display: `+${d}`,
        smsEnabled: false,
        inboundPossible: false,
        inboundActive: false,
        effectiveWebhook: null,
        webhookSource: 'none',
        pointsAtSmsops: false,
      }),
    );
    const firing = rules({ ...base, account: account({ accountPointsAtSmsops: false, numbers: orphaned, baselines: seen }) });
    expect(firing).toEqual(['config_drift:account']);
    // A number's own webhook (at smsops) removed, with no account default smsops ever had, is that number's drift.
    const own = number({ e164: `+${digits[0]}`, effectiveWebhook: null, webhookSource: 'none', pointsAtSmsops: false });
    const noDefault = { accountPointsAtSmsops: false, accountSeenPointingAtSmsops: false };
    expect(rules({ ...base, account: account({ ...noDefault, numbers: [own], baselines: seen }) })).toEqual([
      `config_drift:${digits[0]}`,
    ]);
  });

  it('fires on a low balance, and judges account rules only when the account could be read', () => {
    expect(rules({ ...base, account: account({ balanceUsd: 4.5 }) })).toEqual(['balance_low:account']);
    expect(evaluateWatch({ ...base, account: account({}) }, defaults).judged).toContain('balance_low');
    expect(evaluateWatch(base, defaults).judged).not.toContain('balance_low');
    expect(evaluateWatch(base, defaults).judged).not.toContain('config_drift');
    // A balance Wavix did not give leaves balance_low as it was, while the numbers read are still judged.
    expect(evaluateWatch({ ...base, account: account({ balanceUsd: null }) }, defaults).judged).toEqual([
      'relay_backlog',
      'config_drift',
    ]);
  });
});
