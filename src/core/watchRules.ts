import type { RaisedAlert } from '../watch/alertNotifier.js';
import { ALERT_RULE, type Thresholds } from './alertRules.js';
import type { DestinationBacklog } from './model/delivery.js';
import type { NumberBaseline } from './model/watchBaseline.js';
import type { NumberState } from './numbers.js';
import { formatPhoneForPeople } from './phone.js';
import { maskUrl } from './urls.js';

/** Outbound traffic of one sending number over the last hour. */
export interface NumberHour {
  number: string;
  delivered: number;
  failed: number;
  topFailure: string | null;
}

export interface InboundHabit {
  number: string;
  dailyAverage: number;
  lastInboundAt: number | null;
}

export interface AccountState {
  numbers: readonly NumberState[];
  accountPointsAtSmsops: boolean;
  accountSeenPointingAtSmsops: boolean;
  baselines: readonly NumberBaseline[];
  balanceUsd: number | null;
}

/** Everything one watch run learnt. Parts that could not be read (Wavix down) are absent and their rules not judged. */
export interface WatchSnapshot {
  now: number;
  lastHour?: readonly NumberHour[];
  backlog: readonly DestinationBacklog[];
  inbound?: readonly InboundHabit[];
  account?: AccountState;
}

export interface WatchVerdict {
  firing: RaisedAlert[];
  /** Rules judged this run: their open alerts not in `firing` are resolved. */
  judged: string[];
}

