import type { webApi } from '@slack/bolt';
import { renderTrafficChart } from '../../charts/trafficChart.js';
import type { DailyDigest, Notifier, SenderIdDecided } from '../../core/ports/notifier.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { withoutUploadAddresses } from '../boltLogger.js';
import { slackErrorCode } from '../slackErrorCode.js';
import { alertText } from '../ui/alerts.js';
import { senderIdDecisionsMessage, senderIdDeletedMessage, tenDlcChangeMessage } from '../ui/approvals.js';
import { escapeMrkdwn } from '../ui/text.js';
import { dailyDigestMessage, trafficChartTitle } from '../ui/traffic.js';

/** Slack's answers when a thread's parent cannot be replied to (deleted, or the bot left its channel). */
const PARENT_GONE = new Set(['thread_not_found', 'message_not_found', 'channel_not_found', 'not_in_channel', 'is_archived']);

/** The announcements in the alert channel: decisions made elsewhere, the daily digest, the relay's unrecorded stall. */
export function createAnnouncements(options: {
  /** The client that retries (announcements are not paced by the relay). */
  slack: webApi.WebClient;
  /** The relay's client: the stall is said with it, as the relay itself is what is in trouble. */
  relaySlack: webApi.WebClient;
  channel: string;
  logger: Logger;
  /** Whose hours the digest's chart is labelled in (SCHEDULE_TIMEZONE). */
  timeZone?: string;
}): Notifier['announce'] {
  const { slack, channel, logger } = options;
  const announce = (message: { text: string; blocks?: unknown[] }) =>
    slack.chat.postMessage({ channel, ...message, unfurl_links: false, unfurl_media: false } as webApi.ChatPostMessageArguments);

  /**
   * A carrier decision answers its request: posted in the request announcement's thread. Approvals and removals are
   * also broadcast to the channel (`reply_broadcast`), since they change where the Sender ID can send; a rejection
   * stays in the thread, as its alert is posted in the channel anyway. Requests announced before smsops kept the
   * announcement, portal-made Sender IDs, and a parent Slack no longer finds get a top-level post.
   */
  const answerRequest = async (
    parent: { channel: string; ts: string } | null | undefined,
    message: { text: string; blocks?: unknown[] },
    broadcast: boolean,
  ) => {
    if (!parent) return announce(message);
    try {
      await slack.chat.postMessage({
        channel: parent.channel,
        thread_ts: parent.ts,
        ...(broadcast ? { reply_broadcast: true } : {}),
        ...message,
        unfurl_links: false,
        unfurl_media: false,
      } as webApi.ChatPostMessageArguments);
    } catch (error) {
      const code = slackErrorCode(error);
      if (!code || !PARENT_GONE.has(code)) throw error;
      logger.info('the Sender ID request announcement is gone; its decision is posted top-level', { error: code });
      await announce(message);
    }
  };

  const announceSenderIdDecisions = (event: SenderIdDecided) =>
    answerRequest(
      event.announcement,
      senderIdDecisionsMessage(event.senderId, event.decisions),
      event.decisions.some((d) => d.status === 'approved' || d.status === 'removed'),
    );

  const digest = async (event: DailyDigest) => {
    const { report } = event;
    // Never unfurled, as every other post of smsops: Slack unfurls media links in an app's post unless told not to, and
    // its reasons and alerts are words from outside (a carrier's, a destination's).
    await slack.chat.postMessage({
      channel,
      ...dailyDigestMessage(report, event.openAlerts, event.endedAlerts),
      unfurl_links: false,
      unfurl_media: false,
    });
    try {
      const chart = report.hourly.map((h) => ({
        hourStart: h.hourStart,
        inbound: h.inbound,
        outbound: h.sent,
        failed: h.failed,
      }));
      await slack.files.uploadV2({
        channel_id: channel,
        file: renderTrafficChart(chart, {
          title: trafficChartTitle(report),
          ...(options.timeZone ? { timeZone: options.timeZone } : {}),
        }),
        filename: 'smsops-daily-traffic.png',
        title: trafficChartTitle(report),
      });
    } catch (error) {
      // The figures are out; a missing chart is worth a log line, not a failed digest.
      logger.warn('daily digest chart not uploaded', { error: withoutUploadAddresses(describeError(error)) });
    }
  };

  return async (event) => {
    switch (event.type) {
      case 'senderIdDecided':
        await announceSenderIdDecisions(event);
        return;
      case 'senderIdDeleted':
        // Broadcast when it could send somewhere: where it sends changed.
        await answerRequest(event.announcement, senderIdDeletedMessage(event), event.approvedIn.length > 0);
        return;
      case 'tenDlcStatusChanged': {
        const { type: _type, brandLabel, campaignLabel, ...change } = event;
        await announce(tenDlcChangeMessage({ change, brandLabel, campaignLabel }));
        return;
      }
      case 'dailyDigest':
        await digest(event);
        return;
      case 'relayStallUnrecorded': {
        // Raw text (a worker's error among the problems): escaped, as alertMessage escapes it for recorded alerts.
        const summary = escapeMrkdwn(alertText({ rule: 'relay_stalled', facts: { problems: event.problems }, summary: '' }));
        const posted = await options.relaySlack.chat.postMessage({
          channel,
          text: `:rotating_light: ${summary} (This alert cannot be recorded while the database cannot be written; it is tracked as \`relay_stalled\` once it can.)`,
          unfurl_links: false,
          unfurl_media: false,
        });
        // The relay_stalled alert takes this message over once it can be recorded, instead of posting a second one.
        return { channel: posted.channel ?? channel, ts: posted.ts ?? null };
      }
      case 'relayRecoveredUnrecorded':
        await options.relaySlack.chat.postMessage({
          channel,
          text: ':white_check_mark: The inbound relay works again (the stall announced above is over).',
          unfurl_links: false,
          unfurl_media: false,
        });
        return;
    }
  };
}
