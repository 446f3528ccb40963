import { attempt } from '../core/access.js';
import { ALERT_RULE, readThresholds } from '../core/alertRules.js';
import { type Alerts, notShownInWords } from '../core/alerts.js';
import { createKeepFiring } from '../core/keepFiring.js';
import { findAccountNumber, listNumbers, NumberNotOnAccountError } from '../core/numbers.js';
import type { AlertsRepository } from '../core/ports/alerts.js';
import type { DeliveriesRepository } from '../core/ports/deliveries.js';
import type { DeliveryReportsRepository } from '../core/ports/deliveryReports.js';
import type { AlertNotShown } from '../core/ports/notifier.js';
import type { SettingsRepository } from '../core/ports/settings.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import type { WatchBaselineRepository } from '../core/ports/watchBaseline.js';
import type { SetupServices } from '../core/services.js';
import { syncOutboundTraffic } from '../core/traffic.js';
import {
  type AccountState,
  clearedBacklogAlerts,
  evaluateWatch,
  GONE_TOGETHER_SUBJECT,
  type NumberHour,
  type WatchSnapshot,
} from '../core/watchRules.js';
import { plural } from '../core/wording.js';
import type { Logger } from '../log.js';
import { cancellableBy, type WavixClient } from '../wavix/client.js';
import { readInboundHabits } from './inboundHabits.js';
import { cutByStop, type JobOutcome } from './scheduler.js';

const HOUR = 3_600_000;
/** Runs in a row that could not read a part of Wavix before the watch's `wavix_unreachable` alert (15 min at the default schedule). */
const WATCH_UNREACHABLE_AFTER_RUNS = 3;
export const WATCH_WAVIX_FAILURES_SETTING = 'traffic_watch.wavix_failures_in_a_row';

/**
 * A watch that cannot read Wavix judges neither drift nor the balance: without an alert, a key rotated to one lacking
 * a scope (the profile's, say), or an endpoint failing for hours, stopped those checks while only `/sms jobs` said
 * so, and the Sender ID checks (another endpoint) kept reading fine. One alert at the third run in a row, resolved by
 * the first run that reads every part.
 */
async function trackWavixReads(deps: TrafficWatchDeps, problems: readonly string[]): Promise<AlertNotShown[]> {
  const { settings } = deps;
  if (!settings) return [];
  const before = Number(settings.get(WATCH_WAVIX_FAILURES_SETTING) ?? '0') || 0;
  if (problems.length > 0) {
    const runs = before + 1;
    settings.set(WATCH_WAVIX_FAILURES_SETTING, String(runs));
    if (runs !== WATCH_UNREACHABLE_AFTER_RUNS) return [];
    return deps.notifier.raise({
      rule: ALERT_RULE.wavixUnreachable,
      subjectKey: 'watch',
      severity: 'critical',
      facts: { runs, lastError: problems.join('; '), source: 'watch' },
      details: { runs },
    });
  }
  if (before === 0) return [];
  settings.set(WATCH_WAVIX_FAILURES_SETTING, '0');
  return before >= WATCH_UNREACHABLE_AFTER_RUNS ? deps.notifier.resolve(ALERT_RULE.wavixUnreachable, 'watch') : [];
}
const DAY = 24 * HOUR;

export interface TrafficWatchDeps {
  services: Pick<SetupServices<WavixClient>, 'wavix' | 'smsopsWebhooks' | 'routes'>;
  traffic: TrafficRepository;
  deliveryReports: DeliveryReportsRepository;
  deliveries: Pick<DeliveriesRepository, 'backlog'>;
  alerts: Pick<AlertsRepository, 'setting' | 'open'>;
  baseline: WatchBaselineRepository;
  /** Where the count of runs in a row that could not read Wavix is kept (across restarts). */
  settings?: Pick<SettingsRepository, 'get' | 'set'>;
  notifier: Alerts;
  logger: Logger;
  now: () => number;
  /** The team's zone (SCHEDULE_TIMEZONE): whose hours of the day a number's usual hours are. */
  timeZone?: string;
}

/** The balance in USD, or in words why Wavix did not give one (an answer that is no number is not a balance of 0). */
async function readBalance(wavix: WavixClient): Promise<{ usd: number } | { problem: string }> {
  const read = await attempt('read the account balance', () => wavix.profile.balance());
  if (!read.ok) return { problem: read.error.userMessage };
  const usd = read.value.trim() === '' ? Number.NaN : Number(read.value);
  return Number.isFinite(usd) ? { usd } : { problem: 'Wavix gave a balance that is not a number' };
}

/** Routed numbers missing from the listing looked up one by one per run (Wavix's rate limit), as doctor does. */
const GONE_CONFIRMED_AT_MOST = 5;