const people = (digits: string) => formatPhoneForPeople(`+${digits.replace(/^\+/, '')}`);
const pct = (x: number) => `${Math.round(x * 100)} %`;
const minutes = (ms: number) => (ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

function failureRate(rows: readonly NumberHour[], t: Thresholds): RaisedAlert[] {
  if (t.failure_rate === null) return [];
  const threshold = t.failure_rate / 100;
  const minVolume = t.failure_min_volume ?? 1;
  return rows.flatMap((r) => {
    const finished = r.delivered + r.failed;
    if (finished < minVolume || finished === 0 || r.failed / finished <= threshold) return [];
    const rate = r.failed / finished;
    return [
      {
        rule: ALERT_RULE.failureRate,
        subjectKey: r.number,
        severity: rate >= 0.5 ? 'critical' : 'warning',
        summary: `${pct(rate)} of SMS from ${people(r.number)} failed in the last hour (${r.failed} of ${finished})${
          r.topFailure ? `, mostly "${r.topFailure}"` : ''
        }. Threshold ${t.failure_rate} %.`,
        details: { failed: r.failed, finished },
      },
    ];
  });
}

function backlogAge(backlog: readonly DestinationBacklog[], now: number, t: Thresholds): RaisedAlert[] {
  if (t.backlog_minutes === null) return [];
  const limit = t.backlog_minutes * 60_000;
  return backlog.flatMap((b) => {
    if (b.oldestPendingCreatedAt === null || now - b.oldestPendingCreatedAt < limit) return [];
    const where = b.destinationKind === 'portsip' ? `PortSIP ${maskUrl(b.destination)}` : `Slack channel ${b.destination}`;
    return [
      {
        rule: ALERT_RULE.backlog,
        subjectKey: `${b.destinationKind}:${b.destination}`,
        severity: b.destinationKind === 'portsip' ? 'critical' : 'warning',
        summary: `${b.pending} inbound SMS waiting for ${where}, the oldest for ${minutes(now - b.oldestPendingCreatedAt)}. \`/sms relay status\` shows why.`,
        details: { pending: b.pending },
      },
    ];
  });
}

function inboundStopped(habits: readonly InboundHabit[], now: number, t: Thresholds): RaisedAlert[] {
  if (t.inbound_silence_hours === null || t.inbound_usual_daily === null) return [];
  const silence = t.inbound_silence_hours * 3_600_000;
  const usual = t.inbound_usual_daily;
  return habits.flatMap((h) => {
    if (h.dailyAverage < usual || h.lastInboundAt === null || now - h.lastInboundAt < silence) return [];
    return [
      {
        rule: ALERT_RULE.inboundStopped,
        subjectKey: h.number,
        severity: 'warning',
        summary: `No inbound SMS on ${people(h.number)} for ${minutes(now - h.lastInboundAt)}; it usually gets ${Math.round(h.dailyAverage)} a day. Check its webhook (\`/sms number list\`) and Wavix.`,
      },
    ];
  });
}

function drift(account: AccountState): RaisedAlert[] {
  const firing: RaisedAlert[] = [];
  const accountDrifted = account.accountSeenPointingAtSmsops && !account.accountPointsAtSmsops;
  if (accountDrifted) {
    firing.push({
      rule: ALERT_RULE.numberDrift,
      subjectKey: 'account',
      severity: 'critical',
      summary:
        'The account default inbound SMS webhook no longer points at smsops: numbers without their own webhook do not reach PortSIP. `/sms webhook set default` puts it back.',
    });
  }
  const baselines = new Map(account.baselines.map((b) => [b.number, b]));
  for (const n of account.numbers) {
    const digits = n.e164.replace(/^\+/, '');
    const seen = baselines.get(digits);
    if (!seen) continue;
    const problems: string[] = [];
    // Numbers that follow a drifted account default are covered by its one alert, not one alert each.
    if (seen.seenPointingAtSmsops && !n.pointsAtSmsops && !(n.webhookSource === 'account' && accountDrifted)) {
      problems.push(
        n.webhookSource === 'number'
          ? `its own webhook now points at ${maskUrl(n.effectiveWebhook ?? '')}`
          : n.webhookSource === 'account'
            ? 'it now follows an account default that is not smsops'
            : 'it has no inbound webhook any more',
      );
    }
    if (seen.seenInboundActive && n.inboundPossible && !n.inboundActive) problems.push('inbound SMS was deactivated');
    if (problems.length === 0) continue;
    firing.push({
      rule: ALERT_RULE.numberDrift,
      subjectKey: digits,
      severity: 'critical',
      summary: `${n.display}: ${problems.join(' and ')}, so its inbound SMS no longer reach smsops. \`/sms number list\` shows it; \`/sms webhook set number ${n.e164}\` or \`/sms number enable-inbound ${n.e164}\` fixes it.`,
    });
  }
  return firing;
}

function balance(account: AccountState, t: Thresholds): RaisedAlert[] {
  if (t.balance_usd === null || account.balanceUsd === null || account.balanceUsd >= t.balance_usd) return [];
  return [
    {
      rule: ALERT_RULE.balance,
      subjectKey: 'account',
      severity: account.balanceUsd <= 0 ? 'critical' : 'warning',
      summary: `The Wavix balance is ${account.balanceUsd.toFixed(2)} USD, below ${t.balance_usd} USD: SMS stop when it runs out.`,
    },
  ];
}

/** Judges one watch run against the thresholds. Pure: the job gathers the snapshot and applies the verdict. */
export function evaluateWatch(snapshot: WatchSnapshot, thresholds: Thresholds): WatchVerdict {
  const firing: RaisedAlert[] = [];
  const judged: string[] = [ALERT_RULE.backlog];
  firing.push(...backlogAge(snapshot.backlog, snapshot.now, thresholds));
  if (snapshot.lastHour) {
    judged.push(ALERT_RULE.failureRate);
    firing.push(...failureRate(snapshot.lastHour, thresholds));
  }
  if (snapshot.inbound) {
    judged.push(ALERT_RULE.inboundStopped);
    firing.push(...inboundStopped(snapshot.inbound, snapshot.now, thresholds));
  }
  if (snapshot.account) {
    judged.push(ALERT_RULE.numberDrift, ALERT_RULE.balance);
    firing.push(...drift(snapshot.account), ...balance(snapshot.account, thresholds));
  }
  return { firing, judged };
}
