import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { createKeyedSerial } from './keyedSerial.js';
import { type Alert, type RaisedAlert, worseThanAcknowledged } from './model/alert.js';
import type { AlertsRepository } from './ports/alerts.js';
import { type AlertEvent, type AlertNotShown, AlertNotShownError, type AlertShownAt, type Notifier } from './ports/notifier.js';
import { plural } from './wording.js';

/** The alert lifecycle: fire once, update in place while it lasts, say when it is resolved. */
export interface Alerts {
  /** Each answers what could not be shown in Slack (nothing when all was): a job's run is failed for it. */
  raise(alert: RaisedAlert): Promise<AlertNotShown[]>;
  resolve(rule: string, subjectKey: string): Promise<AlertNotShown[]>;
  /** Resolves every open alert of `rule` whose subject is not among `stillFiring` (a watch run's full verdict). */
  resolveAllBut(rule: string, stillFiring: Iterable<string>): Promise<AlertNotShown[]>;
  /**
   * Shows an alert again after people acted on it (acknowledged, snoozed, its rule muted or unmuted): its message is
   * edited in place; an open alert never posted (it was quiet) is posted once it no longer is.
   */
  refresh(id: number): Promise<Alert | undefined>;
  /** Since when the alerts cannot be shown in Slack, and why (the latest failure); undefined once one is shown. */
  notShown(): { since: number; latest: AlertNotShown } | undefined;
  /**
   * Whether the open alert of `rule` and `subjectKey` owes the channel nothing now: it has a message in Slack (recorded,
   * or taken but not yet written), or is kept quiet (snoozed, its rule muted). False when none is open.
   */
  shown(rule: string, subjectKey: string): boolean;
}

/** What a job's run says of alerts it could not show: why, and that they are kept (shown at their next raise). */
export function notShownInWords(notShown: readonly AlertNotShown[]): string {
  const why = [...new Set(notShown.map((n) => n.words))].join('; ');
  return `${plural(notShown.length, 'alert message')} could not be posted or edited in Slack: ${why} (kept, and tried again at the next check)`;
}

/** How long an alert Slack did not take waits before another evaluation posts it again. */
const RETRY_UNSHOWN_MS = 60_000;
/** After a call Slack did not answer, alerts are recorded without asking Slack this long (a run's worth). */
const SLACK_QUIET_MS = 60_000;
const SLACK_NOT_ANSWERING: AlertNotShown = {
  reason: 'no_answer',
  words: 'Slack did not answer an alert post moments ago (recorded, posted at an evaluation a minute on)',
};
const UNSHOWN_BEFORE_RESTART: AlertNotShown = {
  reason: 'other',
  words: 'not shown in Slack before the last restart (posted at the next evaluation)',
};

const sameText = (a: Alert, b: Alert) =>
  a.severity === b.severity && a.summary === b.summary && JSON.stringify(a.facts) === JSON.stringify(b.facts);

/**
 * The state lives in the alerts table (one open alert per rule and subject, across restarts); the notifier shows it.
 * A failure to show it is logged and never loses the alert: an alert without a message is shown on its next raise.
 * A failure to record it (the database) is thrown: the caller decides (the relay's watchdog says it directly).
 */