/**
 * The routed numbers smsops once saw working that the account no longer holds: released, ported away or moved to
 * another sub-account in the portal, their inbound SMS can no longer come, and nothing said so (a probe: four runs,
 * no alert, /healthz ok). A number missing from the listing is looked up by its digits first (a listing read while
 * numbers were bought and released can skip one); past the look-ups a run makes, or one Wavix did not answer, the
 * listing's word stands, as in doctor, unless a look-up found a number the listing left out: then the listing came
 * back short (a page missing, an empty page that ended it), and its word is not taken for the numbers not looked up
 * (a critical "no longer on the Wavix account… /sms route remove" was posted for a number Wavix still held, while the
 * five looked up were all found). Those already alerted stay alerted: not looked at is not fixed.
 */
async function routedNumbersGone(deps: TrafficWatchDeps, held: ReadonlySet<string>): Promise<string[]> {
  const seen = new Set(deps.baseline.all().map((b) => b.number));
  const missing = deps.services.routes
    .list()
    .map((route) => route.number)
    .filter((n) => n !== 'default' && !held.has(n) && seen.has(n.replace(/^\+/, '')));
  const confirmed: string[] = [];
  const unconfirmed: string[] = [];
  let listingShort = false;
  for (const [i, e164] of missing.entries()) {
    const found = i < GONE_CONFIRMED_AT_MOST ? await findAccountNumber(deps.services, e164) : undefined;
    if (found?.ok === true) listingShort = true;
    else if (found?.ok === false && found.error instanceof NumberNotOnAccountError) confirmed.push(e164);
    else unconfirmed.push(e164);
  }
  if (!listingShort) return [...confirmed, ...unconfirmed];
  const alerted = new Set(
    deps.alerts
      .open()
      .filter((a) => a.rule === ALERT_RULE.numberDrift)
      .map((a) => a.subjectKey),
  );
  deps.logger.warn('traffic watch: the Wavix numbers listing left out routed numbers a look-up found; not judged gone from it', {
    notLookedUp: unconfirmed.length,
  });
  return [...confirmed, ...unconfirmed.filter((n) => alerted.has(GONE_TOGETHER_SUBJECT) || alerted.has(n.replace(/^\+/, '')))];
}

interface AccountRead {
  state: AccountState;
  /** Why the balance is unknown (balance_low is then left as it was), or null when it was read. */
  balanceProblem: string | null;
}

async function readAccount(deps: TrafficWatchDeps): Promise<AccountRead | string> {
  const [overview, balance] = await Promise.all([listNumbers(deps.services), readBalance(deps.services.wavix)]);
  if (!overview.ok) return overview.error.userMessage;
  const { numbers, accountPointsAtSmsops, accountPointsAtPreviousSmsops, smsopsUrlKnown } = overview.value;
  // Without PUBLIC_BASE_URL smsops cannot recognise its own URL, so "not pointing at smsops" would be noise.
  if (smsopsUrlKnown) {
    if (accountPointsAtSmsops) deps.baseline.record('account', { pointingAtSmsops: true, inboundActive: false });
    await deps.baseline.recordInSteps(
      numbers.flatMap((n) =>
        n.pointsAtSmsops || n.inboundActive
          ? [{ subject: n.e164.replace(/^\+/, ''), pointingAtSmsops: n.pointsAtSmsops, inboundActive: n.inboundActive }]
          : [],
      ),
    );
  }
  const gone = await routedNumbersGone(deps, new Set(numbers.map((n) => n.e164)));
  return {
    state: {
      numbers: smsopsUrlKnown ? numbers : [],
      routedNumbersGone: gone,
      driftAlertedSubjects: deps.alerts
        .open()
        .filter((a) => a.rule === ALERT_RULE.numberDrift)
        .map((a) => a.subjectKey),
      accountPointsAtSmsops,
      accountPointsAtPreviousSmsops,
      accountSeenPointingAtSmsops: smsopsUrlKnown && deps.baseline.accountSeenPointingAtSmsops(),
      baselines: deps.baseline.all(),
      heldNumbers: numbers.map((n) => n.e164.replace(/^\+/, '')),
      balanceUsd: 'usd' in balance ? balance.usd : null,
    },
    balanceProblem: 'problem' in balance ? balance.problem : null,
  };
}

/**
 * The traffic watch: pulls outbound records from Wavix, refreshes the hourly rollups, then judges every alert rule
 * and applies the verdict (fire once, update in place, resolve). A part Wavix could not give is left unjudged, so an
 * outage of Wavix' API neither raises nor resolves the alerts that depend on it.
 */
