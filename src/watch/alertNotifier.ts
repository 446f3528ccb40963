import type { webApi } from '@slack/bolt';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { alertMessage, alertResolvedReply } from '../slack/ui/alerts.js';
import type { Alert, AlertSeverity, AlertsRepository } from '../store/repositories/alerts.js';

export interface RaisedAlert {
  rule: string;
  subjectKey: string;
  severity: AlertSeverity;
  summary: string;
  details?: Record<string, unknown>;
}

/** The alert lifecycle as the channel sees it: fire once, update in place while it lasts, say when it is resolved. */
export interface AlertNotifier {
  raise(alert: RaisedAlert): Promise<void>;
  resolve(rule: string, subjectKey: string): Promise<void>;
  /** Resolves every open alert of `rule` whose subject is not among `stillFiring` (a watch run's full verdict). */
  resolveAllBut(rule: string, stillFiring: Iterable<string>): Promise<void>;
}

/**
 * The state lives in the alerts table (one open alert per rule and subject, across restarts); Slack is its view.
 * A Slack failure is logged and never loses the alert: an alert without a message is posted on its next raise.
 */
export function createAlertNotifier(options: {
  alerts: AlertsRepository;
  slack: webApi.WebClient;
  channel: string;
  logger: Logger;
  now?: () => number;
}): AlertNotifier {
  const { alerts, slack, channel, logger } = options;
  const now = options.now ?? Date.now;

  // Two raises of a new alert in the same moment (two deliveries dying together) must make one post, not two.
  const posting = new Map<number, Promise<void>>();
  const post = (alert: Alert): Promise<void> => {
    const inProgress = posting.get(alert.id);
    if (inProgress) return inProgress;
    const posted = (async () => {
      const message = alertMessage(alert, now());
      const result = await slack.chat.postMessage({ channel, ...message, unfurl_links: false, unfurl_media: false });
      if (result.ts) alerts.setSlackMessage(alert.id, channel, result.ts);
    })().finally(() => posting.delete(alert.id));
    posting.set(alert.id, posted);
    return posted;
  };
  const edit = async (alert: Alert) => {
    if (!alert.slackChannel || !alert.slackTs) return post(alert);
    await slack.chat.update({ channel: alert.slackChannel, ts: alert.slackTs, ...alertMessage(alert, now()) });
  };
  const guarded = async (what: string, alert: Alert, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      logger.warn(`could not ${what} an alert in Slack`, {
        rule: alert.rule,
        subject: alert.subjectKey,
        error: describeError(error),
      });
    }
  };

  const resolve = async (rule: string, subjectKey: string) => {
    const resolved = alerts.resolve(rule, subjectKey);
    if (!resolved) return;
    await guarded('resolve', resolved, async () => {
      if (!resolved.slackChannel || !resolved.slackTs) return post(resolved);
      await edit(resolved);
      await slack.chat.postMessage({
        channel: resolved.slackChannel,
        thread_ts: resolved.slackTs,
        reply_broadcast: true,
        text: alertResolvedReply(resolved, now()),
      });
    });
  };

  return {
    raise: async (input) => {
      const before = alerts.findOpen(input.rule, input.subjectKey);
      const { alert, opened } = alerts.raise(input);
      if (opened || !alert.slackTs) return guarded('post', alert, () => post(alert));
      // Edited only when what people read changed: a long outage must not cost a Slack call every run.
      if (before && (before.summary !== alert.summary || before.severity !== alert.severity)) {
        await guarded('update', alert, () => edit(alert));
      }
    },
    resolve,
    resolveAllBut: async (rule, stillFiring) => {
      const keep = new Set(stillFiring);
      for (const alert of alerts.open())
        if (alert.rule === rule && !keep.has(alert.subjectKey)) await resolve(rule, alert.subjectKey);
    },
  };
}
