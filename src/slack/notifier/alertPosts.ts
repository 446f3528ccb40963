import type { webApi } from '@slack/bolt';
import type { Alert } from '../../core/model/alert.js';
import type { AlertEvent, AlertShownAt } from '../../core/ports/notifier.js';
import { alertMessage, alertResolvedReply } from '../ui/alerts.js';

/**
 * The Slack half of the alert lifecycle (the state is core/alerts.ts's, in the alerts table): one message per alert,
 * posted when it fires, edited in place while it lasts, edited once more and answered in its thread when resolved.
 */
export function createAlertPosts(options: {
  slack: webApi.WebClient;
  channel: string;
  now?: () => number;
}): (event: AlertEvent) => Promise<AlertShownAt | null> {
  const { slack, channel } = options;
  const now = options.now ?? Date.now;

  // Two raises of a new alert in the same moment (two deliveries dying together) must make one post, not two.
  const posting = new Map<number, Promise<AlertShownAt | null>>();
  const post = (alert: Alert): Promise<AlertShownAt | null> => {
    const inProgress = posting.get(alert.id);
    if (inProgress) return inProgress;
    const posted = (async () => {
      const message = alertMessage(alert, now());
      const result = await slack.chat.postMessage({ channel, ...message, unfurl_links: false, unfurl_media: false });
      return result.ts ? { channel, ts: result.ts } : null;
    })().finally(() => posting.delete(alert.id));
    posting.set(alert.id, posted);
    return posted;
  };
  const edit = async (alert: Alert): Promise<AlertShownAt | null> => {
    if (!alert.slackChannel || !alert.slackTs) return post(alert);
    await slack.chat.update({ channel: alert.slackChannel, ts: alert.slackTs, ...alertMessage(alert, now()) });
    return null;
  };

  return async (event) => {
    const { alert } = event;
    switch (event.type) {
      case 'alertRaised':
        return post(alert);
      case 'alertUpdated':
        return edit(alert);
      case 'alertResolved': {
        if (!alert.slackChannel || !alert.slackTs) return post(alert);
        await edit(alert);
        await slack.chat.postMessage({
          channel: alert.slackChannel,
          thread_ts: alert.slackTs,
          reply_broadcast: true,
          text: alertResolvedReply(alert, now()),
        });
        return null;
      }
    }
  };
}
