import { ALERT_RULE, type Thresholds } from './alertRules.js';
import type { KeepOpen } from './keepFiring.js';
import { type Alert, alertFacts, type NumberDriftProblem, type RaisedAlert } from './model/alert.js';
import type { DestinationBacklog } from './model/delivery.js';
import type { NumberBaseline } from './model/watchBaseline.js';
import type { NumberState } from './numbers.js';
import { formatPhoneForPeople } from './phone.js';

/** Outbound traffic of one sending number over the last hour. */
export interface NumberHour {
  number: string;
  delivered: number;
  failed: number;
  topFailure: string | null;
}

export interface InboundHabit {
  number: string;
  /** SMS a day over the week before its last one: a silence does not lower what it "usually gets". */
  dailyAverage: number;
  lastInboundAt: number | null;
  /**
   * SMS it usually gets in the same hours of the day as the silence window (see jobs/inboundHabits.ts); absent for a
   * number whose alert is open (it lasts until an SMS arrives, whatever the hour).
   */
  usualInWindow?: number;
}

/**
 * A silence is news only in hours that usually bring at least half the number's daily share for that long (and at
 * least one SMS): a number quiet every night is not stopped at midnight, nor at 09:00 before its first SMS of the day
 * usually comes. Never a lasting silence hidden: some window of the day holds at least its share (the day's windows
 * average to it), so a number silent a whole day is alerted within it.
 */
const usualInWindowEnough = (dailyAverage: number, windowMs: number) => Math.max(1, (dailyAverage * windowMs) / 86_400_000 / 2);

export interface AccountState {
  numbers: readonly NumberState[];
  accountPointsAtSmsops: boolean;
  /** At smsops' URL with a previous webhook secret: drift to say as a rotation left half done, not as lost SMS. */
  accountPointsAtPreviousSmsops?: boolean;
  accountSeenPointingAtSmsops: boolean;
  baselines: readonly NumberBaseline[];
  /** Every number on the account in Wavix's digits, whatever its webhook: one that left it is silent, not stopped. */
  heldNumbers: readonly string[];
  /** Null when Wavix did not give it: balance_low is then not judged (the run fails saying so). */
  balanceUsd: number | null;
  /**
   * Numbers (E.164) smsops routes and once saw working that the account no longer holds (listed and looked up):
   * released, ported away or moved to another sub-account in the portal. Absent: not looked at.
   */
  routedNumbersGone?: readonly string[];
  /**
   * Subjects of the open config_drift alerts (a number's digits, or GONE_TOGETHER_SUBJECT): a gone number alerted on
   * its own stays so, and the one alert for many stays one until none of its numbers is left.
   */
  driftAlertedSubjects?: readonly string[];
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
  /** Rules judged this run: their open alerts not in `firing` are resolved (after `keptFiring`'s runs, for those). */
  judged: string[];
  /**
   * Judged rules whose open alert resolves only once its condition was clear long enough (see core/keepFiring.ts): a
   * figure that moves with every message, so one back under its threshold may cross it again at the next run, and a
   * backlog a flapping destination delivers and builds again. Every other rule clears on an event that is not undone
   * by the next message (an SMS received, the balance topped up, the webhook put back) and resolves at once.
   */
  keptFiring: Record<string, KeepOpen>;
}

/**
 * Two runs: a failure rate over the last hour, hovering at its threshold, crossed it at every 5-minute run and was
 * posted, notified and resolved again each time (4 episodes in 8 runs, each acknowledged anew); clear at two runs in a
 * row, it is no longer an edge it sits on. Counted in runs so it follows TRAFFIC_WATCH_CRON, the pace at which the rate
 * is looked at, and in minutes too: a rate over an hour swinging across its threshold every 10 minutes was still posted
 * and resolved anew each swing (a probe: 3 posts and 3 "Resolved" in an hour, the later episodes unacknowledged).
 */
const FAILURE_RATE_KEEP_OPEN: KeepOpen = { runs: 2, forMs: 15 * 60_000 };

/**
 * A PBX flapping every few minutes (a probe: PortSIP down and up every 2-10 min) had its backlog delivered and built
 * again past the limit, each time a new alert: a post and a "Resolved" sent to the channel 5 minutes apart, four in 25
 * minutes for one fault. Ended only once clear for 10 minutes (and at two runs), a destination that fails again within
 * that time is the same episode; one that stays up ends it 10 minutes later. Minutes, not runs: a flap's period does
 * not follow TRAFFIC_WATCH_CRON.
 */