export function createTrafficWatchJob(deps: TrafficWatchDeps) {
  const keepFiring = createKeepFiring();
  // The export refused is said once (and again should it come back and go again), not every 5 minutes.
  let exportRefusalSaid = false;
  return {
    run: async (cancellation?: AbortSignal): Promise<JobOutcome> => {
      const now = deps.now();
      const problems: string[] = [];
      const services = { ...deps.services, wavix: cancellableBy(deps.services.wavix, cancellation) };
      const synced = await syncOutboundTraffic(
        { wavix: services.wavix, deliveryReports: deps.deliveryReports, traffic: deps.traffic, now: deps.now },
        { lookbackMs: 2 * HOUR },
      );
      let readInPart: string | null = null;
      if (!synced.ok) problems.push(`outbound records: ${synced.error.userMessage}`);
      else {
        const { unreadableTimes, window } = synced.value;
        if (unreadableTimes.count > 0) {
          // Once per message: a later listing of one already stored is not counted again.
          deps.logger.warn('traffic watch: outbound messages whose times are not ISO 8601 are counted when first listed', {
            messages: unreadableTimes.count,
            example: unreadableTimes.example,
          });
        }
        if (window.exportRefused !== null && !exportRefusalSaid) deps.logger.warn(`traffic watch: ${window.exportRefused}`);
        exportRefusalSaid = window.exportRefused !== null;
        if (window.malformed.count > 0) {
          // Line numbers and the fault only: a line may hold an SMS's text and numbers.
          deps.logger.warn("traffic watch: lines of Wavix's message export that are no message were skipped", {
            lines: window.malformed.count,
            first: window.malformed.first,
          });
        }
        // Not a Wavix failure (it answered; the account sends a lot): judged from what was read, said, not counted
        // towards wavix_unreachable.
        if (window.cut !== null) {
          readInPart = window.cut.words;
          deps.logger.warn(`traffic watch: ${window.cut.words}`);
        }
      }
      await deps.traffic.refreshInSteps(now - 8 * DAY, now + HOUR);

      const snapshot: WatchSnapshot = { now, backlog: deps.deliveries.backlog() };
      if (synced.ok) {
        snapshot.lastHour = deps.traffic
          .outboundFinished(now - HOUR, now)
          .map((r): NumberHour => ({ number: r.number, delivered: r.delivered, failed: r.failed, topFailure: r.topFailure }));
      }
      const silenceHours = readThresholds(deps.alerts).inbound_silence_hours;
      snapshot.inbound = await readInboundHabits(
        deps.traffic,
        deps.alerts.open(),
        now,
        silenceHours === null ? null : silenceHours * 3_600_000,
        deps.timeZone,
      );
      const account = await readAccount({ ...deps, services });
      if (typeof account === 'string') problems.push(`numbers and balance: ${account}`);
      else {
        snapshot.account = account.state;
        if (account.balanceProblem !== null) problems.push(`balance (balance_low left as it was): ${account.balanceProblem}`);
      }

      const verdict = evaluateWatch(snapshot, readThresholds(deps.alerts));
      const notShown: AlertNotShown[] = [];
      for (const alert of verdict.firing) notShown.push(...(await deps.notifier.raise(alert)));
      for (const rule of verdict.judged) {
        const stillFiring = verdict.firing.filter((a) => a.rule === rule).map((a) => a.subjectKey);
        const keep = verdict.keptFiring[rule];
        const openAlerts = deps.alerts.open().filter((a) => a.rule === rule);
        const open = openAlerts.map((a) => a.subjectKey);
        const kept = keep === undefined ? [] : keepFiring.keptOpen(rule, keep, stillFiring, open, now);
        if (rule === ALERT_RULE.backlog)
          for (const cleared of clearedBacklogAlerts(openAlerts, kept)) notShown.push(...(await deps.notifier.raise(cleared)));
        notShown.push(...(await deps.notifier.resolveAllBut(rule, [...stillFiring, ...kept])));
      }
      // Cut by smsops stopping: what Wavix did not answer says nothing of Wavix, so it neither counts towards
      // wavix_unreachable nor ends it (as the Sender ID checks), where each restart that cut a run counted one, kept
      // across restarts, and a third raised a critical alert with Wavix answering fine. A run past its time limit
      // counts: Wavix too slow to be read run after run left drift and the balance unjudged with no alert at all.
      if (cutByStop(cancellation) && problems.length > 0) {
        const why = cancellation?.reason instanceof Error ? cancellation.reason.message : 'the run was cancelled';
        const unshown = notShown.length > 0 ? `; ${notShownInWords(notShown)}` : '';
        return { outcome: 'skipped', reason: `stopped before Wavix answered: ${why}${unshown}` };
      }
      notShown.push(...(await trackWavixReads(deps, problems)));
      // An alert nobody can read is a failed run, not "ok" beside a log line: /sms jobs and the job metric say it.
      const failures = [
        ...(problems.length > 0 ? [`Wavix could not be read (${problems.join('; ')})`] : []),
        ...(notShown.length > 0 ? [notShownInWords(notShown)] : []),
      ];
      if (failures.length > 0) return { outcome: 'failed', error: failures.join('; ') };
      const judged = plural(verdict.firing.length, 'alert condition');
      return { outcome: 'ok', summary: readInPart === null ? judged : `${judged}; outbound records read in part: ${readInPart}` };
    },
  };
}
