import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { type Alert, type RaisedAlert, worseThanAcknowledged } from './model/alert.js';
import type { AlertsRepository } from './ports/alerts.js';
import type { AlertEvent, Notifier } from './ports/notifier.js';

/** The alert lifecycle: fire once, update in place while it lasts, say when it is resolved. */
export interface Alerts {
  raise(alert: RaisedAlert): Promise<void>;
  resolve(rule: string, subjectKey: string): Promise<void>;
  /** Resolves every open alert of `rule` whose subject is not among `stillFiring` (a watch run's full verdict). */
  resolveAllBut(rule: string, stillFiring: Iterable<string>): Promise<void>;
  /**
   * Shows an alert again after people acted on it (acknowledged, snoozed, its rule muted or unmuted): its message is
   * edited in place; an open alert never posted (it was quiet) is posted once it no longer is.
   */
  refresh(id: number): Promise<Alert | undefined>;
}

const sameText = (a: Alert, b: Alert) =>
  a.severity === b.severity && a.summary === b.summary && JSON.stringify(a.facts) === JSON.stringify(b.facts);

/**
 * The state lives in the alerts table (one open alert per rule and subject, across restarts); the notifier shows it.
 * A failure to show it is logged and never loses the alert: an alert without a message is shown on its next raise.
 * A failure to record it (the database) is thrown: the caller decides (the relay's watchdog says it directly).
 */
export function createAlerts(options: { alerts: AlertsRepository; notifier: Pick<Notifier, 'alert'>; logger: Logger }): Alerts {
  const { alerts, notifier, logger } = options;

  const show = async (what: string, event: AlertEvent) => {
    try {
      const shownAt = await notifier.alert(event);
      if (shownAt) alerts.setSlackMessage(event.alert.id, shownAt.channel, shownAt.ts);
    } catch (error) {
      logger.warn(`could not ${what} an alert in Slack`, {
        rule: event.alert.rule,
        subject: event.alert.subjectKey,
        error: describeError(error),
      });
    }
  };

  // Snoozes that ran out while their alert still fires: posted anew, so the channel hears of it again. Checked
  // whenever the alerts are evaluated (the traffic watch judges its rules every run, so at least every few minutes).
  const reannounceEnded = async () => {
    for (const ended of alerts.takeEndedSnoozes()) {
      const alert = alerts.findOpen(ended.rule, ended.subjectKey);
      if (alert && alert.quiet === null) await show('re-announce', { type: 'alertRaised', alert, reannounced: true });
    }
  };

  const resolve = async (rule: string, subjectKey: string) => {
    const resolved = alerts.resolve(rule, subjectKey);
    if (!resolved) return;
    // Never shown because it was quiet all along: nobody needs to read that it ended.
    if (resolved.quiet !== null && !resolved.slackChannel) return;
    await show('resolve', { type: 'alertResolved', alert: resolved, quietly: resolved.quiet !== null });
  };

  return {
    raise: async (input) => {
      await reannounceEnded();
      const before = alerts.findOpen(input.rule, input.subjectKey);
      let { alert, opened } = alerts.raise(input);
      // Posted means its channel is recorded: a post Slack accepted without a ts has no ts to edit, yet was posted.
      if (opened || !alert.slackChannel) {
        // Snoozed or muted: recorded (it is in `/sms alerts` and App Home) but not posted until it is no longer quiet.
        if (alert.quiet !== null) return;
        return show('post', { type: 'alertRaised', alert });
      }
      if (!before || sameText(before, alert)) return;
      // Shown again only when what people read changed: a long outage must not cost a Slack call every run.
      const acknowledgedBy = alert.acknowledged?.by;
      if (worseThanAcknowledged(alert) && acknowledgedBy) {
        const acknowledgedAt = alert.acknowledged?.severity ?? alert.severity;
        alerts.clearAcknowledgement(alert.id);
        alert = alerts.get(alert.id) ?? alert;
        if (alert.quiet === null)
          return show('update', {
            type: 'alertUpdated',
            alert,
            worsenedFrom: { severity: acknowledgedAt, acknowledgedBy },
          });
      }
      await show('update', { type: 'alertUpdated', alert });
    },
    resolve: async (rule, subjectKey) => {
      await reannounceEnded();
      await resolve(rule, subjectKey);
    },
    resolveAllBut: async (rule, stillFiring) => {
      await reannounceEnded();
      const keep = new Set(stillFiring);
      for (const alert of alerts.open())
        if (alert.rule === rule && !keep.has(alert.subjectKey)) await resolve(rule, alert.subjectKey);
    },
    refresh: async (id) => {
      const alert = alerts.get(id);
      if (!alert) return undefined;
      if (alert.slackChannel) await show('update', { type: 'alertUpdated', alert });
      else if (alert.status === 'open' && alert.quiet === null) await show('post', { type: 'alertRaised', alert });
      return alerts.get(id);
    },
  };
}