export function createAlerts(options: {
  alerts: AlertsRepository;
  notifier: Pick<Notifier, 'alert'>;
  logger: Logger;
  /** Told of every alert message not shown (the /metrics counter). */
  onNotShown?: (notShown: AlertNotShown) => void;
  now?: () => number;
}): Alerts {
  const { alerts, notifier, logger } = options;
  const now = options.now ?? Date.now;
  /**
   * Per alert, the message Slack did not take: one alert shown later must not clear another still unshown (/healthz's
   * `alerts` field said all was well while an open alert had never been posted).
   */
  const failing = new Map<number, { since: number; at: number; latest: AlertNotShown }>();
  /** Resolved alerts whose "resolved" message Slack did not take: the database has them resolved, so no raise redoes it. */
  const unsentEnds = new Map<number, Alert>();
  /**
   * Open alerts already posted whose edit (an acknowledgement, new facts) or re-announcement (a snooze that ended) Slack
   * did not take: their text may never change again, so no raise would redo it.
   */
  const owed = new Map<number, 'update' | 're-announce'>();
  // Open alerts a run before the restart could not show: /healthz says so from the start, not from the next evaluation,
  // and the first evaluation posts them (`at` 0: not held back by the minute between tries).
  for (const alert of alerts.open())
    if (!alert.slackChannel && alert.quiet === null)
      failing.set(alert.id, { since: alert.openedAt, at: 0, latest: UNSHOWN_BEFORE_RESTART });
  /**
   * Until when Slack is not asked again after a call it did not answer: each post waits out its own timeout, so a run
   * raising several alerts (and posting earlier unshown ones) against a hung Slack held the traffic watch for many
   * minutes, its later verdicts not even recorded (a probe: 10 minutes, 9 runs skipped).
   */
  let quietUntil = 0;
  /**
   * Where Slack showed an alert whose post could not be recorded (another process's write lock, a full disk): shown,
   * so never posted again, and written once the database takes it. Taken for unshown, it was posted anew every minute
   * while the database refused writes (a probe: four posts of one alert in three minutes).
   */
  const unrecorded = new Map<number, AlertShownAt>();
  /**
   * What is said in Slack of one rule and subject goes out one step after another, each reading the alert as it then
   * stands. Two raises at once (the traffic watch and a `/sms jobs run`, the relay's stall check, the Sender ID job)
   * both found a new alert without its message while the first post was on its way: one post was joined and the
   * second raise's newer facts never shown, or, once the post landed before the second looked, posted twice. The second
   * now waits for the first post to be recorded, then edits that message to the latest facts. Other subjects' steps run
   * side by side, so a post Slack holds holds no other alert.
   *
   * A crash between Slack taking a post and its ts being written leaves the alert without a message in the database:
   * the next start posts it again (`UNSHOWN_BEFORE_RESTART`). A second message then beats an alert never shown, which
   * assuming it posted would risk; finding the lost post in the channel's history is not done.
   */
  const inTurn = createKeyedSerial();
  const keyOf = (alert: { rule: string; subjectKey: string }) => `${alert.rule} ${alert.subjectKey}`;
  /** Rules and subjects with a step under way or waiting: the sweep of unshown alerts leaves them to it. */
  const underWay = new Map<string, number>();
  const inTurnOf = <T>(alert: { rule: string; subjectKey: string }, step: () => Promise<T>): Promise<T> => {
    const key = keyOf(alert);
    underWay.set(key, (underWay.get(key) ?? 0) + 1);
    return inTurn(key, step).finally(() => {
      const left = (underWay.get(key) ?? 1) - 1;
      if (left > 0) underWay.set(key, left);
      else underWay.delete(key);
    });
  };
  /** The alert as it stands now, with where Slack showed it. */
  const latest = (alert: Alert): Alert => {
    const found = alerts.get(alert.id);
    return found ? withShown(found) : alert;
  };
  const withShown = (alert: Alert): Alert => {
    const at = alert.slackChannel ? undefined : unrecorded.get(alert.id);
    return at ? { ...alert, slackChannel: at.channel, slackTs: at.ts } : alert;
  };
  const record = (id: number, at: AlertShownAt): void => {
    try {
      alerts.setSlackMessage(id, at.channel, at.ts);
      unrecorded.delete(id);
    } catch (error) {
      if (!unrecorded.has(id))
        logger.warn('an alert Slack showed could not be recorded: written once the database takes writes', {
          error: describeError(error),
        });
      unrecorded.set(id, at);
    }
  };

  const show = async (what: string, event: AlertEvent): Promise<AlertNotShown[]> => {
    const { id } = event.alert;
    try {
      if (now() < quietUntil) throw new AlertNotShownError(SLACK_NOT_ANSWERING);
      const shownAt = await notifier.alert(event);
      if (shownAt) record(id, shownAt);
      failing.delete(id);
      owed.delete(id);
      if (event.type === 'alertResolved') unsentEnds.delete(id);
      return [];
    } catch (error) {
      const notShown: AlertNotShown =
        error instanceof AlertNotShownError ? error.notShown : { reason: 'other', words: 'the notifier failed (see the log)' };
      if (notShown.reason === 'no_answer' && notShown !== SLACK_NOT_ANSWERING) quietUntil = now() + SLACK_QUIET_MS;
      failing.set(id, { since: failing.get(id)?.since ?? now(), at: now(), latest: notShown });
      if (event.type === 'alertResolved') unsentEnds.set(id, event.alert);
      else if (event.type === 'alertUpdated' && owed.get(id) !== 're-announce') owed.set(id, 'update');
      else if (event.type === 'alertRaised' && event.reannounced) owed.set(id, 're-announce');
      try {
        options.onNotShown?.(notShown);
      } catch (countError) {
        logger.warn('an alert not shown was not counted', { error: describeError(countError) });
      }
      logger.warn(`could not ${what} an alert in Slack`, {
        rule: event.alert.rule,
        subject: event.alert.subjectKey,
        reason: notShown.reason,
        error: describeError(error instanceof AlertNotShownError ? (error.cause ?? error) : error),
      });
      return [notShown];
    }
  };

  /**
   * Open alerts never shown (their post failed, or a restart came between recording and posting one): posted again,
   * at most once a minute each. Some are raised only as they start (`wavix_unreachable` at its third failed run, a
   * 10DLC rejection once), so waiting for their own next raise left them unshown for good. The alert being raised now
   * is left to its raise.
   */
  const postUnshown = async (except: (alert: Alert) => boolean) => {
    const notShown: AlertNotShown[] = [];
    for (const [id, at] of [...unrecorded]) record(id, at);
    for (const alert of alerts.open().map(withShown)) {
      const failed = failing.get(alert.id);
      if (alert.quiet !== null && !alert.slackChannel) {
        forgetUnshown(alert.id); // snoozed or muted since: nothing is owed to Slack until it is no longer quiet
        continue;
      }
      if (except(alert)) continue;
      if (failed && now() - failed.at < RETRY_UNSHOWN_MS) continue;
      // Being shown by its own raise (or another sweep): waiting for it would hold this caller behind that post.
      if (underWay.has(keyOf(alert))) continue;
      notShown.push(...(await inTurnOf(alert, async () => showOwed(latest(alert)))));
    }
    // Owed for alerts no longer open: their end is in `unsentEnds` (or was never owed); the edit is moot.
    for (const id of owed.keys()) if (alerts.get(id)?.status !== 'open') owed.delete(id);
    return notShown;
  };

  const showOwed = async (alert: Alert): Promise<AlertNotShown[]> => {
    if (alert.status !== 'open' || (alert.quiet !== null && !alert.slackChannel)) return [];
    if (!alert.slackChannel) return show('post', { type: 'alertRaised', alert });
    if (owed.get(alert.id) === 're-announce' && alert.quiet === null)
      return show('re-announce', { type: 'alertRaised', alert, reannounced: true });
    if (owed.has(alert.id)) return show('update', { type: 'alertUpdated', alert });
    return [];
  };

  const forgetUnshown = (id: number) => {
    failing.delete(id);
    owed.delete(id);
  };

  // Snoozes that ran out while their alert still fires: posted anew, so the channel hears of it again. Checked
  // whenever the alerts are evaluated (the traffic watch judges its rules every run, so at least every few minutes).
  const reannounceEnded = async (except: (alert: Alert) => boolean = () => false) => {
    const notShown: AlertNotShown[] = [];
    // Ends Slack did not take, tried again with every evaluation (kept in memory: a restart loses them).
    for (const ended of [...unsentEnds.values()]) {
      if (underWay.has(keyOf(ended))) continue; // tried again at the next evaluation
      notShown.push(
        ...(await inTurnOf(ended, async () => {
          if (!unsentEnds.has(ended.id)) return []; // taken meanwhile, or the alert fires again
          const alert = latest(ended);
          return show('resolve', { type: 'alertResolved', alert, quietly: alert.quiet !== null });
        })),
      );
    }
    for (const ended of alerts.takeEndedSnoozes()) {
      const found = alerts.findOpen(ended.rule, ended.subjectKey);
      if (!found) continue;
      const busy = underWay.has(keyOf(found));
      const reannounce = inTurnOf(found, async () => {
        const alert = latest(found);
        return alert.status === 'open' && alert.quiet === null
          ? show('re-announce', { type: 'alertRaised', alert, reannounced: true })
          : [];
      });
      // Taken once only, so queued behind that alert's step under way (an edit Slack holds) rather than skipped; not
      // waited for, or this caller's own alert (another rule's first post) waited on that edit (a probe). One Slack
      // does not take is owed (`owed`) and shown by a later evaluation.
      if (!busy) notShown.push(...(await reannounce));
      else
        reannounce.catch((error: unknown) =>
          logger.warn('could not re-announce an alert whose snooze ended', { error: describeError(error) }),
        );
    }
    // After the snoozes: one that just ended is re-announced as such, not posted as if new.
    notShown.push(...(await postUnshown(except)));
    return notShown;
  };

  const resolve = async (rule: string, subjectKey: string): Promise<AlertNotShown[]> => {
    const found = alerts.resolve(rule, subjectKey);
    if (!found) return [];
    return inTurnOf(found, async () => showResolved(latest(found)));
  };
  const showResolved = async (resolved: Alert): Promise<AlertNotShown[]> => {
    // Never shown because it was quiet all along: nobody needs to read that it ended, nor is it owed to Slack any more
    // (kept in `failing`, /healthz said "not shown" until a restart).
    if (resolved.quiet !== null && !resolved.slackChannel) {
      forgetUnshown(resolved.id);
      unsentEnds.delete(resolved.id);
      return [];
    }
    return show('resolve', { type: 'alertResolved', alert: resolved, quietly: resolved.quiet !== null });
  };

  /** The alert's own outcome after the re-announcements made on the way. */
  const after = async (reannounced: AlertNotShown[], own: Promise<AlertNotShown[]> | AlertNotShown[] = []) => [
    ...reannounced,
    ...(await own),
  ];

  /**
   * A raise's own step: the alert as it stands when its turn comes. `before` is the alert as the raise found it, so a
   * raise that found it without its message (another's post on its way) edits that message to the latest facts.
   */
  const showRaised = async (before: Alert | undefined, raised: { alert: Alert; opened: boolean }) => {
    let alert = latest(raised.alert);
    // Resolved meanwhile: the resolve's own step says so (one never shown gets a single post, its end).
    if (alert.status !== 'open') return [];
    // Posted means its channel is recorded: a post Slack accepted without a ts has no ts to edit, yet was posted.
    if (!alert.slackChannel) {
      // Snoozed or muted: recorded (it is in `/sms alerts` and App Home) but not posted until it is no longer quiet,
      // so not owed to Slack meanwhile either.
      if (alert.quiet !== null) {
        forgetUnshown(alert.id);
        return [];
      }
      return show('post', { type: 'alertRaised', alert });
    }
    // Opened by this raise yet posted by a step before its own (the sweep of unshown alerts), which read it after.
    if (raised.opened) return [];
    // Found without its message, whose post then landed: that post read what this raise found, so an edit is owed only
    // when this raise's facts differ from it.
    if (!before || sameText(before, alert)) return [];
    // Shown again only when what people read changed: a long outage must not cost a Slack call every run.
    const acknowledgedBy = alert.acknowledged?.by;
    if (worseThanAcknowledged(alert) && acknowledgedBy) {
      const acknowledgedAt = alert.acknowledged?.severity ?? alert.severity;
      alerts.clearAcknowledgement(alert.id);
      alert = latest(alert);
      if (alert.quiet === null)
        return show('update', { type: 'alertUpdated', alert, worsenedFrom: { severity: acknowledgedAt, acknowledgedBy } });
    }
    return show('update', { type: 'alertUpdated', alert });
  };

  return {
    raise: async (input) => {
      // The alert being raised now is left to its raise.
      const reannounced = await reannounceEnded((a) => a.rule === input.rule && a.subjectKey === input.subjectKey);
      const before = alerts.findOpen(input.rule, input.subjectKey);
      const raised = alerts.raise(input);
      // Firing again: its end, if Slack never took it, is no longer news.
      if (unsentEnds.delete(raised.alert.id)) failing.delete(raised.alert.id);
      // Its facts are recorded now; Slack hears of them once an earlier step of this alert (its post) is done.
      return after(
        reannounced,
        inTurnOf(raised.alert, () => showRaised(before, raised)),
      );
    },
    // The alerts ending now are not posted as open first (one never shown gets a single post, its end).
    resolve: async (rule, subjectKey) =>
      after(await reannounceEnded((a) => a.rule === rule && a.subjectKey === subjectKey), resolve(rule, subjectKey)),
    resolveAllBut: async (rule, stillFiring) => {
      const keep = new Set(stillFiring);
      const notShown = await reannounceEnded((a) => a.rule === rule && !keep.has(a.subjectKey));
      for (const alert of alerts.open())
        if (alert.rule === rule && !keep.has(alert.subjectKey)) notShown.push(...(await resolve(rule, alert.subjectKey)));
      return notShown;
    },
    refresh: async (id) => {
      const found = alerts.get(id);
      if (!found) return undefined;
      // After its post on its way, if any: an alert acknowledged as it is first posted is edited, not posted twice.
      await inTurnOf(found, async () => {
        const alert = latest(found);
        if (alert.slackChannel) await show('update', { type: 'alertUpdated', alert });
        else if (alert.status === 'open' && alert.quiet === null) await show('post', { type: 'alertRaised', alert });
        // Muted or snoozed before it was ever shown: /healthz no longer says it is owed to Slack.
        else if (!unsentEnds.has(id)) forgetUnshown(id);
      });
      return latest(found);
    },
    notShown: () => {
      if (failing.size === 0) return undefined;
      const all = [...failing.values()];
      const latest = all.reduce((a, b) => (b.at > a.at ? b : a));
      return { since: Math.min(...all.map((f) => f.since)), latest: latest.latest };
    },
    shown: (rule, subjectKey) => {
      const found = alerts.findOpen(rule, subjectKey);
      return found !== undefined && (withShown(found).slackChannel !== null || found.quiet !== null);
    },
  };
}
