import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Alert, RaisedAlert } from './model/alert.js';
import type { AlertsRepository } from './ports/alerts.js';
import type { AlertEvent, Notifier } from './ports/notifier.js';

/** The alert lifecycle: fire once, update in place while it lasts, say when it is resolved. */
export interface Alerts {
  raise(alert: RaisedAlert): Promise<void>;
  resolve(rule: string, subjectKey: string): Promise<void>;
  /** Resolves every open alert of `rule` whose subject is not among `stillFiring` (a watch run's full verdict). */
  resolveAllBut(rule: string, stillFiring: Iterable<string>): Promise<void>;
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

  const resolve = async (rule: string, subjectKey: string) => {
    const resolved = alerts.resolve(rule, subjectKey);
    if (resolved) await show('resolve', { type: 'alertResolved', alert: resolved });
  };

  return {
    raise: async (input) => {
      const before = alerts.findOpen(input.rule, input.subjectKey);
      const { alert, opened } = alerts.raise(input);
      if (opened || !alert.slackTs) return show('post', { type: 'alertRaised', alert });
      // Shown again only when what people read changed: a long outage must not cost a Slack call every run.
      if (before && !sameText(before, alert)) await show('update', { type: 'alertUpdated', alert });
    },
    resolve,
    resolveAllBut: async (rule, stillFiring) => {
      const keep = new Set(stillFiring);
      for (const alert of alerts.open())
        if (alert.rule === rule && !keep.has(alert.subjectKey)) await resolve(rule, alert.subjectKey);
    },
  };
}