const BACKLOG_KEEP_OPEN: KeepOpen = { runs: 2, forMs: 10 * 60_000 };

/**
 * The backlog alerts kept open although their backlog cleared, raised again marked `cleared`: their facts were the
 * last backlog seen, and "3 inbound SMS waiting" stood in /sms alerts, App Home, the digest and the alert's message for
 * 10 minutes with none waiting (a probe). Those already marked are left alone (nothing to edit).
 */
export function clearedBacklogAlerts(open: readonly Alert[], kept: readonly string[]): RaisedAlert[] {
  const keptOpen = new Set(kept);
  return open.flatMap((a) => {
    const facts = alertFacts(a, ALERT_RULE.backlog);
    if (!facts || facts.cleared || !keptOpen.has(a.subjectKey)) return [];
    return [{ rule: ALERT_RULE.backlog, subjectKey: a.subjectKey, severity: a.severity, facts: { ...facts, cleared: true } }];
  });
}

function failureRate(rows: readonly NumberHour[], t: Thresholds): RaisedAlert[] {
  const thresholdPct = t.failure_rate;
  if (thresholdPct === null) return [];
  const threshold = thresholdPct / 100;
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
        facts: { number: r.number, failed: r.failed, finished, topFailure: r.topFailure, thresholdPct },
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
    return [
      {
        rule: ALERT_RULE.backlog,
        subjectKey: `${b.destinationKind}:${b.destination}`,
        severity: b.destinationKind === 'portsip' ? 'critical' : 'warning',
        facts: {
          destinationKind: b.destinationKind,
          destination: b.destination,
          pending: b.pending,
          oldestAgeMs: now - b.oldestPendingCreatedAt,
        },
        details: { pending: b.pending },
      },
    ];
  });
}

function inboundStopped(
  habits: readonly InboundHabit[],
  now: number,
  t: Thresholds,
  held: ReadonlySet<string> | undefined,
): RaisedAlert[] {
  if (t.inbound_silence_hours === null || t.inbound_usual_daily === null) return [];
  const silence = t.inbound_silence_hours * 3_600_000;
  const usual = t.inbound_usual_daily;
  return habits.flatMap((h) => {
    if (held && !held.has(h.number)) return [];
    if (h.dailyAverage < usual || h.lastInboundAt === null || now - h.lastInboundAt < silence) return [];
    if (h.usualInWindow !== undefined && h.usualInWindow < usualInWindowEnough(h.dailyAverage, silence)) return [];
    return [
      {
        rule: ALERT_RULE.inboundStopped,
        subjectKey: h.number,
        severity: 'warning',
        facts: {
          number: h.number,
          silentForMs: now - h.lastInboundAt,
          usualDaily: h.dailyAverage,
          lastInboundAt: h.lastInboundAt,
        },
      },
    ];
  });
}

/**
 * Routed numbers gone from the account alerted one each up to this many; more in one run are one alert: a key swapped
 * for another account's or sub-account's, or a bulk release, would otherwise post one alert per routed DID.
 */
const GONE_ONE_ALERT_EACH_AT_MOST = 3;

/** The subject of that one alert. */
export const GONE_TOGETHER_SUBJECT = 'numbers_gone';

