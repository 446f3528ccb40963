import type { webApi } from '@slack/bolt';
import type { Alert } from '../../core/model/alert.js';
import { type AlertEvent, AlertNotShownError, type AlertShownAt } from '../../core/ports/notifier.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { slackErrorCode } from '../slackErrorCode.js';
import { alertMessage, alertMovedOnMessage, alertResolvedReply, alertWorsenedReply } from '../ui/alerts.js';
import { alertPostFailure } from './alertPostFailure.js';

/**
 * The Slack half of the alert lifecycle (the state is core/alerts.ts's, in the alerts table): one message per alert,
 * posted when it fires, edited in place while it lasts, edited once more and answered in its thread when resolved.
 */
export function createAlertPosts(options: {
  slack: webApi.WebClient;
  channel: string;
  now?: () => number;
  logger?: Logger;
}): (event: AlertEvent) => Promise<AlertShownAt | null> {
  const { slack, channel } = options;
  const now = options.now ?? Date.now;

  // Two raises of a new alert in the same moment (two deliveries dying together) must make one post, not two. The core
  // (core/alerts.ts) shows one rule and subject a step at a time, so this join is a backstop for a caller that does not.
  const posting = new Map<number, Promise<AlertShownAt | null>>();
  const post = (alert: Alert, reannounced = false): Promise<AlertShownAt | null> => {
    const inProgress = posting.get(alert.id);
    if (inProgress) return inProgress;
    const posted = (async () => {
      const message = alertMessage(alert, now(), { reannounced });
      const result = await slack.chat.postMessage({ channel, ...message, unfurl_links: false, unfurl_media: false });
      // Accepted without a ts (a proxy's or a Slack fault's `{ok:true}`): posted all the same, so recorded as posted
      // with nothing to edit; returning nothing had the alert posted anew at every raise (every watch run).
      return { channel, ts: result.ts ?? null };
    })().finally(() => posting.delete(alert.id));
    posting.set(alert.id, posted);
    return posted;
  };
  // Edits of one message go out one after the other, in the order the alert's states were read. Two at once (an
  // Acknowledge pressed as the watch resolves the alert) reach Slack in either order: the first failing once and tried
  // again after the other landed, the resolved alert was shown open, its buttons live, above a thread saying it ended.
  const editing = new Map<string, Promise<unknown>>();
  const inTurn = <T>(where: { channel: string; ts: string }, send: () => Promise<T>): Promise<T> => {
    const key = `${where.channel} ${where.ts}`;
    const mine = (editing.get(key) ?? Promise.resolve()).then(send);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    editing.set(key, settled);
    void settled.then(() => {
      if (editing.get(key) === settled) editing.delete(key);
    });
    return mine;
  };
  /** `gone`: its message was deleted in Slack and, the alert being snoozed or muted, not posted anew. */
  const edit = async (alert: Alert): Promise<AlertShownAt | null | 'gone'> => {
    if (!alert.slackChannel) return post(alert);
    // Posted without a ts: its message cannot be edited, and posting it again would repeat it.
    if (!alert.slackTs) return null;
    try {
      const where = { channel: alert.slackChannel, ts: alert.slackTs };
      await inTurn(where, () => slack.chat.update({ ...where, ...alertMessage(alert, now()) }));
    } catch (error) {
      // Deleted in Slack (someone tidying the channel): every edit of it would fail the same way, so its change and its
      // end were owed for ever and never read. Posted anew instead, as it stands now; the new message is the alert's.
      if (slackErrorCode(error) !== 'message_not_found') throw error;
      // Snoozed or muted: a new post would notify the channel of what someone just silenced (one snoozing it from
      // App Home, or an admin muting its rule, had it posted anew). Its snooze's end or its unmute posts it anew.
      if (alert.quiet !== null) return 'gone';
      return post(alert);
    }
    return null;
  };

  const show = async (event: AlertEvent): Promise<AlertShownAt | null> => {
    const { alert } = event;
    switch (event.type) {
      case 'alertRaised': {
        if (!event.reannounced || !alert.slackChannel || !alert.slackTs) return post(alert, event.reannounced === true);
        const shown = await post(alert, true);
        // The earlier message stays in the history; its buttons go, and it points at the new one.
        const where = { channel: alert.slackChannel, ts: alert.slackTs };
        await inTurn(where, () => slack.chat.update({ ...where, ...alertMovedOnMessage(alert) })).catch((error: unknown) =>
          options.logger?.warn('could not mark an alert message as re-posted', { error: describeError(error) }),
        );
        return shown;
      }
      case 'alertUpdated': {
        const edited = await edit(alert);
        const shown = edited === 'gone' ? null : edited;
        const { worsenedFrom } = event;
        const at = shown ?? (alert.slackChannel ? { channel: alert.slackChannel, ts: alert.slackTs } : null);
        if (worsenedFrom && at?.ts)
          await slack.chat.postMessage({
            channel: at.channel,
            thread_ts: at.ts,
            reply_broadcast: true,
            text: alertWorsenedReply(alert, worsenedFrom),
            unfurl_links: false,
            unfurl_media: false,
          });
        return shown;
      }
      case 'alertResolved': {
        if (!alert.slackChannel || !alert.slackTs) return post(alert);
        // Posted anew (its message deleted in Slack): that post shows its end, like one never shown.
        const reposted = await edit(alert);
        // Deleted while quiet: nobody needs to read that it ended, and a reply under the deleted message fails.
        if (reposted === 'gone') return null;
        if (reposted) return reposted;
        await slack.chat.postMessage({
          channel: alert.slackChannel,
          thread_ts: alert.slackTs,
          // Snoozed or muted: said in the thread only, where nobody is pinged.
          reply_broadcast: event.quietly !== true,
          text: alertResolvedReply(alert, now()),
          unfurl_links: false,
          unfurl_media: false,
        });
        return null;
      }
    }
  };
  // Said by kind, so the caller can count it and tell the job's run why (the alert itself is kept and shown later).
  return (event) =>
    show(event).catch((error: unknown) => {
      throw new AlertNotShownError(alertPostFailure(error), { cause: error });
    });
}
