import { ALERT_RULE } from '../core/alertRules.js';
import type { Alerts } from '../core/alerts.js';
import type { RaisedAlert } from '../core/model/alert.js';
import type { AlertsRepository } from '../core/ports/alerts.js';
import type { AlertShownAt, Notifier } from '../core/ports/notifier.js';
import { isTransientStoreError } from '../core/ports/storeErrors.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { WriteHealth } from '../store/writeHealth.js';
import type { RelayHealth } from './relayHealth.js';

export const RELAY_STALLED_SUBJECT = 'relay';

/**
 * The relay's own watch, on a timer in the process rather than in the 5-minute cron: it probes whether the database
 * can be written when no real write said so lately, and raises `relay_stalled` (once; edited when the reasons change;
 * resolved when they are gone) after the relay has been failing for `stallAlertAfterMs`. Every tick survives its
 * own errors: a tick that throws is logged and the next one runs.
 *
 * A database that cannot be written cannot record the alert either (alerts live in it): the relay then says it in
 * the channel directly (the notifier's `relayStallUnrecorded`, once per outage, and once more when it works again),
 * and the tracked alert takes that message over as soon as it can be written (edited into the alert, not posted anew).
 */
export function startRelayWatchdog(options: {
  /** Takes the database's write lock and gives it back; throws when it cannot (store/writeProbe.ts). */
  probeWrite: () => void;
  /**
   * Why the database's path no longer names the file open, or null (store/databaseFile.ts): the write probe passes on
   * a removed file, so this is how its loss is seen.
   */
  checkFile?: () => string | null;
  /** Why the disk fails to sync the database, or null (store/walCheckpointer.ts): commits pass meanwhile. */
  syncProblem?: () => string | null;
  health: () => RelayHealth;
  writeHealth: WriteHealth;
  alerts: Alerts;
  /** An alert left open by the last run (resolved once the relay is healthy). */
  openAlert: boolean;
  stallAlertAfterMs: number;
  /** Says the stall without the alerts table. */
  notifier?: Pick<Notifier, 'announce'>;
  /**
   * The alerts table and a transaction, for the alert to take the stall's direct post over (recorded as its message,
   * then edited through `alerts`). Without them, the alert is posted as a message of its own.
   */
  alertRecords?: Pick<AlertsRepository, 'raise' | 'setSlackMessage' | 'findOpen'>;
  transaction?: <T>(work: () => T) => T;
  intervalMs?: number;
  /** How long after a direct post Slack did not take it is tried again (while the database still cannot be written). */
  announceRetryMs?: number;
  logger: Logger;
  now: () => number;
}): { stop(): void } {
  const { probeWrite, writeHealth, logger, now } = options;
  const intervalMs = options.intervalMs ?? 1_000;
  let alertOpen = options.openAlert;
  let failingSince: number | null = null;
  let notifying = false;
  let announced = false;
  /** Where the direct post is, when the notifier said: the alert takes it over once it can be recorded. */
  let announcedAt: AlertShownAt | null = null;
  /** When Slack last failed to take the direct post: tried again after `announceRetryMs`, not every tick. */
  let announceFailedAt: number | null = null;
  const announceRetryMs = options.announceRetryMs ?? 30_000;
  let lastWarning = '';
  /** The kinds of problem already logged in this stall: each is logged once, however the reasons come and go. */
  const loggedKinds = new Set<string>();

  // Only when no real write said lately whether the database can be written.
  const probe = () => {
    const last = writeHealth.state().lastSuccessAt;
    if (last !== null && now() - last < intervalMs) return;
    try {
      probeWrite();
      writeHealth.lockFree();
    } catch (error) {
      if (isTransientStoreError(error)) writeHealth.failed(error);
      else throw error;
    }
  };

  const notify = async (problems: string[]) => {
    if (problems.length > 0) {
      failingSince ??= now();
      if (now() - failingSince < options.stallAlertAfterMs) return;
      // Once per kind of problem and stall (the seconds in the reasons change every tick, and a worker may recover and
      // stall again while the database is locked): an outage of an hour is a few lines, not 3,600.
      const kinds = problems.map((p) => p.replace(/\s*[:(].*$/s, '').replace(/\d+/g, '#'));
      if (kinds.some((k) => !loggedKinds.has(k))) logger.error('the inbound relay is stalled', { problems });
      for (const k of kinds) loggedKinds.add(k);
      const raised: RaisedAlert = {
        rule: ALERT_RULE.relayStalled,
        subjectKey: RELAY_STALLED_SUBJECT,
        severity: 'critical',
        facts: { problems },
        details: { problems },
      };
      try {
        if (announcedAt) await takeOver(raised, announcedAt);
        else await options.alerts.raise(raised);
        alertOpen = true;
      } catch (error) {
        // Said directly only while no alert for the stall stands in the channel: one already posted is its message,
        // edited to the new reasons once the database takes writes. Said again beside it, the direct post was never
        // taken over nor ended (a probe: a write lock of a second after the alert's post, and the channel kept a stall
        // post for good). One recorded but never posted (Slack was down as the stall began) shows nothing meanwhile,
        // so the stall is said directly, and that post becomes the alert's message (a probe: silent while locked).
        // A direct post Slack did not take (down as the stall began) is tried again while the database stays
        // locked: marked said before it was, the stall went unsaid until the database took writes (a probe).
        const retry = announceFailedAt === null || now() - announceFailedAt >= announceRetryMs;
        if (isTransientStoreError(error) && !announced && retry && !shownInSlack() && options.notifier) {
          announced = true;
          try {
            const at = await options.notifier.announce({ type: 'relayStallUnrecorded', problems });
            announcedAt = at?.ts ? at : null;
            announceFailedAt = null;
          } catch (announceError) {
            announced = false;
            announceFailedAt = now();
            throw announceError;
          }
        }
        throw error;
      }
      return;
    }
    failingSince = null;
    loggedKinds.clear();
    // The direct post of a stall whose alert was recorded but never shown: made the alert's message before it is
    // resolved, so that post reads the end (a lock still held throws, and the next tick tries again).
    if (announcedAt && alertOpen) adopt(announcedAt);
    announcedAt = null;
    if (announced && !alertOpen && options.notifier) {
      announced = false;
      await options.notifier.announce({ type: 'relayRecoveredUnrecorded' });
    }
    announced = false;
    if (!alertOpen) return;
    await options.alerts.resolve(ALERT_RULE.relayStalled, RELAY_STALLED_SUBJECT);
    alertOpen = false;
  };

  /** An alert stands for the stall in the channel (open, with a message) or is kept quiet. Unknown (unreadable): no. */
  const shownInSlack = () => {
    if (!alertOpen) return false;
    try {
      return options.alerts.shown(ALERT_RULE.relayStalled, RELAY_STALLED_SUBJECT);
    } catch {
      return false;
    }
  };

  /** Records the direct post as the open alert's message, when it has none yet (its end is then edited into it). */
  const adopt = (at: AlertShownAt) => {
    const { alertRecords, transaction } = options;
    if (!alertRecords || !transaction) return;
    transaction(() => {
      const alert = alertRecords.findOpen(ALERT_RULE.relayStalled, RELAY_STALLED_SUBJECT);
      if (alert && !alert.slackChannel) alertRecords.setSlackMessage(alert.id, at.channel, at.ts);
    });
  };

  /**
   * The stall was said directly and can be recorded now: its post becomes the alert's message, edited into it (the
   * alert's own words and buttons), so the channel reads one stall, ended in that post. A second post was made when the
   * disk came back, the first left without an end (a probe). Recorded with its message in one transaction: an alert
   * recorded without one would be posted anew by the next evaluation.
   */
  const takeOver = async (raised: RaisedAlert, at: AlertShownAt) => {
    const { alertRecords, transaction } = options;
    if (!alertRecords || !transaction) {
      await options.alerts.raise(raised);
      return;
    }
    const id = transaction(() => {
      const { alert } = alertRecords.raise(raised);
      if (!alert.slackChannel) alertRecords.setSlackMessage(alert.id, at.channel, at.ts);
      return alert.id;
    });
    announcedAt = null;
    announced = false;
    await options.alerts.refresh(id);
  };

  // Every tick, whatever else fails: one stat. Its own try, so that a failure here leaves the probe and the alert
  // running; logged once per distinct error, not once a second.
  let lastCheckError = '';
  const checkFile = () => {
    if (options.syncProblem) writeHealth.syncFailed(options.syncProblem());
    if (!options.checkFile) return;
    try {
      writeHealth.fileGone(options.checkFile());
      lastCheckError = '';
    } catch (error) {
      const text = describeError(error);
      if (text !== lastCheckError) logger.error('relay watchdog could not check the database file', { error: text });
      lastCheckError = text;
    }
  };

  const tick = () => {
    checkFile();
    try {
      probe();
      if (notifying) return;
      notifying = true;
      notify(options.health().problems)
        .then(() => {
          lastWarning = '';
        })
        .catch((error: unknown) => {
          // Once per distinct error: a database locked for a minute must not write a line a second.
          const text = describeError(error);
          if (text !== lastWarning) logger.warn('could not update the relay_stalled alert', { error: text });
          lastWarning = text;
        })
        .finally(() => {
          notifying = false;
        });
    } catch (error) {
      logger.error('relay watchdog tick failed', { error: describeError(error) });
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