function drift(account: AccountState): RaisedAlert[] {
  const firing: RaisedAlert[] = [];
  const accountDrifted = account.accountSeenPointingAtSmsops && !account.accountPointsAtSmsops;
  if (accountDrifted) {
    const previousSecret = account.accountPointsAtPreviousSmsops === true;
    firing.push({
      rule: ALERT_RULE.numberDrift,
      subjectKey: 'account',
      // smsops still takes what Wavix posts there: nothing is lost until WEBHOOK_SECRET_PREVIOUS is emptied.
      severity: previousSecret ? 'warning' : 'critical',
      facts: previousSecret ? { scope: 'account', previousSecret } : { scope: 'account' },
    });
  }
  const baselines = new Map(account.baselines.map((b) => [b.number, b]));
  for (const n of account.numbers) {
    const digits = n.e164.replace(/^\+/, '');
    const seen = baselines.get(digits);
    if (!seen) continue;
    const problems: NumberDriftProblem[] = [];
    // Numbers that follow a drifted account default are covered by its one alert, not one alert each; so are those
    // left with none when it was cleared (they follow it all the same): one alert per DID was 300 posts on a PBX.
    const followsDefault = n.webhookSource === 'account' || n.webhookSource === 'none';
    if (seen.seenPointingAtSmsops && !n.pointsAtSmsops && !(followsDefault && accountDrifted)) {
      problems.push(
        n.webhookSource === 'number'
          ? n.pointsAtPreviousSmsops
            ? { code: 'own_webhook_previous_secret' }
            : { code: 'own_webhook_elsewhere', webhook: n.effectiveWebhook ?? '' }
          : n.webhookSource === 'account'
            ? { code: 'follows_foreign_default' }
            : { code: 'no_webhook' },
      );
    }
    if (seen.seenInboundActive && n.inboundPossible && !n.inboundActive) problems.push({ code: 'inbound_deactivated' });
    if (problems.length === 0) continue;
    firing.push({
      rule: ALERT_RULE.numberDrift,
      subjectKey: digits,
      severity: problems.every((p) => p.code === 'own_webhook_previous_secret') ? 'warning' : 'critical',
      facts: { scope: 'number', e164: n.e164, display: n.display, problems },
    });
  }
  const gone = account.routedNumbersGone ?? [];
  const digitsOf = (e164: string) => e164.replace(/^\+/, '');
  // A number already alerted on its own stays so: put in the one alert when more went, its own post was edited to
  // "Resolved" while it was still gone.
  const alertedOwn = new Set(account.driftAlertedSubjects ?? []);
  const together = gone.filter((e164) => !alertedOwn.has(digitsOf(e164)));
  const alertedTogether = alertedOwn.has(GONE_TOGETHER_SUBJECT);
  // Once one alert says them together, it goes on saying them until none is left: a team removing the routes one by
  // one, as it asks, got a new critical post per number once 3 were left (3 more posts for a cleanup under way).
  const oneAlert = together.length > GONE_ONE_ALERT_EACH_AT_MOST || (alertedTogether && together.length > 0);
  if (oneAlert) {
    firing.push({
      rule: ALERT_RULE.numberDrift,
      subjectKey: GONE_TOGETHER_SUBJECT,
      severity: 'critical',
      facts: { scope: 'numbers_gone', count: together.length, examples: together.slice(0, GONE_ONE_ALERT_EACH_AT_MOST) },
      details: { count: together.length },
    });
  }
  for (const e164 of oneAlert ? gone.filter((e) => alertedOwn.has(digitsOf(e))) : gone) {
    firing.push({
      rule: ALERT_RULE.numberDrift,
      subjectKey: digitsOf(e164),
      severity: 'critical',
      facts: { scope: 'number', e164, display: formatPhoneForPeople(e164), problems: [{ code: 'not_on_account' }] },
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
      facts: { balanceUsd: account.balanceUsd, thresholdUsd: t.balance_usd },
    },
  ];
}

/** Judges one watch run against the thresholds. Pure: the job gathers the snapshot and applies the verdict. */
export function evaluateWatch(snapshot: WatchSnapshot, thresholds: Thresholds): WatchVerdict {
  const firing: RaisedAlert[] = [];
  const judged: string[] = [ALERT_RULE.backlog];
  const keptFiring: Record<string, KeepOpen> = {};
  firing.push(...backlogAge(snapshot.backlog, snapshot.now, thresholds));
  if (thresholds.backlog_minutes !== null) keptFiring[ALERT_RULE.backlog] = BACKLOG_KEEP_OPEN;
  if (snapshot.lastHour) {
    judged.push(ALERT_RULE.failureRate);
    firing.push(...failureRate(snapshot.lastHour, thresholds));
    // Switched off, the rule has nothing left to wait for: its alerts end at once.
    if (thresholds.failure_rate !== null) keptFiring[ALERT_RULE.failureRate] = FAILURE_RATE_KEEP_OPEN;
  }
  if (snapshot.inbound) {
    judged.push(ALERT_RULE.inboundStopped);
    // Numbers are read from Wavix only when it answered: otherwise every number is still judged.
    const held = snapshot.account ? new Set(snapshot.account.heldNumbers) : undefined;
    firing.push(...inboundStopped(snapshot.inbound, snapshot.now, thresholds, held));
  }
  if (snapshot.account) {
    judged.push(ALERT_RULE.numberDrift);
    firing.push(...drift(snapshot.account));
    // Judged unread, one failed read ended the alert and the next good one posted it again as a new episode.
    if (snapshot.account.balanceUsd !== null) {
      judged.push(ALERT_RULE.balance);
      firing.push(...balance(snapshot.account, thresholds));
    }
  }
  return { firing, judged, keptFiring };
}
